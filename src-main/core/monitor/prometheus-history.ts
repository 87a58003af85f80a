import { z } from 'zod';
import type { HistoryPoint, Series } from '../../../src-common/monitor/monitor.contract.js';
import { FleetdeckError } from '../../../src-common/problems.js';

/**
 * History from the fleet's Prometheus (the monitoring module) instead of this laptop's SQLite:
 * the same series, asked as PromQL over HTTP through the SSH connection to the Prometheus host
 * (its 127.0.0.1:9090, no port opened), so every laptop sees the same history and it outlives
 * any of them. The answer is host data: checked against a schema, bounded, numbers only.
 */
export const PROMETHEUS_PORT = 9090;
export const PROMETHEUS_PATH = '/prometheus/api/v1/query_range';

/** Interfaces that double-count traffic (as series.ts leaves them out of the local totals). */
const VIRTUAL = 'lo|veth.*|docker.*|br-.*|cni.*|virbr.*|flannel.*|cali.*|vxlan.*';

/** PromQL string literal: backslash and quote escaped (a name from the hosts table). */
const lit = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
/** A regular expression matching exactly these strings (RE2: metacharacters escaped). */
export const exactly = (values: readonly string[]) => `^(${values.map((v) => v.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')).join('|')})$`;

/** The PromQL for one series of one host (its instance label matching `instances`), as the local series are measured. */
export function seriesQuery(series: Series, instances: readonly string[], windowS: number): string {
  const i = `instance=~${lit(exactly(instances))}`;
  const w = `[${windowS}s]`;
  switch (series) {
    case 'cpu':
      return `100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle",${i}}${w})))`;
    case 'iowait':
      return `100 * avg(rate(node_cpu_seconds_total{mode="iowait",${i}}${w}))`;
    case 'mem':
      return `100 * (1 - max(node_memory_MemAvailable_bytes{${i}}) / max(node_memory_MemTotal_bytes{${i}}))`;
    case 'load1':
      return `max(node_load1{${i}})`;
    case 'netRx':
      return `sum(rate(node_network_receive_bytes_total{device!~"${VIRTUAL}",${i}}${w}))`;
    case 'netTx':
      return `sum(rate(node_network_transmit_bytes_total{device!~"${VIRTUAL}",${i}}${w}))`;
    case 'diskRead':
      return `sum(rate(node_disk_read_bytes_total{${i}}${w}))`;
    case 'diskWrite':
      return `sum(rate(node_disk_written_bytes_total{${i}}${w}))`;
    case 'swap':
      return `max(node_memory_SwapTotal_bytes{${i}}) - max(node_memory_SwapFree_bytes{${i}})`;
    case 'gpuUtil':
      return `avg(fleetdeck_gpu_utilization_percent{${i}})`;
    case 'gpuMem':
      return `100 * sum(fleetdeck_gpu_memory_used_bytes{${i}}) / sum(fleetdeck_gpu_memory_total_bytes{${i}})`;
    case 'gpuTemp':
      return `max(fleetdeck_gpu_temperature_celsius{${i}})`;
  }
}

const matrixSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z.array(z.object({ values: z.array(z.tuple([z.number(), z.string()])).max(20_000) })).max(1),
  }),
});

/** Prometheus's step for `points` points over the range: whole seconds, at least its scrape interval. */
export function stepSeconds(from: number, to: number, points: number): number {
  return Math.max(15, Math.ceil((to - from) / 1000 / points));
}

export function rangePath(query: string, from: number, to: number, step: number): string {
  const q = new URLSearchParams({ query, start: String(from / 1000), end: String(to / 1000), step: String(step) });
  return `${PROMETHEUS_PATH}?${q.toString()}`;
}

/** The query_range answer as chart points (one value per step: min, avg and max alike). */
export function parseRange(body: string, server: string): HistoryPoint[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new FleetdeckError('protocol-error', `Prometheus on ${server} did not answer JSON.`);
  }
  const err = json as { status?: string; error?: string };
  if (err?.status === 'error') throw new FleetdeckError('invalid-input', `Prometheus on ${server} refused the query: ${String(err.error).slice(0, 300)}`);
  const parsed = matrixSchema.safeParse(json);
  if (!parsed.success) throw new FleetdeckError('protocol-error', `Prometheus on ${server} answered something Fleetdeck does not read as a range of values.`);
  const values = parsed.data.data.result[0]?.values ?? [];
  const out: HistoryPoint[] = [];
  for (const [t, v] of values) {
    const n = Number(v);
    const value = Number.isFinite(n) ? n : null;
    out.push({ t: Math.round(t * 1000), min: value, avg: value, max: value });
  }
  return out;
}

export interface PrometheusServer {
  /** The Fleetdeck host that runs Prometheus. */
  hostId: number;
  hostName: string;
  /** The instance labels this host's node_exporter is scraped under. */
  instances: string[];
}

export interface PrometheusSourceDeps {
  /** The Prometheus that scrapes this host (from the monitoring module's installed settings), or null. */
  serverFor(id: number): PrometheusServer | null;
  get(serverId: number, path: string): Promise<{ status: number; body: string }>;
}

export async function prometheusHistory(deps: PrometheusSourceDeps, id: number, series: Series, from: number, to: number, points: number): Promise<{ points: HistoryPoint[]; via: string }> {
  const server = deps.serverFor(id);
  if (!server) throw new FleetdeckError('not-found', 'No Prometheus scrapes this host: install the monitoring module (Setup → Monitoring), or show this laptop’s history.');
  const step = stepSeconds(from, to, points);
  const query = seriesQuery(series, server.instances, Math.max(60, step * 2));
  const r = await deps.get(server.hostId, rangePath(query, from, to, step));
  if (r.status !== 200 && r.status !== 400 && r.status !== 422) throw new FleetdeckError('protocol-error', `Prometheus on ${server.hostName} answered HTTP ${r.status}.`);
  return { points: parseRange(r.body, server.hostName), via: server.hostName };
}
