import type { Sample, UserUsage } from '../../src-common/monitor/sample.schema.js';
import { useState } from 'react';
import type { Inventory, LocalUser } from '../../src-common/inventory/inventory.schema.js';
import { Icon } from '../app/icons.js';
import { Badge, ChipList, EmptyState, UsageBar } from '../app/ui.js';
import { LimitsDialog } from '../limits/LimitsDialog.js';
import { ProfilesDialog } from '../limits/ProfilesDialog.js';
import { OffboardDialog } from '../users/OffboardDialog.js';
import { userLimits } from '../limits/user-limits.js';
import { useInstalled } from '../setup/use-change.js';
import { formatBytes, plural } from '../format.js';
import { sectionFailed, SectionNotices, TAB_SECTIONS } from './SectionNotices.js';
import type { AccountState } from '../../src-common/modules/users-contract.js';
import { CsvImportDialog } from '../users/CsvImportDialog.js';
import { useAccounts } from '../users/use-accounts.js';
import { formOfUser, type UserDialogMode } from '../users/user-form.js';
import { UserDialog } from '../users/UserDialog.js';

/** People rather than daemons: root, regular UIDs (≥ 1000, not nobody), and anyone with admin rights. */
export function isPersonAccount(u: LocalUser): boolean {
  return u.uid === 0 || u.isAdmin || (u.uid >= 1000 && u.uid < 65534);
}

/** What sudo itself says about the account (`sudo -l -U`), never a guess from a group's name. */
function SudoBadge({ user: u }: { user: LocalUser }) {
  if (u.uid === 0) return null;
  if (u.sudo === 'all') {
    return (
      <Badge tone="accent" testId="admin-badge" title="sudo -l: may run any command as root">
        can become root
      </Badge>
    );
  }
  if (u.sudo === 'some') {
    return (
      <Badge tone="neutral" testId="sudo-some-badge" title="sudo -l: may run some commands as root or as another user">
        some sudo
      </Badge>
    );
  }
  return null;
}

const LIMIT_BADGE = {
  enforced: { tone: 'ok', text: 'verified', title: 'The last verify read these limits back from systemd and the kernel' },
  failing: { tone: 'error', text: 'not enforced', title: 'The last verify found these limits not enforced or changed: open Limits… and plan again' },
  unverified: { tone: 'neutral', text: 'not verified', title: 'Not verified yet: the Services tab has Verify now' },
} as const;

