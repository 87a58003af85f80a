import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiEvents } from '../../../src-common/api.js';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { helperChannels } from '../../../src-common/protocol/helper-api.js';
import type { Db } from '../db/database.js';
import { EventBus } from '../events.js';
import { FakeSession } from './fake-helper.js';
import { JsonLineSplitter } from './json-lines.js';
import { MonitorService } from './monitor-service.js';
import { makeSample } from './sample-factory.js';
import { tempDb } from './test-db.js';

/** The service against an in-memory helper: parsing, storing, pushing, reconnects, disposal. */
let db: Db;
let events: EventBus;
let session: FakeSession;
let service: MonitorService;
let pushed: { id: number; sample: Sample }[];
let logs: string[];

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2025, 0, 6, 10, 0, 0));
  ({ db } = tempDb());
  events = new EventBus();
  session = new FakeSession(1, events);
  pushed = [];
  logs = [];
  events.on((name, payload) => name === apiEvents.monitor.onSample.name && pushed.push(payload as { id: number; sample: Sample }));
  service = new MonitorService({
    db,
    events,
    session: (id) => (id === 1 ? session : undefined),
    hostName: (id) => {
      if (id > 2) throw new FleetdeckError('not-found', `No host ${id}.`);
      return `gpu-${id}`;
    },
    retryMs: 1000,
    log: (_id, line) => logs.push(line),
  });
});

afterEach(() => {
  service.dispose();
  expect(vi.getTimerCount()).toBe(0);
  db.close();
  vi.useRealTimers();
});

/** A sample as the helper would send it, with a non-ASCII command so UTF-8 splits are tested. */
function line(t: number): string {
  const s = makeSample({ t, processes: 4, gpus: 1 });
  s.processes[0]!.command = 'python3 тренировка.py --name ünïcødé-🚀';
  return JSON.stringify(s) + '\n';
}

/** Sends text in pieces cut at odd byte offsets; single bytes through the non-ASCII command. */
function sendInPieces(send: (d: Uint8Array) => void, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let i = 0;
  let step = 1;
  while (i < bytes.length) {
    const nonAscii = bytes.subarray(i, i + 64).some((b) => b > 0x7f);
    const n = nonAscii ? 1 : step;
    send(bytes.subarray(i, i + n));
    i += n;
    step = (step * 7 + 3) % 211 || 1;
  }
}

async function connectAndStart(intervalMs = 1000) {
  session.connect();
  await service.start(1, intervalMs);
}

