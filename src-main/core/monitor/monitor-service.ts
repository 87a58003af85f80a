import { api, apiEvents } from '../../../src-common/api.js';
import type { ConnectionState } from '../../../src-common/hosts/host.schema.js';
import type { GpuHistory, GpuSeries, HistoryPoint, Series } from '../../../src-common/monitor/monitor.contract.js';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import { FleetdeckError, toProblem } from '../../../src-common/problems.js';
import type { ChannelHandle, OpenOptions } from '../../../src-common/protocol/endpoint.js';
import * as z from 'zod/mini';
import { describeSchemaIssues } from '../../../src-common/protocol/bounds.js';
import { helperChannels, type HelperChannelDef, type HelperParams } from '../../../src-common/protocol/helper-api.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events.js';
import type { Resolution } from './history-query.js';
import { JsonLineSplitter } from './json-lines.js';
import { backfill, servesBackfill, type BackfillHelper } from './backfill.js';
import { prometheusHistory, stepSeconds, type PrometheusSourceDeps } from './prometheus-history.js';
import { MetricsStore, type LastSeen, type MetricsStoreOptions } from './metrics-store.js';
import { handlersFor, type Capability } from '../capability.js';

/**
 * Live monitoring: one metrics channel per watched host, its samples validated, stored, kept as
 * `latest` and pushed as monitor.onSample. A watched host stays watched across reconnects: the
 * stream is reopened when the host's state becomes `connected` again, and never twice.
 */
export interface MonitorHelper {
  readonly isClosed: boolean;
  open<D extends HelperChannelDef>(def: D, params: HelperParams<D>, opts: OpenOptions): ChannelHandle;
}

export interface MonitorSession {
  readonly state: ConnectionState;
  helperFor(superuser: 'try'): Promise<MonitorHelper>;
  /** The resident agent where it serves the method (hosts/host-session.ts), else helperFor. */
  helperForMethod?(method: string, superuser: 'try'): Promise<MonitorHelper>;
}

export interface MonitorServiceOptions {
  db: Db;
  events: EventBus;
  /** The host's session if it has one (never creates one: monitoring does not connect). */
  session(id: number): MonitorSession | undefined;
  /** The host's name for messages; throws not-found for an unknown host. */
  hostName(id: number): string;
  store?: MetricsStoreOptions;
  /** The fleet's Prometheus as a history source (the monitoring module), where there is one. */
  prometheus?: PrometheusSourceDeps;
  /** First delay before reopening a stream that ended while the host stayed connected. */
  retryMs?: number;
  log?: (id: number, line: string) => void;
}

interface Stream {
  helper: MonitorHelper;
  handle: ChannelHandle;
}

interface Watch {
  intervalMs: number;
  /** Bumped when the wanted stream changes, so an open that was in flight is not adopted. */
  generation: number;
  stream: Stream | null;
  opening: Promise<void> | null;
  retryTimer: ReturnType<typeof setTimeout> | null;
  failures: number;
  rejected: number;
}

const MAX_RETRY_MS = 60_000;

export class MonitorService implements Capability {
  handlers() {
    return handlersFor(api.monitor, {
      start: async (p) => this.start(p.id, p.intervalMs),
      stop: async (p) => this.stop(p.id),
      latest: async (p) => this.latest(p.id),
      history: async (p) => (p.source === 'prometheus' ? this.prometheusHistory(p.id, p.series, p.from, p.to, p.points) : this.history(p.id, p.series, p.from, p.to, p.points)),
      historySources: async (p) => this.historySources(p.id),
      gpuHistory: async (p) => this.gpuHistory(p.id, p.series, p.from, p.to, p.points, p.gpu),
    });
  }

  readonly store: MetricsStore;
  private readonly watches = new Map<number, Watch>();
  private readonly latestSamples = new Map<number, Sample>();
  private readonly unsubscribe: () => void;
  private disposed = false;

  constructor(private readonly opts: MonitorServiceOptions) {
    this.store = new MetricsStore(opts.db, opts.store);
    this.unsubscribe = opts.events.on((name, payload) => {
      if (name === apiEvents.hosts.onState.name) this.onState(payload as { id: number; connection: ConnectionState });
    });
  }

