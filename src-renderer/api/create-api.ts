import { buildClient, buildSubscribers, type ApiClient, type ApiSubscribers } from '../../src-common/api.js';
import { WS_PATH } from '../../src-common/wire.js';
import { BridgeTransport, isBridge } from './bridge-transport.js';
import { readToken, webSocketUrl } from './token.js';
import type { Transport } from './transport.js';
import { WsTransport, type SocketLike } from './ws-transport.js';

export interface ApiConnection {
  mode: 'electron' | 'web';
  client: ApiClient;
  events: ApiSubscribers;
  transport: Transport;
}

export type ApiSetup = { ok: true; api: ApiConnection } | { ok: false; reason: 'no-token' };

/** Chosen once at start-up: the preload bridge in Electron, else a WebSocket to `fleetdeck serve`. */
export function createApi(): ApiSetup {
  let transport: Transport;
  let mode: ApiConnection['mode'];
  if (isBridge(window.fleetdeck)) {
    transport = new BridgeTransport(window.fleetdeck);
    mode = 'electron';
  } else {
    const token = readToken({
      location: window.location,
      storage: window.sessionStorage,
      replaceUrl: (url) => window.history.replaceState(null, '', url),
    });
    if (!token) return { ok: false, reason: 'no-token' };
    const ws = new WsTransport({ url: webSocketUrl(window.location, token, WS_PATH), createSocket: (url) => new WebSocket(url) as unknown as SocketLike });
    window.addEventListener('online', () => ws.retryNow());
    transport = ws;
    mode = 'web';
  }
  transport.start();
  const call = (method: string, params: unknown) => transport.call(method, params);
  const subscribe = (event: string, listener: (payload: unknown) => void) => transport.subscribe(event, listener);
  return { ok: true, api: { mode, transport, client: buildClient(call), events: buildSubscribers(subscribe) } };
}
