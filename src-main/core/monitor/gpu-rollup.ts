import type Database from 'better-sqlite3';
import type { GpuSample } from '../../../src-common/monitor/sample.schema.js';
import type { Db } from '../db/database.js';
import { GPU_COLUMNS, GPU_SERIES_COUNT as GPU_SERIES_COUNT_EXPORT } from './gpu-series.js';
import { groupColumns, mergeOnConflict, mergingUpsertSql } from './rollup-sql.js';

const GPU_SERIES_COUNT = GPU_SERIES_COUNT_EXPORT;
const MIN = 0;
const MAX = 1;
const SUM = 2;
const N = 3;
const STRIDE = 4;
const EMPTY: readonly number[] = Array.from({ length: GPU_SERIES_COUNT * STRIDE }, (_, i) => (i % STRIDE === MIN ? Infinity : i % STRIDE === MAX ? -Infinity : 0));

/**
 * One GPU's rollup over a minute or an hour: min, max, sum and non-null count of each GPU series
 * (utilisation %, memory used bytes, memory used % of that GPU's total, temperature °C, power W).
 * Kept in one flat array and folded straight from the sample's GPU entry: a lab box sends 4-8
 * GPUs a second per host, and this runs for each of them on the write path. (A plain array of
 * doubles, not a Float64Array: a live batch makes one accumulator per host and GPU, and typed
 * arrays cost several times more to allocate.)
 */
export class GpuRollup {
  samples = 0;
  /** The sample last folded in, so a GPU listed twice in one sample counts once. */
  private lastT = Number.NaN;
  /** Per series, at series × 4: min, max, sum, n. */
  readonly v: number[] = EMPTY.slice();

  constructor(
    readonly hostId: number,
    readonly t: number,
    readonly gpu: number,
  ) {}

  add(g: GpuSample, t: number): void {
    if (this.lastT === t) return;
    this.lastT = t;
    this.samples++;
    const used = g.memoryUsedBytes;
    const total = g.memoryTotalBytes;
    const v = this.v;
    put(v, 0, g.utilizationPercent);
    // Bytes are stored whole: SQLite then keeps them as integers instead of 8-byte reals.
    put(v, STRIDE, used === null ? null : Math.round(used));
    put(v, 2 * STRIDE, used !== null && total ? Math.min(100, (used / total) * 100) : null);
    put(v, 3 * STRIDE, g.temperatureC);
    put(v, 4 * STRIDE, g.powerW);
  }

  /** Adds another group of the same GPU (exact for min, max, sum and n). */
  merge(o: GpuRollup): void {
    this.samples += o.samples;
    const v = this.v;
    const w = o.v;
    for (let i = 0; i < v.length; i += STRIDE) {
      if (!w[i + N]) continue;
      if (w[i + MIN]! < v[i + MIN]!) v[i + MIN] = w[i + MIN]!;
      if (w[i + MAX]! > v[i + MAX]!) v[i + MAX] = w[i + MAX]!;
      v[i + SUM]! += w[i + SUM]!;
      v[i + N]! += w[i + N]!;
    }
  }

  /**
   * Writes the row's parameters for gpuRollupUpsertSql, in column order, into `out` from `at`;
   * `t` stamps the row (an hour's, for a lone minute). Returns the next offset.
   */
  writeParams(out: (number | null)[], at: number, t = this.t): number {
    let o = at;
    out[o++] = this.hostId;
    out[o++] = t;
    out[o++] = this.gpu;
    out[o++] = this.samples;
    const v = this.v;
    for (let i = 0; i < v.length; i += STRIDE) {
      const n = v[i + N]!;
      out[o++] = n ? v[i + MIN]! : null;
      out[o++] = n ? v[i + SUM]! / n : null;
      out[o++] = n ? v[i + MAX]! : null;
      out[o++] = n;
    }
    return o;
  }
}

/** Parameters of one row of gpuRollupUpsertSql. */
export const GPU_ROW_PARAMS = 4 + GPU_SERIES_COUNT * STRIDE;

function put(v: number[], o: number, x: number | null): void {
  if (x === null || !Number.isFinite(x)) return;
  if (x < v[o + MIN]!) v[o + MIN] = x;
  if (x > v[o + MAX]!) v[o + MAX] = x;
  v[o + SUM]! += x;
  v[o + N]!++;
}

export function gpuRollupUpsertSql(table: 'gpu_1m' | 'gpu_1h', rows = 1): string {
  return mergingUpsertSql(table, ['host_id', 't', 'gpu'], GPU_COLUMNS, rows);
}

/**
 * Folds one host's per-GPU minutes in [@from, @to) into their hours (named parameters @host,
 * @from, @to), merged into gpu_1h like an upsert of each hour's group: the pruner runs it for
 * minutes that have closed, instead of every batch upserting the hour of each GPU again.
 */
export function gpuFoldHoursSql(): string {
  const groups = GPU_COLUMNS.flatMap((c) => [`MIN(${c}_min)`, `SUM(${c}_avg * ${c}_n) / NULLIF(SUM(${c}_n), 0)`, `MAX(${c}_max)`, `SUM(${c}_n)`]);
  // A positive remainder, so times before 1970 (tests with small t) still align down.
  const hour = 't - (((t % 3600000) + 3600000) % 3600000)';
  return `INSERT INTO gpu_1h (host_id, t, gpu, samples, ${groupColumns(GPU_COLUMNS).join(', ')})
    SELECT host_id, ${hour} AS hour, gpu, SUM(samples), ${groups.join(', ')}
    FROM gpu_1m WHERE host_id = @host AND t >= @from AND t < @to
    GROUP BY hour, gpu
    ${mergeOnConflict(['host_id', 't', 'gpu'], GPU_COLUMNS)}`;
}

/**
 * Upserts per-GPU rows into one table, GPU_CHUNK to a statement: a live batch has one row per
 * host and GPU (800 for 200 hosts with 4 GPUs), and one native call per 16 rows costs about a
 * fifth less than one per row.
 */
const GPU_CHUNK = 16;

export class GpuRollupWriter {
  private readonly one: Database.Statement;
  private readonly many: Database.Statement;
  private readonly oneParams = new Array<number | null>(GPU_ROW_PARAMS);
  private readonly manyParams = new Array<number | null>(GPU_ROW_PARAMS * GPU_CHUNK);

  constructor(db: Db, table: 'gpu_1m' | 'gpu_1h') {
    this.one = db.prepare(gpuRollupUpsertSql(table));
    this.many = db.prepare(gpuRollupUpsertSql(table, GPU_CHUNK));
  }

  write(rows: readonly { acc: GpuRollup; t: number }[]): void {
    let i = 0;
    for (; i + GPU_CHUNK <= rows.length; i += GPU_CHUNK) {
      let o = 0;
      for (let k = 0; k < GPU_CHUNK; k++) o = rows[i + k]!.acc.writeParams(this.manyParams, o, rows[i + k]!.t);
      this.many.run(this.manyParams);
    }
    for (; i < rows.length; i++) {
      rows[i]!.acc.writeParams(this.oneParams, 0, rows[i]!.t);
      this.one.run(this.oneParams);
    }
  }
}
