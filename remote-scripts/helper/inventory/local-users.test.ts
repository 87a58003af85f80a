import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localUserSchema } from '../../../src-common/inventory/inventory.schema.js';
import { localUsersFrom, parseGroup, parseLoginDefsUidRange, parsePasswd } from './local-users.js';

// No passwd/group sample is in the shared fixtures; this is a short Debian-style excerpt.
const passwd = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# a comment
+nisuser::::::
backup:x:34:34:backup:/var/backups:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
alice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/bash
bob:x:1001:1001::/home/bob:/bin/zsh
ops:x:998:998:Ops robot:/var/lib/ops:/bin/sh
broken-line
`;
const group = `root:x:0:
sudo:x:27:alice,ops
docker:x:999:bob, alice
alice:x:1000:
bob:x:1001:
ops:x:998:
nogroup:x:65534:
`;

describe('local users', () => {
  const users = localUsersFrom(parsePasswd(passwd), parseGroup(group));

  it('lists every account, system ones too, and marks the regular (people\'s) ones', () => {
    expect(users.map((u) => [u.name, u.regular])).toEqual([
      ['root', false],
      ['daemon', false],
      ['backup', false],
      ['nobody', false],
      ['alice', true],
      ['bob', true],
      ['ops', false],
    ]);
    expect(users.find((u) => u.name === 'root')).toMatchObject({ regular: false, primaryGroup: 'root' });
  });

  it('collects the primary group (the one the gid names) and supplementary groups; never guesses admin from a group name', () => {
    expect(users.find((u) => u.name === 'alice')).toEqual({ name: 'alice', uid: 1000, gid: 1000, gecos: 'Alice Liddell,,,', home: '/home/alice', shell: '/bin/bash', groups: ['alice', 'sudo', 'docker'], primaryGroup: 'alice', regular: true, isAdmin: false });
    expect(users.find((u) => u.name === 'bob')).toMatchObject({ groups: ['bob', 'docker'], primaryGroup: 'bob' });
    expect(users.find((u) => u.name === 'ops')).toMatchObject({ uid: 998, regular: false, isAdmin: false });
    for (const u of users) expect(() => localUserSchema.parse(u)).not.toThrow();
  });

  it('honours UID_MIN from login.defs', () => {
    const range = parseLoginDefsUidRange('# comment\nUID_MIN\t\t\t 500\nUID_MAX 60000\n');
    expect(range).toEqual({ uidMin: 500, uidMax: 60000 });
    expect(parseLoginDefsUidRange(null)).toEqual({ uidMin: 1000, uidMax: 60000 });
  });

  it('parses this machine', () => {
    const entries = parsePasswd(readFileSync('/etc/passwd', 'utf8'));
    expect(entries.find((e) => e.uid === 0)?.name).toBe('root');
  });
});

describe('local users on hostile input', () => {
  const timed = <T>(f: () => T): [T, number] => {
    const start = performance.now();
    const value = f();
    return [value, performance.now() - start];
  };

  it('reads a login.defs of 32,000 blank lines in under 100 ms (^\\s* under the m flag rescanned them from every line)', () => {
    const [range, ms] = timed(() => parseLoginDefsUidRange(`${'\n'.repeat(32_000)}x`));
    expect(ms).toBeLessThan(100);
    expect(range).toEqual({ uidMin: 1000, uidMax: 60000 });
    expect(parseLoginDefsUidRange('UID_MIN\n500\n')).toEqual({ uidMin: 1000, uidMax: 60000 });
  });

  it('matches 5,000 users with 5,000 groups in under 100 ms (every group was scanned for every user)', () => {
    const passwd = parsePasswd(Array.from({ length: 5_000 }, (_, i) => `u${i}:x:${1000 + i}:1000::/h:/bin/sh`).join('\n'));
    const groups = parseGroup(Array.from({ length: 5_000 }, (_, i) => `g${i}:x:${2000 + i}:u${i},u${i}`).join('\n'));
    localUsersFrom(passwd, groups); // warm: the bound is about the algorithm, not the first compile
    const [users, ms] = timed(() => localUsersFrom(passwd, groups));
    expect(ms).toBeLessThan(100);
    expect(users[42]!.groups).toEqual(['g42']);
  });

  it('takes the first entry of a name listed twice, as getpwnam does, so repeats cannot multiply the groups', () => {
    const users = localUsersFrom(parsePasswd('a:x:1000:1000::/one:/bin/sh\na:x:1001:1000::/two:/bin/sh\n'), parseGroup('g:x:5:a\nh:x:6:a\n'));
    expect(users).toEqual([expect.objectContaining({ name: 'a', uid: 1000, home: '/one', groups: ['g', 'h'] })]);
  });
});
