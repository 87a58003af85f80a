import type { Host } from '../../../src-common/hosts/host.schema.js';
import type { Inventory } from '../../../src-common/inventory/inventory.schema.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import type { InventoryDiskRow, InventoryFilesystemRow, InventoryGpuRow, InventoryHostRow, InventoryReport } from '../../../src-common/reports/report.schema.js';
import type { HostStore } from '../hosts/host-store.js';
import { reportMeta } from './report-meta.js';
import type { ResolvedQuery } from './report-query.js';
import { wholeOrNull } from './report-round.js';

/**
 * The inventory report: each host's latest stored probe and inventory (what the last
 * "Refresh" read), whatever the period. Replies are checked against their schemas before they are
 * stored, but facts may come from an older Fleetdeck (before that check, or with fewer fields), so
 * every field is read defensively: a missing or malformed one is null or skipped, never a crash.
 */
type Facts = { probe: Partial<Probe> | null; inventory: Partial<Inventory> | null };

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
/** Byte counts and seconds, whole (see report-round.ts). */
const int = (v: unknown): number | null => wholeOrNull(num(v));
/** The object items of an array: `[null, 3, "x", {…}]` → `[{…}]` (facts stored before replies were validated). */
const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v.filter((x) => x !== null && typeof x === 'object' && !Array.isArray(x)) as T[]) : []);

function hostRow(host: Host, f: Facts): InventoryHostRow {
  const inv = f.inventory;
  const probe = f.probe;
  const disks = arr<Inventory['blockDevices'][number]>(inv?.blockDevices).filter((d) => d?.type === 'disk');
  const os = probe?.os;
  const note = !inv && !probe ? 'no facts stored yet: connect to the host and open it to take an inventory' : !inv ? 'no inventory stored yet: open the host and refresh its inventory' : null;
  return {
    hostId: host.id,
    host: host.name,
    address: host.address,
    tags: host.tags,
    inventoryAt: num(inv?.takenAt),
    hostname: str(inv?.hostname) ?? str(probe?.hostname),
    distro: str(os?.prettyName) ?? (os ? [str(os.name), str(os.versionId)].filter(Boolean).join(' ') || null : null),
    kernel: str(probe?.kernel),
    arch: str(probe?.arch),
    cpuModel: str(inv?.cpu?.model),
    sockets: num(inv?.cpu?.sockets),
    cores: num(inv?.cpu?.cores),
    threads: num(inv?.cpu?.threads),
    memoryBytes: int(inv?.memory?.totalBytes),
    swapBytes: int(inv?.memory?.swapTotalBytes),
    diskBytes: inv ? disks.reduce((s, d) => s + (int(d.sizeBytes) ?? 0), 0) : null,
    disks: inv ? disks.length : null,
    gpus: inv ? arr(inv.gpus).length : null,
    uptimeSeconds: int(inv?.uptimeSeconds),
    note,
  };
}

export function buildInventoryReport(q: ResolvedQuery, store: HostStore): InventoryReport {
  const hosts: InventoryHostRow[] = [];
  const disks: InventoryDiskRow[] = [];
  const filesystems: InventoryFilesystemRow[] = [];
  const gpus: InventoryGpuRow[] = [];
  for (const host of q.hosts) {
    const f = (store.facts(host.id) ?? { probe: null, inventory: null }) as Facts;
    hosts.push(hostRow(host, f));
    const inv = f.inventory;
    if (!inv) continue;
    for (const d of arr<Inventory['blockDevices'][number]>(inv.blockDevices)) {
      if (d?.type !== 'disk') continue;
      disks.push({ host: host.name, device: str(d.name) ?? '', model: str(d.model), sizeBytes: int(d.sizeBytes) ?? 0, rotational: typeof d.rotational === 'boolean' ? d.rotational : null, removable: d.removable === true });
    }
    for (const fs of arr<Inventory['filesystems'][number]>(inv.filesystems)) {
      filesystems.push({ host: host.name, mountPoint: str(fs.mountPoint) ?? '', device: str(fs.device) ?? '', fsType: str(fs.fsType) ?? '', totalBytes: int(fs.totalBytes) ?? 0, usedBytes: int(fs.usedBytes) ?? 0, availableBytes: int(fs.availableBytes) ?? 0 });
    }
    for (const g of arr<Inventory['gpus'][number]>(inv.gpus)) {
      gpus.push({
        host: host.name,
        index: num(g.index) ?? 0,
        model: str(g.name) ?? 'unknown GPU',
        uuid: str(g.uuid) ?? '',
        serial: str(g.serial),
        busId: str(g.busId),
        driverVersion: str(g.driverVersion),
        cudaVersion: str(g.cudaVersion),
        memoryTotalBytes: int(g.memoryTotalBytes),
        eccMode: g.eccMode === 'enabled' || g.eccMode === 'disabled' ? g.eccMode : null,
        eccErrorsUncorrected: num(g.eccErrorsUncorrected),
      });
    }
  }
  const models = new Map<string, { count: number; memoryTotalBytes: number | null }>();
  for (const g of gpus) {
    const m = models.get(g.model) ?? { count: 0, memoryTotalBytes: g.memoryTotalBytes };
    m.count++;
    models.set(g.model, m);
  }
  const distros = new Map<string, number>();
  for (const h of hosts) if (h.distro) distros.set(h.distro, (distros.get(h.distro) ?? 0) + 1);
  const sum = (xs: (number | null)[]) => xs.reduce<number>((s, x) => s + (x ?? 0), 0);
  return {
    kind: 'inventory',
    meta: reportMeta(q),
    totals: {
      hosts: hosts.length,
      inventoried: hosts.filter((h) => h.inventoryAt !== null).length,
      threads: sum(hosts.map((h) => h.threads)),
      memoryBytes: sum(hosts.map((h) => h.memoryBytes)),
      diskBytes: sum(hosts.map((h) => h.diskBytes)),
      gpus: gpus.length,
    },
    hosts,
    disks,
    filesystems,
    gpus,
    gpuModels: [...models].map(([model, m]) => ({ model, ...m })).sort((a, b) => b.count - a.count || a.model.localeCompare(b.model)),
    distros: [...distros].map(([distro, count]) => ({ distro, count })).sort((a, b) => b.count - a.count || a.distro.localeCompare(b.distro)),
  };
}
