import type { GroupMissing, UsageReport } from '../../src-common/reports/report.schema.js';
import { figureColumn, formatBytes, formatCount, formatFigure, formatPercent, groupLabel, groupNotes, MISSING, TOP_HOSTS, TOP_USERS, usageUnitName, type UsageFigures } from '../../src-common/reports/report-format.js';
import { computeUnit, groupedFigureColumns, usageSummaryStrip } from '../../src-common/reports/report-units.js';
import { EmptyState, Notice } from '../app/ui.js';
import { ChartLegend } from '../monitor/TimeChart.js';
import { TIME_UNIT_SHORT } from './chart-scale.js';
import { HBarChart, PercentLineChart, type BarSeries, type LineRow, type LineSeries } from './ReportCharts.js';
import { ReportPanel } from './ReportPanel.js';
import { ReportTable, type Column } from './ReportTable.js';

/**
 * The figure columns: CPU and GPU in one unit (the users chart's), memory and GPU memory in
 * another, each from its largest value (report-units.ts); active time and peaks, secondary, smaller.
 */
function figureColumns<T extends UsageFigures>(rows: readonly T[]): Column<T>[] {
  return [
    ...groupedFigureColumns(rows).map((c) => ({ header: c.header, unit: c.unit, cell: (u: T) => c.text(u), num: true, className: c.header === 'Active' ? 'report-secondary' : undefined })),
    {
      header: 'Peak mem · GPU',
      cell: (u) => (
        <>
          {formatBytes(u.peakMemoryBytes)}
          <div className="muted small-text">GPU {u.peakGpuMemoryBytes ? formatBytes(u.peakGpuMemoryBytes) : MISSING}</div>
        </>
      ),
      num: true,
      className: 'report-secondary',
    },
  ];
}

/** A name that stays on one line: cut with an ellipsis where the column is narrow, the whole of it on hover. */
function Name({ text, strong, small }: { text: string; strong?: boolean; small?: boolean }) {
  return (
    <span className={['report-cell-text', 'truncate', strong ? 'strong' : '', small ? 'muted small-text' : ''].filter(Boolean).join(' ')} title={text}>
      {text}
    </span>
  );
}

type Grouped = { group: string | null; groupMissing?: GroupMissing | null };

/** A group's name, or why there is none ("not in inventory"), muted, with the reason on hover. */
function Group({ row, strong }: { row: Grouped; strong?: boolean }) {
  const g = groupLabel(row);
  if (g.note) return <span className="muted report-group-note" title={g.why}>{g.text}</span>;
  return <Name text={g.text} strong={strong} />;
}

/** What "not in inventory" and the like mean, under a table that shows them. */
function GroupLegend({ rows }: { rows: readonly Grouped[] }) {
  const notes = groupNotes(rows);
  if (!notes.length) return null;
  return (
    <p className="report-legend-notes muted" data-testid="report-group-notes">
      {notes.map((n) => (
        <span key={n}>{n}</span>
      ))}
    </p>
  );
}

const avgMax = (avg: number | null, max: number | null) =>
  avg === null ? (
    MISSING
  ) : (
    <>
      {formatPercent(avg)} <span className="muted">/ {formatPercent(max)}</span>
    </>
  );

export function Summary({ items }: { items: { label: string; value: string; sub?: string }[] }) {
  return (
    <div className="summary-strip report-summary" data-testid="report-summary">
      {items.map((i) => (
        <div key={i.label} className="summary-item">
          <span className="summary-label">{i.label}</span>
          <span className="summary-value">{i.value}</span>
          {i.sub ? <span className="summary-sub muted">{i.sub}</span> : null}
        </div>
      ))}
    </div>
  );
}

