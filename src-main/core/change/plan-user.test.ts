import { describe, expect, it } from 'vitest';
import { userChanges } from '../../../src-common/change/user-diff.js';
import { userResourceSchema, type UserObserved, type UserResource } from '../../../src-common/change/user.schema.js';
import { csvUsers, parseCsv } from '../../../src-common/modules/users-csv.js';
import { usersSettings } from '../../../src-common/modules/users.js';
import { userResource } from '../modules/users.module.js';
import { entryFrom } from './users.cli.js';
import { userStep } from './plan-user.js';
import { planTag, type DesiredState } from './planner.js';
import { keyFingerprint } from './users-import.js';

/**
 * Accounts on the change engine as pure functions: what a step does for each account state, what
 * is refused before anything runs (LDAP users, system accounts, names that are not portable, a
 * uid outside the host's range or taken), hostile input, and the CSV preview row by row. The live
 * run (useradd, lock, keys as the user, delete with an archive, rollback): e2e/integration/modules/users.test.ts.
 */
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop';
const absent: UserObserved = { kind: 'user', exists: false, source: null, uid: null, gid: null, fullName: null, shell: null, home: null, groups: [], locked: false, expires: null, keys: null, processes: 0, uidTakenBy: null, unknownGroups: [], uidRange: { min: 1000, max: 60000 } };
const alice: UserObserved = { ...absent, exists: true, source: 'files', uid: 1500, gid: 1500, fullName: 'Alice', shell: '/bin/bash', home: '/home/alice', groups: ['students'], keys: [KEY] };
const want = (over: Partial<UserResource> = {}): UserResource => ({ kind: 'user', name: 'alice', state: 'present', ...over });

