import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from '../db/database.js';
import { MetricsStore } from './metrics-store.js';
import { makeSample } from './sample-factory.js';
import { seriesValues } from './series.js';
import { tempDb, valueSample } from './test-db.js';

/** Raw samples, rollups, usage, retention and last-seen against a real SQLite file. */
const H = Date.UTC(2025, 0, 6, 10, 0, 0); // an hour boundary
const S = 1000;
const M = 60_000;
let db: Db;
let store: MetricsStore;
afterEach(() => {
  store?.dispose();
  db?.close();
  vi.useRealTimers();
});

function open(opts: ConstructorParameters<typeof MetricsStore>[1] = {}) {
  ({ db } = tempDb());
  // The clock sits just after the test data, or the first flush would prune it all as old.
  store = new MetricsStore(db, { now: () => H + 4 * 60 * M, ...opts });
  return store;
}

const row = (table: string, t: number) => db.prepare(`SELECT * FROM ${table} WHERE host_id = 1 AND t = ?`).get(t) as Record<string, number | null>;

describe('MetricsStore ingest and rollups', () => {
  it('takes each series from a sample the way the charts need it', () => {
    const s = makeSample({ t: H, seed: 7 });
    const [cpu, mem, load1, rx, tx, rd, wr, gpuUtil, gpuMem, gpuTemp, iowait, swap] = seriesValues(s);
    expect(cpu).toBe(s.cpu.totalPercent);
    expect(mem).toBeCloseTo((s.memory.usedBytes / s.memory.totalBytes) * 100, 9);
    expect(load1).toBe(s.load[0]);
    // lo and docker0 are left out: their traffic is counted again on the real interfaces.
    expect(rx).toBe(s.net[1]!.rxBytesPerSec + s.net[2]!.rxBytesPerSec);
    expect(tx).toBe(s.net[1]!.txBytesPerSec + s.net[2]!.txBytesPerSec);
    expect(rd).toBe(s.disks.reduce((a, d) => a + d.readBytesPerSec, 0));
    expect(wr).toBe(s.disks.reduce((a, d) => a + d.writeBytesPerSec, 0));
    expect(gpuUtil).toBeCloseTo(s.gpus.reduce((a, g) => a + g.utilizationPercent!, 0) / s.gpus.length, 9);
    expect(gpuMem).toBeCloseTo((s.gpus.reduce((a, g) => a + g.memoryUsedBytes!, 0) / (s.gpus.length * 80 * 1024 ** 3)) * 100, 9);
    expect(gpuTemp).toBe(Math.max(...s.gpus.map((g) => g.temperatureC!)));
    expect(iowait).toBe(s.cpu.iowaitPercent);
    expect(swap).toBe(s.memory.swapUsedBytes);
    expect(seriesValues(valueSample(H)).slice(7)).toEqual([null, null, null, null, 0]);
  });

  it('rolls up minutes and hours across boundaries, whatever order and batches samples come in', () => {
    open();
    // Minute 10:59 of hour 10: cpu 20, 10, 30 (avg 20). Minute 11:00 of hour 11: cpu 50, null, 70 (avg 60).
    const last = H + 59 * M;
    const next = H + 60 * M;
    store.ingestMany([
      { hostId: 1, sample: valueSample(next + 2 * S, { cpu: 70, load1: 3 }) },
      { hostId: 1, sample: valueSample(last + 59 * S, { cpu: 30, load1: 2 }) },
      { hostId: 1, sample: valueSample(last + 30 * S, { cpu: 20, load1: 1 }) },
    ]);
    store.ingest(1, valueSample(next + 1 * S, { cpu: null, load1: 4 }));
    store.ingest(1, valueSample(last + 1 * S, { cpu: 10, load1: 5 }));
    store.ingest(1, valueSample(next, { cpu: 50, load1: 6 }));
    store.flush();

    expect(row('metric_1m', last)).toMatchObject({ samples: 3, cpu_min: 10, cpu_avg: 20, cpu_max: 30, cpu_n: 3, load1_min: 1, load1_max: 5, gpu_util_n: 0, gpu_util_avg: null });
    expect(row('metric_1m', last)!.load1_avg).toBeCloseTo(8 / 3, 12);
    expect(row('metric_1m', next)).toMatchObject({ samples: 3, cpu_min: 50, cpu_avg: 60, cpu_max: 70, cpu_n: 2, load1_min: 3, load1_avg: 13 / 3, load1_max: 6 });
    expect(row('metric_1h', H)).toMatchObject({ samples: 3, cpu_min: 10, cpu_avg: 20, cpu_max: 30, cpu_n: 3 });
    expect(row('metric_1h', next)).toMatchObject({ samples: 3, cpu_min: 50, cpu_avg: 60, cpu_max: 70, cpu_n: 2 });
    expect(db.prepare('SELECT COUNT(*) FROM metric_1m').pluck().get()).toBe(2);

    // A sample sent twice is stored and counted once.
    expect(store.ingestMany([{ hostId: 1, sample: valueSample(last + 30 * S, { cpu: 20 }) }])).toBe(0);
    expect(row('metric_1m', last)).toMatchObject({ samples: 3, cpu_avg: 20 });
  });

  it('keeps I/O wait and swap used like the other series: raw, minute and hour rollups, and history reads', () => {
    open();
    store.ingestMany([
      { hostId: 1, sample: valueSample(H + 1 * S, { iowait: 2, swapUsed: 1000 }) },
      { hostId: 1, sample: valueSample(H + 2 * S, { iowait: null, swapUsed: 3000 }) },
      { hostId: 1, sample: valueSample(H + 3 * S, { iowait: 10, swapUsed: 2000 }) },
    ]);
    store.ingestMany([{ hostId: 1, sample: valueSample(H + M, { iowait: 30, swapUsed: 0 }) }]);
    expect(db.prepare('SELECT iowait, swap FROM metric_raw WHERE host_id = 1 AND t = ?').get(H + 3 * S)).toEqual({ iowait: 10, swap: 2000 });
    expect(row('metric_1m', H)).toMatchObject({ iowait_min: 2, iowait_avg: 6, iowait_max: 10, iowait_n: 2, swap_min: 1000, swap_avg: 2000, swap_max: 3000, swap_n: 3 });
    expect(row('metric_1h', H)).toMatchObject({ iowait_min: 2, iowait_avg: 14, iowait_max: 30, iowait_n: 3, swap_min: 0, swap_avg: 1500, swap_max: 3000, swap_n: 4 });
    expect(store.history(1, 'iowait', H, H + 2 * M, 10).points.filter((p) => p.avg !== null)).not.toHaveLength(0);
    expect(store.history(1, 'iowait', H, H + 2 * M, 10, { resolution: '1m' }).points).toEqual([
      { t: H, min: 2, avg: 6, max: 10 },
      { t: H + M, min: 30, avg: 30, max: 30 },
    ]);
    expect(store.history(1, 'swap', H, H + 2 * M, 10, { resolution: '1h' }).points).toEqual([{ t: H, min: 0, avg: 1500, max: 3000 }]);
  });

  it('matches rollups recomputed from the raw rows after a shuffled day of samples', () => {
    open();
    const items = Array.from({ length: 3 * 3600 }, (_, i) => ({ hostId: 1, sample: valueSample(H + i * S, { cpu: (i * 37) % 101, rx: i }) }));
    for (let i = items.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    for (let i = 0; i < items.length; i += 997) store.ingestMany(items.slice(i, i + 997));
    const recomputed = db
      .prepare('SELECT (t / 60000) * 60000 AS t, COUNT(*) AS samples, MIN(cpu) AS mn, AVG(cpu) AS av, MAX(cpu) AS mx, AVG(net_rx) AS rx FROM metric_raw GROUP BY 1 ORDER BY 1')
      .all() as { t: number; samples: number; mn: number; av: number; mx: number; rx: number }[];
    const rollups = db.prepare('SELECT t, samples, cpu_min AS mn, cpu_avg AS av, cpu_max AS mx, net_rx_avg AS rx FROM metric_1m ORDER BY t').all() as typeof recomputed;
    expect(rollups.length).toBe(180);
    rollups.forEach((r, i) => {
      const e = recomputed[i]!;
      expect([r.t, r.samples, r.mn, r.mx]).toEqual([e.t, e.samples, e.mn, e.mx]);
      expect(r.av).toBeCloseTo(e.av, 9);
      expect(r.rx).toBeCloseTo(e.rx, 6);
    });
  });

  it('skips samples of a host that was removed, and keeps the rest of the batch', () => {
    open();
    expect(store.ingestMany([{ hostId: 99, sample: valueSample(H) }, { hostId: 1, sample: valueSample(H, { cpu: 5 }) }])).toBe(1);
    expect(db.prepare('SELECT host_id FROM metric_raw').pluck().all()).toEqual([1]);
    db.prepare('DELETE FROM hosts WHERE id = 1').run();
    expect(db.prepare('SELECT COUNT(*) FROM metric_1m').pluck().get()).toBe(0);
  });

  it('writes big batches in chunks, falling back to rows for a chunk with a duplicate or a removed host', () => {
    open();
    const items = Array.from({ length: 200 }, (_, i) => ({ hostId: 1, sample: valueSample(H + i * S, { cpu: i }) }));
    items[10] = { hostId: 1, sample: valueSample(H + 5 * S, { cpu: 1000 }) }; // same t as item 5
    items[100] = { hostId: 99, sample: valueSample(H + 100 * S, { cpu: 1000 }) }; // no such host
    expect(store.ingestMany(items)).toBe(198);
    expect(db.prepare('SELECT COUNT(*) FROM metric_raw').pluck().get()).toBe(198);
    expect(db.prepare('SELECT cpu FROM metric_raw WHERE t = ?').pluck().get(H + 5 * S)).toBe(5); // the first one stays
    expect(row('metric_1m', H)).toMatchObject({ samples: 59, cpu_min: 0, cpu_max: 59, cpu_n: 59 });
    expect(row('metric_1h', H)).toMatchObject({ samples: 198, cpu_max: 199 });
  });

  it('writes queued live samples in one batch after flushMs, leaving no timer behind', () => {
    vi.useFakeTimers();
    open({ flushMs: 1000 });
    for (let h = 1; h <= 2; h++) for (let i = 0; i < 3; i++) store.ingest(h, valueSample(H + i * S));
    expect(vi.getTimerCount()).toBe(1);
    expect(db.prepare('SELECT COUNT(*) FROM metric_raw').pluck().get()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(db.prepare('SELECT COUNT(*) FROM metric_raw').pluck().get()).toBe(6);
    expect(vi.getTimerCount()).toBe(0);
    store.ingest(1, valueSample(H + 10 * S));
    store.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM metric_raw').pluck().get()).toBe(7);
  });
});

describe('MetricsStore per-user usage and last seen', () => {
  it('keeps per-user minute usage weighted by sampled time, merged across batches', () => {
    open();
    const u = (user: string, cpuPercent: number, memoryBytes: number, gpuMemoryBytes: number, gpusTouched: number[]) => ({ user, uid: null, cpuPercent, memoryBytes, gpuMemoryBytes, gpusTouched, processes: 1 });
    store.ingestMany([{ hostId: 1, sample: valueSample(H + 10 * S, { users: [u('alice', 100, 1000, 500, [0]), u('bob', 50, 10, 0, [])] }) }]);
    store.ingestMany([
      { hostId: 1, sample: valueSample(H + 5 * S, { intervalMs: 2000, users: [u('alice', 400, 4000, 2000, [1, 40])] }) },
      { hostId: 1, sample: valueSample(H + 61 * S, { users: [u('alice', 10, 0, 0, [])] }) },
    ]);
    const rows = store.usage(1, H, H + 2 * M);
    expect(rows).toHaveLength(3);
    // alice in minute 10:00: 1 s at 100 %, 2 s at 400 % → 300 % over 3 s.
    expect(rows[0]).toMatchObject({ minute: H, user: 'alice', samples: 2, seconds: 3, cpuAvg: 300, memAvgBytes: 3000, gpuMemAvgBytes: 1500, gpusTouched: [0, 1, 40], gpuSeconds: 1 + 2 * 2 });
    expect(rows[1]).toMatchObject({ minute: H, user: 'bob', samples: 1, seconds: 1, cpuAvg: 50, gpusTouched: [], gpuSeconds: 0 });
    expect(rows[2]).toMatchObject({ minute: H + M, user: 'alice', seconds: 1, cpuAvg: 10 });
    // CPU-hours the way a report computes them.
    const cpuHours = rows.filter((r) => r.user === 'alice').reduce((a, r) => a + (r.cpuAvg / 100) * r.seconds, 0) / 3600;
    expect(cpuHours).toBeCloseTo((1 * 1 + 4 * 2 + 0.1 * 1) / 3600, 12);
  });

  it('remembers when each host was last heard from, in memory and across restarts', () => {
    let now = H + 5 * S;
    const t = tempDb();
    db = t.db;
    const file = t.file;
    store = new MetricsStore(db, { now: () => now });
    expect(store.lastSeen(1)).toBeNull();
    store.ingest(1, valueSample(H + 2 * S));
    expect(store.lastSeen(1)).toEqual({ seenAt: H + 5 * S, sampleT: H + 2 * S });
    now += 10 * S;
    store.ingest(1, valueSample(H + S)); // an older sample arriving late does not move sampleT back
    store.dispose();
    db.close();
    db = openDatabase(file); // same file: migrations already applied
    store = new MetricsStore(db, { now: () => now });
    expect(store.lastSeen(1)).toEqual({ seenAt: H + 15 * S, sampleT: H + 2 * S });
  });
});

describe('MetricsStore retention', () => {
  it('prunes each table past its retention, keeping last-seen', () => {
    const now = H + 500 * 24 * 60 * M;
    open({ now: () => now, retention: { rawMs: 10 * M } });
    const ages = [5 * M, 20 * M, 47 * 60 * M, 20 * 24 * 60 * M, 40 * 24 * 60 * M, 450 * 24 * 60 * M];
    store.ingestMany(ages.map((a) => ({ hostId: 1, sample: valueSample(now - a, { users: [{ user: 'alice', uid: 1, cpuPercent: 1, memoryBytes: 1, gpuMemoryBytes: 0, gpusTouched: [], processes: 1 }] }) })));
    const counts = store.prune();
    expect(counts).toEqual({ raw: 5, minute: 2, hour: 1, usage: 2, gpuMinute: 0, gpuHour: 0, gpuFolded: 0 });
    expect(db.prepare('SELECT COUNT(*) FROM metric_raw').pluck().get()).toBe(1); // raw kept 10 min (option)
    expect(db.prepare('SELECT COUNT(*) FROM metric_1m').pluck().get()).toBe(4); // 30 days
    expect(db.prepare('SELECT COUNT(*) FROM metric_1h').pluck().get()).toBe(4); // 400 days (5 and 20 min ago share an hour)
    expect(db.prepare('SELECT COUNT(*) FROM usage_1m').pluck().get()).toBe(4);
    expect(store.prune()).toEqual({ raw: 0, minute: 0, hour: 0, usage: 0, gpuMinute: 0, gpuHour: 0, gpuFolded: 0 });
    expect(store.lastSeen(1)?.sampleT).toBe(now - 5 * M);
  });

  it('prunes from a flush once pruneEveryMs has passed, with no timer of its own', () => {
    vi.useFakeTimers();
    vi.setSystemTime(H);
    open({ now: () => Date.now(), retention: { rawMs: 60 * S }, pruneEveryMs: 30 * S });
    store.ingestMany([{ hostId: 1, sample: valueSample(H - 5 * M) }]);
    store.ingest(1, valueSample(H));
    vi.advanceTimersByTime(1000); // first flush prunes
    expect(db.prepare('SELECT t FROM metric_raw').pluck().all()).toEqual([H]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
