import type { GpuSample, Sample } from '../../../src-common/monitor/sample.schema.js';
import { GpuRollup } from './gpu-rollup.js';
import { isKeptGpuIndex } from './gpu-series.js';
import { mergingUpsertSql } from './rollup-sql.js';
import { COLUMNS, SERIES_COUNT as SERIES_COUNT_EXPORT } from './series.js';

/**
 * Folds one write batch into 1-minute and 1-hour rollups, 1-minute rollups per GPU (their hours
 * are folded from closed minutes later, see metrics-store.ts) and per-user minute usage, in memory.
 * The store then merges each accumulator into its row with an upsert that combines min, max,
 * count-weighted averages and counts, so the result is the same whatever order samples arrive
 * in and however they are split across batches (a late sample only adds to its minute's row).
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
// A plain local: a hot loop reading an imported binding pays for a getter under some loaders (tsx).
const SERIES_COUNT = SERIES_COUNT_EXPORT;

export interface RollupAcc {
  hostId: number;
  t: number;
  samples: number;
  min: number[];
  max: number[];
  sum: number[];
  n: number[];
}

export interface UsageAcc {
  hostId: number;
  minute: number;
  user: string;
  samples: number;
  /** Sampled seconds in which the user had processes: the weight of the averages. */
  seconds: number;
  cpuW: number;
  memW: number;
  gpuMemW: number;
  gpusTouched: number;
  gpuSeconds: number;
}

interface MinuteAcc extends RollupAcc {
  users: Map<string, UsageAcc>;
  /** By GPU index (sparse): the GPUs this host reported in this minute. */
  gpus: (GpuRollup | undefined)[];
}

/** A rollup row to write: the accumulator and the start of its minute or hour. */
export interface Stamped<A> {
  acc: A;
  t: number;
}

export class RollupBatch {
  private readonly minuteMap = new Map<string, MinuteAcc>();
  // Samples of a batch mostly come in runs of one host and minute: the last accumulator is kept
  // at hand so a run costs no key building or map lookup (bulk ingest is bound by this loop).
  private last: MinuteAcc | null = null;
  private readonly gpuMinuteList: GpuRollup[] = [];
  private hourGroups: { hour: number; minutes: MinuteAcc[] }[] | null = null;

  get minutes(): Iterable<RollupAcc> {
    return this.minuteMap.values();
  }

  /**
   * Hours are merged from the batch's minutes (exact for min, max, sum and n), not folded per
   * sample. An hour with one minute in the batch (every live batch: one sample per host) is
   * that minute's accumulator, stamped with the hour.
   */
  hours(): Stamped<RollupAcc>[] {
    const out: Stamped<RollupAcc>[] = [];
    for (const { hour, minutes } of this.byHour()) {
      if (minutes.length === 1) {
        out.push({ acc: minutes[0]!, t: hour });
        continue;
      }
      const h = newAcc(minutes[0]!.hostId, hour);
      for (const m of minutes) {
        h.samples += m.samples;
        for (let i = 0; i < SERIES_COUNT; i++) {
          if (!m.n[i]) continue;
          if (m.min[i]! < h.min[i]!) h.min[i] = m.min[i]!;
          if (m.max[i]! > h.max[i]!) h.max[i] = m.max[i]!;
          h.sum[i]! += m.sum[i]!;
          h.n[i]! += m.n[i]!;
        }
      }
      out.push({ acc: h, t: hour });
    }
    return out;
  }

  /** Each GPU's minutes of the batch. */
  gpuMinutes(): Stamped<GpuRollup>[] {
    return this.gpuMinuteList.map((acc) => ({ acc, t: acc.t }));
  }

  /**
   * GPU minutes that arrived after their minute was folded into gpu_1h (the pruner folds closed
   * minutes, see metrics-store.ts), merged per host, hour and GPU: they go to their hour
   * directly. Minutes not folded yet are left to the fold, with the rest of their minute.
   */
  lateGpuHours(foldedThrough: (hostId: number) => number | null): Stamped<GpuRollup>[] {
    const hours = new Map<string, GpuRollup>();
    for (const g of this.gpuMinuteList) {
      const through = foldedThrough(g.hostId);
      if (through === null || g.t >= through) continue;
      const hour = g.t - mod(g.t, HOUR_MS);
      const key = `${g.hostId}:${hour}:${g.gpu}`;
      let h = hours.get(key);
      if (!h) hours.set(key, (h = new GpuRollup(g.hostId, hour, g.gpu)));
      h.merge(g);
    }
    return [...hours.values()].map((acc) => ({ acc, t: acc.t }));
  }

  /** The batch's minutes grouped by host and hour. */
  private byHour(): { hour: number; minutes: MinuteAcc[] }[] {
    if (!this.hourGroups) {
      const groups = new Map<string, { hour: number; minutes: MinuteAcc[] }>();
      for (const m of this.minuteMap.values()) {
        const hour = m.t - mod(m.t, HOUR_MS);
        const key = `${m.hostId}:${hour}`;
        const group = groups.get(key);
        if (group) group.minutes.push(m);
        else groups.set(key, { hour, minutes: [m] });
      }
      this.hourGroups = [...groups.values()];
    }
    return this.hourGroups;
  }

  *usage(): Iterable<UsageAcc> {
    for (const m of this.minuteMap.values()) yield* m.users.values();
  }

