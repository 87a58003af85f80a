import { describe, expect, it } from 'vitest';
import {
  appendPoint,
  applyLatest,
  applySample,
  bucketize,
  gpuProcessRows,
  historyAsBytes,
  historyAsPercent,
  inferStep,
  joinSeries,
  lastHistoryT,
  LIVE_WINDOW_MS,
  mergeHistoryWithLive,
  offlineSince,
  sortProcesses,
  sortUsers,
  toLivePoint,
  withGaps,
} from './monitor-data.js';
import { makeGpu, makeProcess, makeSample, makeUser } from './test-samples.js';

const pt = (t: number) => ({ t });

describe('appendPoint (the rolling live buffer)', () => {
  it('appends in order and drops what falls out of the window, measured from the newest point', () => {
    let buf: Array<{ t: number }> = [];
    for (let t = 0; t <= 10_000; t += 1000) buf = appendPoint(buf, pt(t), 5_000);
    expect(buf.map((p) => p.t)).toEqual([5000, 6000, 7000, 8000, 9000, 10000]);
  });

  it('keeps at most max points whatever the interval', () => {
    let buf: Array<{ t: number }> = [];
    for (let t = 0; t < 100; t += 1) buf = appendPoint(buf, pt(t), 1_000_000, 10);
    expect(buf).toHaveLength(10);
    expect(buf[0]?.t).toBe(90);
  });

  it('replaces a repeated instant and puts a late point in order', () => {
    const buf = [pt(1000), pt(2000), pt(4000)].map((p) => ({ ...p, v: 0 }));
    expect(appendPoint(buf, { t: 4000, v: 9 }).at(-1)).toEqual({ t: 4000, v: 9 });
    expect(appendPoint(buf, { t: 3000, v: 1 }).map((p) => p.t)).toEqual([1000, 2000, 3000, 4000]);
    expect(appendPoint(buf, { t: 2000, v: 7 })[1]).toEqual({ t: 2000, v: 7 });
  });

  it('does not change the buffer it was given', () => {
    const buf = [pt(1)];
    appendPoint(buf, pt(2));
    expect(buf).toEqual([pt(1)]);
  });

  it('keeps a little more than five minutes by default', () => {
    let buf: Array<{ t: number }> = [];
    for (let t = 0; t <= 600_000; t += 1000) buf = appendPoint(buf, pt(t));
    expect(600_000 - buf[0]!.t).toBeLessThanOrEqual(LIVE_WINDOW_MS);
    expect(600_000 - buf[0]!.t).toBeGreaterThanOrEqual(300_000);
  });
});

describe('toLivePoint', () => {
  it('sums network without loopback, sums disks, and aggregates GPUs', () => {
    const GiB = 1024 ** 3;
    const p = toLivePoint(makeSample(5, { gpus: [makeGpu(0, 80, 20 * GiB, 80 * GiB, 60), makeGpu(1, null, 60 * GiB, 80 * GiB, 71)] }));
    expect(p.netRx).toBe(15);
    expect(p.netTx).toBe(25);
    expect(p.diskRead).toBe(100);
    expect(p.gpuUtil).toBe(80);
    expect(p.gpuMemPct).toBe(50);
    expect(p.gpuTemp).toBe(71);
    expect(p.gpus.map((g) => g.index)).toEqual([0, 1]);
  });

  it('has no GPU aggregates without GPUs', () => {
    const p = toLivePoint(makeSample(1));
    expect([p.gpuUtil, p.gpuMemPct, p.gpuTemp]).toEqual([null, null, null]);
  });
});

