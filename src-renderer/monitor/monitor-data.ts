import type { ConnectionState } from '../../src-common/hosts/host.schema.js';
import type { HistoryPoint } from '../../src-common/monitor/monitor.contract.js';
import type { ProcessSample, Sample, UserUsage } from '../../src-common/monitor/sample.schema.js';

/**
 * Pure data helpers for live monitoring: the rolling buffer of compact points kept per host, the
 * merge of stored history with the live tail, gaps, and the orderings of the "who is using what"
 * tables. No React here, so all of it is unit tested.
 */

export type RangeId = '5m' | '1h' | '24h' | '7d';

export interface RangeDef {
  label: string;
  ms: number;
  /** Points asked from monitor.history for the range (one per pixel column is plenty). */
  points: number;
}

export const RANGES: Record<RangeId, RangeDef> = {
  '5m': { label: '5 min', ms: 5 * 60_000, points: 300 },
  '1h': { label: '1 h', ms: 3_600_000, points: 360 },
  '24h': { label: '24 h', ms: 86_400_000, points: 288 },
  '7d': { label: '7 d', ms: 7 * 86_400_000, points: 336 },
};
export const RANGE_IDS = Object.keys(RANGES) as RangeId[];

/** The live buffer covers the 5-minute view (and the tail of longer ones), a little more for the left edge. */
export const LIVE_WINDOW_MS = 5 * 60_000 + 10_000;
/** Hard cap, whatever the interval (250 ms samples for 5 min is 1200 points). */
export const LIVE_MAX_POINTS = 1500;

export interface GpuPoint {
  index: number;
  util: number | null;
  memUsed: number | null;
  memTotal: number | null;
  temp: number | null;
  power: number | null;
}

/** What the charts need from one sample: a few numbers, not its process list. */
export interface LivePoint {
  t: number;
  intervalMs: number;
  cpu: number | null;
  iowait: number | null;
  memUsed: number;
  memTotal: number;
  swapUsed: number;
  swapTotal: number;
  load1: number;
  netRx: number;
  netTx: number;
  diskRead: number;
  diskWrite: number;
  /** Over all GPUs (null without GPUs): the fleet card's figures; the charts draw each GPU. */
  gpuUtil: number | null;
  gpuMemPct: number | null;
  gpuTemp: number | null;
  gpus: GpuPoint[];
}