describe('user steps', () => {
  it('creates a missing account, with what it will have; nothing when it is as wanted', () => {
    const s = userStep(want({ uid: 1500, groups: ['students'], keys: [KEY], expires: '2027-02-28' }), absent)!;
    expect(s).toMatchObject({ kind: 'user', action: 'create', reversible: true, needsRoot: true });
    expect(s.summary).toBe('Create user alice (uid 1500, groups students, expires 2027-02-28, 1 SSH key), with a home directory');
    expect(userStep(want({ uid: 1500, fullName: 'Alice', groups: ['students'], keys: [KEY] }), alice)).toBeNull();
  });

  it('changes only the fields it names, and says each with before and after', () => {
    const s = userStep(want({ shell: '/bin/zsh', groups: ['students', 'gpu'], locked: true }), alice)!;
    expect(s.action).toBe('update');
    expect(s.summary).toBe('Change user alice: shell, groups, lock');
    expect(s.before).toBe('shell: /bin/bash\ngroups: students\nlocked: unlocked');
    expect(s.after).toBe('shell: /bin/zsh\ngroups: students, gpu\nlocked: locked');
    // A locked account's expiry is the lock: its own date is compared once it is unlocked.
    expect(userChanges(want({ expires: '2027-01-01' }), { ...alice, locked: true })).toEqual([]);
  });

  it('deletes with a warning for running processes, and says what happens to the home', () => {
    const s = userStep({ kind: 'user', name: 'alice', state: 'absent', archive: true }, { ...alice, processes: 3 })!;
    expect(s).toMatchObject({ action: 'delete', summary: 'Delete user alice (uid 1500), archiving /home/alice first' });
    expect(s.warnings).toEqual([expect.stringMatching(/3 processes running: stopped/), expect.stringMatching(/archived to \/var\/lib\/fleetdeck\/archive/)]);
    expect(userStep({ kind: 'user', name: 'alice', state: 'absent' }, alice)!.warnings).toEqual([expect.stringMatching(/deleted for good/)]);
    expect(userStep({ kind: 'user', name: 'alice', state: 'absent' }, absent)).toBeNull();
  });

  it('refuses, by name and with what to do: an LDAP user, a system account, a taken or out-of-range uid, a name that is not portable', () => {
    expect(() => userStep(want({ shell: '/bin/zsh' }), { ...alice, source: 'nss' })).toThrow(/comes from LDAP\/SSSD .* Change it in the directory/);
    expect(() => userStep({ kind: 'user', name: 'daemon', state: 'absent' }, { ...alice, uid: 1 })).toThrow(/system account \(uid 1, below this host's UID_MIN 1000\)/);
    expect(() => userStep(want({ uid: 1500 }), { ...absent, uidTakenBy: 'bob' })).toThrow(/uid 1500 is taken by bob/);
    expect(() => userStep(want({ uid: 70000 }), absent)).toThrow(/outside this host's range .*1000–60000/);
    expect(() => userStep({ ...want(), name: 'Alice.B' }, absent)).toThrow(/cannot be a new account name/);
    expect(() => userStep(want({ groups: ['nosuch'] }), { ...absent, unknownGroups: ['nosuch'] })).toThrow(/Group nosuch does not exist on this host: create it first/);
  });

  it('refuses hostile names and values in the protocol schema and in the settings, before any host is asked', () => {
    for (const name of ['a;rm -rf /', '../x', 'x'.repeat(33), 'a\nb', 'аlice' /* Cyrillic а */, '-rf', '']) {
      expect(userResourceSchema.safeParse(want({ name })).success, JSON.stringify(name)).toBe(false);
      expect(usersSettings.safeParse({ users: [{ name }] }).success).toBe(false);
    }
    expect(usersSettings.safeParse({ users: [{ name: 'alice', fullName: 'A:B' }] }).success).toBe(false);
    expect(usersSettings.safeParse({ users: [{ name: 'alice', keys: ['command="rm -rf /" ' + KEY] }] }).success).toBe(false);
    expect(usersSettings.safeParse({ users: [{ name: 'alice', expires: '2027-02-30' }] }).success).toBe(false);
    expect(usersSettings.safeParse({ users: [{ name: 'alice' }, { name: 'alice' }] }).error?.issues[0]?.message).toMatch(/listed twice/);
  });

  it('reads the CLI flags into an entry, and says which flag is wrong', () => {
    expect(entryFrom('alice', { uid: '1500', groups: 'a,b', expires: 'never', key: [KEY] })).toEqual({ name: 'alice', state: 'present', uid: 1500, groups: ['a', 'b'], expires: null, keys: [KEY] });
    expect(entryFrom('alice', { archive: true }, 'absent')).toEqual({ name: 'alice', state: 'absent', archive: true });
    expect(() => entryFrom('alice', { expires: 'tomorrow' })).toThrow(/--expires: An expiry date is YYYY-MM-DD/);
    expect(() => entryFrom('alice', { lock: true, unlock: true })).toThrow(/--lock or --unlock, not both/);
    expect(() => entryFrom('alice', { 'key-file': '/nonexistent/key.pub' })).toThrow(/--key-file: cannot read/);
    expect(userResource(entryFrom('alice', { lock: true }))).toEqual({ kind: 'user', name: 'alice', state: 'present', locked: true });
  });
});

describe('key fingerprints', () => {
  it('match ssh-keygen -l (SHA256 of the key blob, unpadded)', () => {
    expect(keyFingerprint(KEY)).toBe('SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU ssh-ed25519 alice@laptop');
  });
});

describe('CSV onboarding preview', () => {
  it('parses quoted fields, and says per row what is wrong', () => {
    expect(parseCsv('a,"b,c","d ""e"""\r\n\r\nx,y,z\n')).toEqual([['a', 'b,c', 'd "e"'], ['x', 'y', 'z']]);
    const csv = [
      'name,full_name,email,groups,public_key,profile,expires',
      `alice,Alice Liddell,alice@uni.example,students;gpu,${KEY},student,2027-02-28`,
      'Bob Smith,Bob,bob@uni.example,,,,',
      'carol,"Carol, PhD",carol-at-uni,,,,2027-13-01',
      `alice,Again,,,,,`,
      'a;rm -rf /,x,,,,,',
    ].join('\n');
    const { rows, problem } = csvUsers(csv);
    expect(problem).toBeNull();
    expect(rows[0]).toMatchObject({ line: 2, name: 'alice', problems: [], profile: 'student', entry: { name: 'alice', fullName: 'Alice Liddell', groups: ['students', 'gpu'], keys: [KEY], expires: '2027-02-28' } });
    expect(rows[1]!.problems.join()).toMatch(/name: /);
    expect(rows[2]!.problems.join('; ')).toMatch(/email "carol-at-uni" is not an address.*full_name: .*expires: An expiry date is YYYY-MM-DD/);
    expect(rows[3]!.problems).toContain('alice is already on line 2');
    expect(rows[4]!.entry).toBeNull();
    expect(csvUsers('user,mail\nalice,x\n').problem).toMatch(/at least "name"/);
    expect(csvUsers('name,phone\nalice,1\n').problem).toMatch(/Unknown column "phone"/);
    expect(csvUsers('').problem).toMatch(/empty/);
  });
});

describe('the plan tag of an account', () => {
  it('ignores how many processes the account runs (it moves on its own), not what the account is', () => {
    const desired: DesiredState = { order: ['users'], items: [], checks: [], warnings: [], network: null };
    const seen: UserObserved = { ...absent, exists: true, source: 'files', uid: 1500, gid: 1500, fullName: 'Alice', shell: '/bin/sh', home: '/home/alice', groups: ['students'], keys: [] };
    expect(planTag(desired, [{ ...seen, processes: 3 }])).toBe(planTag(desired, [seen]));
    expect(planTag(desired, [{ ...seen, groups: ['students', 'sudo'] }])).not.toBe(planTag(desired, [seen]));
  });
});
