import type { AuditEvent, AuditFacets, AuditQuery } from '../../src-common/audit/audit.contract.js';

/**
 * The audit page's filters: what the user picked, kept in the address (`#/audit?host=gpu-1&result=failed`)
 * so a reload or a shared link shows the same events. Pure, so it is unit tested.
 */
export const AUDIT_RANGES = [
  { id: '1h', label: '1 h', ms: 3_600_000 },
  { id: '24h', label: '24 h', ms: 86_400_000 },
  { id: '7d', label: '7 d', ms: 7 * 86_400_000 },
  { id: '30d', label: '30 d', ms: 30 * 86_400_000 },
  { id: 'all', label: 'All', ms: null },
  { id: 'custom', label: 'Custom', ms: null },
] as const;
export type AuditRange = (typeof AUDIT_RANGES)[number]['id'];

export interface AuditFilters {
  text: string;
  host: string;
  actor: string;
  /** Exact ("hosts.add") or a group ending in a dot ("hosts."). */
  operation: string;
  result: '' | 'ok' | 'failed';
  range: AuditRange;
  /** Custom range bounds, as a datetime-local input holds them ("2026-11-01T12:00", local time). */
  from: string;
  to: string;
}

type Query = NonNullable<AuditQuery>;

export const NO_FILTERS: AuditFilters = { text: '', host: '', actor: '', operation: '', result: '', range: 'all', from: '', to: '' };

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

function isRange(v: string | null): v is AuditRange {
  return AUDIT_RANGES.some((r) => r.id === v);
}

/** Filters from the query part of the hash ("#/audit?…"); anything unknown or malformed is dropped. */
export function filtersFromHash(hash: string): AuditFilters {
  const q = hash.indexOf('?');
  const params = new URLSearchParams(q >= 0 ? hash.slice(q + 1) : '');
  const get = (k: string, max: number) => (params.get(k) ?? '').trim().slice(0, max);
  const result = params.get('result');
  const range = params.get('range');
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  return {
    text: get('q', 200),
    host: get('host', 253),
    actor: get('user', 100),
    operation: get('op', 100),
    result: result === 'ok' || result === 'failed' ? result : '',
    range: isRange(range) ? range : 'all',
    from: LOCAL_TIME.test(from) ? from : '',
    to: LOCAL_TIME.test(to) ? to : '',
  };
}

/** The hash for these filters: "#/audit" when there are none. */
export function filtersToHash(f: AuditFilters): string {
  const params = new URLSearchParams();
  if (f.text.trim()) params.set('q', f.text.trim());
  if (f.host) params.set('host', f.host);
  if (f.actor) params.set('user', f.actor);
  if (f.operation) params.set('op', f.operation);
  if (f.result) params.set('result', f.result);
  if (f.range !== 'all') params.set('range', f.range);
  if (f.range === 'custom' && f.from) params.set('from', f.from);
  if (f.range === 'custom' && f.to) params.set('to', f.to);
  const qs = params.toString();
  return qs ? `#/audit?${qs}` : '#/audit';
}

export function hasFilters(f: AuditFilters): boolean {
  return filtersToHash(f) !== '#/audit';
}

/** "2026-11-01T12:00" (local) → epoch ms; null when empty or invalid. */
export function parseLocalTime(v: string): number | null {
  if (!LOCAL_TIME.test(v)) return null;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? null : t;
}

/** The time bounds these filters mean at `now`. */
export function timeBounds(f: AuditFilters, now: number): { since?: number; until?: number } {
  if (f.range === 'custom') {
    const since = parseLocalTime(f.from);
    const until = parseLocalTime(f.to);
    // The "to" minute is included: 12:00 means up to 12:00:59.999.
    const out: { since?: number; until?: number } = {};
    if (since !== null) out.since = since;
    if (until !== null) out.until = until + 59_999;
    return out;
  }
  const r = AUDIT_RANGES.find((x) => x.id === f.range);
  return r?.ms ? { since: Math.max(0, now - r.ms) } : {};
}

/** A custom range that ends before it starts: nothing could match, so the page says so instead of asking. */
export function rangeProblem(f: AuditFilters): string | null {
  if (f.range !== 'custom') return null;
  const { since, until } = timeBounds(f, 0);
  return since !== undefined && until !== undefined && since > until ? '"From" is after "To".' : null;
}

/** The audit.list query for these filters (without paging). */
export function toAuditQuery(f: AuditFilters, now: number): Query {
  const q: Query = { ...timeBounds(f, now) };
  if (f.text.trim()) q.text = f.text.trim();
  if (f.host) q.host = f.host;
  if (f.actor) q.actor = f.actor;
  if (f.operation) q.operation = f.operation;
  if (f.result) q.result = f.result;
  return q;
}

/** Whether a newly recorded event belongs in the list these filters show (the same rules as the core's query). */
export function matchesFilters(e: AuditEvent, f: AuditFilters, now: number): boolean {
  const q = toAuditQuery(f, now);
  if (q.host && (e.hostName ?? '').toLowerCase() !== q.host.toLowerCase()) return false;
  if (q.actor && e.actor !== q.actor) return false;
  if (q.operation && (q.operation.endsWith('.') ? !e.operation.startsWith(q.operation) : e.operation !== q.operation)) return false;
  if (q.result && e.result !== q.result) return false;
  if (q.since !== undefined && e.at < q.since) return false;
  if (q.until !== undefined && e.at > q.until) return false;
  if (q.text) {
    const needle = q.text.toLowerCase();
    if (![e.summary, e.operation, e.hostName ?? '', e.problem ?? ''].some((s) => s.toLowerCase().includes(needle))) return false;
  }
  return true;
}

export interface OperationOption {
  value: string;
  label: string;
  group: boolean;
}

/** Operation choices: each group ("hosts." → "hosts.* (all)") followed by its operations; the current value is kept even when unknown. */
export function operationOptions(operations: readonly string[], current = ''): OperationOption[] {
  const all = new Set(operations);
  if (current && !current.endsWith('.')) all.add(current);
  const groups = new Map<string, string[]>();
  for (const op of [...all].sort()) {
    const dot = op.indexOf('.');
    const group = dot > 0 ? op.slice(0, dot + 1) : '';
    const list = groups.get(group) ?? [];
    list.push(op);
    groups.set(group, list);
  }
  if (current.endsWith('.') && !groups.has(current)) groups.set(current, []);
  const out: OperationOption[] = [];
  for (const [group, ops] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    if (group) out.push({ value: group, label: `${group}* (all)`, group: true });
    for (const op of ops) out.push({ value: op, label: op, group: false });
  }
  return out;
}

/** Facets with a new event's values merged in (the live list may bring a host or operation never seen). */
export function mergeFacets(f: AuditFacets | undefined, e: AuditEvent): AuditFacets | undefined {
  if (!f) return f;
  const add = (list: string[], v: string | null, cmp: (a: string, b: string) => number) => (v === null || list.includes(v) ? list : [...list, v].sort(cmp));
  const nocase = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase());
  const plain = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const hosts = add(f.hosts, e.hostName, nocase);
  const actors = add(f.actors, e.actor, plain);
  const operations = add(f.operations, e.operation, plain);
  return hosts === f.hosts && actors === f.actors && operations === f.operations ? f : { hosts, actors, operations };
}
