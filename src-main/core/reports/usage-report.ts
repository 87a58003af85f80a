import type { Host } from '../../../src-common/hosts/host.schema.js';
import type { GroupMissing, UsageGroupRow, UsageHostRow, UsageHostUserRow, UsageReport, UsageTimeline, UsageUserRow } from '../../../src-common/reports/report.schema.js';
import type { Db } from '../db/database.js';
import type { HostStore } from '../hosts/host-store.js';
import { bucketWidth, DEFAULT_RETENTION, HistoryQueries } from '../monitor/history-query.js';
import { HOUR_MS, MINUTE_MS } from '../monitor/rollup-batch.js';
import { reportMeta } from './report-meta.js';
import type { ResolvedQuery } from './report-query.js';
import { roundFigure, roundFigureOrNull, whole } from './report-round.js';

/**
 * The usage report, from the monitoring history: per user and group from usage_1m (CPU-hours =
 * Σ cpu_avg / 100 × seconds / 3600, GPU-hours = Σ gpu_seconds / 3600, memory as GiB-hours), per
 * host from the 1-minute rollups (1-hour past their retention). A stored minute or hour counts
 * when it overlaps the period, so a period of a few minutes still sees its first minute.
 */
const GIB = 1024 ** 3;
const TIMELINE_POINTS = 120;

interface Figures {
  cpuHours: number;
  memoryGibHours: number;
  gpuHours: number;
  gpuMemoryGibHours: number;
  activeHours: number;
  peakMemoryBytes: number;
  peakGpuMemoryBytes: number;
}

const zero = (): Figures => ({ cpuHours: 0, memoryGibHours: 0, gpuHours: 0, gpuMemoryGibHours: 0, activeHours: 0, peakMemoryBytes: 0, peakGpuMemoryBytes: 0 });

function add(into: Figures, f: Figures): void {
  into.cpuHours += f.cpuHours;
  into.memoryGibHours += f.memoryGibHours;
  into.gpuHours += f.gpuHours;
  into.gpuMemoryGibHours += f.gpuMemoryGibHours;
  into.activeHours += f.activeHours;
  into.peakMemoryBytes = Math.max(into.peakMemoryBytes, f.peakMemoryBytes);
  into.peakGpuMemoryBytes = Math.max(into.peakGpuMemoryBytes, f.peakGpuMemoryBytes);
}

const byUsage = <T extends Figures>(a: T, b: T) => b.cpuHours - a.cpuHours || b.gpuHours - a.gpuHours || b.memoryGibHours - a.memoryGibHours;

/** A user's primary group on one host, or why it is not known. */
type GroupOf = { group: string; missing: null } | { group: null; missing: GroupMissing };

/**
 * user → primary group, from a host's stored inventory: the `primaryGroup` the helper reads from
 * the passwd gid (null: the gid has no name), for facts stored since it does. Older facts lack it:
 * there the helper listed each account's groups
 * with the one its passwd gid names first (local-users.ts: primary, then the supplementary ones
 * from /etc/group), so groups[0] is the primary group, provided the gid has a name in
 * /etc/group. When it has none, the list holds only supplementary groups (or nothing): an empty
 * list says so, and so do two accounts with the same gid whose first groups differ (a named gid
 * would be first for both); those read "unnamed gid". What the stored data cannot tell apart is a
 * lone account whose gid has no name but that is a member of other groups: its first
 * supplementary group shows as its primary one (rare: /etc/passwd and /etc/group disagreeing).
 */
function primaryGroups(store: HostStore, hostId: number): (user: string) => GroupOf {
  const inv = store.facts(hostId)?.inventory as { users?: unknown } | null | undefined;
  if (!inv || typeof inv !== 'object') return () => ({ group: null, missing: 'no-inventory' });
  const listed = new Map<string, { gid: number | null; first: string | null; primary?: string | null }>();
  const firstByGid = new Map<number, Set<string | null>>();
  for (const u of (Array.isArray(inv.users) ? inv.users : []) as { name?: unknown; gid?: unknown; groups?: unknown; primaryGroup?: unknown }[]) {
    if (typeof u?.name !== 'string' || listed.has(u.name)) continue;
    const gid = typeof u.gid === 'number' && Number.isInteger(u.gid) ? u.gid : null;
    const first = Array.isArray(u.groups) && typeof u.groups[0] === 'string' && u.groups[0] !== '' ? u.groups[0] : null;
    const primary = u.primaryGroup === undefined ? undefined : typeof u.primaryGroup === 'string' && u.primaryGroup !== '' ? u.primaryGroup : null;
    listed.set(u.name, { gid, first, primary });
    if (gid !== null) firstByGid.set(gid, (firstByGid.get(gid) ?? new Set()).add(first));
  }
  return (user) => {
    const u = listed.get(user);
    if (!u) return { group: null, missing: 'not-in-inventory' };
    if (u.primary !== undefined) return u.primary !== null ? { group: u.primary, missing: null } : { group: null, missing: 'no-group-name' };
    const agreed = u.gid === null || (firstByGid.get(u.gid)?.size ?? 1) === 1;
    return u.first !== null && agreed ? { group: u.first, missing: null } : { group: null, missing: 'no-group-name' };
  };
}

