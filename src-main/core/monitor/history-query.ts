import type { GpuHistory, GpuSeries, HistoryPoint, Series } from '../../../src-common/monitor/monitor.contract.js';
import type { Db } from '../db/database.js';
import { GPU_SERIES_COLUMNS } from './gpu-series.js';
import { HOUR_MS, MINUTE_MS } from './rollup-batch.js';
import { SERIES_COLUMNS } from './series.js';

/**
 * History reads: picks the table from the range asked for, then buckets rows in SQL so a chart
 * never receives more than `points` points, whatever the range (a day of raw 1 Hz samples is
 * 86,400 rows; the chart wants ~300).
 */
export type Resolution = 'raw' | '1m' | '1h';
/** Per-GPU history has no raw table (see migration 8): minutes and hours only. */
export type GpuResolution = Exclude<Resolution, 'raw'>;

export interface Retention {
  rawMs: number;
  minuteMs: number;
  hourMs: number;
  /** Per-user minute usage. */
  usageMs: number;
}

export const DEFAULT_RETENTION: Retention = {
  rawMs: 48 * HOUR_MS,
  minuteMs: 30 * 24 * HOUR_MS,
  hourMs: 400 * 24 * HOUR_MS,
  usageMs: 30 * 24 * HOUR_MS,
};

/** Longest range served from each table; past it the next, coarser one is read. */
const RAW_MAX_RANGE_MS = 2 * HOUR_MS;
const MINUTE_MAX_RANGE_MS = 7 * 24 * HOUR_MS;

const STEP_MS: Record<Resolution, number> = { raw: 1, '1m': MINUTE_MS, '1h': HOUR_MS };
const TABLE: Record<Resolution, string> = { raw: 'metric_raw', '1m': 'metric_1m', '1h': 'metric_1h' };

/**
 * The finest table whose range rule allows the span and whose retention still covers `from`
 * (a two-hour window from three days ago is only left in the 1-minute rollups).
 */
export function chooseResolution(from: number, to: number, now: number, retention: Retention): Resolution {
  const span = to - from;
  if (span <= RAW_MAX_RANGE_MS && from >= now - retention.rawMs) return 'raw';
  if (span <= MINUTE_MAX_RANGE_MS && from >= now - retention.minuteMs) return '1m';
  return '1h';
}

/** As chooseResolution, for the per-GPU rollups: the 1-minute ones serve every span they cover. */
export function chooseGpuResolution(from: number, to: number, now: number, retention: Retention): GpuResolution {
  return to - from <= MINUTE_MAX_RANGE_MS && from >= now - retention.minuteMs ? '1m' : '1h';
}

/**
 * Bucket width: a whole number of the table's steps, strictly more than span / points, so
 * floor((t - origin) / width) takes at most `points` values over [origin, to].
 */
export function bucketWidth(span: number, points: number, resolution: Resolution): number {
  const step = STEP_MS[resolution];
  return step * (Math.floor(Math.max(0, span) / (points * step)) + 1);
}

interface BucketRow {
  gpu?: number;
  b: number;
  mn: number | null;
  av: number | null;
  mx: number | null;
}

export class HistoryQueries {
  private readonly statements = new Map<string, import('better-sqlite3').Statement>();

  constructor(private readonly db: Db) {}

  query(hostId: number, series: Series, resolution: Resolution, from: number, to: number, points: number): HistoryPoint[] {
    from = Math.floor(from);
    to = Math.floor(to);
    if (to < from) return [];
    const step = STEP_MS[resolution];
    // Rollup rows are stamped with the start of their minute/hour: the one containing `from` counts.
    const origin = from - (((from % step) + step) % step);
    const width = bucketWidth(to - origin, points, resolution);
    const rows = this.statement(resolution, series).all({ host: hostId, origin, width, to }) as BucketRow[];
    return rows.map((r) => ({ t: origin + r.b * width, min: r.mn, avg: r.av, max: r.mx }));
  }

