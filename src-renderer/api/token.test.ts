import { describe, expect, it } from 'vitest';
import { TOKEN_STORAGE_KEY, readToken, takeTokenParam, webSocketUrl } from './token.js';

function env(hash: string, search: string, stored: string | null = null) {
  const store = new Map<string, string>();
  if (stored) store.set(TOKEN_STORAGE_KEY, stored);
  const replaced: string[] = [];
  return {
    store,
    replaced,
    env: {
      location: { hash, search, pathname: '/' },
      storage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) },
      replaceUrl: (url: string) => void replaced.push(url),
    },
  };
}

describe('takeTokenParam', () => {
  it('leaves hash routes alone', () => {
    expect(takeTokenParam('#/hosts/3/gpus', '#')).toEqual([null, '#/hosts/3/gpus']);
  });
  it('takes the token and keeps other parameters', () => {
    expect(takeTokenParam('?a=1&token=xyz', '?')).toEqual(['xyz', '?a=1']);
    expect(takeTokenParam('#token=abc', '#')).toEqual(['abc', '']);
  });
});

describe('readToken', () => {
  it('reads the token from the fragment, stores it and strips it from the address bar', () => {
    const t = env('#token=s3cret', '');
    expect(readToken(t.env)).toBe('s3cret');
    expect(t.store.get(TOKEN_STORAGE_KEY)).toBe('s3cret');
    expect(t.replaced).toEqual(['/#/']);
  });
  it('reads the token from the query', () => {
    const t = env('#/hosts/2', '?token=q1');
    expect(readToken(t.env)).toBe('q1');
    expect(t.replaced).toEqual(['/#/hosts/2']);
  });
  it('falls back to the stored token without touching the URL', () => {
    const t = env('#/', '', 'kept');
    expect(readToken(t.env)).toBe('kept');
    expect(t.replaced).toEqual([]);
  });
  it('returns null when there is no token anywhere', () => {
    expect(readToken(env('', '').env)).toBeNull();
  });
});

describe('webSocketUrl', () => {
  it('follows the page scheme and encodes the token', () => {
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:7000' }, 'a b', '/api')).toBe('ws://127.0.0.1:7000/api?token=a%20b');
    expect(webSocketUrl({ protocol: 'https:', host: 'x' }, 't', '/api')).toBe('wss://x/api?token=t');
  });
});
