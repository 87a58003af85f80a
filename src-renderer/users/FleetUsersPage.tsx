import { useQueries } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../api/api-context.js';
import { hostHref } from '../app/route.js';
import { Badge, ChipList, EmptyState } from '../app/ui.js';
import { useHosts } from '../hosts/use-hosts.js';
import { inventoryKeys } from '../inventory/use-inventory.js';
import { plural } from '../format.js';
import { filterFleetUsers, fleetUsers, type FleetUserSort } from './fleet-users.js';
import './users.css';

/**
 * Every person's account across the fleet (issue 11): one row per name, the hosts that have it
 * with its uid there, groups, and a flag where the uid differs between hosts. Read from each
 * connected host's inventory (a disconnected host shows what was last seen). Each host links to
 * its Users tab, where accounts and limits are changed.
 */
export function FleetUsersPage() {
  const { client } = useApi();
  const hosts = useHosts();
  const list = hosts.data ?? [];
  const snapshots = useQueries({
    queries: list.map((h) => ({
      queryKey: inventoryKeys.snapshot(h.id),
      queryFn: () => client.inventory.snapshot({ id: h.id }),
      enabled: h.connection.state === 'connected',
      staleTime: 60_000,
    })),
  });
  const [query, setQuery] = useState('');
  const [group, setGroup] = useState('');
  const [sort, setSort] = useState<FleetUserSort>('name');
  const seen = list.map((h, i) => ({ hostId: h.id, host: h.name, users: snapshots[i]?.data?.users ?? null })).filter((h): h is { hostId: number; host: string; users: NonNullable<typeof h.users> } => h.users !== null);
  const rows = fleetUsers(seen);
  const shown = filterFleetUsers(rows, query, group, sort);
  const groups = [...new Set(rows.flatMap((r) => r.groups))].sort();
  const mismatches = rows.filter((r) => r.uidMismatch).length;

  return (
    <div className="page fleet-users-page" data-testid="fleet-users-page">
      <header className="page-header">
        <div className="page-heading">
          <h1 className="page-title">Users</h1>
          <p className="page-subtitle">
            Everyone’s accounts across {plural(seen.length, 'host')}
            {list.length > seen.length ? ` (${list.length - seen.length} not read yet: connect them)` : ''}. Change an account or its limits on the host’s Users tab.
          </p>
        </div>
      </header>
      {!seen.length ? (
        <EmptyState icon="users" title={list.length ? 'No host has been read yet' : 'No hosts yet'} testId="fleet-users-empty">
          {list.length ? 'Connect a host: its accounts show here.' : 'Add a host on the Fleet page: its accounts show here.'}
        </EmptyState>
      ) : (
        <>
          <div className="table-toolbar fleet-users-toolbar">
            <span className="muted">
              {plural(rows.length, 'person', 'people')}
              {mismatches ? (
                <>
                  {' · '}
                  <span className="text-warn">{plural(mismatches, 'name')} with different uids</span>
                </>
              ) : null}
            </span>
            <input className="input small users-search" type="search" placeholder="Search users" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search users" data-testid="fleet-users-search" />
            <select className="input select small" value={group} onChange={(e) => setGroup(e.target.value)} aria-label="Show" data-testid="fleet-users-filter">
              <option value="">Everyone</option>
              {mismatches ? <option value="!mismatch">Different uids</option> : null}
              {groups.map((g) => (
                <option key={g} value={g}>
                  In group {g}
                </option>
              ))}
            </select>
            <select className="input select small" value={sort} onChange={(e) => setSort(e.target.value as FleetUserSort)} aria-label="Sort" data-testid="fleet-users-sort">
              <option value="name">By name</option>
              <option value="uid">By uid</option>
              <option value="hosts">Most hosts first</option>
            </select>
          </div>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Hosts · uid</th>
                  <th>Groups</th>
                </tr>
              </thead>
              <tbody>
                {!shown.length ? (
                  <tr>
                    <td colSpan={3} className="muted" data-testid="fleet-users-none">
                      Nobody matches {query.trim() ? `“${query.trim()}”` : 'this filter'}.
                    </td>
                  </tr>
                ) : null}
                {shown.map((r) => (
                  <tr key={r.name} data-testid={`fleet-user-${r.name}`}>
                    <td>
                      <div className="user-name">
                        <span className="strong mono">{r.name}</span>
                        {r.uidMismatch ? (
                          <Badge tone="warn" title="The uid differs between hosts: files on a shared disk show the wrong owner">
                            different uids
                          </Badge>
                        ) : null}
                      </div>
                      {r.fullName ? <div className="muted small-text">{r.fullName}</div> : null}
                    </td>
                    <td>
                      <ul className="chip-list">
                        {r.hosts.map((h) => (
                          <li key={h.hostId}>
                            <a className="chip fleet-user-host" href={hostHref(h.hostId, 'users')} title={`${h.host}: uid ${h.uid}, ${h.shell}`}>
                              {h.host} <span className="mono muted">{h.uid}</span>
                            </a>
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>
                      <ChipList items={r.groups} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
