import type { LocalUser } from '../../src-common/inventory/inventory.schema.js';

/**
 * The fleet-wide Users page's rows: one per account name, with each host that has it (its uid
 * there). A name whose uid differs between hosts is flagged: files on a shared disk show the
 * wrong owner.
 */
export interface FleetUserRow {
  name: string;
  fullName: string;
  hosts: { hostId: number; host: string; uid: number; groups: string[]; shell: string }[];
  groups: string[];
  uidMismatch: boolean;
}

const person = (u: LocalUser) => u.regular !== false && u.uid >= 1000 && u.uid < 65534;

export function fleetUsers(hosts: readonly { hostId: number; host: string; users: readonly LocalUser[] }[]): FleetUserRow[] {
  const rows = new Map<string, FleetUserRow>();
  for (const h of hosts) {
    for (const u of h.users.filter(person)) {
      const row = rows.get(u.name) ?? { name: u.name, fullName: '', hosts: [], groups: [], uidMismatch: false };
      row.hosts.push({ hostId: h.hostId, host: h.host, uid: u.uid, groups: [...u.groups], shell: u.shell });
      if (!row.fullName && u.gecos) row.fullName = u.gecos.split(',')[0] ?? '';
      row.groups = [...new Set([...row.groups, ...u.groups])].sort();
      rows.set(u.name, row);
    }
  }
  for (const r of rows.values()) r.uidMismatch = new Set(r.hosts.map((h) => h.uid)).size > 1;
  return [...rows.values()];
}

export type FleetUserSort = 'name' | 'hosts' | 'uid';

export function filterFleetUsers(rows: readonly FleetUserRow[], q: string, group: string, sort: FleetUserSort): FleetUserRow[] {
  const query = q.trim().toLowerCase();
  const out = rows.filter((r) => (!query || r.name.includes(query) || r.fullName.toLowerCase().includes(query) || r.hosts.some((h) => String(h.uid) === query || h.host.toLowerCase().includes(query))) && (!group || (group === '!mismatch' ? r.uidMismatch : r.groups.includes(group))));
  const minUid = (r: FleetUserRow) => Math.min(...r.hosts.map((h) => h.uid));
  return out.sort((a, b) => (sort === 'hosts' ? b.hosts.length - a.hosts.length : sort === 'uid' ? minUid(a) - minUid(b) : 0) || a.name.localeCompare(b.name));
}