describe('applySample / applyLatest', () => {
  it('keeps the newest sample and grows the buffer', () => {
    const a = applySample(undefined, makeSample(1000));
    const b = applySample(a, makeSample(2000));
    expect(b.latest?.t).toBe(2000);
    expect(b.points.map((p) => p.t)).toEqual([1000, 2000]);
    // A late sample goes into the buffer but does not replace the newest one.
    const c = applySample(b, makeSample(1500));
    expect(c.latest?.t).toBe(2000);
    expect(c.points).toHaveLength(3);
  });

  it('only adds monitor.latest when it is newer than what the pushes brought', () => {
    const s = applySample(undefined, makeSample(2000));
    expect(applyLatest(s, makeSample(1000))).toBe(s);
    expect(applyLatest(s, null)).toBe(s);
    expect(applyLatest(s, makeSample(3000)).latest?.t).toBe(3000);
    expect(applyLatest(undefined, null)).toEqual({ latest: null, points: [], problem: null });
  });

  it('clears a refused-sample problem once a good one arrives', () => {
    const bad = { latest: null, points: [], problem: 'refused' };
    expect(applySample(bad, makeSample(1)).problem).toBeNull();
  });
});

describe('merging history with the live tail', () => {
  const h = (t: number, avg: number) => ({ t, min: avg - 1, avg, max: avg + 1 });

  it('shows history, then live points after its last point, inside the window', () => {
    const merged = mergeHistoryWithLive(
      [h(0, 10), h(1000, 11), h(2000, 12)],
      [
        { t: 1500, v: 99 },
        { t: 2500, v: 13 },
        { t: 3500, v: 14 },
        { t: 9000, v: 1 },
      ],
      { from: 1000, to: 4000, stepMs: 0 },
    );
    expect(merged).toEqual([
      { t: 1000, v: 11, min: 10, max: 12 },
      { t: 2000, v: 12, min: 11, max: 13 },
      { t: 2500, v: 13 },
      { t: 3500, v: 14 },
    ]);
  });

  it('buckets the live tail to the history step and skips the bucket history already holds', () => {
    const merged = mergeHistoryWithLive(
      [h(0, 10), h(60_000, 20)],
      [
        { t: 70_000, v: 1 }, // inside the 60 s bucket history already has
        { t: 125_000, v: 10 },
        { t: 150_000, v: 30 },
        { t: 185_000, v: null },
      ],
      { from: 0, to: 200_000, stepMs: 60_000 },
    );
    expect(merged.map((p) => [p.t, p.v])).toEqual([
      [0, 10],
      [60_000, 20],
      [120_000, 20],
      [180_000, null],
    ]);
    expect(merged[2]).toMatchObject({ min: 10, max: 30 });
  });

  it('shows the live points alone when there is no history, and hands over where told', () => {
    const live = [
      { t: 10, v: 1 },
      { t: 20, v: 2 },
    ];
    expect(mergeHistoryWithLive([], live, { from: 0, to: 100, stepMs: 0 })).toEqual(live);
    // liveFrom: history before it, live from it on (the 5-minute view prefers the buffer).
    expect(mergeHistoryWithLive([h(5, 50), h(15, 60)], live, { from: 0, to: 100, stepMs: 0, liveFrom: 10 })).toEqual([{ t: 5, v: 50, min: 49, max: 51 }, ...live]);
  });

  it('finds the last stored instant over several series', () => {
    expect(lastHistoryT([[h(1, 0), h(5, 0)], [h(7, 0)], []], 0, 6)).toBe(5);
    expect(lastHistoryT([[], []], 0, 6)).toBeNull();
  });

  it('infers the step of stored points', () => {
    expect(inferStep([pt(0), pt(60_000), pt(120_000), pt(240_000)], 1)).toBe(60_000);
    expect(inferStep([pt(0)], 42)).toBe(42);
  });

  it('bucketize averages and keeps empty buckets as gaps', () => {
    expect(
      bucketize(
        [
          { t: 1, v: 2 },
          { t: 2, v: 4 },
          { t: 11, v: null },
        ],
        10,
      ),
    ).toEqual([
      { t: 0, v: 3, min: 2, max: 4 },
      { t: 10, v: null },
    ]);
  });
});

describe('chart rows', () => {
  it('joins series by instant with their spread', () => {
    const rows = joinSeries({ a: [{ t: 2, v: 1, min: 0, max: 2 }], b: [{ t: 1, v: 5 }, { t: 2, v: 6 }] });
    expect(rows).toEqual([
      { t: 1, b: 5 },
      { t: 2, a: 1, 'a:min': 0, 'a:max': 2, b: 6 },
    ]);
  });

  it('breaks lines where samples stopped', () => {
    const rows = withGaps([{ t: 0, a: 1 }, { t: 1000, a: 1 }, { t: 10_000, a: 2 }], 2500);
    expect(rows).toEqual([{ t: 0, a: 1 }, { t: 1000, a: 1 }, { t: 5500 }, { t: 10_000, a: 2 }]);
  });
});

