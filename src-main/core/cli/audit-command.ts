import type { AuditEvent, AuditPage, AuditQuery } from '../../../src-common/audit/audit.contract.js';
import { flagValue, type Flags } from './args.js';
import { parseWhen } from './when.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { Fleet } from '../fleet.js';

export type { Flags };

export const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 5000;

function invalid(message: string): never {
  throw new FleetdeckError('invalid-input', message);
}

/** The audit.list query the flags ask for. */
export function auditQueryFromFlags(flags: Flags, now = Date.now()): AuditQuery & { limit: number } {
  const q: AuditQuery & { limit: number } = { limit: DEFAULT_LIMIT };
  const host = flagValue(flags, 'host', '--host gpu-1');
  if (host) q.host = host;
  const actor = flagValue(flags, 'user', '--user alice');
  if (actor) q.actor = actor;
  const operation = flagValue(flags, 'operation', '--operation hosts.remove, or a group: --operation terminal.');
  if (operation) q.operation = operation;
  const search = flagValue(flags, 'search', '--search "sudo"');
  if (search) q.text = search;
  const result = flagValue(flags, 'result', '--result failed');
  if (result !== undefined) {
    if (result !== 'ok' && result !== 'failed') invalid(`--result must be ok or failed (not "${result}"), e.g. --result failed.`);
    q.result = result;
  }
  const since = flagValue(flags, 'since', '--since 7d');
  if (since !== undefined) q.since = parseWhen(since, 'since', now);
  const until = flagValue(flags, 'until', '--until 2026-11-01');
  if (until !== undefined) q.until = parseWhen(until, 'until', now);
  if (q.since !== undefined && q.until !== undefined && q.since > q.until) invalid('--since is after --until: nothing can match. Swap them, e.g. --since 2026-11-01 --until 2026-11-30.');
  if (q.since !== undefined && q.since < 0) invalid('--since reaches back before 1970. Use a shorter span, e.g. --since 30d.');
  const limit = flagValue(flags, 'limit', '--limit 200');
  if (limit !== undefined) {
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) invalid(`--limit must be a whole number from 1 to ${MAX_LIMIT} (not "${limit}"), e.g. --limit 200.`);
    q.limit = Number(limit);
  }
  return q;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Local time, ISO-like and sortable: "2026-11-01 12:03:04". */
export function formatLocalTime(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Host names, addresses and paths are user data: no control characters (escape sequences) reach the terminal. */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function clip(s: string, width: number): string {
  if (width <= 0) return '';
  return s.length <= width ? s : width === 1 ? '…' : `${s.slice(0, width - 1)}…`;
}

/**
 * A table, newest first. With `width` (a terminal's columns), cells are capped and the summary
 * is cut to fit the line; without it (piped output) nothing is cut.
 */
export function formatAuditTable(events: AuditEvent[], opts: { width?: number } = {}): string {
  const headers = ['TIME', 'USER', 'HOST', 'OPERATION', 'RESULT', 'PROBLEM', 'SUMMARY'];
  const rows = events.map((e) => [formatLocalTime(e.at), e.actor, e.hostName ?? '—', e.operation, e.result, e.problem ?? '', e.summary].map(printable));
  const caps = opts.width ? [19, 16, 24, 22, 6, 24] : [];
  const widths = headers.slice(0, -1).map((h, i) => {
    const w = Math.max(h.length, ...rows.map((r) => r[i]!.length));
    return caps[i] ? Math.min(w, caps[i]!) : w;
  });
  const line = (cells: string[]) => {
    const fixed = cells.slice(0, -1).map((c, i) => clip(c, widths[i]!).padEnd(widths[i]!)).join('  ');
    const summary = cells[cells.length - 1]!;
    const room = opts.width ? Math.max(opts.width - fixed.length - 2, 12) : Infinity;
    return `${fixed}  ${clip(summary, room)}`.trimEnd();
  };
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `fleetdeck audit list [--host …] [--user …] [--operation …] [--result ok|failed] [--since …] [--until …] [--search TEXT] [--limit N] [--json]` */
export async function auditCommand(positionals: string[], flags: Flags, ctx: { dataDir: string; out?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number } }): Promise<void> {
  const [sub = 'list', ...extra] = positionals;
  if (sub !== 'list') invalid(`Unknown audit command "${sub}": use "fleetdeck audit list [--host NAME] [--result failed] [--since 7d] [--json]".`);
  if (extra.length) invalid(`"audit list" takes no arguments (got "${extra.join(' ')}"): filter with options, e.g. --host ${extra[0]}.`);
  const query = auditQueryFromFlags(flags);
  const out = ctx.out ?? process.stdout;
  const fleet = new Fleet({ dataDir: ctx.dataDir });
  let page: AuditPage;
  try {
    page = (await fleet.call('audit.list', query)) as AuditPage;
  } finally {
    fleet.close();
  }
  if (flags.json) {
    out.write(`${JSON.stringify(page.events, null, 2)}\n`);
    return;
  }
  if (!page.events.length) {
    out.write('No audit events match.\n');
    return;
  }
  const width = out.isTTY ? (out.columns ?? 100) : undefined;
  out.write(`${formatAuditTable(page.events, { width })}\n`);
  if (page.hasMore) out.write(`(the newest ${page.events.length}; more match — raise --limit or narrow with --since/--until)\n`);
}

export { parseWhen };
