import { useQueries, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ConnectionState } from '../../src-common/hosts/host.schema.js';
import type { GpuHistory, GpuSeries, HistoryPoint, HistorySource, Series } from '../../src-common/monitor/monitor.contract.js';
import { sampleSchema } from '../../src-common/monitor/sample.schema.js';
import { useApi } from '../api/api-context.js';
import { applyLatest, applySample, EMPTY_LIVE, RANGES, type LiveState, type RangeId } from './monitor-data.js';

/**
 * Live monitoring in the query cache. monitor.onSample pushes go straight into the cache with
 * setQueryData (one subscription for the whole app, see useMonitorSync); components only read.
 * Per host the cache keeps the newest sample and a rolling ~5-minute buffer of compact points.
 * History for longer ranges is read with monitor.history and joined with the live tail.
 */
export const monitorKeys = {
  all: ['monitor'] as const,
  liveAll: ['monitor', 'live'] as const,
  live: (id: number) => ['monitor', 'live', id] as const,
  start: (id: number, session: number) => ['monitor', 'start', id, session] as const,
  history: (id: number, series: Series, range: RangeId, source: HistorySource = 'local') => ['monitor', 'history', id, series, range, source] as const,
  historySources: (id: number) => ['monitor', 'historySources', id] as const,
  gpuHistory: (id: number, series: GpuSeries, range: RangeId) => ['monitor', 'gpuHistory', id, series, range] as const,
  offlineAll: ['monitor', 'offline'] as const,
  offline: (id: number) => ['monitor', 'offline', id] as const,
};

/** Every monitor query of one host (keys are ['monitor', kind, id, …]). */
export function removeMonitorQueries(queryClient: QueryClient, id: number): void {
  queryClient.removeQueries({ predicate: (q) => q.queryKey[0] === 'monitor' && q.queryKey[2] === id });
}

const defaultsSet = new WeakSet<QueryClient>();

/** Live buffers are filled by pushes, not fetches: never stale, never collected while the app runs. */
function ensureDefaults(queryClient: QueryClient): void {
  if (defaultsSet.has(queryClient)) return;
  defaultsSet.add(queryClient);
  queryClient.setQueryDefaults(monitorKeys.liveAll, { staleTime: Infinity, gcTime: Infinity });
  queryClient.setQueryDefaults(monitorKeys.offlineAll, { staleTime: Infinity, gcTime: Infinity });
}

/**
 * One pushed sample into the cache. Samples are host data: one that does not match the schema is
 * refused (the buffer is kept) and the reason is kept for the monitor tab to show.
 */
export function receiveSample(queryClient: QueryClient, id: number, raw: unknown): void {
  const parsed = sampleSchema.safeParse(raw);
  queryClient.setQueryData<LiveState>(monitorKeys.live(id), (prev) => {
    if (parsed.success) return applySample(prev, parsed.data);
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { ...(prev ?? EMPTY_LIVE), problem: `A sample from this host was refused (${where}${issue?.message ?? 'invalid'}).` };
  });
}

/** When the UI saw a host go away (a failed state carries no time of its own). */
export function recordConnection(queryClient: QueryClient, id: number, connection: ConnectionState, now = Date.now()): void {
  const key = monitorKeys.offline(id);
  if (connection.state === 'lost') queryClient.setQueryData<number>(key, connection.since);
  else if (connection.state === 'failed') queryClient.setQueryData<number>(key, (prev) => prev ?? now);
  else if (connection.state === 'connected' || connection.state === 'idle') queryClient.removeQueries({ queryKey: key, exact: true });
}