function finite(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

function sum(values: number[]): number {
  let s = 0;
  for (const v of values) if (Number.isFinite(v)) s += v;
  return s;
}

function mean(values: Array<number | null>): number | null {
  const ok = values.filter(finite);
  return ok.length ? sum(ok) / ok.length : null;
}

/** Loopback traffic is not network use; everything else (physical, bridges) is counted. */
export function isCountedInterface(iface: string): boolean {
  return iface !== 'lo';
}

export function toLivePoint(s: Sample): LivePoint {
  const gpus = s.gpus.map((g) => ({ index: g.index, util: g.utilizationPercent, memUsed: g.memoryUsedBytes, memTotal: g.memoryTotalBytes, temp: g.temperatureC, power: g.powerW }));
  const memUsed = sum(gpus.map((g) => g.memUsed ?? Number.NaN));
  const memTotal = sum(gpus.map((g) => g.memTotal ?? Number.NaN));
  const temps = gpus.map((g) => g.temp).filter(finite);
  const net = s.net.filter((n) => isCountedInterface(n.iface));
  return {
    t: s.t,
    intervalMs: s.intervalMs,
    cpu: s.cpu.totalPercent,
    iowait: s.cpu.iowaitPercent,
    memUsed: s.memory.usedBytes,
    memTotal: s.memory.totalBytes,
    swapUsed: s.memory.swapUsedBytes,
    swapTotal: s.memory.swapTotalBytes,
    load1: s.load[0],
    netRx: sum(net.map((n) => n.rxBytesPerSec)),
    netTx: sum(net.map((n) => n.txBytesPerSec)),
    diskRead: sum(s.disks.map((d) => d.readBytesPerSec)),
    diskWrite: sum(s.disks.map((d) => d.writeBytesPerSec)),
    gpuUtil: gpus.length ? mean(gpus.map((g) => g.util)) : null,
    gpuMemPct: gpus.length && memTotal > 0 ? (memUsed / memTotal) * 100 : null,
    gpuTemp: temps.length ? Math.max(...temps) : null,
    gpus,
  };
}

/**
 * Adds a point to a time-ordered buffer and drops what fell out of the window (measured from the
 * newest point, so a host whose clock is off still keeps 5 minutes) or past the cap. A repeated
 * instant replaces the old point; a late one is put in order. Returns a new array.
 */
export function appendPoint<P extends { t: number }>(buffer: readonly P[], point: P, windowMs = LIVE_WINDOW_MS, max = LIVE_MAX_POINTS): P[] {
  let next: P[];
  const last = buffer[buffer.length - 1];
  if (!last || point.t > last.t) next = [...buffer, point];
  else if (point.t === last.t) next = [...buffer.slice(0, -1), point];
  else {
    const same = buffer.findIndex((p) => p.t === point.t);
    next = [...buffer];
    if (same >= 0) next[same] = point;
    else next.splice(buffer.findIndex((p) => p.t > point.t), 0, point);
  }
  const newest = next[next.length - 1]!.t;
  let start = 0;
  while (start < next.length && next[start]!.t < newest - windowMs) start += 1;
  start = Math.max(start, next.length - max);
  return start > 0 ? next.slice(start) : next;
}

/** Per host in the query cache: the newest sample (tables) and the rolling buffer (charts). */
export interface LiveState {
  latest: Sample | null;
  points: LivePoint[];
  /** Why the last pushed sample was refused (it did not match the schema), for the monitor tab. */
  problem: string | null;
}

export const EMPTY_LIVE: LiveState = { latest: null, points: [], problem: null };

export function applySample(state: LiveState | undefined, sample: Sample): LiveState {
  const prev = state ?? EMPTY_LIVE;
  const points = appendPoint(prev.points, toLivePoint(sample));
  const latest = !prev.latest || sample.t >= prev.latest.t ? sample : prev.latest;
  return { latest, points, problem: null };
}

/** monitor.latest answered: keep the buffer, add the sample when it is news. */
export function applyLatest(state: LiveState | undefined, latest: Sample | null): LiveState {
  const prev = state ?? EMPTY_LIVE;
  if (!latest) return prev;
  if (prev.latest && prev.latest.t >= latest.t) return prev;
  return applySample(prev, latest);
}

export interface SeriesPoint {
  t: number;
  v: number | null;
  /** Spread inside a rollup bucket (history, or live points bucketed to its step). */
  min?: number | null;
  max?: number | null;
}

/** Spacing of history points (median), or the fallback when there are too few to tell. */
export function inferStep(points: ReadonlyArray<{ t: number }>, fallback: number): number {
  if (points.length < 3) return fallback;
  const deltas: number[] = [];
  for (let i = 1; i < points.length; i += 1) deltas.push(points[i]!.t - points[i - 1]!.t);
  deltas.sort((a, b) => a - b);
  return deltas[Math.floor(deltas.length / 2)] ?? fallback;
}

/** Averages points into buckets of stepMs starting at multiples of it (as rollups are stored). */
export function bucketize(points: ReadonlyArray<{ t: number; v: number | null }>, stepMs: number): SeriesPoint[] {
  if (!(stepMs > 0)) return points.map((p) => ({ t: p.t, v: p.v }));
  const buckets = new Map<number, number[]>();
  const order: number[] = [];
  for (const p of points) {
    const key = Math.floor(p.t / stepMs) * stepMs;
    let b = buckets.get(key);
    if (!b) {
      b = [];
      buckets.set(key, b);
      order.push(key);
    }
    if (finite(p.v)) b.push(p.v);
  }
  return order
    .sort((a, b) => a - b)
    .map((t) => {
      const vs = buckets.get(t) ?? [];
      return vs.length ? { t, v: sum(vs) / vs.length, min: Math.min(...vs), max: Math.max(...vs) } : { t, v: null };
    });
}

export interface MergeOptions {
  from: number;
  to: number;
  /** Bucket size for the live tail (0: keep every live point). */
  stepMs: number;
  /**
   * Where live points take over. Default: right after the series' last stored point. A chart
   * passes one instant for all its series so their rows share instants (recharts breaks a line
   * at a row where the series has no value).
   */
  liveFrom?: number;
}

/**
 * The visible window of one series: stored history, then the live points (bucketed to the
 * history's step, so a 7-day chart does not end in one-second noise). With no history at all
 * (new host, or the core keeps none yet) the live points alone are shown.
 */
export function mergeHistoryWithLive(history: readonly HistoryPoint[], live: ReadonlyArray<{ t: number; v: number | null }>, opts: MergeOptions): SeriesPoint[] {
  const inWindow = (t: number) => t >= opts.from && t <= opts.to;
  const past: SeriesPoint[] = history
    .filter((p) => inWindow(p.t) && (opts.liveFrom === undefined || p.t < opts.liveFrom))
    .sort((a, b) => a.t - b.t)
    .map((p) => ({ t: p.t, v: p.avg, min: p.min, max: p.max }));
  const boundary = opts.liveFrom ?? (past.length ? past[past.length - 1]!.t + 1 : Number.NEGATIVE_INFINITY);
  const tail = live.filter((p) => p.t >= boundary && inWindow(p.t));
  const bucketed = bucketize(tail, opts.stepMs).filter((p) => p.t >= boundary);
  return [...past, ...bucketed];
}

/** Last stored instant inside the window over several series (null when none has any). */
export function lastHistoryT(histories: ReadonlyArray<readonly HistoryPoint[]>, from: number, to: number): number | null {
  let last: number | null = null;
  for (const h of histories) for (const p of h) if (p.t >= from && p.t <= to && (last === null || p.t > last)) last = p.t;
  return last;
}

export type ChartRow = { t: number } & Record<string, number | null | undefined>;

/** Joins series by instant into chart rows: { t, cpu, 'cpu:min', 'cpu:max', iowait, … }. */
export function joinSeries(series: Record<string, readonly SeriesPoint[]>): ChartRow[] {
  const rows = new Map<number, ChartRow>();
  for (const [key, points] of Object.entries(series)) {
    for (const p of points) {
      let row = rows.get(p.t);
      if (!row) {
        row = { t: p.t };
        rows.set(p.t, row);
      }
      row[key] = p.v;
      if (p.min !== undefined) row[`${key}:min`] = p.min;
      if (p.max !== undefined) row[`${key}:max`] = p.max;
    }
  }
  return [...rows.values()].sort((a, b) => a.t - b.t);
}

/**
 * Inserts an empty row where two neighbours are further apart than maxGapMs, so lines break
 * where the host was away instead of drawing a straight ramp across the hole.
 */
export function withGaps(rows: readonly ChartRow[], maxGapMs: number): ChartRow[] {
  if (!(maxGapMs > 0) || rows.length < 2) return [...rows];
  const out: ChartRow[] = [];
  for (let i = 0; i < rows.length; i += 1) {
    const row = rows[i]!;
    const prev = rows[i - 1];
    if (prev && row.t - prev.t > maxGapMs) out.push({ t: prev.t + Math.round((row.t - prev.t) / 2) });
    out.push(row);
  }
  return out;
}

/** Heaviest first: GPU memory, then CPU, then memory; ties by name so rows do not dance. */
export function sortUsers(users: readonly UserUsage[]): UserUsage[] {
  return [...users].sort(
    (a, b) => b.gpuMemoryBytes - a.gpuMemoryBytes || b.cpuPercent - a.cpuPercent || b.memoryBytes - a.memoryBytes || a.user.localeCompare(b.user),
  );
}

export function sortProcesses(processes: readonly ProcessSample[]): ProcessSample[] {
  return [...processes].sort((a, b) => b.gpuMemoryBytes - a.gpuMemoryBytes || b.cpuPercent - a.cpuPercent || b.rssBytes - a.rssBytes || a.pid - b.pid);
}

export interface GpuProcessRow {
  gpu: number;
  process: ProcessSample;
}

/** One row per GPU a process uses, like nvidia-smi's table: by GPU, heaviest first. */
export function gpuProcessRows(sample: Sample): GpuProcessRow[] {
  const rows: GpuProcessRow[] = [];
  for (const p of sample.processes) for (const gpu of p.gpus) rows.push({ gpu, process: p });
  return rows.sort((a, b) => a.gpu - b.gpu || b.process.gpuMemoryBytes - a.process.gpuMemoryBytes || a.process.pid - b.process.pid);
}

/**
 * When a host went away: a lost connection says so; a failed one does not, so the last sign of
 * life we saw (last sample or inventory) stands in. Null for hosts that are not offline.
 */
export function offlineSince(connection: ConnectionState, lastSeen: number | null): number | null {
  if (connection.state === 'lost') return connection.since;
  if (connection.state === 'failed') return lastSeen;
  return null;
}

/** Points of the buffer inside [from, to] as one series. */
export function liveSeries(points: readonly LivePoint[], pick: (p: LivePoint) => number | null, from: number, to: number): Array<{ t: number; v: number | null }> {
  const out: Array<{ t: number; v: number | null }> = [];
  for (const p of points) if (p.t >= from && p.t <= to) out.push({ t: p.t, v: pick(p) });
  return out;
}

/** Whether a size series holds percentages (bytes of real memory are never all ≤ 100). */
function looksLikePercent(points: readonly HistoryPoint[]): boolean {
  return points.every((p) => (p.avg ?? p.max ?? 0) <= 100);
}

/** A memory history series may be stored as bytes or as a percentage; charts want bytes. */
export function historyAsBytes(points: readonly HistoryPoint[], totalBytes: number | null): HistoryPoint[] {
  const percent = points.length > 0 && looksLikePercent(points);
  if (!percent || !totalBytes || totalBytes <= 100) return [...points];
  const scale = (v: number | null) => (v === null ? null : (v / 100) * totalBytes);
  return points.map((p) => ({ t: p.t, min: scale(p.min), avg: scale(p.avg), max: scale(p.max) }));
}

/** …and GPU memory as a percentage of all GPUs' memory (bytes are converted with the total). */
export function historyAsPercent(points: readonly HistoryPoint[], totalBytes: number | null): HistoryPoint[] {
  if (looksLikePercent(points)) return [...points];
  if (!totalBytes || totalBytes <= 0) return [];
  const scale = (v: number | null) => (v === null ? null : Math.min(100, (v / totalBytes) * 100));
  return points.map((p) => ({ t: p.t, min: scale(p.min), avg: scale(p.avg), max: scale(p.max) }));
}
