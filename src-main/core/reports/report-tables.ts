import type { AuditReport, InventoryReport, Report, UsageReport } from '../../../src-common/reports/report.schema.js';
import { roundFigure, roundFigureOrNull, whole } from './report-round.js';

/**
 * A report as flat tables (for CSV): raw numbers, ISO 8601 UTC times, one row per thing. Column
 * names carry their unit so a spreadsheet needs no legend. Numbers are the model's, rounded as it
 * rounds them (report-round.ts: whole bytes, six significant digits), again here so that a figure
 * can never reach a spreadsheet with float noise.
 */
export type Cell = string | number | boolean | null;

export interface ReportTable {
  name: string;
  columns: string[];
  rows: Cell[][];
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

const FIGURES = ['cpu_hours', 'memory_gib_hours', 'gpu_hours', 'gpu_memory_gib_hours', 'active_hours', 'peak_memory_bytes', 'peak_gpu_memory_bytes'];
type Figures = UsageReport['users'][number];
const figures = (f: Pick<Figures, 'cpuHours' | 'memoryGibHours' | 'gpuHours' | 'gpuMemoryGibHours' | 'activeHours' | 'peakMemoryBytes' | 'peakGpuMemoryBytes'>): Cell[] => [
  roundFigure(f.cpuHours),
  roundFigure(f.memoryGibHours),
  roundFigure(f.gpuHours),
  roundFigure(f.gpuMemoryGibHours),
  roundFigure(f.activeHours),
  whole(f.peakMemoryBytes),
  whole(f.peakGpuMemoryBytes),
];
const pct = roundFigureOrNull;

function usageTables(r: UsageReport): ReportTable[] {
  const timeline: Cell[][] = [];
  for (const h of r.timeline.hosts) {
    r.timeline.t.forEach((t, i) => {
      const row = [pct(h.cpu[i]), pct(h.mem[i]), pct(h.gpuUtil[i])];
      if (row.some((v) => v !== null)) timeline.push([h.host, iso(t), ...row]);
    });
  }
  return [
    // group_missing: why group is empty (not-in-inventory, no-inventory, no-group-name).
    { name: 'users', columns: ['user', 'group', 'group_missing', 'hosts', ...FIGURES], rows: r.users.map((u) => [u.user, u.group, u.groupMissing ?? null, u.hosts.join(';'), ...figures(u)]) },
    { name: 'groups', columns: ['group', 'group_missing', 'users', ...FIGURES], rows: r.groups.map((g) => [g.group, g.groupMissing ?? null, g.users.join(';'), ...figures(g)]) },
    { name: 'host_users', columns: ['host', 'user', 'group', 'group_missing', ...FIGURES], rows: r.hostUsers.map((u) => [u.host, u.user, u.group, u.groupMissing ?? null, ...figures(u)]) },
    {
      name: 'hosts',
      columns: ['host', 'monitored_hours', 'samples', 'cpu_avg_percent', 'cpu_max_percent', 'mem_avg_percent', 'mem_max_percent', 'gpu_util_avg_percent', 'gpu_util_max_percent', 'gpu_mem_avg_percent', 'gpu_mem_max_percent', 'load1_avg', 'load1_max'],
      rows: r.hosts.map((h) => [h.host, roundFigure(h.monitoredHours), h.samples, ...[h.cpuAvg, h.cpuMax, h.memAvg, h.memMax, h.gpuUtilAvg, h.gpuUtilMax, h.gpuMemAvg, h.gpuMemMax, h.load1Avg, h.load1Max].map(pct)]),
    },
    { name: 'host_timeline', columns: ['host', 'bucket_start', 'cpu_avg_percent', 'mem_avg_percent', 'gpu_util_avg_percent'], rows: timeline },
  ];
}

function inventoryTables(r: InventoryReport): ReportTable[] {
  return [
    {
      name: 'hosts',
      columns: ['host', 'address', 'tags', 'inventory_at', 'hostname', 'distro', 'kernel', 'arch', 'cpu_model', 'sockets', 'cores', 'threads', 'memory_bytes', 'swap_bytes', 'disks', 'disk_bytes', 'gpus', 'uptime_seconds', 'note'],
      rows: r.hosts.map((h) => [h.host, h.address, h.tags.join(';'), iso(h.inventoryAt), h.hostname, h.distro, h.kernel, h.arch, h.cpuModel, h.sockets, h.cores, h.threads, h.memoryBytes, h.swapBytes, h.disks, h.diskBytes, h.gpus, h.uptimeSeconds, h.note]),
    },
    {
      name: 'gpus',
      columns: ['host', 'index', 'model', 'uuid', 'serial', 'bus_id', 'driver_version', 'cuda_version', 'memory_total_bytes', 'ecc_mode', 'ecc_errors_uncorrected'],
      rows: r.gpus.map((g) => [g.host, g.index, g.model, g.uuid, g.serial, g.busId, g.driverVersion, g.cudaVersion, g.memoryTotalBytes, g.eccMode, g.eccErrorsUncorrected]),
    },
    { name: 'disks', columns: ['host', 'device', 'model', 'size_bytes', 'rotational', 'removable'], rows: r.disks.map((d) => [d.host, d.device, d.model, d.sizeBytes, d.rotational, d.removable]) },
    {
      name: 'filesystems',
      columns: ['host', 'mount_point', 'device', 'fs_type', 'total_bytes', 'used_bytes', 'available_bytes'],
      rows: r.filesystems.map((f) => [f.host, f.mountPoint, f.device, f.fsType, f.totalBytes, f.usedBytes, f.availableBytes]),
    },
  ];
}

function auditTables(r: AuditReport): ReportTable[] {
  return [
    {
      name: 'events',
      columns: ['id', 'at', 'actor', 'host', 'operation', 'summary', 'result', 'problem'],
      rows: r.events.map((e) => [e.id, iso(e.at), e.actor, e.hostName, e.operation, e.summary, e.result, e.problem]),
    },
    { name: 'by_day', columns: ['day', 'ok', 'failed'], rows: r.byDay.map((d) => [d.day, d.ok, d.failed]) },
    { name: 'by_operation', columns: ['operation', 'ok', 'failed'], rows: r.byOperation.map((o) => [o.operation, o.ok, o.failed]) },
  ];
}

export function reportTables(r: Report): ReportTable[] {
  switch (r.kind) {
    case 'usage':
      return usageTables(r);
    case 'inventory':
      return inventoryTables(r);
    case 'audit':
      return auditTables(r);
  }
}
