import type { LocalUser } from '../../../src-common/inventory/inventory.schema.js';

/**
 * Local accounts from /etc/passwd and /etc/group: every account, people (UID_MIN and up, as
 * login.defs defines "regular user") marked `regular`, system accounts (root, www-data, …) too,
 * each with the group its passwd gid names — reports file a user's usage under it. Who may become
 * root is not guessed here from group names: collect-users.ts asks sudo.
 */

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** NIS "+"/"-" lines and comments are not accounts. */
const isEntryLine = (line: string): boolean => line.trim() !== '' && !/^[#+-]/.test(line);

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').filter(isEntryLine).flatMap((line) => {
    const [name, , uid, gid, gecos = '', home = '', shell = ''] = line.split(':');
    if (!name || !/^\d+$/.test(uid ?? '') || !/^\d+$/.test(gid ?? '')) return [];
    return [{ name, uid: Number(uid), gid: Number(gid), gecos, home, shell: shell.trim() }];
  });
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').filter(isEntryLine).flatMap((line) => {
    const [name, , gid, members = ''] = line.split(':');
    if (!name || !/^\d+$/.test(gid ?? '')) return [];
    return [{ name, gid: Number(gid), members: members.trim().split(',').map((m) => m.trim()).filter(Boolean) }];
  });
}

/** UID_MIN / UID_MAX from /etc/login.defs; the shadow-utils defaults when absent. */
export function parseLoginDefsUidRange(text: string | null): { uidMin: number; uidMax: number } {
  const value = (key: string, fallback: number): number => {
    // [ \t], not \s: with the m flag a \s* that can cross newlines rescans every blank line from each line start.
    const m = new RegExp(`^[ \\t]*${key}[ \\t]+(\\d+)`, 'm').exec(text ?? '');
    return m ? Number(m[1]) : fallback;
  };
  return { uidMin: value('UID_MIN', 1000), uidMax: value('UID_MAX', 60000) };
}

/**
 * An account name that appears twice is the first entry, as getpwnam(3) resolves it. Groups are
 * indexed by member once: scanning every group for every user was users × groups, and repeated
 * names under many groups would return users × groups.
 */
export function localUsersFrom(passwd: readonly PasswdEntry[], groups: readonly GroupEntry[], range = { uidMin: 1000, uidMax: 60000 }): LocalUser[] {
  const groupByGid = new Map(groups.map((g) => [g.gid, g.name]));
  const groupsOfMember = new Map<string, string[]>();
  for (const g of groups) {
    for (const member of new Set(g.members)) {
      const list = groupsOfMember.get(member);
      if (list) list.push(g.name);
      else groupsOfMember.set(member, [g.name]);
    }
  }
  const seen = new Set<string>();
  return passwd.flatMap((p) => {
    if (seen.has(p.name)) return [];
    seen.add(p.name);
    const primary = groupByGid.get(p.gid);
    const supplementary = groupsOfMember.get(p.name) ?? [];
    const memberOf = [...new Set([...(primary ? [primary] : []), ...supplementary])];
    const regular = p.uid >= range.uidMin && p.uid <= range.uidMax;
    return [{ name: p.name, uid: p.uid, gid: p.gid, gecos: p.gecos, home: p.home, shell: p.shell, groups: memberOf, primaryGroup: primary ?? null, regular, isAdmin: false }];
  });
}
