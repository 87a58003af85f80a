import { describe, expect, it } from 'vitest';
import { FleetdeckError } from '../../src-common/problems.js';
import type { LinkStatus } from './transport.js';
import { WsTransport, type SocketLike } from './ws-transport.js';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  serverOpens() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverSends(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  serverDrops() {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const statuses: LinkStatus[] = [];
  const transport = new WsTransport({
    url: 'ws://127.0.0.1:1/api?token=t',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
    backoff: (attempt) => attempt * 100,
  });
  transport.onLink((s) => statuses.push(s));
  transport.start();
  const last = () => sockets[sockets.length - 1] as FakeSocket;
  return { transport, sockets, timers, statuses, last };
}

describe('WsTransport', () => {
  it('queues calls until the socket opens, then resolves them by id', async () => {
    const { transport, last } = setup();
    const result = transport.call('hosts.list', {});
    expect(last().sent).toEqual([]);
    last().serverOpens();
    expect(last().sent).toEqual([{ id: 1, method: 'hosts.list', params: {} }]);
    last().serverSends({ id: 1, result: [{ id: 7 }] });
    await expect(result).resolves.toEqual([{ id: 7 }]);
  });

  it('rejects with a FleetdeckError carrying problem, message and details', async () => {
    const { transport, last } = setup();
    last().serverOpens();
    const result = transport.call('hosts.connect', { id: 1 });
    const details = { hostName: '[10.0.0.5]:22', keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc' };
    last().serverSends({ id: 1, problem: { problem: 'unknown-hostkey', message: 'New host key', details } });
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetdeckError);
    expect(err).toMatchObject({ problem: 'unknown-hostkey', message: 'New host key', details });
  });

  it('maps unknown problem codes to internal-error but keeps the message', async () => {
    const { transport, last } = setup();
    last().serverOpens();
    const result = transport.call('x.y', {});
    last().serverSends({ id: 1, problem: { problem: 'what-is-this', message: 'Something odd' } });
    await expect(result).rejects.toMatchObject({ problem: 'internal-error', message: 'Something odd' });
  });

  it('dispatches pushed events to subscribers until they unsubscribe', () => {
    const { transport, last } = setup();
    last().serverOpens();
    const seen: unknown[] = [];
    const off = transport.subscribe('hosts.onState', (p) => seen.push(p));
    last().serverSends({ event: 'hosts.onState', payload: { id: 1, connection: { state: 'idle' } } });
    last().serverSends({ event: 'hosts.onLog', payload: { id: 1 } });
    off();
    last().serverSends({ event: 'hosts.onState', payload: { id: 2 } });
    expect(seen).toEqual([{ id: 1, connection: { state: 'idle' } }]);
  });

  it('ignores frames that are not JSON', () => {
    const { last } = setup();
    last().serverOpens();
    expect(() => last().onmessage?.({ data: 'not json' })).not.toThrow();
  });

  it('rejects calls in flight when the link drops, reconnects with backoff and resends queued calls', async () => {
    const { transport, sockets, timers, statuses, last } = setup();
    last().serverOpens();
    const inFlight = transport.call('hosts.list', {});
    last().serverDrops();
    await expect(inFlight).rejects.toMatchObject({ problem: 'disconnected' });
    expect(statuses.at(-1)).toMatchObject({ state: 'down', attempt: 1, everConnected: true });
    expect(timers.at(-1)?.ms).toBe(100);

    const queued = transport.call('hosts.get', { id: 3 });
    timers.at(-1)?.fn();
    expect(sockets).toHaveLength(2);
    last().serverDrops();
    expect(statuses.at(-1)).toMatchObject({ state: 'down', attempt: 2 });
    expect(timers.at(-1)?.ms).toBe(200);

    timers.at(-1)?.fn();
    last().serverOpens();
    expect(statuses.at(-1)).toMatchObject({ state: 'open', attempt: 0 });
    expect(last().sent).toEqual([{ id: 2, method: 'hosts.get', params: { id: 3 } }]);
    last().serverSends({ id: 2, result: { ok: true } });
    await expect(queued).resolves.toEqual({ ok: true });
  });

  it('retryNow skips the wait, dispose rejects what is left', async () => {
    const { transport, sockets, last } = setup();
    last().serverDrops();
    transport.retryNow();
    expect(sockets).toHaveLength(2);
    const pending = transport.call('hosts.list', {});
    transport.dispose();
    await expect(pending).rejects.toMatchObject({ problem: 'cancelled' });
  });
});
