import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { bucketWidth, chooseResolution, DEFAULT_RETENTION } from './history-query.js';
import { MetricsStore } from './metrics-store.js';
import { tempDb, valueSample } from './test-db.js';

/** Resolution choice and SQL bucketing: never more points than asked, values that add up. */
const H = Date.UTC(2025, 0, 6, 0, 0, 0);
const S = 1000;
const M = 60_000;
const HOUR = 60 * M;
const DAY = 24 * HOUR;
let db: Db;
let store: MetricsStore;
afterEach(() => {
  store?.dispose();
  db?.close();
});

function fill(now: number, count: number, cpu: (i: number) => number | null, start = H) {
  ({ db } = tempDb());
  store = new MetricsStore(db, { now: () => now });
  const items = Array.from({ length: count }, (_, i) => ({ hostId: 1, sample: valueSample(start + i * S, { cpu: cpu(i) }) }));
  for (let i = 0; i < items.length; i += 10_000) store.ingestMany(items.slice(i, i + 10_000));
}

describe('chooseResolution', () => {
  const now = H + 100 * DAY;
  const r = DEFAULT_RETENTION;
  it('reads raw up to 2 h, 1-minute rollups up to 7 days, hourly beyond', () => {
    expect(chooseResolution(now - HOUR, now, now, r)).toBe('raw');
    expect(chooseResolution(now - 2 * HOUR, now, now, r)).toBe('raw');
    expect(chooseResolution(now - 24 * HOUR, now, now, r)).toBe('1m');
    expect(chooseResolution(now - 7 * DAY, now, now, r)).toBe('1m');
    expect(chooseResolution(now - 8 * DAY, now, now, r)).toBe('1h');
  });
  it('moves to a coarser table when the finer one no longer holds the start of the range', () => {
    expect(chooseResolution(now - 3 * DAY, now - 3 * DAY + HOUR, now, r)).toBe('1m');
    expect(chooseResolution(now - 40 * DAY, now - 39 * DAY, now, r)).toBe('1h');
  });
});

describe('history', () => {
  it('never returns more points than asked, for any range and count', () => {
    for (const span of [1, 999, 60_000, 7_200_000, 86_400_000, 30 * DAY, 400 * DAY]) {
      for (const points of [10, 299, 300, 2000]) {
        for (const res of ['raw', '1m', '1h'] as const) {
          const w = bucketWidth(span, points, res);
          expect(Math.floor(span / w) + 1).toBeLessThanOrEqual(points);
        }
      }
    }
    fill(H + 2 * HOUR, 7200, (i) => i % 100);
    for (const points of [10, 77, 300, 2000]) {
      const got = store.history(1, 'cpu', H, H + 7199 * S, points);
      expect(got.resolution).toBe('raw');
      expect(got.points.length).toBeLessThanOrEqual(points);
      expect(got.points.length).toBe(Math.min(points, 7200));
    }
  });

  it('buckets raw samples in SQL with min/avg/max per bucket', () => {
    fill(H + 2 * HOUR, 7200, (i) => i % 100);
    const { resolution, points } = store.history(1, 'cpu', H, H + 2 * HOUR, 300);
    expect(resolution).toBe('raw');
    // Width floor(7,200,000 / 300) + 1 = 24,001 ms: the first bucket holds samples 0..24.
    expect(points[0]).toEqual({ t: H, min: 0, avg: 12, max: 24 });
    expect(points[1]).toEqual({ t: H + 24_001, min: 25, avg: 36.5, max: 48 });
    expect(points.every((p, i) => i === 0 || p.t > points[i - 1]!.t)).toBe(true);
  });

  it('answers 24 hours of 1 Hz samples from the 1-minute rollups, with the same overall numbers', () => {
    const cpu = (i: number) => (i % 3600 === 0 ? null : ((i * 13) % 1000) / 10);
    fill(H + DAY, 86_400, cpu);
    const got = store.history(1, 'cpu', H, H + DAY, 300);
    expect(got.resolution).toBe('1m');
    expect(got.points.length).toBeLessThanOrEqual(300);
    expect(got.points.length).toBe(288); // 5-minute buckets
    expect(got.points[1]!.t - got.points[0]!.t).toBe(5 * M);
    // The first 5 minutes hand-computed from the generator (sample 0 has no value).
    const first = Array.from({ length: 300 }, (_, i) => cpu(i)).filter((v): v is number => v !== null);
    expect(got.points[0]!.min).toBe(Math.min(...first));
    expect(got.points[0]!.max).toBe(Math.max(...first));
    expect(got.points[0]!.avg).toBeCloseTo(first.reduce((a, b) => a + b, 0) / first.length, 9);
    const raw = db.prepare('SELECT MIN(cpu) mn, AVG(cpu) av, MAX(cpu) mx FROM metric_raw').get() as { mn: number; av: number; mx: number };
    expect(Math.min(...got.points.map((p) => p.min!))).toBe(raw.mn);
    expect(Math.max(...got.points.map((p) => p.max!))).toBe(raw.mx);
    // Equal-sized buckets (every 5-minute bucket has 300 samples, 299 in a few): a plain mean is close.
    const mean = got.points.reduce((a, p) => a + p.avg!, 0) / got.points.length;
    expect(mean).toBeCloseTo(raw.av, 1);
  });

  it('reads hourly rollups for long ranges and returns nothing for a host without data', () => {
    fill(H + 10 * DAY, 3 * 3600, (i) => (i < 3600 ? 10 : i < 7200 ? 20 : 60));
    const got = store.history(1, 'cpu', H, H + 10 * DAY, 300);
    expect(got.resolution).toBe('1h');
    expect(got.points).toEqual([
      { t: H, min: 10, avg: 10, max: 10 },
      { t: H + HOUR, min: 20, avg: 20, max: 20 },
      { t: H + 2 * HOUR, min: 60, avg: 60, max: 60 },
    ]);
    // 10 points over 10 days: 25-hour buckets, so the three hours fall in one.
    expect(store.history(1, 'cpu', H, H + 10 * DAY, 10).points).toEqual([{ t: H, min: 10, avg: 30, max: 60 }]);
    expect(store.history(2, 'cpu', H, H + 10 * DAY, 300).points).toEqual([]);
    expect(store.history(1, 'gpuUtil', H, H + HOUR, 300).points[0]).toMatchObject({ min: null, avg: null, max: null });
  });
});
