import { TOKEN_PARAM } from '../../src-common/wire.js';

/**
 * The web front door (`fleetdeck serve`) prints a URL carrying an access token, in the fragment
 * (`#token=…`, never sent to servers or logs) or the query (`?token=…`). We keep it in
 * sessionStorage so reloads work, and strip it from the address bar so it does not end up in
 * screenshots, bookmarks or the history.
 */
export const TOKEN_STORAGE_KEY = 'fleetdeck.token';

export interface TokenEnvironment {
  location: Pick<Location, 'hash' | 'search' | 'pathname'>;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  replaceUrl: (url: string) => void;
}

/** Removes token=… from a "#a=b&token=…" or "?token=…" string; returns [token|null, rest]. */
export function takeTokenParam(part: string, prefix: '#' | '?'): [string | null, string] {
  if (!part.startsWith(prefix)) return [null, part];
  const body = part.slice(1);
  // Hash routes look like "#/hosts/3": only a parameter-style fragment can carry the token.
  if (prefix === '#' && body.startsWith('/')) return [null, part];
  const params = new URLSearchParams(body);
  const token = params.get(TOKEN_PARAM);
  if (token === null) return [null, part];
  params.delete(TOKEN_PARAM);
  const rest = params.toString();
  return [token || null, rest ? `${prefix}${rest}` : ''];
}

export function readToken(env: TokenEnvironment): string | null {
  const { hash, search, pathname } = env.location;
  const [fromHash, hashRest] = takeTokenParam(hash, '#');
  const [fromQuery, searchRest] = takeTokenParam(search, '?');
  if (hashRest !== hash || searchRest !== search) env.replaceUrl(`${pathname}${searchRest}${hashRest || '#/'}`);
  const fresh = fromHash ?? fromQuery;
  if (fresh) {
    env.storage.setItem(TOKEN_STORAGE_KEY, fresh);
    return fresh;
  }
  return env.storage.getItem(TOKEN_STORAGE_KEY);
}

export function webSocketUrl(loc: Pick<Location, 'protocol' | 'host'>, token: string, path: string): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${path}?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
}
