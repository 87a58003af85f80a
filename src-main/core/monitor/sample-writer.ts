import type Database from 'better-sqlite3';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import type { Db } from '../db/database.js';
import { GpuRollupWriter } from './gpu-rollup.js';
import { RollupBatch, rollupParams, rollupUpsertSql, USAGE_UPSERT_SQL, usageParams } from './rollup-batch.js';
import { COLUMNS, SERIES_COUNT as SERIES_COUNT_EXPORT, seriesValues } from './series.js';

/**
 * The write path of one batch, run inside the caller's transaction: raw rows, then the batch's
 * rollups (the host's; each GPU's minutes, and the hours of GPU minutes already folded) and usage
 * merged into their rows, then last-seen. Raw rows
 * go in 64 to a statement (one native call instead of 64 halves the cost of bulk ingest). That
 * statement is a plain INSERT: a chunk that meets a duplicate or a removed host fails as a whole
 * (SQLite undoes a failed statement, the transaction goes on) and is then written row by row with
 * OR IGNORE.
 */
export interface IngestItem {
  hostId: number;
  sample: Sample;
}

const CHUNK = 64;
// A plain local: a hot loop reading an imported binding pays for a getter under some loaders (tsx).
const SERIES_COUNT = SERIES_COUNT_EXPORT;
const ROW_PARAMS = SERIES_COUNT + 2;

export class SampleWriter {
  private readonly raw: Database.Statement;
  private readonly rawChunk: Database.Statement;
  private readonly m1: Database.Statement;
  private readonly h1: Database.Statement;
  private readonly gpu1m: GpuRollupWriter;
  private readonly gpu1h: GpuRollupWriter;
  private readonly usage: Database.Statement;
  private readonly seen: Database.Statement;
  private readonly params: (number | null)[] = new Array<number | null>(CHUNK * ROW_PARAMS);
  private readonly rowParams: (number | null)[] = new Array<number | null>(ROW_PARAMS);
  // Reused per chunk: fold() copies what it keeps, so the arrays need not outlive the chunk.
  private readonly values = Array.from({ length: CHUNK }, () => new Array<number | null>(SERIES_COUNT).fill(null));

  constructor(db: Db) {
    const row = `(${new Array(ROW_PARAMS).fill('?').join(', ')})`;
    const insert = `INTO metric_raw (host_id, t, ${COLUMNS.join(', ')}) VALUES `;
    // OR IGNORE: a sample sent twice (same host and t) is stored and rolled up once.
    this.raw = db.prepare('INSERT OR IGNORE ' + insert + row);
    this.rawChunk = db.prepare('INSERT ' + insert + new Array(CHUNK).fill(row).join(', '));
    this.m1 = db.prepare(rollupUpsertSql('metric_1m'));
    this.h1 = db.prepare(rollupUpsertSql('metric_1h'));
    this.gpu1m = new GpuRollupWriter(db, 'gpu_1m');
    this.gpu1h = new GpuRollupWriter(db, 'gpu_1h');
    this.usage = db.prepare(USAGE_UPSERT_SQL);
    this.seen = db.prepare(
      `INSERT INTO monitor_last_seen (host_id, seen_at, sample_t) VALUES (?, ?, ?)
       ON CONFLICT (host_id) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at), sample_t = max(sample_t, excluded.sample_t)`,
    );
  }

  /**
   * Writes the batch; must run inside a transaction. Returns how many samples were new.
   * `gpuFoldedThrough` says up to which minute a host's GPU minutes are already in gpu_1h.
   */
  write(items: IngestItem[], seenAt: number, gpuFoldedThrough: (hostId: number) => number | null = () => null): number {
    const batch = new RollupBatch();
    const latest = new Map<number, number>();
    const ts = new Array<number>(CHUNK);
    const vs = this.values;
    let written = 0;
    for (let start = 0; start < items.length; start += CHUNK) {
      const n = Math.min(CHUNK, items.length - start);
      for (let k = 0; k < n; k++) {
        const { hostId, sample } = items[start + k]!;
        ts[k] = Math.round(sample.t);
        seriesValues(sample, vs[k]!);
        const p = this.params;
        const o = k * ROW_PARAMS;
        p[o] = hostId;
        p[o + 1] = ts[k]!;
        for (let i = 0; i < SERIES_COUNT; i++) p[o + 2 + i] = vs[k]![i]!;
      }
      const whole = n === CHUNK && this.tryChunk();
      for (let k = 0; k < n; k++) {
        const { hostId, sample } = items[start + k]!;
        if (!whole && !this.insertRow(hostId, ts[k]!, vs[k]!)) continue;
        written++;
        batch.add(hostId, ts[k]!, vs[k]!, sample);
        const prev = latest.get(hostId);
        if (prev === undefined || ts[k]! > prev) latest.set(hostId, ts[k]!);
      }
    }
    for (const acc of batch.minutes) this.m1.run(rollupParams(acc));
    for (const { acc, t } of batch.hours()) this.h1.run(rollupParams(acc, t));
    this.gpu1m.write(batch.gpuMinutes());
    this.gpu1h.write(batch.lateGpuHours(gpuFoldedThrough));
    for (const u of batch.usage()) this.usage.run(usageParams(u));
    for (const [hostId, t] of latest) this.seen.run(hostId, seenAt, t);
    return written;
  }

  private tryChunk(): boolean {
    try {
      this.rawChunk.run(this.params);
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return false;
      throw err;
    }
  }

  /** False when the row was a duplicate, or its host was removed while its stream drained. */
  private insertRow(hostId: number, t: number, v: (number | null)[]): boolean {
    try {
      const p = this.rowParams;
      p[0] = hostId;
      p[1] = t;
      for (let i = 0; i < SERIES_COUNT; i++) p[2 + i] = v[i]!;
      return this.raw.run(p).changes === 1;
    } catch (err) {
      if (isForeignKeyError(err)) return false;
      throw err;
    }
  }
}

function isForeignKeyError(err: unknown): boolean {
  return (err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