/** Across hosts: a named group wins, then the most telling reason for none. */
const MISSING_RANK: Record<GroupMissing, number> = { 'no-group-name': 3, 'not-in-inventory': 2, 'no-inventory': 1 };
function mergeGroup(into: { group: string | null; groupMissing?: GroupMissing | null }, g: GroupOf): void {
  if (into.group !== null) return;
  if (g.group !== null) {
    into.group = g.group;
    into.groupMissing = null;
  } else if (!into.groupMissing || MISSING_RANK[g.missing] > MISSING_RANK[into.groupMissing]) into.groupMissing = g.missing;
}

/** The figures as the model holds them: six significant digits, whole bytes (see report-round.ts). */
function rounded<T extends Figures>(f: T): T {
  return {
    ...f,
    cpuHours: roundFigure(f.cpuHours),
    memoryGibHours: roundFigure(f.memoryGibHours),
    gpuHours: roundFigure(f.gpuHours),
    gpuMemoryGibHours: roundFigure(f.gpuMemoryGibHours),
    activeHours: roundFigure(f.activeHours),
    peakMemoryBytes: whole(f.peakMemoryBytes),
    peakGpuMemoryBytes: whole(f.peakGpuMemoryBytes),
  };
}

interface UsageSqlRow {
  user: string;
  cpu_hours: number;
  mem_gib_hours: number;
  gpu_hours: number;
  gpu_mem_gib_hours: number;
  active_hours: number;
  peak_mem: number;
  peak_gpu_mem: number;
}

interface HostSqlRow {
  buckets: number;
  samples: number | null;
  [k: string]: number | null;
}

