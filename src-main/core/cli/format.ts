import type { Inventory } from '../../../src-common/inventory/inventory.schema.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';

/** Human-readable summaries for the terminal (JSON is one flag away). */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function formatProbe(p: Probe): string {
  const rows: [string, string][] = [
    ['distribution', `${p.os.prettyName ?? p.os.name} (${p.os.id} ${p.os.versionId ?? ''}, family ${p.os.family}${p.os.supported ? '' : ', not in the supported table'})`],
    ['kernel', `${p.kernel} ${p.arch}`],
    ['hostname', p.hostname],
    ['libc', `${p.libc.kind} ${p.libc.version ?? ''}`.trim()],
    ['packages', p.packageBackend],
    ['init', p.serviceManager],
    ['cgroups', `${p.cgroup.mode}${p.cgroup.controllers.length ? ` (${p.cgroup.controllers.join(', ')})` : ''}`],
    ['virtualization', `${p.virtualization.kind}${p.virtualization.container ? ' (container)' : ''}`],
    ['containers', p.containerRuntimes.filter((r) => r.present).map((r) => `${r.name} ${r.version ?? ''}${r.cgroupDriver ? ` [${r.cgroupDriver}]` : ''}${r.accessible ? '' : ' (no access)'}`).join(', ') || 'none'],
    ['GPUs', p.gpuVendors.join(', ') || 'none'],
    ['security', `SELinux ${p.security.selinux}, AppArmor ${p.security.apparmor}`],
  ];
  const lines = rows.map(([k, v]) => `${k.padEnd(15)} ${v}`);
  for (const w of p.warnings) lines.push(`warning         ${w}`);
  return lines.join('\n');
}

export function formatInventory(inv: Inventory): string {
  const m = inv.memory;
  const lines = [
    `host            ${inv.hostname}, up ${Math.floor(inv.uptimeSeconds / 86400)}d ${Math.floor((inv.uptimeSeconds % 86400) / 3600)}h`,
    `cpu             ${inv.cpu.model} — ${inv.cpu.cores} cores / ${inv.cpu.threads} threads, ${inv.cpu.usagePercent?.toFixed(1) ?? '–'}% busy, load ${inv.load.one} ${inv.load.five} ${inv.load.fifteen}`,
    `memory          ${bytes(m.usedBytes)} used of ${bytes(m.totalBytes)} (${bytes(m.availableBytes)} available), swap ${bytes(m.swapTotalBytes - m.swapFreeBytes)} of ${bytes(m.swapTotalBytes)}`,
  ];
  for (const f of inv.filesystems) lines.push(`disk            ${f.mountPoint} ${f.fsType} ${bytes(f.usedBytes)} of ${bytes(f.totalBytes)}${f.readOnly ? ' (ro)' : ''}`);
  for (const n of inv.network) lines.push(`net             ${n.name} ${n.state} ${n.addresses.join(' ')}`);
  lines.push(`users           ${inv.users.map((u) => `${u.name}${u.isAdmin ? '*' : ''}`).join(', ') || 'none'}`);
  lines.push(`containers      ${inv.containers.length ? inv.containers.map((c) => `${c.name} (${c.state})`).join(', ') : 'none'}`);
  for (const g of inv.gpus) {
    lines.push(`gpu ${String(g.index).padEnd(11)} ${g.name}, ${bytes(g.memoryUsedBytes)} / ${bytes(g.memoryTotalBytes)}, ${g.utilizationGpuPercent ?? '–'}% util, ${g.temperatureC ?? '–'} °C, ${g.processes.length} processes`);
  }
  if (!inv.gpus.length) lines.push('gpus            none');
  for (const [name, s] of Object.entries(inv.sections)) if (!s.ok || s.message) lines.push(`note            ${name}: ${s.message ?? 'unavailable'}`);
  return lines.join('\n');
}
