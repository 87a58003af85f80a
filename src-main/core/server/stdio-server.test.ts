import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Fleet } from '../fleet.js';
import { serveStdio } from './stdio-server.js';

/** The Electron shell talks to the core this way: one JSON request per line, answers and events back. */
describe('serveStdio', () => {
  it('answers requests by id, reports problems, and survives malformed lines', async () => {
    const fleet = new Fleet({ dataDir: ':memory:', knownHostsFiles: [] });
    const input = new PassThrough();
    const output = new PassThrough();
    const lines: unknown[] = [];
    output.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => lines.push(JSON.parse(l))));
    const done = serveStdio(fleet, input, output);
    input.write(`${JSON.stringify({ id: 1, method: 'hosts.add', params: { name: 'a', address: '10.0.0.1', user: 'me' } })}\n`);
    input.write('not json\n');
    input.write(`${JSON.stringify({ id: 2, method: 'hosts.add', params: { name: 'b', address: 'x;rm -rf /', user: 'me' } })}\n`);
    input.write(`${JSON.stringify({ id: 3, method: 'hosts.list', params: {} })}\n`);
    await new Promise((r) => setTimeout(r, 100));
    input.end();
    await done;
    fleet.close();
    const byId = (id: number) => lines.find((l) => (l as { id: number }).id === id) as Record<string, unknown>;
    expect(byId(1).result).toMatchObject({ name: 'a' });
    expect(byId(-1).problem).toMatchObject({ problem: 'protocol-error' });
    expect(byId(2).problem).toMatchObject({ problem: 'invalid-input' });
    expect(byId(3).result).toHaveLength(1);
  });
});