export function buildUsageReport(q: ResolvedQuery, db: Db, store: HostStore, now = Date.now()): UsageReport {
  const notes: string[] = [];
  const oldestUsage = now - DEFAULT_RETENTION.usageMs;
  if (q.since < oldestUsage) notes.push(`Per-user usage is kept ${Math.round(DEFAULT_RETENTION.usageMs / 86_400_000)} days: the part of the period before ${new Date(oldestUsage).toISOString().slice(0, 10)} has none.`);
  const resolution: '1m' | '1h' = q.since >= now - DEFAULT_RETENTION.minuteMs ? '1m' : '1h';
  const step = resolution === '1m' ? MINUTE_MS : HOUR_MS;

  const perUser = db.prepare(
    `SELECT user,
       SUM(cpu_avg / 100.0 * seconds) / 3600.0 AS cpu_hours,
       SUM(mem_avg_bytes * seconds) / 3600.0 / ${GIB} AS mem_gib_hours,
       SUM(gpu_seconds) / 3600.0 AS gpu_hours,
       SUM(gpu_mem_avg_bytes * seconds) / 3600.0 / ${GIB} AS gpu_mem_gib_hours,
       SUM(seconds) / 3600.0 AS active_hours,
       MAX(mem_avg_bytes) AS peak_mem,
       MAX(gpu_mem_avg_bytes) AS peak_gpu_mem
     FROM usage_1m WHERE host_id = ? AND minute > ? AND minute < ? GROUP BY user`,
  );
  const agg = (c: string) => `SUM(${c}_avg * ${c}_n) / NULLIF(SUM(${c}_n), 0) AS ${c}_avg, MAX(${c}_max) AS ${c}_max`;
  const perHost = db.prepare(
    `SELECT COUNT(*) AS buckets, SUM(samples) AS samples, ${['cpu', 'mem', 'gpu_util', 'gpu_mem', 'load1'].map(agg).join(', ')}
     FROM ${resolution === '1m' ? 'metric_1m' : 'metric_1h'} WHERE host_id = ? AND t > ? AND t < ?`,
  );

  const hostUsers: UsageHostUserRow[] = [];
  const hosts: UsageHostRow[] = [];
  const users = new Map<string, UsageUserRow>();
  for (const host of q.hosts) {
    const groups = primaryGroups(store, host.id);
    for (const r of perUser.all(host.id, q.since - MINUTE_MS, q.until) as UsageSqlRow[]) {
      const f: Figures = {
        cpuHours: r.cpu_hours,
        memoryGibHours: r.mem_gib_hours,
        gpuHours: r.gpu_hours,
        gpuMemoryGibHours: r.gpu_mem_gib_hours,
        activeHours: r.active_hours,
        peakMemoryBytes: r.peak_mem,
        peakGpuMemoryBytes: r.peak_gpu_mem,
      };
      const g = groups(r.user);
      hostUsers.push({ host: host.name, user: r.user, group: g.group, groupMissing: g.missing, ...f });
      let u = users.get(r.user);
      if (!u) users.set(r.user, (u = { user: r.user, group: null, groupMissing: null, hosts: [], ...zero() }));
      mergeGroup(u, g);
      u.hosts.push(host.name);
      add(u, f);
    }
    const h = perHost.get(host.id, q.since - step, q.until) as HostSqlRow;
    hosts.push({
      hostId: host.id,
      host: host.name,
      monitoredHours: roundFigure((h.buckets * step) / HOUR_MS),
      samples: h.samples ?? 0,
      cpuAvg: roundFigureOrNull(h.cpu_avg),
      cpuMax: roundFigureOrNull(h.cpu_max),
      memAvg: roundFigureOrNull(h.mem_avg),
      memMax: roundFigureOrNull(h.mem_max),
      gpuUtilAvg: roundFigureOrNull(h.gpu_util_avg),
      gpuUtilMax: roundFigureOrNull(h.gpu_util_max),
      gpuMemAvg: roundFigureOrNull(h.gpu_mem_avg),
      gpuMemMax: roundFigureOrNull(h.gpu_mem_max),
      load1Avg: roundFigureOrNull(h.load1_avg),
      load1Max: roundFigureOrNull(h.load1_max),
    });
  }

  // Users without a group are grouped by why not ("not in inventory", "no inventory" …).
  const groups = new Map<string, UsageGroupRow>();
  for (const u of users.values()) {
    const key = u.group !== null ? `=${u.group}` : `!${u.groupMissing ?? ''}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { group: u.group, groupMissing: u.group === null ? (u.groupMissing ?? null) : null, users: [], ...zero() }));
    g.users.push(u.user);
    add(g, u);
  }
  const userRows = [...users.values()].sort((a, b) => byUsage(a, b) || a.user.localeCompare(b.user));
  const total = zero();
  for (const u of userRows) add(total, u);
  return {
    kind: 'usage',
    meta: reportMeta(q),
    resolution,
    notes,
    totals: {
      users: userRows.length,
      monitoredHosts: hosts.filter((h) => h.samples > 0).length,
      cpuHours: roundFigure(total.cpuHours),
      memoryGibHours: roundFigure(total.memoryGibHours),
      gpuHours: roundFigure(total.gpuHours),
      gpuMemoryGibHours: roundFigure(total.gpuMemoryGibHours),
    },
    users: userRows.map(rounded),
    groups: [...groups.values()].sort((a, b) => byUsage(a, b) || String(a.group ?? a.groupMissing).localeCompare(String(b.group ?? b.groupMissing))).map(rounded),
    hostUsers: hostUsers.sort((a, b) => a.host.localeCompare(b.host) || byUsage(a, b) || a.user.localeCompare(b.user)).map(rounded),
    hosts,
    timeline: timeline(db, q.hosts, resolution, q.since, q.until),
  };
}

/** Average CPU, memory and GPU utilisation per host over the period, in aligned buckets. */
function timeline(db: Db, hosts: Host[], resolution: '1m' | '1h', since: number, until: number): UsageTimeline {
  const step = resolution === '1m' ? MINUTE_MS : HOUR_MS;
  const origin = since - (((since % step) + step) % step);
  const width = bucketWidth(until - origin, TIMELINE_POINTS, resolution);
  const n = Math.floor((until - origin) / width) + 1;
  const t = Array.from({ length: n }, (_, i) => origin + i * width);
  const queries = new HistoryQueries(db);
  const series = (hostId: number, s: 'cpu' | 'mem' | 'gpuUtil') => {
    const out = new Array<number | null>(n).fill(null);
    for (const p of queries.query(hostId, s, resolution, since, until, TIMELINE_POINTS)) {
      const i = Math.round((p.t - origin) / width);
      if (i >= 0 && i < n) out[i] = roundFigureOrNull(p.avg);
    }
    return out;
  };
  return {
    t,
    bucketMs: width,
    hosts: hosts.map((h) => ({ host: h.name, cpu: series(h.id, 'cpu'), mem: series(h.id, 'mem'), gpuUtil: series(h.id, 'gpuUtil') })),
  };
}
