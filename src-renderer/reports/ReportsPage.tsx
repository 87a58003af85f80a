import { useMemo, useState } from 'react';
import type { ReportKind } from '../../src-common/reports/report.contract.js';
import type { Report } from '../../src-common/reports/report.schema.js';
import { formatPeriod, localTimeZone } from '../../src-common/reports/report-format.js';
import { errorMessage } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { ErrorState, Skeleton } from '../app/ui.js';
import { useHosts } from '../hosts/use-hosts.js';
import { AuditPreview } from './AuditPreview.js';
import { InventoryPreview } from './InventoryPreview.js';
import { ExportButtons, HostPicker, KINDS, KindTabs, PeriodPicker } from './ReportControls.js';
import { periodRange, type Period } from './report-period.js';
import './reports.css';
import { UsagePreview } from './UsagePreview.js';
import { useReport, useReportExport, type ReportRequest } from './use-reports.js';

/**
 * Reports: pick one (usage, inventory, audit), a period and hosts; the preview is built from
 * stored data by the core, and the same report is exported as PDF, CSV, JSON or HTML.
 */
export function ReportsPage() {
  const [kind, setKind] = useState<ReportKind>('usage');
  const [period, setPeriod] = useState<Period>(() => ({ kind: 'preset', preset: '7d', now: Date.now() }));
  const [picked, setPicked] = useState<number[] | null>(null);
  const hosts = useHosts();
  const timeZone = useMemo(() => localTimeZone(), []);
  const range = periodRange(period);
  // A host removed meanwhile drops out of the selection instead of failing the report.
  const known = hosts.data?.map((h) => h.id);
  const hostIds = picked && known ? picked.filter((id) => known.includes(id)) : picked;
  const request: ReportRequest | null = range.ok && hosts.data ? { kind, since: range.since, until: range.until, timeZone, ...(hostIds && hostIds.length ? { hostIds } : {}) } : null;
  const report = useReport(request);
  const exporter = useReportExport();
  const info = KINDS.find((k) => k.id === kind)!;
  const refresh = () => {
    if (period.kind === 'preset') setPeriod({ ...period, now: Date.now() });
    else void report.refetch();
  };

  return (
    <div className="page reports-page" data-testid="reports-page">
      <header className="page-header">
        <div className="page-heading">
          <h1 className="page-title">Reports</h1>
          <p className="page-subtitle">Built from what Fleetdeck has stored: nothing on a host is touched.</p>
        </div>
        <ExportButtons busy={exporter.busy} disabled={!request || !report.data} onExport={(f) => request && void exporter.run(request, f)} />
      </header>
      <div className="report-kind-row">
        <KindTabs value={kind} onChange={setKind} />
        <p className="muted report-kind-hint">{info.hint}</p>
      </div>
      <div className="panel report-toolbar">
        {kind === 'inventory' ? (
          <div className="report-control">
            <span className="report-control-label">Facts</span>
            <span className="report-static">The latest stored inventory of each host</span>
          </div>
        ) : (
          <PeriodPicker value={period} onChange={setPeriod} error={range.ok ? null : range.message} />
        )}
        <HostPicker hosts={hosts.data ?? []} selected={picked} onChange={setPicked} />
        <div className="report-toolbar-end">
          {range.ok && kind !== 'inventory' ? (
            <div className="report-period-text" data-testid="report-period-text">
              <span className="muted">Period</span>
              <span className="strong">{formatPeriod(range.since, range.until, timeZone)}</span>
            </div>
          ) : null}
          <button type="button" className="icon-button" onClick={refresh} aria-label="Rebuild the report up to now" title="Rebuild the report up to now" data-testid="report-refresh" disabled={report.isFetching}>
            <Icon name="refresh" size={16} className={report.isFetching ? 'spin' : undefined} />
          </button>
        </div>
      </div>
      <div className={`report-preview${report.isPlaceholderData ? ' is-stale' : ''}`} data-testid="report-preview" data-kind={report.data?.kind} aria-busy={report.isFetching}>
        {hosts.isError ? (
          <ErrorState title="Could not load the hosts" message={errorMessage(hosts.error)} onRetry={() => void hosts.refetch()} />
        ) : report.isError ? (
          <ErrorState title="Could not build the report" message={errorMessage(report.error)} onRetry={() => void report.refetch()} retrying={report.isFetching} testId="report-error" />
        ) : !range.ok ? null : !report.data ? (
          <div className="report-skeleton">
            <Skeleton className="skeleton-block" />
            <Skeleton className="skeleton-block" />
          </div>
        ) : (
          <Preview report={report.data} />
        )}
      </div>
    </div>
  );
}

function Preview({ report }: { report: Report }) {
  switch (report.kind) {
    case 'usage':
      return <UsagePreview report={report} />;
    case 'inventory':
      return <InventoryPreview report={report} />;
    case 'audit':
      return <AuditPreview report={report} />;
  }
}
