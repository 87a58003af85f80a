import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { MetricsStore } from './metrics-store.js';
import { gpuOf, tempDb, valueSample, type GpuValues } from './test-db.js';

/** Per-GPU history: 1-minute and 1-hour rollups per GPU index, their reads and their retention. */
const H = Date.UTC(2025, 0, 6, 10, 0, 0); // an hour boundary
const S = 1000;
const M = 60_000;
const DAY = 24 * 60 * M;
let db: Db;
let store: MetricsStore;
afterEach(() => {
  store?.dispose();
  db?.close();
});

function open(opts: ConstructorParameters<typeof MetricsStore>[1] = {}) {
  ({ db } = tempDb());
  store = new MetricsStore(db, { now: () => H + 4 * 60 * M, ...opts });
  return store;
}

/** A sample whose GPUs carry the given values (memory total 1000 bytes, so used bytes / 10 = %). */
function gpuSample(t: number, gpus: Record<number, GpuValues>) {
  return valueSample(t, { gpus: Object.entries(gpus).map(([i, v]) => gpuOf(Number(i), { memTotal: 1000, ...v })) });
}

type GpuRow = Record<string, number | null>;
const gpuRow = (table: 'gpu_1m' | 'gpu_1h', t: number, gpu: number) => db.prepare(`SELECT * FROM ${table} WHERE host_id = 1 AND t = ? AND gpu = ?`).get(t, gpu) as GpuRow | undefined;
const count = (sql: string) => db.prepare(sql).pluck().get() as number;

