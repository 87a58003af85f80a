import { describe, expect, it } from 'vitest';
import type { LocalUser } from '../../src-common/inventory/inventory.schema.js';
import { filterFleetUsers, fleetUsers } from './fleet-users.js';

const u = (name: string, uid: number, groups: string[] = [], gecos = ''): LocalUser => ({ name, uid, gid: uid, gecos, home: `/home/${name}`, shell: '/bin/bash', groups, isAdmin: false, regular: uid >= 1000 });

describe('the fleet-wide users list', () => {
  const rows = fleetUsers([
    { hostId: 1, host: 'gpu-1', users: [u('root', 0), u('alice', 1500, ['students'], 'Alice Liddell,,,'), u('bob', 1501, ['students'])] },
    { hostId: 2, host: 'gpu-2', users: [u('alice', 1500, ['gpu']), u('bob', 1700), u('www-data', 33)] },
  ]);

  it('one row per person across hosts (system accounts and root left out), a name with different uids flagged', () => {
    expect(rows.map((r) => [r.name, r.hosts.map((h) => `${h.host}:${h.uid}`).join(' '), r.uidMismatch])).toEqual([
      ['alice', 'gpu-1:1500 gpu-2:1500', false],
      ['bob', 'gpu-1:1501 gpu-2:1700', true],
    ]);
    expect(rows[0]).toMatchObject({ fullName: 'Alice Liddell', groups: ['gpu', 'students'] });
  });

  it('searches name, full name, uid and host; filters by group or uid mismatch; sorts', () => {
    expect(filterFleetUsers(rows, 'liddell', '', 'name').map((r) => r.name)).toEqual(['alice']);
    expect(filterFleetUsers(rows, '1700', '', 'name').map((r) => r.name)).toEqual(['bob']);
    expect(filterFleetUsers(rows, '', 'gpu', 'name').map((r) => r.name)).toEqual(['alice']);
    expect(filterFleetUsers(rows, '', '!mismatch', 'name').map((r) => r.name)).toEqual(['bob']);
    expect(filterFleetUsers(rows, '', '', 'uid').map((r) => r.name)).toEqual(['alice', 'bob']);
  });
});
