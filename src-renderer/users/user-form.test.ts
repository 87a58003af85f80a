import { describe, expect, it } from 'vitest';
import type { LocalUser } from '../../src-common/inventory/inventory.schema.js';
import { checkEntry, emptyForm, entryOfForm, formOfUser, newNameProblem } from './user-form.js';

/** The account dialog's form: only what changed is sent on modify; errors by field, from the module's own schema. */
const alice: LocalUser = { name: 'alice', uid: 1500, gid: 1500, gecos: 'Alice Liddell,,,', home: '/home/alice', shell: '/bin/bash', groups: ['alice', 'students'], primaryGroup: 'alice', isAdmin: false };

describe('account form', () => {
  it('reads the account (supplementary groups only), and sends nothing but the name when nothing changed', () => {
    const f = formOfUser(alice, { name: 'alice', uid: 1500, source: 'files', locked: false, expires: '2027-02-28', keys: ['SHA256:abc ssh-ed25519 alice@laptop'], processes: 0 });
    expect(f).toMatchObject({ fullName: 'Alice Liddell', groups: 'students', expires: '2027-02-28', locked: false });
    expect(entryOfForm('modify', f, f, false)).toEqual({ name: 'alice' });
    expect(entryOfForm('modify', { ...f, locked: true, groups: 'students, gpu' }, f, false)).toEqual({ name: 'alice', groups: ['students', 'gpu'], locked: true });
    expect(entryOfForm('modify', { ...f, expires: '' }, f, false)).toEqual({ name: 'alice', expires: null });
  });

  it('makes a create entry of what was filled in, and a delete entry with the archive choice', () => {
    const f = { ...emptyForm, name: 'bob', uid: '1600', groups: 'students', keys: 'ssh-ed25519  AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl  bob@x\n\n' };
    expect(entryOfForm('create', f, emptyForm, false)).toEqual({ name: 'bob', uid: '1600', groups: ['students'], keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bob@x'] });
    expect(checkEntry(entryOfForm('create', f, emptyForm, false)).ok).toBe(true);
    expect(entryOfForm('delete', f, f, true)).toEqual({ name: 'bob', state: 'absent', archive: true });
  });

  it('says what is wrong, by field', () => {
    const bad = checkEntry({ name: 'bob', expires: '2027-13-01', keys: ['not a key'] });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors).toMatchObject({ expires: expect.stringMatching(/YYYY-MM-DD/), keys: expect.stringMatching(/SSH public key/) });
    expect(newNameProblem('Alice;rm')).toMatch(/lowercase/);
    expect(newNameProblem('alice')).toBeNull();
  });
});
