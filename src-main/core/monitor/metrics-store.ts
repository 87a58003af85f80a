import type { GpuHistory, GpuSeries, HistoryPoint, Series } from '../../../src-common/monitor/monitor.contract.js';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import type { Db } from '../db/database.js';
import { chooseGpuResolution, chooseResolution, DEFAULT_RETENTION, HistoryQueries, type GpuResolution, type Resolution, type Retention } from './history-query.js';
import { gpuFoldHoursSql } from './gpu-rollup.js';
import { MINUTE_MS } from './rollup-batch.js';
import { SampleWriter, type IngestItem } from './sample-writer.js';

export type { IngestItem } from './sample-writer.js';

/**
 * Metric history in SQLite: raw samples, 1-minute and 1-hour rollups (of the host, and of each
 * GPU), per-user minute usage, and the last time each host was heard from. Live samples are
 * queued and written together about once a second, so 200 hosts at 1 Hz cost one transaction
 * per second, not 200.
 *
 * A GPU's hours are not upserted with every batch, as the host's are: at 1 Hz that rewrites the
 * same hour row of every GPU of every host each second (800 more rows a second for 200 hosts with
 * 4 GPUs). The pruner folds the minutes that have closed into their hours instead, once a minute,
 * in SQL, and records up to which minute it did (monitor_last_seen.gpu_hours_through) in the same
 * transaction; a sample that arrives for a minute already folded is added to its hour directly,
 * and reads of hours add the minutes not folded yet, so every read is exact at any moment.
 */
export interface MetricsStoreOptions {
  retention?: Partial<Retention>;
  /** How long a queued sample may wait before it is written. */
  flushMs?: number;
  /** Pruning runs inside a flush at most this often (no timer of its own). */
  pruneEveryMs?: number;
  now?: () => number;
  /** A batch that could not be written (disk full, database closed): reported, then dropped. */
  onError?: (err: unknown) => void;
}

export interface LastSeen {
  /** Local clock when the sample arrived. */
  seenAt: number;
  /** The sample's own time (the host's clock). */
  sampleT: number;
}

export interface UsageRow {
  minute: number;
  user: string;
  samples: number;
  seconds: number;
  cpuAvg: number;
  memAvgBytes: number;
  gpuMemAvgBytes: number;
  gpusTouched: number[];
  gpuSeconds: number;
}

export interface PruneCounts {
  raw: number;
  minute: number;
  hour: number;
  usage: number;
  /** Per-GPU rollups, kept as long as the host's. */
  gpuMinute: number;
  gpuHour: number;
  /** GPU hour rows written by folding closed minutes. */
  gpuFolded: number;
}