  add(hostId: number, t: number, values: (number | null)[], sample: Sample): void {
    const minute = t - mod(t, MINUTE_MS);
    let m = this.last;
    if (!m || m.hostId !== hostId || m.t !== minute) {
      const key = `${hostId}:${minute}`;
      m = this.minuteMap.get(key) ?? null;
      if (!m) {
        m = { ...newAcc(hostId, minute), users: new Map<string, UsageAcc>(), gpus: [] };
        this.minuteMap.set(key, m);
        this.hourGroups = null;
      }
      this.last = m;
    }
    fold(m, values);
    if (sample.gpus.length) this.addGpus(m, t, sample.gpus);
    const seconds = sample.intervalMs / 1000;
    for (const u of sample.users) {
      let acc = m.users.get(u.user);
      if (!acc) {
        acc = { hostId, minute, user: u.user, samples: 0, seconds: 0, cpuW: 0, memW: 0, gpuMemW: 0, gpusTouched: 0, gpuSeconds: 0 };
        m.users.set(u.user, acc);
      }
      acc.samples++;
      acc.seconds += seconds;
      acc.cpuW += u.cpuPercent * seconds;
      acc.memW += u.memoryBytes * seconds;
      acc.gpuMemW += u.gpuMemoryBytes * seconds;
      if (u.gpusTouched.length) {
        acc.gpuSeconds += distinctCount(u.gpusTouched) * seconds;
        acc.gpusTouched = orMask(acc.gpusTouched, u.gpusTouched);
      }
    }
  }

  /**
   * Each GPU of the sample into its own minute. A GPU missing from a sample (driver hiccup, card
   * gone) adds nothing: its row counts the samples it was in.
   */
  private addGpus(m: MinuteAcc, t: number, gpus: readonly GpuSample[]): void {
    for (const g of gpus) {
      const index = g.index;
      if (!isKeptGpuIndex(index)) continue;
      let acc = m.gpus[index];
      if (!acc) {
        m.gpus[index] = acc = new GpuRollup(m.hostId, m.t, index);
        this.gpuMinuteList.push(acc);
      }
      acc.add(g, t);
    }
  }
}

function newAcc(hostId: number, t: number): RollupAcc {
  const filled = (v: number) => new Array<number>(SERIES_COUNT).fill(v);
  return { hostId, t, samples: 0, min: filled(Infinity), max: filled(-Infinity), sum: filled(0), n: filled(0) };
}

function fold(acc: RollupAcc, values: (number | null)[]): void {
  acc.samples++;
  for (let i = 0; i < SERIES_COUNT; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < acc.min[i]!) acc.min[i] = v;
    if (v > acc.max[i]!) acc.max[i] = v;
    acc.sum[i]! += v;
    acc.n[i]!++;
  }
}

/** The helper sends sorted, distinct indices; anything else is counted properly. */
function distinctCount(xs: number[]): number {
  for (let i = 1; i < xs.length; i++) if (xs[i]! <= xs[i - 1]!) return new Set(xs).size;
  return xs.length;
}

/**
 * ORs GPU indices into a mask. JS bit operators are 32-bit, so this uses arithmetic; indices past
 * 52 (no such machine) are dropped rather than lost to float rounding.
 */
function orMask(mask: number, gpus: number[]): number {
  let m = mask;
  for (const g of gpus) {
    if (!Number.isInteger(g) || g < 0 || g > 52) continue;
    if (g < 30 && m < 2 ** 30) m |= 1 << g; // the common case, in 32-bit integer range
    else if (Math.floor(m / 2 ** g) % 2 === 0) m += 2 ** g;
  }
  return m;
}

/** Positive remainder, so times before 1970 (tests with small t) still align down. */
function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** Parameters for rollupUpsertSql, in column order; `t` stamps the row (an hour's, for a lone minute). */
export function rollupParams(acc: RollupAcc, t = acc.t): (number | null)[] {
  const out: (number | null)[] = [acc.hostId, t, acc.samples];
  for (let i = 0; i < SERIES_COUNT; i++) {
    const n = acc.n[i]!;
    out.push(n ? acc.min[i]! : null, n ? acc.sum[i]! / n : null, n ? acc.max[i]! : null, n);
  }
  return out;
}

export function rollupUpsertSql(table: 'metric_1m' | 'metric_1h'): string {
  return mergingUpsertSql(table, ['host_id', 't'], COLUMNS);
}

export const USAGE_UPSERT_SQL = `INSERT INTO usage_1m (host_id, minute, user, samples, seconds, cpu_avg, mem_avg_bytes, gpu_mem_avg_bytes, gpus_touched, gpu_seconds)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (host_id, minute, user) DO UPDATE SET
    samples = samples + excluded.samples,
    seconds = seconds + excluded.seconds,
    cpu_avg = (cpu_avg * seconds + excluded.cpu_avg * excluded.seconds) / (seconds + excluded.seconds),
    mem_avg_bytes = (mem_avg_bytes * seconds + excluded.mem_avg_bytes * excluded.seconds) / (seconds + excluded.seconds),
    gpu_mem_avg_bytes = (gpu_mem_avg_bytes * seconds + excluded.gpu_mem_avg_bytes * excluded.seconds) / (seconds + excluded.seconds),
    gpus_touched = gpus_touched | excluded.gpus_touched,
    gpu_seconds = gpu_seconds + excluded.gpu_seconds`;

export function usageParams(u: UsageAcc): (number | string)[] {
  return [u.hostId, u.minute, u.user, u.samples, u.seconds, u.cpuW / u.seconds, u.memW / u.seconds, u.gpuMemW / u.seconds, u.gpusTouched, u.gpuSeconds];
}
