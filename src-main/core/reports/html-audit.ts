import type { AuditReport } from '../../../src-common/reports/report.schema.js';
import { auditSummaryItems, formatCount, formatDateTime, MISSING } from '../../../src-common/reports/report-format.js';
import { chart, section, tiles } from './html-parts.js';
import { html, table, type Html } from './html-template.js';
import { stackedColumns } from './svg-charts.js';

export function auditSections(r: AuditReport): Html {
  const tz = r.meta.timeZone;
  const t = r.totals;
  const out: Html[] = [
    tiles(auditSummaryItems(t)),
  ];
  if (!r.events.length) {
    out.push(html`<p class="empty">Nothing was recorded in this period: the audit log lists what Fleetdeck changed on hosts (adding hosts, trusting keys, terminals, killing processes).</p>`);
    return html`${out}`;
  }
  out.push(
    chart(
      'Events per day',
      stackedColumns({
        title: 'Events per day',
        labels: r.byDay.map((d) => d.day),
        series: [
          { name: 'Succeeded', color: '#12a150', values: r.byDay.map((d) => d.ok) },
          { name: 'Failed', color: '#dc2626', values: r.byDay.map((d) => d.failed) },
        ],
        labelFormat: (d) => d.slice(5),
      }),
    ),
  );
  out.push(
    section(
      'By operation',
      table(
        [
          { header: 'Operation', cell: (o: AuditReport['byOperation'][number]) => o.operation, className: 'mono' },
          { header: 'Succeeded', cell: (o) => formatCount(o.ok), num: true },
          { header: 'Failed', cell: (o) => formatCount(o.failed), num: true },
        ],
        r.byOperation,
      ),
    ),
  );
  out.push(
    section(
      'Events',
      table(
        [
          { header: 'Time', cell: (e: AuditReport['events'][number]) => formatDateTime(e.at, tz, { seconds: true }), className: 'nowrap' },
          { header: 'Actor', cell: (e) => e.actor },
          { header: 'Host', cell: (e) => e.hostName ?? MISSING, className: 'name' },
          { header: 'Operation', cell: (e) => e.operation, className: 'mono' },
          { header: 'Summary', cell: (e) => e.summary, className: 'break' },
          { header: 'Result', cell: (e) => html`<span class="result-${e.result}">${e.result}</span>${e.problem ? html`<div class="muted">${e.problem}</div>` : null}`, className: 'nowrap' },
        ],
        r.events,
      ),
      'oldest first',
    ),
  );
  return html`${out}`;
}