/** Mounted once by the app shell: samples and connection changes of every host go into the cache. */
export function useMonitorSync(): void {
  const { events } = useApi();
  const queryClient = useQueryClient();
  ensureDefaults(queryClient);
  useEffect(() => {
    const offSample = events.monitor.onSample((payload) => {
      if (payload && typeof payload.id === 'number') receiveSample(queryClient, payload.id, payload.sample);
    });
    const offState = events.hosts.onState(({ id, connection }) => recordConnection(queryClient, id, connection));
    // The agent filled a gap in this laptop's history: charts read it again.
    const offBackfill = events.monitor.onBackfill((payload) => {
      if (payload && typeof payload.id === 'number') void queryClient.invalidateQueries({ queryKey: ['monitor', 'history', payload.id] });
    });
    return () => {
      offSample();
      offState();
      offBackfill();
    };
  }, [events, queryClient]);
}

/**
 * Starts the host's stream once per connection (a new `since` is a new session). Streams are kept
 * when the view goes away: the fleet dashboard and the history want them. The query holds the
 * outcome, so a refusal (old core, helper without the channel) is shown where the data would be.
 */
export function useMonitorStart(id: number, connection: ConnectionState | undefined) {
  const { client } = useApi();
  const session = connection?.state === 'connected' ? connection.since : null;
  return useQuery({
    queryKey: monitorKeys.start(id, session ?? 0),
    queryFn: () => client.monitor.start({ id }),
    enabled: session !== null,
    staleTime: Infinity,
  });
}

/** The newest sample and the rolling buffer of one host; seeded once with monitor.latest. */
export function useLive(id: number, enabled: boolean) {
  const { client } = useApi();
  const queryClient = useQueryClient();
  ensureDefaults(queryClient);
  return useQuery({
    queryKey: monitorKeys.live(id),
    queryFn: async () => {
      const latest = await client.monitor.latest({ id });
      return applyLatest(queryClient.getQueryData<LiveState>(monitorKeys.live(id)), latest);
    },
    enabled,
    staleTime: Infinity,
    gcTime: Infinity,
  });
}

/** When a failed host was last seen failing by this UI (null when unknown). */
export function useOfflineRecord(id: number): number | null {
  const queryClient = useQueryClient();
  const { data } = useQuery({
    queryKey: monitorKeys.offline(id),
    queryFn: () => queryClient.getQueryData<number>(monitorKeys.offline(id)) ?? null,
    staleTime: Infinity,
    gcTime: Infinity,
  });
  return data ?? null;
}

export interface HistoryResult {
  resolution: 'raw' | '1m' | '1h';
  points: HistoryPoint[];
  /** The window asked for; the live tail continues from `to`. */
  from: number;
  to: number;
  /** Where it came from: this laptop, or the fleet's Prometheus (via: its host). */
  source?: HistorySource;
  via?: string;
}

function historyQuery(client: ReturnType<typeof useApi>['client'], id: number, series: Series, range: RangeId, enabled: boolean, source: HistorySource = 'local') {
  const def = RANGES[range];
  return {
    queryKey: monitorKeys.history(id, series, range, source),
    queryFn: async (): Promise<HistoryResult> => {
      const to = Date.now();
      const from = to - def.ms;
      const r = await client.monitor.history({ id, series, from, to, points: def.points, source });
      return { resolution: r.resolution, points: r.points, from, to, source: r.source ?? 'local', via: r.via };
    },
    enabled,
    // The live tail keeps the chart current; a read is repeated when the tail no longer reaches it.
    staleTime: Infinity,
    gcTime: 10 * 60_000,
  };
}

/** One stored series over a range (1 h / 24 h / 7 d, or the seed of the 5-minute view). */
export function useHistory(id: number, series: Series, range: RangeId, enabled = true) {
  const { client } = useApi();
  return useQuery(historyQuery(client, id, series, range, enabled));
}

export interface HistorySet {
  bySeries: Partial<Record<Series, HistoryResult>>;
  pending: boolean;
  /** The first failure, if every series failed the same way (an old core without history). */
  error: unknown;
  refetchStale: (liveStart: number | null, windowFrom: number) => void;
}

/**
 * Several series over one range. When the live buffer no longer reaches back to the end of what
 * was read (the view stayed open for longer than the buffer), the history is read again: driven
 * by the samples arriving, not by a timer.
 */