describe('per-GPU rollups', () => {
  it('keeps min/avg/max of every series per GPU, exactly, whatever order and batches samples come in', () => {
    open();
    // Minute 10:00: GPU 0 util 10, 20, 60 (avg 30); GPU 1 util 90, N/A, 70 (avg 80 over 2 values).
    // Minute 10:01: GPU 0 util 40 only; GPU 1 util 0. Minute 11:00 (next hour): GPU 0 util 100.
    const samples = [
      gpuSample(H + 1 * S, { 0: { util: 10, memUsed: 100, temp: 40, power: 100 }, 1: { util: 90, memUsed: 900, temp: 70, power: 250 } }),
      gpuSample(H + 2 * S, { 0: { util: 20, memUsed: 200, temp: 42, power: 110 }, 1: { util: null, memUsed: 800, temp: 71, power: 240 } }),
      gpuSample(H + 3 * S, { 0: { util: 60, memUsed: 600, temp: 50, power: 300 }, 1: { util: 70, memUsed: 700, temp: 72, power: 230 } }),
      gpuSample(H + M + 5 * S, { 0: { util: 40, memUsed: 400, temp: 45, power: 150 }, 1: { util: 0, memUsed: 0, temp: 60, power: 60 } }),
      gpuSample(H + 60 * M, { 0: { util: 100, memUsed: 1000, temp: 80, power: 350 } }),
    ];
    store.ingestMany([{ hostId: 1, sample: samples[4]! }, { hostId: 1, sample: samples[2]! }]);
    store.ingest(1, samples[0]!);
    store.ingest(1, samples[3]!);
    store.flush(); // its prune folds the closed minutes into their hours
    expect(count('SELECT COUNT(*) FROM gpu_1h')).toBe(3);
    // A sample for a minute already folded: into its minute, and into its hour directly.
    store.ingestMany([{ hostId: 1, sample: samples[1]! }]);

    expect(gpuRow('gpu_1m', H, 0)).toMatchObject({
      samples: 3,
      util_min: 10, util_avg: 30, util_max: 60, util_n: 3,
      mem_used_min: 100, mem_used_avg: 300, mem_used_max: 600, mem_used_n: 3,
      mem_pct_min: 10, mem_pct_avg: 30, mem_pct_max: 60, mem_pct_n: 3,
      temp_min: 40, temp_avg: 44, temp_max: 50, temp_n: 3,
      power_min: 100, power_avg: 170, power_max: 300, power_n: 3,
    });
    expect(gpuRow('gpu_1m', H, 1)).toMatchObject({
      samples: 3,
      util_min: 70, util_avg: 80, util_max: 90, util_n: 2,
      mem_used_min: 700, mem_used_avg: 800, mem_used_max: 900,
      temp_min: 70, temp_avg: 71, temp_max: 72,
      power_min: 230, power_avg: 240, power_max: 250,
    });
    expect(gpuRow('gpu_1m', H + M, 1)).toMatchObject({ samples: 1, util_min: 0, util_avg: 0, util_max: 0, util_n: 1 });
    // The hour merges its minutes: GPU 0 util 10, 20, 60, 40 → avg 32.5.
    expect(gpuRow('gpu_1h', H, 0)).toMatchObject({ samples: 4, util_min: 10, util_avg: 32.5, util_max: 60, util_n: 4, power_max: 300 });
    expect(gpuRow('gpu_1h', H, 1)).toMatchObject({ samples: 4, util_min: 0, util_max: 90, util_n: 3, temp_min: 60, temp_max: 72 });
    expect(gpuRow('gpu_1h', H, 1)!.util_avg).toBeCloseTo(160 / 3, 12);
    expect(gpuRow('gpu_1h', H + 60 * M, 0)).toMatchObject({ samples: 1, util_avg: 100 });
    expect(gpuRow('gpu_1h', H + 60 * M, 1)).toBeUndefined();
    expect(count('SELECT COUNT(*) FROM gpu_1m')).toBe(5);

    // The host's own rollups are unchanged by all this: one row per minute.
    expect(count('SELECT COUNT(*) FROM metric_1m')).toBe(3);

    // The same read the charts make: every GPU, one point per minute, in the minute rollups.
    const util = store.gpuHistory(1, 'util', H, H + 2 * M, 60);
    expect(util.resolution).toBe('1m');
    expect(util.gpus).toEqual([
      { index: 0, points: [{ t: H, min: 10, avg: 30, max: 60 }, { t: H + M, min: 40, avg: 40, max: 40 }] },
      { index: 1, points: [{ t: H, min: 70, avg: 80, max: 90 }, { t: H + M, min: 0, avg: 0, max: 0 }] },
    ]);
    expect(store.gpuHistory(1, 'memUsed', H, H + 2 * M, 60, { gpu: 1 }).gpus).toEqual([{ index: 1, points: [{ t: H, min: 700, avg: 800, max: 900 }, { t: H + M, min: 0, avg: 0, max: 0 }] }]);
    expect(store.gpuHistory(1, 'memPercent', H, H + M - 1, 60).gpus.map((g) => g.points[0]!.avg)).toEqual([30, 80]);
    expect(store.gpuHistory(1, 'power', H, H + 3 * 60 * M, 60, { resolution: '1h' }).gpus).toEqual([
      { index: 0, points: [{ t: H, min: 100, avg: 165, max: 300 }, { t: H + 60 * M, min: 350, avg: 350, max: 350 }] },
      { index: 1, points: [{ t: H, min: 60, avg: 195, max: 250 }] },
    ]);

    // A sample sent twice is stored and counted once, for the GPUs too.
    expect(store.ingestMany([{ hostId: 1, sample: samples[0]! }])).toBe(0);
    expect(gpuRow('gpu_1m', H, 0)).toMatchObject({ samples: 3, util_avg: 30 });
  });

  it('counts a GPU that disappears mid-minute over the samples it was in, and keeps no row for it after', () => {
    open();
    // GPU 1 is there for the first 30 s of 10:00 (util = second), then gone; GPU 0 stays (util 50).
    const items = Array.from({ length: 120 }, (_, i) => ({
      hostId: 1,
      sample: gpuSample(H + i * S, i < 30 ? { 0: { util: 50 }, 1: { util: i, temp: 60 + (i % 3) } } : { 0: { util: 50 } }),
    }));
    for (let i = 0; i < items.length; i += 45) store.ingestMany(items.slice(i, i + 45));

    expect(gpuRow('gpu_1m', H, 1)).toMatchObject({ samples: 30, util_min: 0, util_avg: 14.5, util_max: 29, util_n: 30, temp_min: 60, temp_avg: 61, temp_max: 62 });
    expect(gpuRow('gpu_1m', H + M, 1)).toBeUndefined();
    expect(gpuRow('gpu_1m', H, 0)).toMatchObject({ samples: 60, util_avg: 50 });
    expect(gpuRow('gpu_1m', H + M, 0)).toMatchObject({ samples: 60, util_avg: 50 });
    store.prune();
    expect(gpuRow('gpu_1h', H, 1)).toMatchObject({ samples: 30, util_avg: 14.5 });
    expect(gpuRow('gpu_1h', H, 0)).toMatchObject({ samples: 120 });
    // The host's minute rollup still counts every sample.
    expect(db.prepare('SELECT samples FROM metric_1m WHERE host_id = 1 AND t = ?').pluck().get(H)).toBe(60);

    const h = store.gpuHistory(1, 'util', H, H + 2 * M, 60);
    expect(h.gpus.map((g) => [g.index, g.points.map((p) => p.t)])).toEqual([
      [0, [H, H + M]],
      [1, [H]],
    ]);
  });

  it('skips N/A values per series, GPU indices history does not keep, and a GPU listed twice in one sample', () => {
    open();
    const s = valueSample(H, {
      gpus: [
        gpuOf(0, { util: null, memUsed: 500, memTotal: null, temp: null, power: null }),
        gpuOf(0, { util: 99 }), // the same index again: the first one counts
        gpuOf(-1, { util: 1 }),
        gpuOf(64, { util: 1 }),
        gpuOf(63, { util: 7 }),
      ],
    });
    store.ingestMany([{ hostId: 1, sample: s }]);
    expect(db.prepare('SELECT gpu FROM gpu_1m ORDER BY gpu').pluck().all()).toEqual([0, 63]);
    expect(gpuRow('gpu_1m', H, 0)).toMatchObject({ samples: 1, util_n: 0, util_avg: null, mem_used_avg: 500, mem_used_n: 1, mem_pct_n: 0, mem_pct_avg: null, temp_n: 0, power_n: 0 });
    // A series the GPU never had is no line at all, not a line of nulls.
    expect(store.gpuHistory(1, 'util', H, H + M, 60).gpus.map((g) => g.index)).toEqual([63]);
    expect(store.gpuHistory(1, 'memUsed', H, H + M, 60).gpus.map((g) => g.index)).toEqual([0, 63]);
    expect(store.gpuHistory(1, 'memPercent', H, H + M, 60).gpus.map((g) => g.index)).toEqual([63]);
  });

  it('reads at most `points` buckets per GPU, from the minute rollups up to 7 days back, else the hour ones', () => {
    const now = H + 10 * DAY;
    open({ now: () => now });
    // Two GPUs, one sample a minute for the last 8 days.
    const items = Array.from({ length: 8 * 24 * 60 }, (_, i) => ({ hostId: 1, sample: gpuSample(now - 8 * DAY + i * M, { 0: { util: i % 100 }, 1: { util: 100 - (i % 100) } }) }));
    for (let i = 0; i < items.length; i += 3600) store.ingestMany(items.slice(i, i + 3600));

    const hour = store.gpuHistory(1, 'util', now - 60 * M, now, 360);
    expect(hour.resolution).toBe('1m');
    expect(hour.gpus.map((g) => g.points.length)).toEqual([60, 60]);
    const day = store.gpuHistory(1, 'util', now - DAY, now, 288);
    expect(day.resolution).toBe('1m');
    // 1,440 minutes in at most 288 buckets: 6-minute buckets.
    expect(day.gpus.map((g) => g.points.length)).toEqual([240, 240]);
    expect(day.gpus[0]!.points[1]!.t - day.gpus[0]!.points[0]!.t).toBe(6 * M);
    expect(store.gpuHistory(1, 'util', now - 7 * DAY, now, 336).resolution).toBe('1m');
    expect(store.gpuHistory(1, 'util', now - 8 * DAY, now, 300).resolution).toBe('1h');
    // Past the minute rollups' retention only hours are left.
    const old = new MetricsStore(db, { now: () => now, retention: { minuteMs: 2 * DAY } });
    expect(old.gpuHistory(1, 'util', now - 3 * DAY, now - 2.5 * DAY, 300).resolution).toBe('1h');
    old.dispose();
    // Bucket averages are weighted by n, as the host's are: two GPUs stay apart.
    const avg = (g: { points: { avg: number | null }[] }) => g.points.reduce((a, p) => a + p.avg!, 0) / g.points.length;
    expect(avg(day.gpus[0]!) + avg(day.gpus[1]!)).toBeCloseTo(100, 6);
    expect(store.gpuHistory(1, 'util', now, now - 1, 300).gpus).toEqual([]);
    expect(store.gpuHistory(2, 'util', now - DAY, now, 300).gpus).toEqual([]);
  });

  it('folds closed GPU minutes into hours in the pruner: hour reads are exact before and after, late samples join their hour, across restarts', () => {
    let now = H + 2 * M + 30 * S; // minutes 10:00 and 10:01 have closed, 10:02 is open
    open({ now: () => now });
    const sample = (t: number, util: number) => ({ hostId: 1, sample: gpuSample(t, { 0: { util }, 1: { util: 100 - util } }) });
    const hours = () => store.gpuHistory(1, 'util', H, H + 60 * M - 1, 10, { resolution: '1h' }).gpus.map((g) => g.points);
    store.ingestMany([sample(H + S, 10), sample(H + M + S, 20), sample(H + 2 * M + S, 60)]);
    // Nothing folded yet: the hour is read from the minutes.
    expect(count('SELECT COUNT(*) FROM gpu_1h')).toBe(0);
    expect(hours()).toEqual([[{ t: H, min: 10, avg: 30, max: 60 }], [{ t: H, min: 40, avg: 70, max: 90 }]]);

    // The fold takes 10:00 and 10:01 (closed), not 10:02 (open): the same answer.
    expect(store.prune().gpuFolded).toBe(2);
    expect(gpuRow('gpu_1h', H, 0)).toMatchObject({ samples: 2, util_min: 10, util_avg: 15, util_max: 20, util_n: 2 });
    expect(db.prepare('SELECT gpu_hours_through FROM monitor_last_seen WHERE host_id = 1').pluck().get()).toBe(H + 2 * M);
    expect(hours()).toEqual([[{ t: H, min: 10, avg: 30, max: 60 }], [{ t: H, min: 40, avg: 70, max: 90 }]]);
    expect(store.prune().gpuFolded).toBe(0); // nothing newly closed

    // A late sample for 10:00 (folded) goes to its hour now; one for 10:02 (open) waits for the fold.
    store.ingestMany([sample(H + 2 * S, 0), sample(H + 2 * M + 2 * S, 90)]);
    expect(gpuRow('gpu_1h', H, 0)).toMatchObject({ samples: 3, util_min: 0, util_avg: 10, util_max: 20 });
    expect(hours()[0]).toEqual([{ t: H, min: 0, avg: 36, max: 90 }]);

    // After a restart the store knows what was folded: a late sample is not counted twice.
    store.dispose();
    store = new MetricsStore(db, { now: () => now });
    store.ingestMany([sample(H + 3 * S, 100)]);
    now = H + 3 * M;
    expect(store.prune().gpuFolded).toBe(2); // 10:02's hour row, for both GPUs
    expect(gpuRow('gpu_1h', H, 0)).toMatchObject({ samples: 6, util_min: 0, util_max: 100 });
    expect(gpuRow('gpu_1h', H, 0)!.util_avg).toBeCloseTo(280 / 6, 12);
    expect(hours()[0]).toEqual([{ t: H, min: 0, avg: 280 / 6, max: 100 }]);
    // Every sample is in the hours exactly once: the sum over minutes matches.
    expect(db.prepare('SELECT SUM(samples) FROM gpu_1m WHERE gpu = 0').pluck().get()).toBe(6);
  });

  it('prunes per-GPU rollups with the retention of the host rollups', () => {
    const now = H + 500 * DAY;
    open({ now: () => now });
    const ages = [5 * M, 20 * DAY, 40 * DAY, 450 * DAY];
    store.ingestMany(ages.map((a) => ({ hostId: 1, sample: gpuSample(now - a, { 0: { util: 1 }, 1: { util: 2 } }) })));
    expect(count('SELECT COUNT(*) FROM gpu_1m')).toBe(8);
    const counts = store.prune();
    expect(counts).toMatchObject({ minute: 2, hour: 1, gpuMinute: 4, gpuHour: 2 });
    expect(db.prepare('SELECT DISTINCT t FROM gpu_1m ORDER BY t').pluck().all()).toEqual([now - 20 * DAY - ((now - 20 * DAY) % M), now - 5 * M - ((now - 5 * M) % M)]);
    expect(count('SELECT COUNT(*) FROM gpu_1h')).toBe(6);
    expect(store.prune()).toMatchObject({ gpuMinute: 0, gpuHour: 0 });
    // Removing the host removes its GPUs' history.
    db.prepare('DELETE FROM hosts WHERE id = 1').run();
    expect(count('SELECT COUNT(*) FROM gpu_1m') + count('SELECT COUNT(*) FROM gpu_1h')).toBe(0);
  });
});
