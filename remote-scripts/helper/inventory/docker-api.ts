import type { Container } from '../../../src-common/inventory/inventory.schema.js';
import { MAX } from '../../../src-common/protocol/bounds.js';

/**
 * Docker Engine API JSON → inventory shapes. Pure functions over parsed JSON (`unknown`, checked
 * field by field rather than with zod, to keep the helper bundle small). Times are epoch
 * milliseconds, like Inventory.takenAt.
 */

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) if (typeof val === 'string') out[k] = val;
  return out;
}

/** Docker writes "0001-01-01T00:00:00Z" for "never". */
function isoToMs(v: unknown): number | null {
  const s = str(v);
  if (!s || s.startsWith('0001-')) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
}

const UNLIMITED = { nanoCpus: null, memoryBytes: null, gpus: [] as string[] };

/** GET /containers/json?all=1. Limits are not in the list; inspect fills them (withInspect). */
export function containersFromList(json: unknown): Container[] {
  if (!Array.isArray(json)) return [];
  // Up to the bound the core accepts: each container costs an inspect request, and a hostile
  // list of 300,000 "{}" must not become 300,000 of them.
  return json.slice(0, MAX.containers).map((raw) => {
    const c = obj(raw);
    const names = Array.isArray(c.Names) ? c.Names.filter((n): n is string => typeof n === 'string') : [];
    const created = num(c.Created);
    return {
      id: str(c.Id) ?? '',
      name: (names[0] ?? '').replace(/^\//, ''),
      image: str(c.Image) ?? '',
      state: str(c.State) ?? 'unknown',
      status: str(c.Status) ?? '',
      labels: labelsOf(c.Labels),
      createdAt: created === null ? null : created * 1000,
      startedAt: null,
      limits: { ...UNLIMITED, gpus: [] },
    };
  });
}

/** `docker inspect` prints an array; the Engine API returns the object itself. Accept both. */
function inspectObject(json: unknown): Json {
  return Array.isArray(json) ? obj(json[0]) : obj(json);
}

/**
 * GPUs a container was given, in the container's own order: DeviceRequests (--gpus), then the
 * nvidia runtime's NVIDIA_VISIBLE_DEVICES, then /dev/nvidiaN device mappings (how schedulers
 * like OpenPAI pass GPUs with NVIDIA_VISIBLE_DEVICES=void). "all" means every GPU;
 * "count:N" is --gpus N, which names no particular GPU.
 */
function gpusOf(hostConfig: Json, env: string[]): string[] {
  const out: string[] = [];
  const requests = Array.isArray(hostConfig.DeviceRequests) ? hostConfig.DeviceRequests.map(obj) : [];
  for (const r of requests) {
    const caps = Array.isArray(r.Capabilities) ? r.Capabilities.flat() : [];
    if (r.Driver !== 'nvidia' && !caps.includes('gpu')) continue;
    const ids = Array.isArray(r.DeviceIDs) ? r.DeviceIDs.filter((d): d is string => typeof d === 'string') : [];
    // Loops, not push(...list): spreading a hostile list of 100k ids overflows the call stack.
    if (ids.length > 0) {
      for (const id of ids) out.push(id);
    } else if (r.Count === -1) out.push('all');
    else if (typeof r.Count === 'number' && r.Count > 0) out.push(`count:${r.Count}`);
  }
  const visible = env.find((e) => e.startsWith('NVIDIA_VISIBLE_DEVICES='))?.slice('NVIDIA_VISIBLE_DEVICES='.length).trim();
  if (visible && !['void', 'none', ''].includes(visible)) {
    for (const id of visible.split(',')) if (id.trim()) out.push(id.trim());
  }
  const devices = Array.isArray(hostConfig.Devices) ? hostConfig.Devices.map(obj) : [];
  for (const d of devices) {
    const m = /^\/dev\/nvidia(\d+)$/.exec(str(d.PathOnHost) ?? '');
    if (m) out.push(m[1]!);
  }
  return [...new Set(out)];
}

/** GET /containers/{id}/json → the limits Fleetdeck shows: CPUs (as NanoCpus), memory, GPUs. 0 means unlimited. */
export function limitsFromInspect(json: unknown): Container['limits'] {
  const c = inspectObject(json);
  const hc = obj(c.HostConfig);
  const env = Array.isArray(obj(c.Config).Env) ? (obj(c.Config).Env as unknown[]).filter((e): e is string => typeof e === 'string') : [];
  let nanoCpus = num(hc.NanoCpus) || null;
  const quota = num(hc.CpuQuota) ?? 0;
  // --cpu-quota/--cpu-period is the older spelling of --cpus; express it the same way.
  if (nanoCpus === null && quota > 0) nanoCpus = Math.round((quota / (num(hc.CpuPeriod) || 100000)) * 1e9);
  return { nanoCpus, memoryBytes: num(hc.Memory) || null, gpus: gpusOf(hc, env) };
}

/** A container built from inspect alone (when the list call is not available, or for a single container). */
export function containerFromInspect(json: unknown): Container {
  const c = inspectObject(json);
  const state = obj(c.State);
  const config = obj(c.Config);
  return {
    id: str(c.Id) ?? '',
    name: (str(c.Name) ?? '').replace(/^\//, ''),
    image: str(config.Image) ?? str(c.Image) ?? '',
    state: str(state.Status) ?? 'unknown',
    status: str(state.Status) ?? '',
    labels: labelsOf(config.Labels),
    createdAt: isoToMs(c.Created),
    startedAt: isoToMs(state.StartedAt),
    limits: limitsFromInspect(json),
  };
}

/** Adds what only inspect knows (limits, start time) to a list entry. */
export function withInspect(container: Container, inspect: unknown): Container {
  const state = obj(inspectObject(inspect).State);
  return { ...container, startedAt: isoToMs(state.StartedAt), limits: limitsFromInspect(inspect) };
}

export interface DockerStats {
  /** Needs precpu_stats, which a one-shot (stream=false) read leaves empty: then null. */
  cpuPercent: number | null;
  onlineCpus: number | null;
  /** Usage minus inactive file cache, as `docker stats` shows it. */
  memoryUsageBytes: number | null;
  /** null when the limit is the "unlimited" sentinel (>= 2^62). */
  memoryLimitBytes: number | null;
  pids: number | null;
  pidsLimit: number | null;
  netRxBytes: number;
  netTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
}

export function parseDockerStats(json: unknown): DockerStats {
  const s = obj(json);
  const cpu = obj(s.cpu_stats);
  const pre = obj(s.precpu_stats);
  const onlineCpus = num(cpu.online_cpus) ?? (Array.isArray(obj(cpu.cpu_usage).percpu_usage) ? (obj(cpu.cpu_usage).percpu_usage as unknown[]).length : null);
  const cpuDelta = (num(obj(cpu.cpu_usage).total_usage) ?? 0) - (num(obj(pre.cpu_usage).total_usage) ?? 0);
  const preSystem = num(pre.system_cpu_usage);
  const systemDelta = (num(cpu.system_cpu_usage) ?? 0) - (preSystem ?? 0);
  const cpuPercent = preSystem !== null && systemDelta > 0 && cpuDelta >= 0 ? (cpuDelta / systemDelta) * (onlineCpus ?? 1) * 100 : null;

  const mem = obj(s.memory_stats);
  const stats = obj(mem.stats);
  const usage = num(mem.usage);
  // cgroup v1 reports total_inactive_file, v2 inactive_file; docker subtracts whichever exists.
  const inactive = num(stats.total_inactive_file) ?? num(stats.inactive_file);
  const memoryUsageBytes = usage === null ? null : inactive !== null && inactive < usage ? usage - inactive : usage;
  const limit = num(mem.limit);

  let netRxBytes = 0;
  let netTxBytes = 0;
  for (const n of Object.values(obj(s.networks)).map(obj)) {
    netRxBytes += num(n.rx_bytes) ?? 0;
    netTxBytes += num(n.tx_bytes) ?? 0;
  }
  let blockReadBytes = 0;
  let blockWriteBytes = 0;
  const io = obj(s.blkio_stats).io_service_bytes_recursive;
  // v1 spells ops "Read"/"Write", v2 "read"/"write".
  for (const e of Array.isArray(io) ? io.map(obj) : []) {
    const op = (str(e.op) ?? '').toLowerCase();
    if (op === 'read') blockReadBytes += num(e.value) ?? 0;
    if (op === 'write') blockWriteBytes += num(e.value) ?? 0;
  }
  return {
    cpuPercent,
    onlineCpus,
    memoryUsageBytes,
    memoryLimitBytes: limit !== null && limit < 2 ** 62 ? limit : null,
    pids: num(obj(s.pids_stats).current),
    pidsLimit: num(obj(s.pids_stats).limit),
    netRxBytes,
    netTxBytes,
    blockReadBytes,
    blockWriteBytes,
  };
}
