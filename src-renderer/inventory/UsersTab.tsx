import { useState } from 'react';
import type { Inventory, LocalUser } from '../../src-common/inventory/inventory.schema.js';
import { Badge, EmptyState } from '../app/ui.js';
import { plural } from '../format.js';
import { sectionFailed, SectionNotices, TAB_SECTIONS } from './SectionNotices.js';

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

export function UsersTab({ inventory }: { inventory: Inventory }) {
  const [showSystem, setShowSystem] = useState(false);
  const users = [...inventory.users].sort((a, b) => a.uid - b.uid);
  const people = users.filter(isPersonAccount);
  const systemCount = users.length - people.length;
  const shown = showSystem ? users : people;

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
              <th>Shell</th>
              <th>Home</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((u) => (
              <tr key={`${u.uid}-${u.name}`} data-testid={`user-row-${u.name}`}>
                <td>
                  <div className="user-name">
                    <span className="strong mono">{u.name}</span>
                    <SudoBadge user={u} />
                  </div>
                  {u.gecos ? <div className="muted small-text">{u.gecos.split(',')[0]}</div> : null}
                </td>
                <td className="num mono">{u.uid}</td>
                <td>
                  <ul className="chip-list">
                    {u.groups.map((g) => (
                      <li key={g} className="chip">
                        {g}
                      </li>
                    ))}
                  </ul>
                </td>
                <td className="mono small-text">{u.shell}</td>
                <td className="mono small-text muted">{u.home}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
