import type { TimeUnit } from '../../src-common/reports/report-format.js';

/**
 * Scales of the preview's charts: round value ticks, a time axis narrowed to the data when a
 * period has only a little of it, and the words that say so. Pure.
 */

/**
 * Ticks from 0 to max in steps of 1, 2 or 5 × 10ⁿ ("0, 0.5, 1, 1.5, 2"; never "0, 0.35, 0.7"),
 * about `target` steps; whole steps only when `integer`. The last tick is at or past max, or
 * within half a percent of a step below it (4.002 ends at 4, not 5: a chart's domain takes the
 * sliver). An all-zero (or unusable) max gives [0, 1].
 */
export function niceTicks(max: number, target = 5, integer = false): number[] {
  if (!(Number.isFinite(max) && max > 0)) return [0, 1];
  const raw = max / Math.max(1, target);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * magnitude;
  if (integer) step = Math.max(1, Math.round(step));
  const n = Math.max(1, Math.ceil(max / step - 0.005));
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** The short form of a time unit for axis ticks ("1.5 min"). */
export const TIME_UNIT_SHORT: Record<TimeUnit['word'], string> = { hours: 'h', minutes: 'min', seconds: 's' };

/** A value tick with its unit: "0", "0.5 min", "1,500 h"; percent always with its sign ("0%", "20%"). */
export function formatAxisTick(v: number, unit: string): string {
  if (!Number.isFinite(v)) return '';
  const n = v.toLocaleString('en-US', { maximumFractionDigits: 3 });
  if (unit === '%') return `${n}%`;
  return v === 0 || !unit ? n : `${n} ${unit}`;
}

export interface TimeWindow {
  /** The axis' ends. */
  from: number;
  to: number;
  /** Whether the axis shows less than the period (its data covers only a small part of it). */
  narrowed: boolean;
  /** Buckets with a value. */
  points: number;
}

/**
 * The time axis of a line chart over a period. When the buckets with data (bucket starts `t`,
 * each `bucketMs` wide) cover less than `minShare` of the period, the axis shows the data with a
 * margin of a bucket on each side, so a day of data in a 30-day period (or one bucket in 7 days)
 * is drawn across the chart, not as a dot at its edge; else the whole period.
 */
export function timeWindow(t: readonly number[], hasValue: (i: number) => boolean, bucketMs: number, from: number, to: number, minShare = 0.25): TimeWindow {
  let first = -1;
  let last = -1;
  let points = 0;
  t.forEach((_, i) => {
    if (!hasValue(i)) return;
    if (first < 0) first = i;
    last = i;
    points++;
  });
  if (first < 0 || !(to > from)) return { from, to, narrowed: false, points };
  const bucket = bucketMs > 0 ? bucketMs : (to - from) / 100;
  const covered = t[last]! + bucket - t[first]!;
  if (covered >= (to - from) * minShare) return { from, to, narrowed: false, points };
  const pad = Math.max(bucket, covered * 0.1);
  return { from: Math.max(from, t[first]! - pad), to: t[last]! + pad, narrowed: true, points };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A length of time in words, rounded: "45 seconds", "2 minutes", "5 hours", "1 day", "7 days". */
export function formatSpan(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 90) return plural(Math.max(1, Math.round(s)), 'second');
  if (Math.round(s / 60) < 60) return plural(Math.round(s / 60), 'minute');
  if (s < 48 * 3600) return plural(Math.round(s / 3600), 'hour');
  return plural(Math.round(s / 86_400), 'day');
}