  /** Starts (or keeps) the stream; a different interval reopens it. */
  async start(id: number, intervalMs: number): Promise<{ ok: boolean }> {
    if (this.disposed) throw new FleetdeckError('cancelled', 'Fleetdeck is shutting down.');
    const name = this.opts.hostName(id);
    const state = this.opts.session(id)?.state ?? { state: 'idle' };
    if (state.state !== 'connected') {
      throw new FleetdeckError('disconnected', `${name} is not connected (${state.state}). Connect it first, then start monitoring.`);
    }
    let w = this.watches.get(id);
    if (!w) {
      w = { intervalMs, generation: 0, stream: null, opening: null, retryTimer: null, failures: 0, rejected: 0 };
      this.watches.set(id, w);
    } else if (w.intervalMs !== intervalMs) {
      w.intervalMs = intervalMs;
      w.generation++;
      this.closeStream(w);
    }
    try {
      await this.ensure(id, w);
    } catch (err) {
      // A start that could not open anything leaves nothing watched behind.
      if (!w.stream) this.forget(id);
      throw err;
    }
    return { ok: true };
  }

  stop(id: number): { ok: boolean } {
    this.opts.hostName(id);
    this.forget(id);
    return { ok: true };
  }

  latest(id: number): Sample | null {
    this.opts.hostName(id);
    return this.latestSamples.get(id) ?? null;
  }

  history(id: number, series: Series, from: number, to: number, points: number): { resolution: Resolution; points: HistoryPoint[] } {
    this.opts.hostName(id);
    return this.store.history(id, series, from, to, points);
  }

  /** The same series from the fleet's Prometheus (prometheus-history.ts). */
  async prometheusHistory(id: number, series: Series, from: number, to: number, points: number): Promise<{ resolution: Resolution; points: HistoryPoint[]; source: 'prometheus'; via: string }> {
    this.opts.hostName(id);
    if (!this.opts.prometheus) throw new FleetdeckError('not-found', 'Reading history from Prometheus is not available here.');
    const r = await prometheusHistory(this.opts.prometheus, id, series, from, to, points);
    return { resolution: stepSeconds(from, to, points) >= 3600 ? '1h' : stepSeconds(from, to, points) >= 60 ? '1m' : 'raw', points: r.points, source: 'prometheus', via: r.via };
  }

  historySources(id: number): { prometheus: { hostId: number; hostName: string; connected: boolean } | null } {
    this.opts.hostName(id);
    const server = this.opts.prometheus?.serverFor(id) ?? null;
    return { prometheus: server && { hostId: server.hostId, hostName: server.hostName, connected: this.opts.session(server.hostId)?.state.state === 'connected' } };
  }

  gpuHistory(id: number, series: GpuSeries, from: number, to: number, points: number, gpu?: number): GpuHistory {
    this.opts.hostName(id);
    return this.store.gpuHistory(id, series, from, to, points, { gpu });
  }

  /** When the host last sent a sample (kept across restarts), for "offline, last seen …". */
  lastSeen(id: number): LastSeen | null {
    return this.store.lastSeen(id);
  }

  /** Whether a channel is open for the host now (for tests and the UI's "live" badge). */
  isStreaming(id: number): boolean {
    const s = this.watches.get(id)?.stream;
    return !!s && !s.helper.isClosed;
  }

  private forget(id: number): void {
    const w = this.watches.get(id);
    if (!w) return;
    this.watches.delete(id);
    w.generation++;
    this.clearRetry(w);
    this.closeStream(w);
  }

  private onState({ id, connection }: { id: number; connection: ConnectionState }): void {
    const w = this.watches.get(id);
    if (!w || this.disposed) return;
    if (connection.state === 'connected') {
      w.failures = 0;
      this.clearRetry(w);
      this.ensure(id, w).catch((err: unknown) => this.retryLater(id, w, err));
    } else {
      // The old channel died with the link; the next `connected` opens a new one.
      this.clearRetry(w);
      this.closeStream(w);
    }
  }

