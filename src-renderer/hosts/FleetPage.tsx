import { useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage } from '../api/api-error.js';
import { useAppActions } from '../app/app-actions.js';
import { Icon } from '../app/icons.js';
import { EmptyState, ErrorState, Kbd, Skeleton } from '../app/ui.js';
import { plural } from '../format.js';
import { matchesFilter } from './fleet-filter.js';
import { HostCard } from './HostCard.js';
import { useHosts } from './use-hosts.js';

export function FleetPage() {
  const hosts = useHosts();
  const actions = useAppActions();
  const [filter, setFilter] = useState('');
  const filterRef = useRef<HTMLInputElement>(null);
  const { takeFilterFocus, filterFocusTick } = actions;

  useEffect(() => {
    if (takeFilterFocus()) filterRef.current?.focus();
  }, [takeFilterFocus, filterFocusTick]);

  const list = useMemo(() => [...(hosts.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [hosts.data]);
  const shown = useMemo(() => list.filter((h) => matchesFilter(h, filter)), [list, filter]);
  const counts = useMemo(() => {
    const c = { connected: 0, attention: 0 };
    for (const h of list) {
      if (h.connection.state === 'connected') c.connected += 1;
      if (h.connection.state === 'failed' || h.connection.state === 'lost') c.attention += 1;
    }
    return c;
  }, [list]);

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
            </p>
          ) : (
            <p className="page-subtitle">Your servers, one place.</p>
          )}
        </div>
        <div className="page-actions">
          {hasHosts ? (
            <label className="search-field">
              <Icon name="search" size={15} />
              <input
                ref={filterRef}
                type="search"
                className="search-input"
                placeholder="Filter by name, address or tag"
                aria-label="Filter hosts"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Escape') {
                    e.preventDefault();
                    setFilter('');
                    e.currentTarget.blur();
                  }
                }}
                data-testid="fleet-filter"
              />
              {filter ? null : <Kbd>/</Kbd>}
            </label>
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
          Fleetdeck connects over SSH with your existing keys or agent, and installs nothing permanent. Already have your servers in{' '}
          <code className="inline-code">~/.ssh/config</code>? Import them in one go.
        </EmptyState>
      ) : shown.length === 0 ? (
        <EmptyState
          icon="search"
          title="No hosts match this filter"
          testId="filter-empty"
          actions={
            <button type="button" className="button" onClick={() => setFilter('')}>
              Clear filter
            </button>
          }
        >
          Nothing matches “{filter}” by name, address or tag.
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
