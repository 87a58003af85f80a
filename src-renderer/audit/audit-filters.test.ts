import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src-common/audit/audit.contract.js';
import { parseRoute } from '../app/route.js';
import { filtersFromHash, filtersToHash, hasFilters, matchesFilters, mergeFacets, NO_FILTERS, operationOptions, parseLocalTime, rangeProblem, timeBounds, toAuditQuery, type AuditFilters } from './audit-filters.js';
import { prependEvent } from './use-audit.js';

const NOW = new Date(2026, 10, 15, 12, 0, 0).getTime();
const H = 3_600_000;
const f = (over: Partial<AuditFilters>): AuditFilters => ({ ...NO_FILTERS, ...over });
const ev = (over: Partial<AuditEvent> = {}): AuditEvent => ({ id: 7, at: NOW - 60_000, actor: 'alice', hostId: 1, hostName: 'gpu-1', operation: 'hosts.connect', summary: 'could not connect as admin@10.0.0.5:22 using the SSH agent', result: 'failed', problem: 'disconnected', ...over });

describe('audit filters in the address', () => {
  it('round-trips through the hash, which still routes to the audit page', () => {
    const all = f({ text: '50% sudo & more', host: 'gpu-1', actor: 'alice', operation: 'terminal.', result: 'failed', range: 'custom', from: '2026-11-01T08:00', to: '2026-11-02T18:30' });
    const hash = filtersToHash(all);
    expect(hash.startsWith('#/audit?')).toBe(true);
    expect(parseRoute(hash)).toEqual({ page: 'audit' });
    expect(filtersFromHash(hash)).toEqual(all);
    expect(filtersToHash(f({ host: 'gpu-1', result: 'failed' }))).toBe('#/audit?host=gpu-1&result=failed');
  });

  it('is plain "#/audit" without filters', () => {
    expect(filtersToHash(NO_FILTERS)).toBe('#/audit');
    expect(filtersFromHash('#/audit')).toEqual(NO_FILTERS);
    expect(hasFilters(NO_FILTERS)).toBe(false);
    expect(hasFilters(f({ range: '24h' }))).toBe(true);
    expect(hasFilters(f({ text: '   ' }))).toBe(false);
    // Custom bounds are only kept with the custom range.
    expect(filtersToHash(f({ range: '7d', from: '2026-11-01T08:00' }))).toBe('#/audit?range=7d');
  });

  it('drops what it does not understand', () => {
    expect(filtersFromHash('#/audit?result=maybe&range=forever&from=yesterday&to=2026-11-01&junk=1')).toEqual(NO_FILTERS);
    expect(filtersFromHash(`#/audit?q=${'x'.repeat(500)}`).text).toHaveLength(200);
    expect(filtersFromHash('#/audit?host=%20gpu-2%20').host).toBe('gpu-2');
  });
});