export function useHistorySet(id: number, series: readonly Series[], range: RangeId, enabled: boolean, source: HistorySource = 'local'): HistorySet {
  const { client } = useApi();
  return useQueries({
    queries: series.map((s) => historyQuery(client, id, s, range, enabled, source)),
    combine: (results) => combineSeries(series, results, enabled),
  });
}

/** The results of one read per series, by series; pending, the shared failure, and the stale re-read. */
function combineSeries<S extends string, R extends { to: number }>(series: readonly S[], results: readonly (StaleCandidate & { data?: R; isError: boolean; isPending: boolean; error: unknown })[], enabled: boolean) {
  const bySeries: Partial<Record<S, R>> = {};
  results.forEach((r, i) => {
    const s = series[i];
    if (s && r.data) bySeries[s] = r.data;
  });
  const failed = results.find((r) => r.isError);
  return {
    bySeries,
    pending: enabled && results.some((r) => r.isPending),
    error: failed && results.every((r) => r.isError || r.isPending) ? failed.error : null,
    refetchStale: staleRefetcher(results),
  };
}

interface StaleCandidate {
  data?: { to: number };
  isFetching: boolean;
  dataUpdatedAt: number;
  refetch: () => Promise<unknown>;
}

/** Reads a range again once the live buffer no longer reaches back to the end of what was read. */
function staleRefetcher(results: readonly StaleCandidate[]): (liveStart: number | null, windowFrom: number) => void {
  return (liveStart, windowFrom) => {
    if (liveStart === null) return;
    for (const r of results) {
      const d = r.data;
      if (!d || r.isFetching || Date.now() - r.dataUpdatedAt < 60_000) continue;
      if (liveStart > d.to && liveStart > windowFrom) void r.refetch();
    }
  };
}

export interface GpuHistoryResult {
  resolution: GpuHistory['resolution'];
  gpus: GpuHistory['gpus'];
  from: number;
  to: number;
}

function gpuHistoryQuery(client: ReturnType<typeof useApi>['client'], id: number, series: GpuSeries, range: RangeId, enabled: boolean) {
  const def = RANGES[range];
  return {
    queryKey: monitorKeys.gpuHistory(id, series, range),
    queryFn: async (): Promise<GpuHistoryResult> => {
      const to = Date.now();
      const from = to - def.ms;
      const r = await client.monitor.gpuHistory({ id, series, from, to, points: def.points });
      return { resolution: r.resolution, gpus: r.gpus, from, to };
    },
    enabled,
    staleTime: Infinity,
    gcTime: 10 * 60_000,
  };
}

export interface GpuHistorySet {
  bySeries: Partial<Record<GpuSeries, GpuHistoryResult>>;
  pending: boolean;
  error: unknown;
  refetchStale: (liveStart: number | null, windowFrom: number) => void;
}

/** Per-GPU series over one range (every GPU of the host in one read per series), kept fresh like useHistorySet. */
export function useGpuHistorySet(id: number, series: readonly GpuSeries[], range: RangeId, enabled: boolean): GpuHistorySet {
  const { client } = useApi();
  return useQueries({
    queries: series.map((s) => gpuHistoryQuery(client, id, s, range, enabled)),
    combine: (results) => combineSeries(series, results, enabled),
  });
}

/** Calls refetchStale whenever the buffer's first point moves (see useHistorySet). */
export function useHistoryFollowsLive(set: Pick<HistorySet, 'refetchStale'>, liveStart: number | null, windowFrom: number): void {
  const { refetchStale } = set;
  useEffect(() => {
    refetchStale(liveStart, windowFrom);
    // Only a move of the buffer's start can open a hole; windowFrom moves with every sample.
  }, [liveStart]);
}

/** Where this host's history can come from besides this laptop: the fleet's Prometheus, if one scrapes it. */
export function useHistorySources(id: number) {
  const { client } = useApi();
  return useQuery({ queryKey: monitorKeys.historySources(id), queryFn: () => client.monitor.historySources({ id }), staleTime: 60_000 });
}