describe('history units', () => {
  it('reads a memory series kept as a percentage as bytes', () => {
    expect(historyAsBytes([{ t: 0, min: 10, avg: 50, max: 100 }], 1000)).toEqual([{ t: 0, min: 100, avg: 500, max: 1000 }]);
    const bytes = [{ t: 0, min: 1e9, avg: 2e9, max: 3e9 }];
    expect(historyAsBytes(bytes, 16e9)).toEqual(bytes);
  });

  it('reads a GPU memory series kept in bytes as a percentage of all GPUs', () => {
    expect(historyAsPercent([{ t: 0, min: 0, avg: 40e9, max: 80e9 }], 160e9)).toEqual([{ t: 0, min: 0, avg: 25, max: 50 }]);
    expect(historyAsPercent([{ t: 0, min: 1, avg: 2, max: 3 }], null)).toEqual([{ t: 0, min: 1, avg: 2, max: 3 }]);
    expect(historyAsPercent([{ t: 0, min: 1e9, avg: 2e9, max: 3e9 }], null)).toEqual([]);
  });
});

describe('who is using what', () => {
  it('sorts users by GPU memory, then CPU, then memory, then name', () => {
    const users = [
      makeUser({ user: 'dave', cpuPercent: 400 }),
      makeUser({ user: 'alice', gpuMemoryBytes: 10, cpuPercent: 1 }),
      makeUser({ user: 'bob', gpuMemoryBytes: 10, cpuPercent: 50 }),
      makeUser({ user: 'carol', cpuPercent: 400, memoryBytes: 5 }),
      makeUser({ user: 'admin' }),
      makeUser({ user: 'aaron' }),
    ];
    expect(sortUsers(users).map((u) => u.user)).toEqual(['bob', 'alice', 'carol', 'dave', 'aaron', 'admin']);
  });

  it('sorts processes the same way, heaviest first', () => {
    const ps = [makeProcess({ pid: 3, cpuPercent: 90 }), makeProcess({ pid: 2, gpuMemoryBytes: 5 }), makeProcess({ pid: 1, cpuPercent: 90, rssBytes: 9 })];
    expect(sortProcesses(ps).map((p) => p.pid)).toEqual([2, 1, 3]);
  });

  it('gives one row per GPU a process uses, by GPU', () => {
    const s = makeSample(1, {
      processes: [makeProcess({ pid: 7, gpus: [1, 0], gpuMemoryBytes: 4 }), makeProcess({ pid: 8, gpus: [0], gpuMemoryBytes: 9 }), makeProcess({ pid: 9 })],
    });
    expect(gpuProcessRows(s).map((r) => [r.gpu, r.process.pid])).toEqual([
      [0, 8],
      [0, 7],
      [1, 7],
    ]);
  });
});

describe('offlineSince', () => {
  it('uses the lost time, the last sign of life for a failure, nothing otherwise', () => {
    expect(offlineSince({ state: 'lost', since: 5 }, 9)).toBe(5);
    expect(offlineSince({ state: 'failed', problem: 'timeout', message: 'x' }, 9)).toBe(9);
    expect(offlineSince({ state: 'failed', problem: 'timeout', message: 'x' }, null)).toBeNull();
    expect(offlineSince({ state: 'connected', since: 1 }, 9)).toBeNull();
    expect(offlineSince({ state: 'idle' }, 9)).toBeNull();
  });
});

describe('history units, robustness', () => {
  it('judges percent vs bytes on the averages (a rollup max may overshoot)', () => {
    expect(historyAsPercent([{ t: 0, min: 50, avg: 90, max: 104 }], 1e12)).toEqual([{ t: 0, min: 50, avg: 90, max: 104 }]);
  });
});