  /**
   * One series of each GPU (or of `gpu` only), `points` buckets per GPU. One statement reads the
   * range for every GPU: the key is (host_id, t, gpu), so it is a seek on the host's range.
   */
  queryGpus(hostId: number, series: GpuSeries, resolution: GpuResolution, from: number, to: number, points: number, gpu?: number): GpuHistory['gpus'] {
    from = Math.floor(from);
    to = Math.floor(to);
    if (to < from) return [];
    const step = STEP_MS[resolution];
    const origin = from - (((from % step) + step) % step);
    const width = bucketWidth(to - origin, points, resolution);
    const rows = this.gpuStatement(resolution, series).all({ host: hostId, origin, width, to, gpu: gpu ?? -1 }) as Required<BucketRow>[];
    const out: GpuHistory['gpus'] = [];
    for (const r of rows) {
      let last = out[out.length - 1];
      if (!last || last.index !== r.gpu) out.push((last = { index: r.gpu, points: [] }));
      last.points.push({ t: origin + r.b * width, min: r.mn, avg: r.av, max: r.mx });
    }
    return out;
  }

  private statement(resolution: Resolution, series: Series): import('better-sqlite3').Statement {
    const key = `${resolution}:${series}`;
    let stmt = this.statements.get(key);
    if (!stmt) {
      const c = SERIES_COLUMNS[series];
      // Raw rows are single values; rollup rows are groups, so their average is weighted by n.
      const agg =
        resolution === 'raw'
          ? `MIN(${c}) AS mn, AVG(${c}) AS av, MAX(${c}) AS mx`
          : `MIN(${c}_min) AS mn, SUM(${c}_avg * ${c}_n) / NULLIF(SUM(${c}_n), 0) AS av, MAX(${c}_max) AS mx`;
      stmt = this.db.prepare(
        // better-sqlite3 binds numbers as REAL, so the bucket index is truncated explicitly.
        `SELECT CAST((t - @origin) / @width AS INTEGER) AS b, ${agg} FROM ${TABLE[resolution]}
         WHERE host_id = @host AND t >= @origin AND t <= @to GROUP BY b ORDER BY b`,
      );
      this.statements.set(key, stmt);
    }
    return stmt;
  }

  private gpuStatement(resolution: GpuResolution, series: GpuSeries): import('better-sqlite3').Statement {
    const key = `gpu:${resolution}:${series}`;
    let stmt = this.statements.get(key);
    if (!stmt) {
      const c = GPU_SERIES_COLUMNS[series];
      const rows = (table: string) => `SELECT t, gpu, ${c}_min AS lo, ${c}_avg AS av, ${c}_max AS hi, ${c}_n AS n FROM ${table}`;
      // Hours: gpu_1h holds the minutes folded so far; the host's later minutes are added from
      // gpu_1m (see metrics-store.ts), so the answer does not wait for the fold.
      const source =
        resolution === '1m'
          ? `${rows('gpu_1m')} WHERE host_id = @host AND t >= @origin AND t <= @to`
          : `${rows('gpu_1h')} WHERE host_id = @host AND t >= @origin AND t <= @to
             UNION ALL
             ${rows('gpu_1m')} WHERE host_id = @host AND t <= @to
               AND t >= max(@origin, IFNULL((SELECT gpu_hours_through FROM monitor_last_seen WHERE host_id = @host), @origin))`;
      // A bucket where the GPU had no value for this series (N/A all along) is left out.
      stmt = this.db.prepare(
        `SELECT gpu, CAST((t - @origin) / @width AS INTEGER) AS b,
           MIN(lo) AS mn, SUM(av * n) / NULLIF(SUM(n), 0) AS av, MAX(hi) AS mx
         FROM (${source})
         WHERE n > 0 AND (@gpu < 0 OR gpu = @gpu)
         GROUP BY gpu, b ORDER BY gpu, b`,
      );
      this.statements.set(key, stmt);
    }
    return stmt;
  }
}
