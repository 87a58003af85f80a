import type { Host } from '../../../src-common/hosts/host.schema.js';
import { describeIssues } from '../../../src-common/hosts/host.schema.js';
import { reportQuerySchema, type ReportKind, type ReportQuery } from '../../../src-common/reports/report.contract.js';
import { isTimeZone, localTimeZone } from '../../../src-common/reports/report-format.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { HostStore } from '../hosts/host-store.js';

/** A report query with its defaults filled in and its hosts looked up. */
export interface ResolvedQuery {
  kind: ReportKind;
  since: number;
  until: number;
  timeZone: string;
  hosts: Host[];
  /** False when every stored host is included. */
  hostSelection: boolean;
  generatedAt: number;
}

export const DEFAULT_PERIOD_MS = 7 * 24 * 3_600_000;

export function resolveQuery(input: ReportQuery, hosts: HostStore, now = Date.now()): ResolvedQuery {
  const parsed = reportQuerySchema.safeParse(input);
  if (!parsed.success) throw new FleetdeckError('invalid-input', describeIssues(parsed.error));
  const q = parsed.data;
  const until = q.until ?? Math.max(now, (q.since ?? 0) + 1);
  const since = q.since ?? until - DEFAULT_PERIOD_MS;
  if (since >= until) throw new FleetdeckError('invalid-input', 'The period is empty: "since" must be before "until".');
  const timeZone = q.timeZone ?? localTimeZone();
  if (!isTimeZone(timeZone)) throw new FleetdeckError('invalid-input', `Unknown time zone "${timeZone}": use an IANA name such as "Europe/Berlin" or "UTC".`);
  const all = hosts.list();
  let chosen = all;
  if (q.hostIds) {
    const byId = new Map(all.map((h) => [h.id, h]));
    const missing = q.hostIds.filter((id) => !byId.has(id));
    if (missing.length) throw new FleetdeckError('not-found', `No host with id ${missing.join(', ')}: it may have been removed. Reload the host list and choose again.`);
    const wanted = new Set(q.hostIds);
    chosen = all.filter((h) => wanted.has(h.id));
  }
  return { kind: q.kind, since, until, timeZone, hosts: chosen, hostSelection: q.hostIds !== undefined, generatedAt: now };
}
