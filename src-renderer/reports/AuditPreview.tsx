import type { AuditReport } from '../../src-common/reports/report.schema.js';
import { auditSummaryItems, formatCount, formatDateTime, MISSING } from '../../src-common/reports/report-format.js';
import { Badge, EmptyState } from '../app/ui.js';
import { ChartLegend } from '../monitor/TimeChart.js';
import { DayColumns, type BarSeries } from './ReportCharts.js';
import { ReportPanel } from './ReportPanel.js';
import { ReportTable } from './ReportTable.js';
import { Summary } from './UsagePreview.js';

const DAY_SERIES: BarSeries[] = [
  { key: 'ok', label: 'Succeeded', color: 'ok' },
  { key: 'failed', label: 'Failed', color: 'error' },
];

export function AuditPreview({ report: r }: { report: AuditReport }) {
  const t = r.totals;
  const tz = r.meta.timeZone;
  const summary = (
    <Summary
      items={auditSummaryItems(t)}
    />
  );
  if (!r.events.length) {
    return (
      <>
        {summary}
        <EmptyState icon="scroll" title="Nothing recorded in this period" testId="report-audit-empty">
          The audit log lists what Fleetdeck changed on hosts: adding hosts, trusting keys, terminals, stopped processes. Pick a longer period or other hosts.
        </EmptyState>
      </>
    );
  }
  // Newest first on screen; the export keeps them oldest first, like a log.
  const events = [...r.events].reverse();
  return (
    <>
      {summary}
      <ReportPanel testId="report-audit-days" icon="activity" title="Events per day" aside={<ChartLegend items={DAY_SERIES} />}>
        <DayColumns rows={r.byDay} series={DAY_SERIES} testId="report-chart-days" />
      </ReportPanel>
      <ReportPanel testId="report-audit-operations" title="By operation">
          <ReportTable<AuditReport['byOperation'][number]>
            columns={[
              { header: 'Operation', cell: (o) => o.operation, className: 'mono' },
              { header: 'Succeeded', cell: (o) => formatCount(o.ok), num: true },
              { header: 'Failed', cell: (o) => (o.failed ? <span className="text-error strong">{formatCount(o.failed)}</span> : '0'), num: true },
            ]}
            rows={r.byOperation}
            rowKey={(o) => o.operation}
            testId="report-table-operations"
          />
      </ReportPanel>
      <ReportPanel
        testId="report-audit-events"
        title="Events"
        sub={r.eventsOmitted ? `the newest ${formatCount(r.events.length)} of ${formatCount(r.events.length + r.eventsOmitted)}; exports hold them all` : 'newest first'}
        subTestId="report-audit-omitted"
      >
          <ReportTable<AuditReport['events'][number]>
            columns={[
              { header: 'Time', cell: (e) => formatDateTime(e.at, tz, { seconds: true }), className: 'nowrap' },
              { header: 'Actor', cell: (e) => e.actor },
              { header: 'Host', cell: (e) => e.hostName ?? <span className="muted">{MISSING}</span> },
              { header: 'Operation', cell: (e) => <span className="mono small-text">{e.operation}</span> },
              { header: 'Summary', cell: (e) => e.summary, className: 'report-summary-cell' },
              { header: 'Result', cell: (e) => <Badge tone={e.result === 'ok' ? 'ok' : 'error'} title={e.problem ?? undefined}>{e.result === 'ok' ? 'ok' : (e.problem ?? 'failed')}</Badge> },
            ]}
            rows={events}
            rowKey={(e) => e.id}
            testId="report-table-events"
            limit={100}
          />
      </ReportPanel>
    </>
  );
}