/** A user's limits from the host's policy, with what the last verify said; Limits… edits them. */
function LimitsCell({ hostId, user, groups, installed, usage, onEdit }: { hostId: number | undefined; user: string; groups: readonly string[]; installed: ReturnType<typeof useInstalled>['data']; usage?: UserUsage; onEdit?: () => void }) {
  const l = userLimits(installed, user, groups);
  // "group students (profile student)" → "group students".
  const viaGroup = l ? Object.values(l.from).find((f) => f?.startsWith('group '))?.replace(/ \(.*$/, '') : undefined;
  const badge = l ? LIMIT_BADGE[l.state] : null;
  return (
    <div className="user-limits" data-testid={`user-limits-${user}`} data-state={l?.state ?? 'none'}>
      {l ? (
        <span className="small-text user-limits-text" title={viaGroup ? `Some values come from ${viaGroup}` : undefined}>
          {l.text}
          {viaGroup ? <span className="muted"> (via {viaGroup})</span> : null}
        </span>
      ) : (
        <span className="muted small-text">none</span>
      )}
      {l && usage && l.spec.memory !== undefined ? (
        <span className="user-limits-now" data-testid={`user-usage-${user}`} title={`Now, from the live monitor: ${formatBytes(usage.memoryBytes)} of ${formatBytes(l.spec.memory)} memory${l.spec.cpu !== undefined ? `, ${(usage.cpuPercent / 100).toFixed(2)} of ${l.spec.cpu} CPU` : ''}`}>
          <UsageBar percent={Math.min(100, (usage.memoryBytes / l.spec.memory) * 100)} size="small" label={`${user}'s memory against the limit`} />
          <span className="muted small-text">
            now {formatBytes(usage.memoryBytes)}
            {l.spec.cpu !== undefined ? ` · ${(usage.cpuPercent / 100).toFixed(2)} CPU` : ''}
          </span>
        </span>
      ) : null}
      {badge ? (
        <Badge tone={badge.tone} title={badge.title}>
          {badge.text}
        </Badge>
      ) : null}
      {hostId !== undefined && onEdit ? (
        <button type="button" className="button ghost small" onClick={onEdit} data-testid={`user-limits-edit-${user}`} aria-label={`Limits for ${user}`}>
          Limits…
        </button>
      ) : null}
    </div>
  );
}

/** Locked, expired, or until when: read from /etc/shadow through the root helper. */
function AccountStatus({ state }: { state: AccountState | undefined }) {
  if (!state) return null;
  if (state.source === 'nss')
    return (
      <Badge tone="neutral" title="From LDAP/SSSD (NSS), not /etc/passwd: shown, not edited here">
        directory
      </Badge>
    );
  if (state.locked)
    return (
      <Badge tone="error" testId={`account-locked-${state.name}`} title="Every login is refused until it is unlocked">
        locked
      </Badge>
    );
  if (state.expires && state.expires < new Date().toISOString().slice(0, 10))
    return (
      <Badge tone="warn" title={`Expired on ${state.expires}: an offboarding candidate`}>
        expired
      </Badge>
    );
  return <span className="small-text muted">{state.expires ? `until ${state.expires}` : 'active'}</span>;
}

export function UsersTab({ inventory, hostId, hostName, connected = false, live = null }: { inventory: Inventory; hostId?: number; hostName?: string; connected?: boolean; live?: Sample | null }) {
  const [showSystem, setShowSystem] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [account, setAccount] = useState<{ mode: UserDialogMode; user?: LocalUser } | null>(null);
  const [importing, setImporting] = useState(false);
  const [profiles, setProfiles] = useState(false);
  const [offboarding, setOffboarding] = useState<string[] | null>(null);
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState('');
  const installed = useInstalled(hostId ?? -1, hostId !== undefined);
  const users = [...inventory.users].sort((a, b) => a.uid - b.uid);
  const people = users.filter(isPersonAccount);
  const systemCount = users.length - people.length;
  const groupNames = [...new Set(people.flatMap((u) => u.groups))].sort();
  const regular = people.filter((u) => u.uid >= 1000 && u.uid < 65534).map((u) => u.name);
  const accounts = useAccounts(hostId, regular, connected);
  const stateOf = (name: string) => accounts.data?.find((a) => a.name === name);
  const manage = connected && hostId !== undefined;
  const today = new Date().toISOString().slice(0, 10);
  const expired = regular.filter((n) => {
    const st = stateOf(n);
    return st && st.source !== 'nss' && !st.locked && !!st.expires && st.expires < today;
  });
  const shown = (showSystem ? users : people).filter((u) => {
    const q = query.trim().toLowerCase();
    if (q && !u.name.toLowerCase().includes(q) && !(u.gecos ?? '').toLowerCase().includes(q) && String(u.uid) !== q) return false;
    const st = stateOf(u.name);
    if (filter === 'locked') return !!st?.locked;
    if (filter === 'expired') return !!st?.expires && st.expires < today;
    if (filter.startsWith('group:')) return u.groups.includes(filter.slice(6));
    return true;
  });

  if (users.length === 0) {
    return (
      <>
        <SectionNotices inventory={inventory} names={TAB_SECTIONS.users} />
        {sectionFailed(inventory, 'users') ? null : <EmptyState icon="users" title="No local users" testId="users-empty" />}
      </>
    );
  }
  return (
    <div className="users" data-testid="users">
      <SectionNotices inventory={inventory} names={TAB_SECTIONS.users} />
      <div className="table-toolbar">
        <span className="muted">
          {plural(people.length, 'account')} for people
          {systemCount > 0 ? `, ${plural(systemCount, 'system account')}` : ''}
        </span>
        {manage ? (
          <span className="user-actions">
            <button type="button" className="button small" onClick={() => setAccount({ mode: 'create' })} data-testid="user-new">
              New user…
            </button>
            <button type="button" className="button small" onClick={() => setImporting(true)} data-testid="user-import">
              Import CSV…
            </button>
            <button type="button" className="button small" onClick={() => setProfiles(true)} data-testid="user-profiles">
              Profiles…
            </button>
            {expired.length ? (
              <button type="button" className="button small danger" onClick={() => setOffboarding(expired)} data-testid="user-offboard-expired" title={`Expired: ${expired.join(', ')}`}>
                Offboard {expired.length} expired…
              </button>
            ) : null}
          </span>
        ) : null}
        <input className="input small users-search" type="search" placeholder="Search users" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search users" data-testid="users-search" />
        <select className="input select small" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Show" data-testid="users-filter">
          <option value="">Everyone</option>
          <option value="locked">Locked</option>
          <option value="expired">Expired</option>
          {groupNames.map((g) => (
            <option key={g} value={`group:${g}`}>
              In group {g}
            </option>
          ))}
        </select>
        {systemCount > 0 ? (
          <label className="checkbox">
            <input type="checkbox" checked={showSystem} onChange={(e) => setShowSystem(e.target.checked)} data-testid="users-show-system" />
            Show system accounts
          </label>
        ) : null}
      </div>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th className="num">UID</th>
              <th>Groups</th>
              <th>Shell · home</th>
              {hostId !== undefined ? <th>Limits</th> : null}
              {manage ? <th className="action-col" aria-label="Actions" /> : null}
            </tr>
          </thead>
          <tbody>
            {!shown.length ? (
              <tr>
                <td colSpan={6} className="muted" data-testid="users-none-match">
                  Nobody matches {query.trim() ? `“${query.trim()}”` : 'this filter'}.
                </td>
              </tr>
            ) : null}
            {shown.map((u) => (
              <tr key={`${u.uid}-${u.name}`} data-testid={`user-row-${u.name}`}>
                <td>
                  <div className="user-name">
                    <span className="strong mono">{u.name}</span>
                    <SudoBadge user={u} />
                    {manage && regular.includes(u.name) ? (
                      <span data-testid={`account-status-${u.name}`}>
                        <AccountStatus state={stateOf(u.name)} />
                      </span>
                    ) : null}
                  </div>
                  {u.gecos ? <div className="muted small-text">{u.gecos.split(',')[0]}</div> : null}
                </td>
                <td className="num mono">{u.uid}</td>
                <td>
                  <ChipList items={u.groups} />
                </td>
                <td className="mono small-text">
                  <div>{u.shell}</div>
                  <div className="muted user-home">{u.home}</div>
                </td>
                {hostId !== undefined ? (
                  <td>
                    <LimitsCell hostId={hostId} user={u.name} groups={u.groups} installed={installed.data} usage={live?.users.find((x) => x.user === u.name)} onEdit={connected && u.uid !== 0 ? () => setEditing(u.name) : undefined} />
                  </td>
                ) : null}
                {manage ? (
                  <td className="action-col">
                    {regular.includes(u.name) && stateOf(u.name)?.source !== 'nss' ? (
                      <span className="user-actions">
                        <button type="button" className="button ghost small" onClick={() => setAccount({ mode: 'modify', user: u })} data-testid={`user-edit-${u.name}`} aria-label={`Account ${u.name}`}>
                          Account…
                        </button>
                        <button type="button" className="icon-button small" onClick={() => setAccount({ mode: 'delete', user: u })} data-testid={`user-delete-${u.name}`} aria-label={`Delete ${u.name}…`} title={`Delete ${u.name}…`}>
                          <Icon name="trash" size={15} />
                        </button>
                      </span>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {account && hostId !== undefined ? (
        <UserDialog hostId={hostId} hostName={hostName ?? ''} mode={account.mode} initial={account.user ? formOfUser(account.user, stateOf(account.user.name)) : undefined} keys={account.user ? stateOf(account.user.name)?.keys : undefined} onClose={() => setAccount(null)} />
      ) : null}
      {importing && hostId !== undefined ? <CsvImportDialog hostId={hostId} hostName={hostName ?? ''} onClose={() => setImporting(false)} /> : null}
      {offboarding && hostId !== undefined ? <OffboardDialog hostId={hostId} hostName={hostName ?? ''} names={offboarding} installed={installed.data} onClose={() => setOffboarding(null)} /> : null}
      {profiles && hostId !== undefined ? <ProfilesDialog hostId={hostId} hostName={hostName ?? ''} installed={installed.data} onClose={() => setProfiles(false)} /> : null}
      {editing && hostId !== undefined ? <LimitsDialog hostId={hostId} hostName={hostName ?? ''} user={editing} installed={installed.data} onClose={() => setEditing(null)} /> : null}
    </div>
  );
}
