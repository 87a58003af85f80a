import type { InventoryReport } from '../../../src-common/reports/report.schema.js';
import { formatBytes, formatCount, formatDateTime, formatEcc, formatUptime, MISSING } from '../../../src-common/reports/report-format.js';
import { chart, section, tiles } from './html-parts.js';
import { html, table, type Html } from './html-template.js';
import { barChart, PALETTE } from './svg-charts.js';

type HostRow = InventoryReport['hosts'][number];

/** The model, and its shape on a line of its own (as the preview shows it). */
function cpu(h: HostRow): Html | string {
  const shape = h.threads ? `${h.sockets && h.sockets > 1 ? `${h.sockets} × ` : ''}${h.cores ?? '?'} cores, ${h.threads} threads` : '';
  if (!h.cpuModel && !shape) return MISSING;
  return html`${h.cpuModel ?? 'CPU'}${shape ? html`<div class="muted">${shape}</div>` : null}`;
}

export function inventorySections(r: InventoryReport): Html {
  const tz = r.meta.timeZone;
  const t = r.totals;
  const out: Html[] = [
    tiles([
      { label: 'Hosts', value: formatCount(t.hosts), sub: `${t.inventoried} with an inventory` },
      { label: 'CPU threads', value: formatCount(t.threads) },
      { label: 'Memory', value: formatBytes(t.memoryBytes) },
      { label: 'Disks', value: formatBytes(t.diskBytes) },
      { label: 'GPUs', value: formatCount(t.gpus), sub: r.gpuModels.length ? `${r.gpuModels.length} ${r.gpuModels.length === 1 ? 'model' : 'models'}` : undefined },
    ]),
    html`<p class="lead">Each host as of its latest stored inventory (the time is in the table); take a new one from the host's page.</p>`,
  ];
  if (!r.hosts.length) {
    out.push(html`<p class="empty">No hosts in this report: add a host first.</p>`);
    return html`${out}`;
  }
  out.push(
    section(
      'Hosts',
      table(
        [
          { header: 'Host', cell: (h: HostRow) => html`${h.host}${h.hostname && h.hostname !== h.host ? html`<div class="muted">${h.hostname}</div>` : null}`, className: 'name' },
          { header: 'System', cell: (h) => (h.distro || h.kernel ? html`${h.distro ?? MISSING}<div class="muted">${[h.kernel, h.arch].filter(Boolean).join(' · ')}</div>` : MISSING), className: 'wide' },
          { header: 'CPU', cell: (h) => cpu(h), className: 'wide' },
          { header: 'Memory', cell: (h) => formatBytes(h.memoryBytes), num: true },
          { header: 'Disks', cell: (h) => (h.disks === null ? MISSING : `${h.disks} · ${formatBytes(h.diskBytes)}`), num: true },
          { header: 'GPUs', cell: (h) => formatCount(h.gpus), num: true },
          { header: 'Uptime', cell: (h) => formatUptime(h.uptimeSeconds), num: true },
          { header: 'Inventory of', cell: (h) => (h.inventoryAt === null ? html`<span class="muted">${h.note ?? 'never'}</span>` : html`<span class="nowrap">${formatDateTime(h.inventoryAt, tz)}</span>`), className: 'when' },
        ],
        r.hosts,
      ),
    ),
  );
  const gpuBlock: Html[] = [];
  if (r.gpuModels.length) {
    gpuBlock.push(
      chart(
        'GPUs per model',
        barChart({ title: 'GPUs per model', series: [{ name: 'GPUs', color: PALETTE[0]! }], rows: r.gpuModels.map((m) => ({ label: m.model, values: [m.count] })), format: (v) => String(v), labelWidth: 190, integer: true }),
      ),
    );
  }
  gpuBlock.push(
    table(
      [
        { header: 'Host', cell: (g: InventoryReport['gpus'][number]) => g.host, className: 'name' },
        { header: '#', cell: (g) => g.index, num: true },
        { header: 'Model', cell: (g) => g.model, className: 'name' },
        { header: 'Serial', cell: (g) => g.serial ?? MISSING, className: 'mono' },
        { header: 'Driver', cell: (g) => html`${g.driverVersion ?? MISSING}${g.cudaVersion ? html`<div class="muted">CUDA ${g.cudaVersion}</div>` : null}` },
        { header: 'Memory', cell: (g) => formatBytes(g.memoryTotalBytes), num: true },
        { header: 'ECC', cell: (g) => (g.eccMode === null && g.eccErrorsUncorrected === null ? html`<span class="muted">n/a</span>` : formatEcc(g.eccMode, g.eccErrorsUncorrected)), num: true },
        { header: 'UUID · bus', cell: (g) => html`${g.uuid}<div class="muted">${g.busId ?? ''}</div>`, className: 'mono break' },
      ],
      r.gpus,
      { empty: 'No GPUs in the stored inventories.' },
    ),
  );
  out.push(section('GPUs', gpuBlock, 'ECC: mode in effect and volatile uncorrected errors; n/a where the GPU has no ECC'));
  out.push(
    section(
      'Disks',
      table(
        [
          { header: 'Host', cell: (d: InventoryReport['disks'][number]) => d.host, className: 'name' },
          { header: 'Device', cell: (d) => d.device, className: 'mono' },
          { header: 'Model', cell: (d) => d.model ?? MISSING },
          { header: 'Type', cell: (d) => [d.rotational === null ? null : d.rotational ? 'HDD' : 'SSD', d.removable ? 'removable' : null].filter(Boolean).join(', ') || MISSING },
          { header: 'Size', cell: (d) => formatBytes(d.sizeBytes), num: true },
        ],
        r.disks,
        { empty: 'No disks in the stored inventories.' },
      ),
    ),
  );
  out.push(
    section(
      'File systems',
      table(
        [
          { header: 'Host', cell: (f: InventoryReport['filesystems'][number]) => f.host, className: 'name' },
          { header: 'Mount point', cell: (f) => f.mountPoint, className: 'mono' },
          { header: 'Device', cell: (f) => f.device, className: 'mono' },
          { header: 'Type', cell: (f) => f.fsType },
          { header: 'Used', cell: (f) => formatBytes(f.usedBytes), num: true },
          { header: 'Size', cell: (f) => formatBytes(f.totalBytes), num: true },
          { header: 'Use', cell: (f) => (f.totalBytes > 0 ? `${Math.round((f.usedBytes / f.totalBytes) * 100)}%` : MISSING), num: true },
        ],
        r.filesystems,
        { empty: 'No file systems in the stored inventories.' },
      ),
    ),
  );
  return html`${out}`;
}