export function UsagePreview({ report: r }: { report: UsageReport }) {
  const hasGpu = r.totals.gpuHours > 0 || r.hosts.some((h) => h.gpuUtilAvg !== null);
  const monitored = r.hosts.filter((h) => h.samples > 0);
  const summary = <Summary items={usageSummaryStrip(r)} />;
  const notes = r.notes.map((n) => (
    <Notice key={n} tone="info">
      {n}
    </Notice>
  ));
  if (!r.users.length && !monitored.length) {
    return (
      <>
        {summary}
        {notes}
        <EmptyState icon="activity" title="No monitoring history in this period" testId="report-usage-empty">
          Start monitoring a host: connect it and open its Monitor tab (history is kept while Fleetdeck runs). Then come back, or pick a longer period.
        </EmptyState>
      </>
    );
  }
  const topUsers = r.users.slice(0, TOP_USERS);
  // CPU and GPU bars share one axis, so one unit: the table's CPU and GPU columns' (from all its rows).
  const unit = computeUnit(r.users);
  const userSeries: BarSeries[] = [{ key: 'cpu', label: usageUnitName('cpu', unit), color: 0 }, ...(hasGpu ? [{ key: 'gpu', label: usageUnitName('gpu', unit), color: 3 }] : [])];
  const monitoredCol = figureColumn(r.hosts, (h) => h.monitoredHours, 'time');
  const hostSeries: BarSeries[] = [{ key: 'cpu', label: 'CPU', color: 0 }, { key: 'mem', label: 'Memory', color: 1 }, ...(hasGpu ? [{ key: 'gpu', label: 'GPU', color: 3 }] : [])];
  const busiest = r.timeline.hosts
    .map((h, i) => ({ h, avg: r.hosts[i]?.cpuAvg ?? -1, monitoredMs: (r.hosts[i]?.monitoredHours ?? 0) * 3_600_000 }))
    .filter((x) => x.h.cpu.some((v) => v !== null))
    .sort((a, b) => b.avg - a.avg)
    .slice(0, TOP_HOSTS);
  const lineSeries: LineSeries[] = busiest.map((x, i) => ({ key: `h${i}`, label: x.h.host, color: i % 8 }));
  const lineRows: LineRow[] = r.timeline.t.map((t, k) => {
    const row: LineRow = { t };
    busiest.forEach((x, i) => (row[`h${i}`] = x.h.cpu[k] ?? null));
    return row;
  });
  return (
    <>
      {summary}
      {notes}
      <ReportPanel testId="report-usage-users" icon="users" title="Usage per user" aside={<ChartLegend items={userSeries} />}>
        {r.users.length ? (
          <HBarChart rows={topUsers.map((u) => ({ label: u.user, cpu: u.cpuHours / unit.hours, gpu: u.gpuHours / unit.hours }))} series={userSeries} format={formatFigure} unit={TIME_UNIT_SHORT[unit.word]} testId="report-chart-users" />
        ) : null}
        <ReportTable<UsageReport['users'][number]>
          columns={[
            { header: 'User', cell: (u) => <><Name text={u.user} strong /><Name text={u.hosts.join(', ')} small /></>, className: 'report-name-cell' },
            { header: 'Group', cell: (u) => <Group row={u} />, className: 'report-group-cell' },
            ...figureColumns(r.users),
          ]}
          rows={r.users}
          rowKey={(u) => u.user}
          testId="report-table-users"
          empty="No per-user usage in this period: the helper attributes processes to users while a host is monitored."
        />
        <GroupLegend rows={r.users} />
      </ReportPanel>
      <ReportPanel testId="report-usage-groups" icon="layers" title="Usage per group" sub="primary groups from the hosts’ inventories">
        <ReportTable<UsageReport['groups'][number]>
          columns={[
            { header: 'Group', cell: (g) => <><Group row={g} strong /><Name text={g.users.join(', ')} small /></>, className: 'report-name-cell' },
            ...figureColumns(r.groups),
          ]}
          rows={r.groups}
          rowKey={(g) => (g.group !== null ? `=${g.group}` : `!${g.groupMissing ?? ''}`)}
          testId="report-table-groups"
        />
        <GroupLegend rows={r.groups} />
      </ReportPanel>
      <ReportPanel testId="report-usage-hosts" icon="gauge" title="Utilisation per host" sub="average, with the maximum in the table" aside={<ChartLegend items={hostSeries} />}>
        {monitored.length ? (
          <HBarChart rows={monitored.map((h) => ({ label: h.host, cpu: h.cpuAvg, mem: h.memAvg, gpu: h.gpuUtilAvg }))} series={hostSeries} format={(v) => formatPercent(v)} unit="%" max={100} testId="report-chart-hosts" />
        ) : null}
        {lineSeries.length ? (
          <div className="report-subchart">
            <div className="report-subchart-head">
              <h3 className="chart-title">CPU over the period</h3>
              <ChartLegend items={lineSeries} />
            </div>
            <PercentLineChart rows={lineRows} series={lineSeries} from={r.meta.since} to={r.meta.until} bucketMs={r.timeline.bucketMs} dataMs={Math.max(0, ...busiest.map((x) => x.monitoredMs))} testId="report-chart-cpu-time" />
          </div>
        ) : null}
        <ReportTable<UsageReport['hosts'][number]>
          columns={[
            { header: 'Host', cell: (h) => <Name text={h.host} strong />, className: 'report-name-cell report-name-wide' },
            { header: 'Monitored', unit: monitoredCol.unit, cell: (h) => monitoredCol.text(h), num: true },
            { header: 'Samples', cell: (h) => formatCount(h.samples), num: true },
            { header: 'CPU', cell: (h) => avgMax(h.cpuAvg, h.cpuMax), num: true },
            { header: 'Memory', cell: (h) => avgMax(h.memAvg, h.memMax), num: true },
            { header: 'GPU', cell: (h) => avgMax(h.gpuUtilAvg, h.gpuUtilMax), num: true },
            { header: 'GPU memory', cell: (h) => avgMax(h.gpuMemAvg, h.gpuMemMax), num: true },
          ]}
          rows={r.hosts}
          rowKey={(h) => h.hostId}
          testId="report-table-hosts"
        />
      </ReportPanel>
    </>
  );
}
