import type { ReportMeta } from '../../../src-common/reports/report.schema.js';
import { REPORT_TITLES } from '../../../src-common/reports/report-format.js';
import type { ResolvedQuery } from './report-query.js';
import { fleetdeckVersion } from './version.js';

export function reportMeta(q: ResolvedQuery): ReportMeta {
  return {
    kind: q.kind,
    title: REPORT_TITLES[q.kind],
    since: q.since,
    until: q.until,
    timeZone: q.timeZone,
    hosts: q.hosts.map((h) => ({ id: h.id, name: h.name })),
    hostSelection: q.hostSelection,
    generatedAt: q.generatedAt,
    fleetdeckVersion: fleetdeckVersion(),
  };
}