export class MetricsStore {
  readonly retention: Retention;
  private readonly now: () => number;
  private readonly flushMs: number;
  private readonly pruneEveryMs: number;
  private queue: IngestItem[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastPrune = 0;
  private readonly seen = new Map<number, LastSeen>();
  /** Per host, the minute up to which its GPU minutes are folded into gpu_1h (absent: none). */
  private readonly gpuFolded = new Map<number, number>();
  private readonly queries: HistoryQueries;
  private readonly writeBatch: (items: IngestItem[]) => number;
  private disposed = false;

  constructor(
    private readonly db: Db,
    private readonly opts: MetricsStoreOptions = {},
  ) {
    this.retention = { ...DEFAULT_RETENTION, ...opts.retention };
    this.now = opts.now ?? (() => Date.now());
    this.flushMs = opts.flushMs ?? 1000;
    this.pruneEveryMs = opts.pruneEveryMs ?? 60_000;
    this.queries = new HistoryQueries(db);
    const writer = new SampleWriter(db);
    const folded = (hostId: number) => this.gpuFolded.get(hostId) ?? null;
    this.writeBatch = db.transaction((items: IngestItem[]) => writer.write(items, this.now(), folded));
    const rows = db.prepare('SELECT host_id, seen_at, sample_t, gpu_hours_through FROM monitor_last_seen').all() as { host_id: number; seen_at: number; sample_t: number; gpu_hours_through: number | null }[];
    for (const r of rows) {
      this.seen.set(r.host_id, { seenAt: r.seen_at, sampleT: r.sample_t });
      if (r.gpu_hours_through !== null) this.gpuFolded.set(r.host_id, r.gpu_hours_through);
    }
  }

  /** Queues a live sample; it is written with the others within flushMs. */
  ingest(hostId: number, sample: Sample): void {
    if (this.disposed) return;
    this.markSeen(this.seen, hostId, this.now(), sample.t);
    this.queue.push({ hostId, sample });
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.flushMs);
      this.timer.unref?.();
    }
  }

  /** Writes a batch now, in one transaction. Returns how many samples were new. */
  ingestMany(items: IngestItem[]): number {
    const now = this.now();
    for (const { hostId, sample } of items) this.markSeen(this.seen, hostId, now, sample.t);
    return this.writeBatch(items);
  }

  /** Writes whatever is queued, and prunes when due (so pruning needs no timer of its own). */
  flush(opts: { prune?: boolean } = {}): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const items = this.queue;
    this.queue = [];
    try {
      if (items.length) this.writeBatch(items);
      if (opts.prune !== false && this.now() - this.lastPrune >= this.pruneEveryMs) this.prune();
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  private markSeen(map: Map<number, LastSeen>, hostId: number, seenAt: number, sampleT: number): void {
    const prev = map.get(hostId);
    if (!prev) map.set(hostId, { seenAt, sampleT });
    else map.set(hostId, { seenAt: Math.max(prev.seenAt, seenAt), sampleT: Math.max(prev.sampleT, sampleT) });
  }

  /**
   * Folds each host's closed GPU minutes into their hours (see the top), then deletes what is past
   * retention. Both go host by host so each is a range seek on the (host_id, t) key instead of a
   * scan of every host's rows.
   */
  prune(now = this.now()): PruneCounts {
    this.lastPrune = now;
    const hosts = this.db.prepare('SELECT host_id FROM monitor_last_seen').pluck().all() as number[];
    // Minutes closed by this machine's clock: a host whose clock is behind may still send a
    // sample for one, which then goes to its hour directly.
    const closed = now - (((now % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
    const fold = this.db.prepare(gpuFoldHoursSql());
    const markFolded = this.db.prepare('UPDATE monitor_last_seen SET gpu_hours_through = ? WHERE host_id = ?');
    const r = this.retention;
    const counts: PruneCounts = { raw: 0, minute: 0, hour: 0, usage: 0, gpuMinute: 0, gpuHour: 0, gpuFolded: 0 };
    const del = {
      raw: this.db.prepare('DELETE FROM metric_raw WHERE host_id = ? AND t < ?'),
      minute: this.db.prepare('DELETE FROM metric_1m WHERE host_id = ? AND t < ?'),
      hour: this.db.prepare('DELETE FROM metric_1h WHERE host_id = ? AND t < ?'),
      usage: this.db.prepare('DELETE FROM usage_1m WHERE host_id = ? AND minute < ?'),
      gpuMinute: this.db.prepare('DELETE FROM gpu_1m WHERE host_id = ? AND t < ?'),
      gpuHour: this.db.prepare('DELETE FROM gpu_1h WHERE host_id = ? AND t < ?'),
    };
    const foldedNow: [number, number][] = [];
    this.db.transaction(() => {
      for (const h of hosts) {
        const through = this.gpuFolded.get(h);
        if (through === undefined || through < closed) {
          counts.gpuFolded += fold.run({ host: h, from: through ?? Number.MIN_SAFE_INTEGER, to: closed }).changes;
          markFolded.run(closed, h);
          foldedNow.push([h, closed]);
        }
        counts.raw += del.raw.run(h, now - r.rawMs).changes;
        counts.minute += del.minute.run(h, now - r.minuteMs).changes;
        counts.hour += del.hour.run(h, now - r.hourMs).changes;
        counts.usage += del.usage.run(h, now - r.usageMs).changes;
        counts.gpuMinute += del.gpuMinute.run(h, now - r.minuteMs).changes;
        counts.gpuHour += del.gpuHour.run(h, now - r.hourMs).changes;
      }
    })();
    // Only once the transaction committed: a failed prune folded nothing.
    for (const [h, t] of foldedNow) this.gpuFolded.set(h, t);
    return counts;
  }

  /** At most `points` buckets (min/avg/max) of one series, from the finest table that covers the range. */
  history(hostId: number, series: Series, from: number, to: number, points: number, opts: { resolution?: Resolution } = {}): { resolution: Resolution; points: HistoryPoint[] } {
    // What arrived in the last second belongs in the answer too.
    if (this.queue.length) this.flush();
    const resolution = opts.resolution ?? chooseResolution(from, to, this.now(), this.retention);
    return { resolution, points: this.queries.query(hostId, series, resolution, from, to, points) };
  }

  /** One series of each GPU of the host (or of `gpu`), at most `points` buckets per GPU. */
  gpuHistory(hostId: number, series: GpuSeries, from: number, to: number, points: number, opts: { gpu?: number; resolution?: GpuResolution } = {}): GpuHistory {
    if (this.queue.length) this.flush();
    const resolution = opts.resolution ?? chooseGpuResolution(from, to, this.now(), this.retention);
    return { resolution, gpus: this.queries.queryGpus(hostId, series, resolution, from, to, points, opts.gpu) };
  }

  lastSeen(hostId: number): LastSeen | null {
    return this.seen.get(hostId) ?? null;
  }

  /** Per-user minute rows of one host, oldest first (for usage reports). */
  usage(hostId: number, from: number, to: number): UsageRow[] {
    if (this.queue.length) this.flush();
    const rows = this.db
      .prepare('SELECT * FROM usage_1m WHERE host_id = ? AND minute >= ? AND minute <= ? ORDER BY minute, user')
      .all(hostId, from, to) as Record<string, number | string>[];
    return rows.map((r) => ({
      minute: r.minute as number,
      user: r.user as string,
      samples: r.samples as number,
      seconds: r.seconds as number,
      cpuAvg: r.cpu_avg as number,
      memAvgBytes: r.mem_avg_bytes as number,
      gpuMemAvgBytes: r.gpu_mem_avg_bytes as number,
      gpusTouched: maskToIndices(r.gpus_touched as number),
      gpuSeconds: r.gpu_seconds as number,
    }));
  }

  /** Writes what is queued and stops; later samples are ignored. */
  dispose(): void {
    if (this.disposed) return;
    // Shutting down should be quick: the next start prunes.
    this.flush({ prune: false });
    this.disposed = true;
  }
}

function maskToIndices(mask: number): number[] {
  const out: number[] = [];
  for (let g = 0; g < 53 && mask >= 2 ** g; g++) if (Math.floor(mask / 2 ** g) % 2 === 1) out.push(g);
  return out;
}
