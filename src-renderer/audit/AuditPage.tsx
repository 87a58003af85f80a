import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AuditEvent } from '../../src-common/audit/audit.contract.js';
import { errorMessage } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { hostHref } from '../app/route.js';
import { Badge, EmptyState, ErrorState, SearchField, Skeleton, Spinner } from '../app/ui.js';
import { useNow } from '../app/use-now.js';
import { formatAgo } from '../format.js';
import { useHosts } from '../hosts/use-hosts.js';
import { AUDIT_RANGES, filtersFromHash, filtersToHash, hasFilters, NO_FILTERS, operationOptions, rangeProblem, type AuditFilters, type AuditRange } from './audit-filters.js';
import './audit.css';
import { useAuditEvents, useAuditFacets, useLiveAudit } from './use-audit.js';

const SEARCH_DEBOUNCE_MS = 250;

/** Keys typed into a field are the field's, not shortcuts. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  return target.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'reset'].includes((target as HTMLInputElement).type);
}

/** The filters live in the address (#/audit?…): reloads, back/forward and shared links keep them. */
function useHashFilters(): [AuditFilters, (next: AuditFilters) => void] {
  const [filters, setState] = useState(() => filtersFromHash(window.location.hash));
  useEffect(() => {
    const onHash = () => {
      if (!window.location.hash.startsWith('#/audit')) return;
      const next = filtersFromHash(window.location.hash);
      setState((cur) => (filtersToHash(cur) === filtersToHash(next) ? cur : next));
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const set = useCallback((next: AuditFilters) => {
    setState(next);
    const hash = filtersToHash(next);
    // Replace, not push: each keystroke in the search box is not a page to go back to.
    if (window.location.hash !== hash) window.history.replaceState(window.history.state, '', hash);
  }, []);
  return [filters, set];
}

/** Every action that read a stored secret or changed a host, newest first. Read-only: the log is append-only. */
export function AuditPage() {
  const [filters, setFilters] = useHashFilters();
  const [text, setText] = useState(filters.text);
  const searchRef = useRef<HTMLInputElement>(null);
  const problem = rangeProblem(filters);
  const list = useAuditEvents(filters, problem === null);
  const facets = useAuditFacets();
  const hosts = useHosts();
  const fresh = useLiveAudit(filters, problem === null);
  const now = useNow(30_000);

  // The search box types freely; the query follows a moment later.
  // …and follows the filters when they change from elsewhere (Clear, back/forward), keeping what is being typed.
  useEffect(() => setText((t) => (t.trim() === filters.text ? t : filters.text)), [filters.text]);
  useEffect(() => {
    if (text.trim() === filters.text.trim()) return undefined;
    const timer = setTimeout(() => setFilters({ ...filters, text: text.trim() }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, filters, setFilters]);

  // "/" focuses the search here (the global shortcut would take the user to the fleet's filter).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (document.querySelector('dialog[open]')) return;
      e.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const set = (patch: Partial<AuditFilters>) => setFilters({ ...filters, ...patch });
  const clear = () => {
    setText('');
    setFilters(NO_FILTERS);
  };
  const events = useMemo(() => list.data?.pages.flatMap((p) => p.events) ?? [], [list.data]);
  const hostIds = useMemo(() => new Set((hosts.data ?? []).map((h) => h.id)), [hosts.data]);
  const filtered = hasFilters(filters);
  const hostChoices = withCurrent(facets.data?.hosts ?? [], filters.host);
  const actorChoices = withCurrent(facets.data?.actors ?? [], filters.actor);
  const opChoices = operationOptions(facets.data?.operations ?? [], filters.operation);
  // A log with nothing in it yet has nothing to filter.
  const emptyLog = !filtered && list.isSuccess && events.length === 0;
  const loadMoreError = list.isFetchNextPageError ? errorMessage(list.error) : null;

  return (
    <div className="page audit-page" data-testid="audit-page">
      <header className="page-header">
        <div className="page-heading">
          <h1 className="page-title">Audit log</h1>
          <p className="page-subtitle">Every action that reads a stored secret or changes a host — recorded as it happens, never edited.</p>
        </div>
        {emptyLog ? null : (
          <div className="page-actions">
            <SearchField
              className="audit-search"
              inputRef={searchRef}
              value={text}
              onChange={setText}
              onEnter={() => setFilters({ ...filters, text: text.trim() })}
              placeholder="Search the audit log"
              label="Search the audit log"
              maxLength={200}
              testId="audit-search"
            />
          </div>
        )}
      </header>

      {emptyLog ? null : (
        <div className="audit-filters" role="group" aria-label="Filters" data-testid="audit-filters">
          <select className="input select toolbar-select audit-select" aria-label="Filter by host" value={filters.host} onChange={(e) => set({ host: e.target.value })} data-testid="audit-filter-host">
            <option value="">All hosts</option>
            {hostChoices.map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
          <select className="input select toolbar-select audit-select" aria-label="Filter by user" value={filters.actor} onChange={(e) => set({ actor: e.target.value })} data-testid="audit-filter-user">
            <option value="">All users</option>
            {actorChoices.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
          <select className="input select toolbar-select audit-select" aria-label="Filter by operation" value={filters.operation} onChange={(e) => set({ operation: e.target.value })} data-testid="audit-filter-operation">
            <option value="">All operations</option>
            {opChoices.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          <select className="input select toolbar-select audit-select" aria-label="Filter by result" value={filters.result} onChange={(e) => set({ result: e.target.value === 'ok' || e.target.value === 'failed' ? e.target.value : '' })} data-testid="audit-filter-result">
            <option value="">Any result</option>
            <option value="ok">Succeeded</option>
            <option value="failed">Failed</option>
          </select>
          <div className="range-switch" role="radiogroup" aria-label="Time range" data-testid="audit-range">
            {AUDIT_RANGES.map((r) => (
              <button key={r.id} type="button" role="radio" aria-checked={filters.range === r.id} className={filters.range === r.id ? 'is-active' : undefined} onClick={() => set({ range: r.id as AuditRange })} data-testid={`audit-range-${r.id}`}>
                {r.label}
              </button>
            ))}
          </div>
          {filters.range === 'custom' ? (
            <div className="audit-custom-range">
              <label className="audit-time-field">
                <span>From</span>
                <input type="datetime-local" className="input" value={filters.from} max={filters.to || undefined} onChange={(e) => set({ from: e.target.value })} aria-invalid={problem !== null} data-testid="audit-from" />
              </label>
              <label className="audit-time-field">
                <span>To</span>
                <input type="datetime-local" className="input" value={filters.to} min={filters.from || undefined} onChange={(e) => set({ to: e.target.value })} aria-invalid={problem !== null} data-testid="audit-to" />
              </label>
            </div>
          ) : null}
          {filtered ? (
            <button type="button" className="button ghost small audit-clear" onClick={clear} data-testid="audit-clear-filters">
              <Icon name="x" size={14} />
              Clear filters
            </button>
          ) : null}
        </div>
      )}

      {problem ? (
        <div className="field-error audit-range-problem" role="alert" data-testid="audit-range-problem">
          {problem} Choose a "From" before the "To".
        </div>
      ) : list.isPending ? (
        <AuditSkeleton />
      ) : list.isError ? (
        <ErrorState title="Could not read the audit log" message={errorMessage(list.error)} onRetry={() => void list.refetch()} retrying={list.isFetching} testId="audit-error" />
      ) : events.length === 0 ? (
        filtered ? (
          <EmptyState
            icon="search"
            title="No events match these filters"
            testId="audit-empty-filtered"
            actions={
              <button type="button" className="button" onClick={clear} data-testid="audit-empty-clear">
                Clear filters
              </button>
            }
          >
            Nothing recorded matches. Widen the time range or clear the filters.
          </EmptyState>
        ) : (
          <EmptyState icon="scroll" title="Nothing recorded yet" testId="audit-empty">
            Adding, changing or removing a host, connecting, trusting a host key, opening a terminal, killing a process and every read of a stored secret will be listed here.
          </EmptyState>
        )
      ) : (
        <>
          <div className="table-wrap">
            <table className="table audit-table" data-testid="audit-table">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>User</th>
                  <th>Host</th>
                  <th>Operation</th>
                  <th>Summary</th>
                  <th>Result</th>
                  <th>Problem</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <AuditRow key={e.id} event={e} now={now} hostExists={e.hostId !== null && hostIds.has(e.hostId)} fresh={fresh.has(e.id)} onHost={(host) => set({ host })} />
                ))}
              </tbody>
            </table>
          </div>
          <div className="audit-footer">
            <span className="muted" data-testid="audit-count">
              {events.length === 1 ? '1 event' : `${events.length} events`}
              {list.hasNextPage ? ' shown' : filtered ? ' match' : ' in all'}
            </span>
            {list.hasNextPage ? (
              <button type="button" className="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage} data-testid="audit-load-more">
                {list.isFetchingNextPage ? <Spinner /> : null}
                Load more
              </button>
            ) : null}
            {loadMoreError ? (
              <span className="error-text" role="alert">
                {loadMoreError}
              </span>
            ) : null}
          </div>
        </>
      )}
    </div>
  );
}

function withCurrent(values: readonly string[], current: string): string[] {
  return current && !values.some((v) => v.toLowerCase() === current.toLowerCase()) ? [...values, current] : [...values];
}

function AuditRow({ event: e, now, hostExists, fresh, onHost }: { event: AuditEvent; now: number; hostExists: boolean; fresh: boolean; onHost: (host: string) => void }) {
  const absolute = new Date(e.at).toLocaleString();
  return (
    <tr className={`audit-row${e.result === 'failed' ? ' is-failed' : ''}${fresh ? ' is-fresh' : ''}`} data-testid={`audit-row-${e.id}`} data-operation={e.operation} data-result={e.result}>
      <td className="audit-time">
        <time dateTime={new Date(e.at).toISOString()} title={absolute}>
          {formatAgo(e.at, now)}
        </time>
      </td>
      <td className="audit-actor">{e.actor}</td>
      <td className="audit-host">
        {e.hostName === null ? (
          <span className="muted">—</span>
        ) : hostExists ? (
          <>
            <a href={hostHref(e.hostId!)} title={`Open ${e.hostName}`}>
              {e.hostName}
            </a>
            {e.recordedHostName ? <span className="audit-host-then muted" title={`Recorded when the host was called ${e.recordedHostName}`}> (then {e.recordedHostName})</span> : null}
          </>
        ) : (
          <button type="button" className="audit-host-gone" title={`${e.hostName} is no longer in the fleet. Show only its events.`} onClick={() => onHost(e.hostName!)}>
            {e.hostName}
          </button>
        )}
      </td>
      <td>
        <span className="chip mono audit-op">{e.operation}</span>
      </td>
      <td className="audit-summary">{e.summary}</td>
      <td>
        <Badge tone={e.result === 'ok' ? 'ok' : 'error'}>{e.result === 'ok' ? 'ok' : 'failed'}</Badge>
      </td>
      <td className="audit-problem">{e.problem ? <span className="mono">{e.problem}</span> : <span className="muted">—</span>}</td>
    </tr>
  );
}

function AuditSkeleton() {
  return (
    <div className="table-wrap audit-skeleton" aria-busy="true" aria-label="Loading the audit log" data-testid="audit-loading">
      <div className="table-skeleton">
        {Array.from({ length: 8 }, (_, i) => (
          <Skeleton key={i} className="skeleton-row" />
        ))}
      </div>
    </div>
  );
}
