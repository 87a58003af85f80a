import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { FleetdeckError } from '../../../src-common/problems.js';

/**
 * One HTTP GET to a port on the host's own loopback, carried inside the SSH connection (a
 * direct-tcpip channel, as `ssh -L` makes): services that listen on 127.0.0.1 only (Prometheus)
 * are read with no port opened to the network. The answer is host data: its size is bounded and
 * the caller validates it.
 */
export const MAX_FORWARDED_BODY = 16 * 1024 * 1024;

export function forwardedGet(client: Client, port: number, path: string, opts: { timeoutMs?: number; label?: string } = {}): Promise<{ status: number; body: string }> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const where = `127.0.0.1:${port}${opts.label ? ` on ${opts.label}` : ''}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err: Error | null, value?: { status: number; body: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => {
      req.destroy();
      done(new FleetdeckError('timeout', `No answer from ${where} within ${Math.round(timeoutMs / 1000)} s.`));
    }, timeoutMs);
    const req = http.request({
      method: 'GET',
      host: '127.0.0.1',
      port,
      path,
      // No agent: with one (even agent: false, which makes a fresh one) Node would dial the
      // laptop's own 127.0.0.1 instead of calling createConnection.
      headers: { accept: 'application/json', connection: 'close' },
      // The socket is an SSH channel: the host connects to its own 127.0.0.1:port.
      createConnection: (_o: unknown, cb: (err: Error | null, stream: Duplex) => void) => {
        client.forwardOut('127.0.0.1', 0, '127.0.0.1', port, (err, stream) => {
          if (err) done(new FleetdeckError('not-found', `Nothing answers on ${where} (${err.message}).`));
          else cb(null, stream);
        });
        return undefined as unknown as Duplex;
      },
    } as http.RequestOptions);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_FORWARDED_BODY) {
          res.destroy();
          done(new FleetdeckError('protocol-error', `The answer from ${where} is larger than ${MAX_FORWARDED_BODY >> 20} MiB.`));
        } else chunks.push(c);
      });
      res.on('end', () => done(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => done(new FleetdeckError('disconnected', `The answer from ${where} broke off (${e.message}).`)));
    });
    req.on('error', (e) => done(new FleetdeckError('disconnected', `GET ${path} on ${where} failed (${e.message}).`)));
    req.end();
  });
}
