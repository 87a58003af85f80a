import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage } from '../api/api-error.js';
import { useAppActions } from '../app/app-actions.js';
import { Icon } from '../app/icons.js';
import { EmptyState, ErrorState, SearchField, Skeleton } from '../app/ui.js';
import { useNow } from '../app/use-now.js';
import { plural } from '../format.js';
import { allTags, FLEET_SORTS, hasTag, hostLoad, isFleetSort, sortHosts, type FleetSort, type HostLoad } from '../monitor/fleet-sort.js';
import type { LiveState } from '../monitor/monitor-data.js';
import { monitorKeys } from '../monitor/use-monitor.js';
import { fleetCounts } from './connection-state.js';
import { matchesFilter } from './fleet-filter.js';
import { HostCard } from './HostCard.js';
import { useHosts } from './use-hosts.js';

const SORT_KEY = 'fleetdeck.fleetSort';

function readSort(): FleetSort {
  try {
    const v = window.localStorage.getItem(SORT_KEY);
    return isFleetSort(v) ? v : 'name';
  } catch {
    return 'name';
  }
}

export function FleetPage() {
  const hosts = useHosts();
  const actions = useAppActions();
  const [filter, setFilter] = useState('');
  const [tag, setTag] = useState<string | null>(null);
  const [sort, setSortState] = useState<FleetSort>(readSort);
  const queryClient = useQueryClient();
  // Busiest-first orders are read every 5 s, not on every sample, so cards do not jump around.
  const sortTick = useNow(5_000, sort !== 'name');
  const setSort = (next: FleetSort) => {
    setSortState(next);
    try {
      window.localStorage.setItem(SORT_KEY, next);
    } catch {
      // Kept for this page only.
    }
  };
  const filterRef = useRef<HTMLInputElement>(null);
  const { takeFilterFocus, filterFocusTick } = actions;

  useEffect(() => {
    if (takeFilterFocus()) filterRef.current?.focus();
  }, [takeFilterFocus, filterFocusTick]);

  const list = useMemo(() => [...(hosts.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [hosts.data]);
  const tags = useMemo(() => allTags(list), [list]);
  const activeTag = tag && tags.some((t) => t.toLowerCase() === tag.toLowerCase()) ? tag : null;
  const shown = useMemo(() => {
    const matching = list.filter((h) => matchesFilter(h, filter) && hasTag(h, activeTag));
    if (sort === 'name') return matching;
    const loads = new Map<number, HostLoad>();
    for (const h of matching) {
      if (h.connection.state !== 'connected') continue;
      loads.set(h.id, hostLoad(queryClient.getQueryData<LiveState>(monitorKeys.live(h.id))?.latest));
    }
    return sortHosts(matching, sort, loads);
    // sortTick re-reads the live loads from the cache every few seconds.
  }, [list, filter, activeTag, sort, sortTick, queryClient]);
  const counts = useMemo(() => fleetCounts(list.map((h) => h.connection)), [list]);

  const hasHosts = list.length > 0;
  return (
    <div className="page fleet-page" data-testid="fleet-page">
      <header className="page-header">
        <div className="page-heading">
          <h1 className="page-title">Fleet</h1>
          {hasHosts ? (
            <p className="page-subtitle" data-testid="fleet-summary">
              {plural(list.length, 'host')} · <span className="text-ok">{counts.connected} connected</span>
              {counts.attention > 0 ? (
                <>
                  {' '}
                  · <span className="text-error">{counts.attention} need attention</span>
                </>
              ) : null}
              {counts.asking > 0 ? (
                <>
                  {' '}
                  · <span className="text-busy">{counts.asking} waiting for a host-key check</span>
                </>
              ) : null}
            </p>
          ) : (
            <p className="page-subtitle">Your servers, one place.</p>
          )}
        </div>
        <div className="page-actions">
          {hasHosts ? (
            <SearchField inputRef={filterRef} value={filter} onChange={setFilter} placeholder="Filter by name, address or tag" label="Filter hosts" testId="fleet-filter" />
          ) : null}
          {hasHosts && tags.length > 0 ? (
            <select className="input select toolbar-select" aria-label="Show hosts with tag" value={activeTag ?? ''} onChange={(e) => setTag(e.target.value || null)} data-testid="fleet-tag-filter">
              <option value="">All tags</option>
              {tags.map((t) => (
                <option key={t} value={t}>
                  #{t}
                </option>
              ))}
            </select>
          ) : null}
          {hasHosts ? (
            <select className="input select toolbar-select" aria-label="Sort hosts by" value={sort} onChange={(e) => setSort(isFleetSort(e.target.value) ? e.target.value : 'name')} data-testid="fleet-sort">
              {FLEET_SORTS.map((s) => (
                <option key={s.id} value={s.id}>
                  Sort: {s.label}
                </option>
              ))}
            </select>
          ) : null}
          <button type="button" className="button primary" onClick={() => actions.addHost()} data-testid="add-host-button">
            <Icon name="plus" size={15} />
            Add host
          </button>
        </div>
      </header>

      {hosts.isPending ? (
        <div className="card-grid" data-testid="fleet-loading" aria-busy="true">
          {[0, 1, 2, 3].map((i) => (
            <div key={i} className="host-card skeleton-card">
              <Skeleton className="skeleton-title" />
              <Skeleton className="skeleton-line" />
              <Skeleton className="skeleton-line short" />
              <Skeleton className="skeleton-meter" />
              <Skeleton className="skeleton-meter" />
            </div>
          ))}
        </div>
      ) : hosts.isError ? (
        <ErrorState title="Could not load your hosts" message={errorMessage(hosts.error)} onRetry={() => void hosts.refetch()} retrying={hosts.isFetching} testId="fleet-error" />
      ) : !hasHosts ? (
        <EmptyState
          icon="server"
          title="No hosts yet — add your first server"
          testId="empty-state"
          actions={
            <>
              <button type="button" className="button primary large" onClick={() => actions.addHost()} data-testid="empty-add-host">
                <Icon name="plus" size={16} />
                Add host
              </button>
              <button type="button" className="button large" onClick={() => actions.addHost('import')} data-testid="empty-import">
                <Icon name="download" size={16} />
                Import from ~/.ssh/config
              </button>
            </>
          }
        >
          Fleetdeck connects over SSH with your existing keys or agent. On each server it keeps only its helper (and a portable Node where none is installed) in a cache folder, which “Remove host” can take away again. Already have your servers in{' '}
          <code className="inline-code">~/.ssh/config</code>? Import them in one go.
        </EmptyState>
      ) : shown.length === 0 ? (
        <EmptyState
          icon="search"
          title="No hosts match this filter"
          testId="filter-empty"
          actions={
            <button
              type="button"
              className="button"
              onClick={() => {
                setFilter('');
                setTag(null);
              }}
            >
              Clear filter
            </button>
          }
        >
          {filter ? `Nothing matches “${filter}” by name, address or tag${activeTag ? ` among hosts tagged #${activeTag}` : ''}.` : `No host is tagged #${activeTag ?? ''}.`}
        </EmptyState>
      ) : (
        <div className="card-grid" data-testid="host-grid">
          {shown.map((h) => (
            <HostCard key={h.id} host={h} />
          ))}
        </div>
      )}
    </div>
  );
}
