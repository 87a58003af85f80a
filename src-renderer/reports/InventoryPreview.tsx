import type { InventoryReport } from '../../src-common/reports/report.schema.js';
import { formatBytes, formatCount, formatDateTime, formatEcc, formatUptime, MISSING } from '../../src-common/reports/report-format.js';
import { EmptyState } from '../app/ui.js';
import { HBarChart } from './ReportCharts.js';
import { ReportPanel } from './ReportPanel.js';
import { ReportTable } from './ReportTable.js';
import { Summary } from './UsagePreview.js';

type HostRow = InventoryReport['hosts'][number];

function cpu(h: HostRow) {
  if (!h.cpuModel && !h.threads) return <span className="muted">{MISSING}</span>;
  return (
    <>
      {h.cpuModel ?? 'CPU'}
      {h.threads ? <div className="muted small-text">{`${h.sockets && h.sockets > 1 ? `${h.sockets} × ` : ''}${h.cores ?? '?'} cores, ${h.threads} threads`}</div> : null}
    </>
  );
}

export function InventoryPreview({ report: r }: { report: InventoryReport }) {
  const t = r.totals;
  const summary = (
    <Summary
      items={[
        { label: 'Hosts', value: formatCount(t.hosts), sub: `${t.inventoried} inventoried` },
        { label: 'CPU threads', value: formatCount(t.threads) },
        { label: 'Memory', value: formatBytes(t.memoryBytes) },
        { label: 'Disks', value: formatBytes(t.diskBytes) },
        { label: 'GPUs', value: formatCount(t.gpus), sub: r.gpuModels.length ? `${r.gpuModels.length} ${r.gpuModels.length === 1 ? 'model' : 'models'}` : undefined },
      ]}
    />
  );
  if (!r.hosts.length) {
    return (
      <>
        {summary}
        <EmptyState icon="server" title="No hosts in this report" testId="report-inventory-empty">
          Add a host on the Fleet page and open it once: its inventory is stored and shows up here.
        </EmptyState>
      </>
    );
  }
  return (
    <>
      {summary}
      <ReportPanel testId="report-inventory-hosts" icon="server" title="Hosts" sub="as of each host’s latest inventory">
        <ReportTable<HostRow>
          columns={[
            { header: 'Host', cell: (h) => <><span className="strong">{h.host}</span>{h.hostname && h.hostname !== h.host ? <div className="muted small-text">{h.hostname}</div> : null}</>, className: 'report-name-cell' },
            { header: 'System', cell: (h) => (h.distro || h.kernel ? <>{h.distro ?? MISSING}<div className="muted small-text">{[h.kernel, h.arch].filter(Boolean).join(' · ')}</div></> : <span className="muted">{MISSING}</span>) },
            { header: 'CPU', cell: cpu },
            { header: 'Memory', cell: (h) => formatBytes(h.memoryBytes), num: true },
            { header: 'Disks', cell: (h) => (h.disks === null ? MISSING : `${h.disks} · ${formatBytes(h.diskBytes)}`), num: true },
            { header: 'GPUs', cell: (h) => formatCount(h.gpus), num: true },
            { header: 'Uptime', cell: (h) => formatUptime(h.uptimeSeconds), num: true },
            { header: 'Inventory', cell: (h) => (h.inventoryAt === null ? <span className="muted report-note">{h.note ?? 'never'}</span> : formatDateTime(h.inventoryAt, r.meta.timeZone)) },
          ]}
          rows={r.hosts}
          rowKey={(h) => h.hostId}
          testId="report-table-inventory"
        />
      </ReportPanel>
      <ReportPanel testId="report-inventory-gpus" icon="chip" title="GPUs" sub="ECC: mode and volatile uncorrected errors">
        {r.gpuModels.length ? <HBarChart rows={r.gpuModels.map((m) => ({ label: m.model, count: m.count }))} series={[{ key: 'count', label: 'GPUs', color: 0 }]} format={(v) => String(v)} integer testId="report-chart-gpu-models" /> : null}
        <ReportTable<InventoryReport['gpus'][number]>
          columns={[
            { header: 'Host', cell: (g) => <span className="strong">{g.host}</span> },
            { header: '#', cell: (g) => g.index, num: true },
            { header: 'Model', cell: (g) => g.model },
            { header: 'Serial', cell: (g) => g.serial ?? MISSING, className: 'mono' },
            { header: 'Driver', cell: (g) => <>{g.driverVersion ?? MISSING}{g.cudaVersion ? <div className="muted small-text">CUDA {g.cudaVersion}</div> : null}</> },
            { header: 'Memory', cell: (g) => formatBytes(g.memoryTotalBytes), num: true },
            { header: 'ECC', cell: (g) => (g.eccMode === null && g.eccErrorsUncorrected === null ? <span className="muted">n/a</span> : formatEcc(g.eccMode, g.eccErrorsUncorrected)), num: true },
            { header: 'UUID', cell: (g) => <span className="mono small-text">{g.uuid}</span> },
          ]}
          rows={r.gpus}
          rowKey={(g) => `${g.host}:${g.index}:${g.uuid}`}
          testId="report-table-gpus"
          empty="No GPUs in the stored inventories."
        />
      </ReportPanel>
      <ReportPanel testId="report-inventory-disks" icon="disk" title="Disks">
        <ReportTable<InventoryReport['disks'][number]>
          columns={[
            { header: 'Host', cell: (d) => <span className="strong">{d.host}</span> },
            { header: 'Device', cell: (d) => d.device, className: 'mono' },
            { header: 'Model', cell: (d) => d.model ?? MISSING },
            { header: 'Type', cell: (d) => [d.rotational === null ? null : d.rotational ? 'HDD' : 'SSD', d.removable ? 'removable' : null].filter(Boolean).join(', ') || MISSING },
            { header: 'Size', cell: (d) => formatBytes(d.sizeBytes), num: true },
          ]}
          rows={r.disks}
          rowKey={(d, i) => `${d.host}:${d.device}:${i}`}
          testId="report-table-disks"
          empty="No disks in the stored inventories."
        />
      </ReportPanel>
    </>
  );
}