describe('audit filters as a query', () => {
  it('maps presets to a since bound, "all" to none', () => {
    expect(timeBounds(f({ range: '1h' }), NOW)).toEqual({ since: NOW - H });
    expect(timeBounds(f({ range: '30d' }), NOW)).toEqual({ since: NOW - 30 * 24 * H });
    expect(timeBounds(f({ range: 'all' }), NOW)).toEqual({});
  });

  it('reads custom bounds as local time, including the whole "to" minute', () => {
    const from = new Date(2026, 10, 1, 8, 0).getTime();
    const to = new Date(2026, 10, 2, 18, 30).getTime();
    expect(parseLocalTime('2026-11-01T08:00')).toBe(from);
    expect(parseLocalTime('')).toBeNull();
    expect(timeBounds(f({ range: 'custom', from: '2026-11-01T08:00', to: '2026-11-02T18:30' }), NOW)).toEqual({ since: from, until: to + 59_999 });
    expect(timeBounds(f({ range: 'custom', from: '2026-11-01T08:00' }), NOW)).toEqual({ since: from });
    expect(rangeProblem(f({ range: 'custom', from: '2026-11-02T08:00', to: '2026-11-01T08:00' }))).toMatch(/after/);
    expect(rangeProblem(f({ range: 'custom', from: '2026-11-01T08:00', to: '2026-11-01T08:00' }))).toBeNull();
  });

  it('sends only the filters that are set', () => {
    expect(toAuditQuery(NO_FILTERS, NOW)).toEqual({});
    expect(toAuditQuery(f({ text: ' sudo ', host: 'gpu-1', actor: 'bob', operation: 'hosts.', result: 'ok', range: '24h' }), NOW)).toEqual({ text: 'sudo', host: 'gpu-1', actor: 'bob', operation: 'hosts.', result: 'ok', since: NOW - 24 * H });
  });

  it('matches a live event by the same rules as the core', () => {
    const e = ev();
    expect(matchesFilters(e, NO_FILTERS, NOW)).toBe(true);
    expect(matchesFilters(e, f({ host: 'GPU-1' }), NOW)).toBe(true);
    expect(matchesFilters(e, f({ host: 'gpu-2' }), NOW)).toBe(false);
    expect(matchesFilters(ev({ hostName: null }), f({ host: 'gpu-1' }), NOW)).toBe(false);
    expect(matchesFilters(e, f({ actor: 'alice' }), NOW)).toBe(true);
    expect(matchesFilters(e, f({ actor: 'Alice' }), NOW)).toBe(false);
    expect(matchesFilters(e, f({ operation: 'hosts.' }), NOW)).toBe(true);
    expect(matchesFilters(e, f({ operation: 'hosts.connect' }), NOW)).toBe(true);
    expect(matchesFilters(e, f({ operation: 'hosts.add' }), NOW)).toBe(false);
    expect(matchesFilters(e, f({ operation: 'terminal.' }), NOW)).toBe(false);
    expect(matchesFilters(e, f({ result: 'failed' }), NOW)).toBe(true);
    expect(matchesFilters(e, f({ result: 'ok' }), NOW)).toBe(false);
    expect(matchesFilters(e, f({ text: 'SSH AGENT' }), NOW)).toBe(true);
    expect(matchesFilters(e, f({ text: 'disconn' }), NOW)).toBe(true);
    expect(matchesFilters(e, f({ text: 'gpu-1' }), NOW)).toBe(true);
    expect(matchesFilters(e, f({ text: 'carol' }), NOW)).toBe(false);
    expect(matchesFilters(e, f({ range: '1h' }), NOW)).toBe(true);
    expect(matchesFilters(ev({ at: NOW - 2 * H }), f({ range: '1h' }), NOW)).toBe(false);
    // A custom range that ended earlier does not take new events.
    expect(matchesFilters(e, f({ range: 'custom', to: '2026-11-01T00:00' }), NOW)).toBe(false);
  });
});

describe('operation choices', () => {
  it('offers each group, then its operations', () => {
    expect(operationOptions(['terminal.open', 'hosts.remove', 'hosts.add', 'terminal.close', 'secrets.read'])).toEqual([
      { value: 'hosts.', label: 'hosts.* (all)', group: true },
      { value: 'hosts.add', label: 'hosts.add', group: false },
      { value: 'hosts.remove', label: 'hosts.remove', group: false },
      { value: 'secrets.', label: 'secrets.* (all)', group: true },
      { value: 'secrets.read', label: 'secrets.read', group: false },
      { value: 'terminal.', label: 'terminal.* (all)', group: true },
      { value: 'terminal.close', label: 'terminal.close', group: false },
      { value: 'terminal.open', label: 'terminal.open', group: false },
    ]);
  });

  it('keeps the current choice even when no event has it (yet)', () => {
    expect(operationOptions([], 'processes.kill').map((o) => o.value)).toEqual(['processes.', 'processes.kill']);
    expect(operationOptions(['hosts.add'], 'reports.').map((o) => o.value)).toEqual(['hosts.', 'hosts.add', 'reports.']);
  });
});

describe('live updates', () => {
  it('prepends a new event to the first page once', () => {
    const older = ev({ id: 5 });
    const data = { pages: [{ events: [older], hasMore: true }, { events: [ev({ id: 2 })], hasMore: false }], pageParams: [0, 5] };
    const next = prependEvent(data, ev({ id: 9 }))!;
    expect(next.pages[0]!.events.map((e) => e.id)).toEqual([9, 5]);
    expect(next.pages[1]).toBe(data.pages[1]);
    expect(prependEvent(next, ev({ id: 9 }))).toBe(next);
    expect(prependEvent(undefined, ev())).toBeUndefined();
  });

  it('merges new values into the filter choices', () => {
    const facets = { hosts: ['a', 'C'], actors: ['alice'], operations: ['hosts.add'] };
    expect(mergeFacets(facets, ev({ hostName: 'b', operation: 'hosts.add', actor: 'alice' }))).toEqual({ hosts: ['a', 'b', 'C'], actors: ['alice'], operations: ['hosts.add'] });
    expect(mergeFacets(facets, ev({ hostName: null, operation: 'hosts.add', actor: 'alice' }))).toBe(facets);
    expect(mergeFacets(undefined, ev())).toBeUndefined();
  });
});
