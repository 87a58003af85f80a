import { describe, expect, it } from 'vitest';
import { FleetdeckError } from '../problems.js';
import { ProtocolEndpoint, type EndpointHandlers } from './endpoint.js';
import { encodeControl, encodeFrame } from './frames.js';

/** Two endpoints joined back to back, exchanging real encoded frames asynchronously. */
function pair(server: EndpointHandlers) {
  let bytesToClient = 0;
  const a: ProtocolEndpoint = new ProtocolEndpoint((bytes) => setImmediate(() => b.receive(bytes)), {}, 'c');
  const b: ProtocolEndpoint = new ProtocolEndpoint((bytes) => {
    bytesToClient += bytes.length;
    setImmediate(() => a.receive(bytes));
  }, server, 'h');
  return { client: a, server: b, sent: () => bytesToClient };
}

describe('ProtocolEndpoint', () => {
  it('answers calls by id, in any order', async () => {
    const { client } = pair({
      call: async (method, params) => {
        if (method === 'slow') await new Promise((r) => setTimeout(r, 30));
        return { method, params };
      },
    });
    const [slow, fast] = await Promise.all([client.call('slow', 1), client.call('fast', 2)]);
    expect(slow).toEqual({ method: 'slow', params: 1 });
    expect(fast).toEqual({ method: 'fast', params: 2 });
  });

  it('carries problems across with their code and message', async () => {
    const { client } = pair({
      call: async () => {
        throw new FleetdeckError('access-denied', 'no way', { why: 'test' });
      },
    });
    await expect(client.call('x', {})).rejects.toMatchObject({ problem: 'access-denied', message: 'no way', details: { why: 'test' } });
  });

  it('times out and cancels a call on the other side', async () => {
    let aborted = false;
    const { client } = pair({
      call: (_m, _p, signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    });
    await expect(client.call('hang', {}, { timeoutMs: 50 })).rejects.toMatchObject({ problem: 'timeout' });
    await new Promise((r) => setTimeout(r, 20));
    expect(aborted).toBe(true);
  });

  it('fails every pending call when the stream is corrupt', async () => {
    const { client } = pair({ call: () => new Promise(() => undefined) });
    const pending = client.call('never', {});
    client.receive(new TextEncoder().encode('garbage!\n'));
    await expect(pending).rejects.toMatchObject({ problem: 'protocol-error' });
    await expect(client.call('after', {})).rejects.toMatchObject({ problem: 'protocol-error' });
  });

  it('streams a channel under flow control: the sender never runs more than a window ahead', async () => {
    const window = 64 * 1024;
    let maxAhead = 0;
    let produced = 0;
    let consumed = 0;
    const { client } = pair({
      open: async (_m, params, sink) => {
        const total = (params as { total: number }).total;
        while (produced < total) {
          await sink.send(new Uint8Array(8192));
          produced += 8192;
          maxAhead = Math.max(maxAhead, produced - consumed);
        }
      },
    });
    const ch = client.open('stream', { total: 1024 * 1024 }, {
      window,
      onData: async (d) => {
        await new Promise((r) => setTimeout(r, 1)); // a slow consumer
        consumed += d.length;
      },
    });
    await ch.finished;
    expect(consumed).toBe(1024 * 1024);
    expect(maxAhead).toBeLessThanOrEqual(window + 8192);
  });

  it('closing a channel stops the sender', async () => {
    let sent = 0;
    let stopped: unknown = null;
    const { client } = pair({
      open: async (_m, _p, sink) => {
        try {
          for (;;) {
            await sink.send(new Uint8Array(1024));
            sent++;
          }
        } catch (err) {
          stopped = err;
        }
      },
    });
    const ch = client.open('forever', {}, { window: 4096, onData: () => undefined });
    await new Promise((r) => setTimeout(r, 30));
    ch.close();
    await expect(ch.finished).rejects.toMatchObject({ problem: 'cancelled' });
    await new Promise((r) => setTimeout(r, 30));
    const after = sent;
    await new Promise((r) => setTimeout(r, 30));
    expect(sent).toBe(after);
    expect(stopped).toBeTruthy();
  });

  it('reports channel failures as problems', async () => {
    const { client } = pair({
      open: async () => {
        throw new FleetdeckError('not-found', 'no such stream');
      },
    });
    await expect(client.open('nope', {}, { onData: () => undefined }).finished).rejects.toMatchObject({ problem: 'not-found' });
  });

  it('cuts off a peer that ignores the receive window', async () => {
    const client = new ProtocolEndpoint(() => undefined, {}, 'c');
    const ch = client.open('flood', {}, { window: 1024, onData: () => new Promise(() => undefined) });
    const big = new Uint8Array(9 * 1024 * 1024);
    client.receive(encodeFrame('c1', big));
    client.receive(encodeFrame('c1', big));
    await expect(ch.finished).rejects.toMatchObject({ problem: 'protocol-error', message: expect.stringMatching(/flow control/) });
    expect(client.isClosed).toBe(true);
  });

  it('refuses a reply whose problem is malformed', async () => {
    const client = new ProtocolEndpoint(() => undefined, {}, 'c');
    const pending = client.call('x', {});
    client.receive(encodeControl({ command: 'reply', id: 1, problem: null }));
    await expect(pending).rejects.toMatchObject({ problem: 'protocol-error' });
  });
});