  /** Opens the stream unless one is open or opening. Idempotent, so events and retries may race. */
  private ensure(id: number, w: Watch): Promise<void> {
    if (w.opening) return w.opening;
    if (w.stream && !w.stream.helper.isClosed) return Promise.resolve();
    w.opening = (async () => {
      for (;;) {
        const gen = w.generation;
        const session = this.opts.session(id);
        if (!session || session.state.state !== 'connected') return; // the `connected` event reopens it
        const helper = session.helperForMethod ? await session.helperForMethod(helperChannels.metricsStream.method, 'try') : await session.helperFor('try');
        if (this.disposed || this.watches.get(id) !== w) return;
        // The resident agent kept sampling while this laptop was away: that first, then live.
        if (servesBackfill(helper)) await this.fillGap(id, helper);
        if (this.disposed || this.watches.get(id) !== w) return;
        if (gen !== w.generation) continue; // the interval changed while we waited
        this.closeStream(w);
        w.stream = this.openChannel(id, w, helper);
        return;
      }
    })().finally(() => {
      w.opening = null;
    });
    return w.opening;
  }

  private async fillGap(id: number, helper: BackfillHelper): Promise<void> {
    try {
      const r = await backfill(helper, this.store, id);
      this.opts.log?.(id, `backfill from the agent: ${r.added} samples added (${r.received} received${r.refused ? `, ${r.refused} refused` : ''}) in ${r.ms} ms`);
      if (r.added) this.opts.events.emit(apiEvents.monitor.onBackfill.name, { id, samples: r.added, from: r.since });
    } catch (err) {
      this.opts.log?.(id, `backfill from the agent failed: ${toProblem(err).message}`);
    }
  }

  private openChannel(id: number, w: Watch, helper: MonitorHelper): Stream {
    const splitter = new JsonLineSplitter();
    const stream: Stream = { helper, handle: null! };
    stream.handle = helper.open(helperChannels.metricsStream, { intervalMs: w.intervalMs }, { onData: (data) => this.onData(id, w, stream, splitter, data) });
    stream.handle.finished.then(
      () => this.onStreamEnd(id, w, stream, null),
      (err: unknown) => this.onStreamEnd(id, w, stream, err),
    );
    return stream;
  }

  private onData(id: number, w: Watch, stream: Stream, splitter: JsonLineSplitter, data: Uint8Array): void {
    if (w.stream !== stream) return;
    let lines: string[];
    try {
      lines = splitter.push(data);
    } catch (err) {
      this.closeStream(w);
      this.retryLater(id, w, err);
      return;
    }
    for (const line of lines) {
      let parsed;
      try {
        parsed = z.safeParse(helperChannels.metricsStream.item, JSON.parse(line));
      } catch {
        parsed = null;
      }
      if (!parsed?.success) {
        // One bad sample is skipped, not fatal; the log says so once per stream, not every second.
        if (w.rejected++ === 0) this.opts.log?.(id, `monitor: skipped a sample the helper sent that does not fit the schema (${parsed ? describeSchemaIssues(parsed.error, 1) : 'not JSON'}); the host may run a modified helper`);
        continue;
      }
      const sample = parsed.data;
      w.failures = 0;
      this.latestSamples.set(id, sample);
      this.store.ingest(id, sample);
      this.opts.events.emit(apiEvents.monitor.onSample.name, { id, sample });
    }
  }

  private onStreamEnd(id: number, w: Watch, stream: Stream, err: unknown): void {
    if (w.stream !== stream) return; // closed by us, or replaced
    w.stream = null;
    this.retryLater(id, w, err ?? new FleetdeckError('disconnected', 'The metrics stream ended.'));
  }

  /** Reopens after a growing delay while the host stays connected; a reconnect reopens at once. */
  private retryLater(id: number, w: Watch, err: unknown): void {
    if (this.disposed || this.watches.get(id) !== w || w.retryTimer) return;
    const p = toProblem(err);
    const delay = Math.min(MAX_RETRY_MS, (this.opts.retryMs ?? 5000) * 2 ** w.failures++);
    this.opts.log?.(id, `monitor: stream stopped (${p.problem}: ${p.message}); retrying in ${Math.round(delay / 1000)} s`);
    w.retryTimer = setTimeout(() => {
      w.retryTimer = null;
      this.ensure(id, w).catch((e: unknown) => this.retryLater(id, w, e));
    }, delay);
    w.retryTimer.unref?.();
  }

  private clearRetry(w: Watch): void {
    if (w.retryTimer) clearTimeout(w.retryTimer);
    w.retryTimer = null;
  }

  private closeStream(w: Watch): void {
    const s = w.stream;
    w.stream = null;
    s?.handle.close();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.unsubscribe();
    for (const id of [...this.watches.keys()]) this.forget(id);
    this.store.dispose();
  }
}
