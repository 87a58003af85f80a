import { describe, expect, it } from 'vitest';
import { formatAxisTick, formatSpan, niceTicks, timeWindow } from './chart-scale.js';

const H = 3_600_000;
const D = 24 * H;

describe('value ticks: 1-2-5 steps, with units', () => {
  it('steps of 1, 2 or 5 × 10ⁿ from 0 to at least the largest value', () => {
    expect(niceTicks(0.7)).toEqual([0, 0.2, 0.4, 0.6, 0.8]); // not 0 / 0.35 / 0.7
    expect(niceTicks(1.8)).toEqual([0, 0.5, 1, 1.5, 2]); // not 0 / 0.45 / 0.9 / 1.35 / 1.8
    expect(niceTicks(1.74)).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(niceTicks(46.1)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(60)).toEqual([0, 20, 40, 60]);
    expect(niceTicks(4.002)).toEqual([0, 1, 2, 3, 4]); // a rounding sliver past 4 does not add a step
    expect(niceTicks(4.1)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(niceTicks(100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.0667)).toEqual([0, 0.02, 0.04, 0.06, 0.08]);
    expect(niceTicks(12_345)).toEqual([0, 5000, 10_000, 15_000]);
  });

  it('every step is 1, 2 or 5 × 10ⁿ, for any size', () => {
    for (let max = 0.0013; max < 1e6; max *= 1.37) {
      const ticks = niceTicks(max);
      const step = ticks[1]! - ticks[0]!;
      const mantissa = Number((step / 10 ** Math.floor(Math.log10(step) + 1e-9)).toPrecision(6));
      expect([1, 2, 5], `max ${max}: ${ticks.join(' ')}`).toContain(mantissa);
      expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max - step * 0.005);
      expect(ticks.length).toBeLessThanOrEqual(7);
      expect(ticks.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('whole steps for counts, and one step for nothing', () => {
    expect(niceTicks(1, 5, true)).toEqual([0, 1]);
    expect(niceTicks(3, 5, true)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(Number.NaN)).toEqual([0, 1]);
  });

  it('writes the unit on each tick but 0 (percent on every one)', () => {
    expect(formatAxisTick(0, 'min')).toBe('0');
    expect(formatAxisTick(0.5, 'min')).toBe('0.5 min');
    expect(formatAxisTick(1500, 'h')).toBe('1,500 h');
    expect(formatAxisTick(40, '%')).toBe('40%');
    expect(formatAxisTick(0, '%')).toBe('0%');
    expect(formatAxisTick(2, '')).toBe('2');
  });
});

describe('the time axis of a period with little data', () => {
  const week = { from: 0, to: 7 * D };
  const buckets = (bucketMs: number, span: number) => Array.from({ length: Math.floor(span / bucketMs) + 1 }, (_, i) => i * bucketMs);

  it('one bucket of data in 7 days: the axis narrows to it, the point in the middle', () => {
    const bucket = 84 * 60_000;
    const t = buckets(bucket, week.to);
    const at = t.length - 2;
    const w = timeWindow(t, (i) => i === at, bucket, week.from, week.to);
    expect(w.narrowed).toBe(true);
    expect(w.points).toBe(1);
    expect(w.from).toBe(t[at]! - bucket);
    expect(w.to).toBe(t[at]! + bucket);
    expect(w.to - w.from).toBeLessThan(week.to / 10);
  });

  it('a day of data at the start of 30 days narrows; data over most of the period keeps the period', () => {
    const bucket = 6 * H;
    const t = buckets(bucket, 30 * D);
    const day = timeWindow(t, (i) => i < 4, bucket, 0, 30 * D);
    expect(day).toMatchObject({ narrowed: true, from: 0, points: 4 });
    expect(day.to).toBeCloseTo(3 * bucket + 0.1 * 4 * bucket + bucket * 0.6, -3);
    const most = timeWindow(t, (i) => i > 10, bucket, 0, 30 * D);
    expect(most).toEqual({ from: 0, to: 30 * D, narrowed: false, points: t.length - 11 });
  });

  it('no data keeps the period', () => {
    expect(timeWindow([0, H, 2 * H], () => false, H, 0, 2 * H)).toEqual({ from: 0, to: 2 * H, narrowed: false, points: 0 });
  });

  it('says a length of time in words', () => {
    expect(formatSpan(45_000)).toBe('45 seconds');
    expect(formatSpan(120_000)).toBe('2 minutes');
    expect(formatSpan(H)).toBe('1 hour');
    expect(formatSpan(5 * H)).toBe('5 hours');
    expect(formatSpan(D)).toBe('24 hours');
    expect(formatSpan(7 * D)).toBe('7 days');
  });
});
