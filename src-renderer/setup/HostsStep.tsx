import { useState } from 'react';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { useAppActions } from '../app/app-actions.js';
import { Icon } from '../app/icons.js';
import { EmptyState, SearchField, StatusDot, TagList } from '../app/ui.js';
import { describeConnection } from '../hosts/connection-state.js';
import { hostAddressLabel } from '../hosts/HostCard.js';

/** Step 1: which hosts to set up (several run in parallel). */
export function HostsStep({ hosts, selected, onChange }: { hosts: HostWithState[]; selected: readonly number[]; onChange: (ids: number[]) => void }) {
  const actions = useAppActions();
  const [filter, setFilter] = useState('');
  if (!hosts.length) {
    return (
      <EmptyState
        icon="server"
        title="No hosts yet"
        testId="setup-no-hosts"
        actions={
          <button type="button" className="button primary" onClick={() => actions.addHost()} data-testid="setup-add-host">
            <Icon name="plus" size={14} />
            Add a host
          </button>
        }
      >
        Add the servers you want to set up first: Fleetdeck connects over SSH and installs services with the host’s own package manager.
      </EmptyState>
    );
  }
  const sorted = [...hosts].sort((a, b) => a.name.localeCompare(b.name));
  const q = filter.trim().toLowerCase();
  const shown = q ? sorted.filter((h) => h.name.toLowerCase().includes(q) || h.address.toLowerCase().includes(q) || h.tags.some((t) => t.toLowerCase().includes(q))) : sorted;
  const toggle = (id: number) => onChange(selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id]);
  const allShown = shown.length > 0 && shown.every((h) => selected.includes(h.id));
  return (
    <div className="setup-hosts">
      <div className="setup-hosts-toolbar">
        {hosts.length > 6 ? <SearchField value={filter} onChange={setFilter} placeholder="Filter by name, address or tag" label="Filter hosts" testId="setup-host-filter" /> : <span className="muted">{hosts.length === 1 ? 'One host in the fleet.' : `${hosts.length} hosts in the fleet.`}</span>}
        <button
          type="button"
          className="button ghost small"
          onClick={() => onChange(allShown ? selected.filter((id) => !shown.some((h) => h.id === id)) : [...new Set([...selected, ...shown.map((h) => h.id)])])}
          data-testid="setup-select-all"
        >
          {allShown ? 'Clear selection' : q ? 'Select these' : 'Select all'}
        </button>
      </div>
      <ul className="pick-list" aria-label="Hosts">
        {shown.map((h) => {
          const view = describeConnection(h.connection);
          const checked = selected.includes(h.id);
          return (
            <li key={h.id}>
              <label className={`pick-row${checked ? ' is-checked' : ''}`} data-testid={`setup-host-${h.name}`}>
                <input type="checkbox" checked={checked} onChange={() => toggle(h.id)} />
                <span className="pick-row-main">
                  <span className="pick-row-title truncate" title={h.name}>
                    {h.name}
                  </span>
                  <span className="pick-row-sub mono truncate" title={hostAddressLabel(h)}>
                    {hostAddressLabel(h)}
                  </span>
                </span>
                <TagList tags={h.tags} limit={3} />
                <span className="pick-row-state">
                  <StatusDot tone={view.tone} />
                  <span className="truncate" title={view.label}>
                    {h.connection.state === 'connected' ? 'Connected' : `${view.label} — connects when checked`}
                  </span>
                </span>
              </label>
            </li>
          );
        })}
      </ul>
      {shown.length === 0 ? <p className="muted">No host matches “{filter}”.</p> : null}
    </div>
  );
}
