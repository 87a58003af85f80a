import type { AuditReport } from '../../../src-common/reports/report.schema.js';
import { formatDay } from '../../../src-common/reports/report-format.js';
import type { AuditLog } from '../audit/audit-log.js';
import { reportMeta } from './report-meta.js';
import type { ResolvedQuery } from './report-query.js';

/**
 * The audit report: every event of the period (oldest first), counted per calendar day in the
 * report's time zone and per operation. With a host selection only those hosts' events count;
 * without one, events not tied to a host (settings, secrets) are included too.
 */
const MAX_FILLED_DAYS = 1000;

export function buildAuditReport(q: ResolvedQuery, audit: AuditLog, previewEvents?: number): AuditReport {
  const events = audit.between(q.since, q.until, q.hostSelection ? q.hosts.map((h) => h.name) : undefined);
  const days = new Map<string, { day: string; ok: number; failed: number }>();
  // Every day of the period, so quiet days show as zero rather than vanishing from the chart
  // (a 12-hour step meets every calendar day, even a 23-hour one; very long periods skip this).
  if (q.until - q.since <= MAX_FILLED_DAYS * 86_400_000) {
    for (let t = q.since; ; t += 12 * 3_600_000) {
      const d = formatDay(Math.min(t, q.until - 1), q.timeZone);
      if (!days.has(d)) days.set(d, { day: d, ok: 0, failed: 0 });
      if (t >= q.until) break;
    }
  }
  const ops = new Map<string, { operation: string; ok: number; failed: number }>();
  for (const e of events) {
    const d = formatDay(e.at, q.timeZone);
    const day = days.get(d) ?? { day: d, ok: 0, failed: 0 };
    days.set(d, day);
    day[e.result]++;
    const op = ops.get(e.operation) ?? { operation: e.operation, ok: 0, failed: 0 };
    ops.set(e.operation, op);
    op[e.result]++;
  }
  const failed = events.filter((e) => e.result === 'failed').length;
  return {
    kind: 'audit',
    meta: reportMeta(q),
    totals: {
      events: events.length,
      ok: events.length - failed,
      failed,
      actors: new Set(events.map((e) => e.actor)).size,
      hosts: new Set(events.flatMap((e) => (e.hostName ? [e.hostName.toLowerCase()] : []))).size,
    },
    events: previewEvents !== undefined && events.length > previewEvents ? events.slice(events.length - previewEvents) : events,
    eventsOmitted: previewEvents !== undefined ? Math.max(0, events.length - previewEvents) : 0,
    byDay: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
    byOperation: [...ops.values()].sort((a, b) => b.ok + b.failed - (a.ok + a.failed) || a.operation.localeCompare(b.operation)),
  };
}
