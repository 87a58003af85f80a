import { createServer } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardedGet } from './forwarded-http.js';

/**
 * The HTTP GET carried in an SSH channel: the request goes out on the stream forwardOut gives
 * (here a TCP stream to a local server standing in for the channel; the real channel runs in
 * e2e/integration/modules/monitoring.test.ts), never on a socket of its own to this machine.
 */
describe('forwardedGet', () => {
  let port: number;
  const server = createServer((req, res) => {
    if (req.url === '/big') {
      res.write(Buffer.alloc(17 * 1024 * 1024));
      res.end();
      return;
    }
    res.end(JSON.stringify({ url: req.url }));
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  const client = (asked: number[], fail = false) =>
    ({
      forwardOut: (_sa: string, _sp: number, _da: string, dport: number, cb: (err: Error | undefined, s?: net.Socket) => void) => {
        asked.push(dport);
        if (fail) cb(new Error('Connection refused'));
        else cb(undefined, net.connect(port, '127.0.0.1'));
      },
    }) as unknown as Client;

  it('asks through the channel for the host’s own port, and reads the answer', async () => {
    const asked: number[] = [];
    // Port 9 on this machine answers nothing: the request must not go there.
    expect(await forwardedGet(client(asked), 9, '/prometheus/api/v1/query?query=up')).toEqual({ status: 200, body: '{"url":"/prometheus/api/v1/query?query=up"}' });
    expect(asked).toEqual([9]);
  });

  it('says when nothing answers on the host, and refuses an answer past 16 MiB', async () => {
    await expect(forwardedGet(client([], true), 9090, '/', { label: 'lab' })).rejects.toThrow(/Nothing answers on 127.0.0.1:9090 on lab \(Connection refused\)/);
    await expect(forwardedGet(client([]), 9090, '/big')).rejects.toThrow(/larger than 16 MiB/);
  });
});