describe('MonitorService', () => {
  it('refuses to start on a host that is not connected, and on an unknown host', async () => {
    await expect(service.start(1, 1000)).rejects.toMatchObject({ problem: 'disconnected', message: expect.stringMatching(/gpu-1 is not connected \(idle\)\. Connect it first/) });
    await expect(service.start(2, 1000)).rejects.toMatchObject({ problem: 'disconnected' }); // no session at all
    await expect(service.start(7, 1000)).rejects.toMatchObject({ problem: 'not-found' });
    expect(service.latest(1)).toBeNull();
    expect(session.helper.channels).toHaveLength(0);
  });

  it('parses lines cut anywhere, validates, stores, keeps the latest and pushes each sample', async () => {
    await connectAndStart(500);
    const [ch] = session.helper.channels;
    expect(ch).toMatchObject({ method: helperChannels.metricsStream.method, params: { intervalMs: 500 } });
    const t0 = Date.now();
    sendInPieces((d) => ch!.send(d), line(t0) + '{"not":"a sample"}\n' + 'garbage\n' + line(t0 + 1000) + line(t0 + 2000).slice(0, 100));
    expect(pushed.map((p) => p.sample.t)).toEqual([t0, t0 + 1000]);
    expect(pushed[0]!.id).toBe(1);
    expect(pushed.map((p) => p.sample.processes[0]?.command)).toEqual(Array(2).fill('python3 тренировка.py --name ünïcødé-🚀'));
    expect(logs.filter((l) => /does not fit the schema/.test(l))).toHaveLength(1); // once per stream, not per line
    ch!.send(line(t0 + 2000).slice(100));
    expect(service.latest(1)?.t).toBe(t0 + 2000);
    const h = service.history(1, 'cpu', t0 - 1000, t0 + 5000, 300);
    expect(h.resolution).toBe('raw');
    expect(h.points).toHaveLength(3);
    expect(service.store.lastSeen(1)?.sampleT).toBe(t0 + 2000);
  });

  it('keeps one stream when started twice, and reopens it when the interval changes', async () => {
    await connectAndStart(1000);
    await service.start(1, 1000);
    expect(session.helper.channels).toHaveLength(1);
    await service.start(1, 2000);
    expect(session.helper.channels.map((c) => [c.closed, (c.params as { intervalMs: number }).intervalMs])).toEqual([
      [true, 1000],
      [false, 2000],
    ]);
  });

  it('reopens the stream once when the host reconnects, on the new helper', async () => {
    await connectAndStart();
    const first = session.helper;
    session.lose();
    expect(service.isStreaming(1)).toBe(false);
    session.setState({ state: 'reconnecting', attempt: 1, nextInMs: 1000 });
    await vi.advanceTimersByTimeAsync(10_000); // no retry loop while the host is away
    expect(first.channels).toHaveLength(1);
    session.connect();
    session.setState({ state: 'connected', since: Date.now() }); // a repeated event opens nothing more
    await vi.advanceTimersByTimeAsync(0);
    expect(session.helper).not.toBe(first);
    expect(session.helper.channels).toHaveLength(1); // opened once, not opened twice and one closed
    expect(service.isStreaming(1)).toBe(true);
    session.helper.openChannels[0]!.send(line(Date.now()));
    expect(pushed).toHaveLength(1);
  });

  it('reopens a stream that ended while the host stayed connected, with a growing delay', async () => {
    await connectAndStart();
    session.helper.channels[0]!.end(new FleetdeckError('internal-error', 'nvidia-smi hung'));
    await vi.advanceTimersByTimeAsync(0);
    expect(logs.at(-1)).toMatch(/nvidia-smi hung.*retrying in 1 s/);
    await vi.advanceTimersByTimeAsync(1000);
    expect(session.helper.channels).toHaveLength(2);
    session.helper.channels[1]!.end();
    await vi.advanceTimersByTimeAsync(1999);
    expect(session.helper.channels).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(session.helper.openChannels).toHaveLength(1);
  });

  it('cuts a stream that sends an endless line, and retries', async () => {
    await connectAndStart();
    const [ch] = session.helper.channels;
    ch!.send('{"t":' + ' '.repeat(4 * 1024 * 1024));
    expect(ch!.closed).toBe(true);
    expect(logs.at(-1)).toMatch(/protocol-error: .*longer than/);
    await vi.advanceTimersByTimeAsync(1000);
    expect(session.helper.openChannels).toHaveLength(1);
    expect(new JsonLineSplitter(10).push(new TextEncoder().encode('{"a":1}\n\n  \n{"b"'))).toEqual(['{"a":1}']);
  });

  it('stops: closes the channel, pushes nothing more and does not come back on reconnect', async () => {
    await connectAndStart();
    const [ch] = session.helper.channels;
    expect(service.stop(1)).toEqual({ ok: true });
    expect(ch!.closed).toBe(true);
    ch!.send(line(Date.now()));
    expect(pushed).toHaveLength(0);
    session.lose();
    session.connect();
    await vi.advanceTimersByTimeAsync(5000);
    expect(session.helper.channels).toHaveLength(0);
  });

  it('a stop while the helper is still being fetched opens nothing', async () => {
    session.connect();
    const starting = service.start(1, 1000);
    service.stop(1);
    await starting;
    expect(session.helper.channels).toHaveLength(0);
  });

  it('dispose closes every channel, drops its event subscription and leaves no timer', async () => {
    await connectAndStart();
    session.helper.channels[0]!.send(line(Date.now()));
    expect(vi.getTimerCount()).toBe(1); // the store's flush
    service.dispose();
    expect(session.helper.openChannels).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM metric_raw').pluck().get()).toBe(1); // flushed on the way out
    session.lose();
    session.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(session.helper.channels).toHaveLength(0);
  });
});
