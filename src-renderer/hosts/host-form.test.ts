import { describe, expect, it } from 'vitest';
import { FleetdeckError } from '../../src-common/problems.js';
import { emptyForm, formFromCandidate, formFromHost, loginLabel, newJumpRow, sameLoginAs, saveProblem, splitTags, validateForm, type HostFormState } from './host-form.js';

function form(patch: Partial<HostFormState>): HostFormState {
  return { ...emptyForm(), ...patch };
}

describe('validateForm', () => {
  it('accepts a complete form and applies the schema defaults', () => {
    const result = validateForm(form({ name: ' gpu-1 ', address: '10.0.0.5', user: 'admin', tags: 'gpu, lab' }));
    expect(result).toEqual({
      ok: true,
      input: { name: 'gpu-1', address: '10.0.0.5', port: 22, user: 'admin', auth: 'agent', jump: [], tags: ['gpu', 'lab'] },
    });
  });

  it('puts each schema message next to its field', () => {
    const result = validateForm(form({ name: '', address: 'bad host;rm', port: '70000', user: '1x' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.name).toMatch(/Give the host a name/);
    expect(result.errors.address).toMatch(/not a valid address/);
    expect(result.errors.port).toMatch(/between 1 and 65535/);
    expect(result.errors.user).toMatch(/must not start with a digit/);
    expect(result.summary).toContain('address:');
  });

  it('asks for the key file when the key method is chosen', () => {
    const result = validateForm(form({ name: 'a', address: 'a.example', user: 'u', auth: 'key' }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.keyPath).toMatch(/private key file/);
  });

  it('keeps the key path only for the key method', () => {
    const result = validateForm(form({ name: 'a', address: 'a.example', user: 'u', auth: 'agent', keyPath: '~/.ssh/id' }));
    expect(result.ok && result.input.keyPath).toBe(undefined);
  });

  it('validates jump hosts row by row and names the bad tag', () => {
    const hop = { ...newJumpRow(), address: 'bastion.example.org', user: '' };
    const result = validateForm(form({ name: 'a', address: 'a.example', user: 'u', jump: [hop], tags: 'ok, b@d!' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors['jump.0.user']).toMatch(/Enter the user/);
    expect(result.errors.tags).toMatch(/^"b@d!":/);
  });
});

describe('validateForm names every bad tag (issue 9, #14)', () => {
  it('lists each bad tag, grouped by what is wrong with it', () => {
    const result = validateForm(form({ name: 'a', address: 'a.example', user: 'u', tags: 'ok, b@d!, fine, x#y, a..b' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.tags).toContain('"b@d!", "x#y": Tags may contain');
    expect(result.errors.tags).toContain('"a..b": A tag cannot contain ".."');
    expect(result.errors.tags).not.toMatch(/"ok"|"fine"/);
  });
});

describe('what the core says about a save', () => {
  it('puts a key file problem on its field', () => {
    const err = new FleetdeckError('invalid-input', 'There is no file at ~/.ssh/nope.', { field: 'keyPath' });
    expect(saveProblem(err)).toEqual({ kind: 'field', field: 'keyPath', message: 'There is no file at ~/.ssh/nope.' });
    expect(saveProblem({ problem: 'invalid-input', message: 'bad hop key', details: { field: 'jump.1.keyPath' } })).toMatchObject({ kind: 'field', field: 'jump.1.keyPath' });
  });

  it('recognises a duplicate login, and leaves anything else as a message', () => {
    const dup = { problem: 'invalid-input', message: '"gpu-1" already logs in as admin@10.0.0.5:22.', details: { field: 'address', duplicateOf: { id: 3, name: 'gpu-1' } } };
    expect(saveProblem(dup)).toMatchObject({ kind: 'duplicate', of: { id: 3, name: 'gpu-1' } });
    expect(saveProblem(new FleetdeckError('invalid-input', 'A host named "a" already exists: choose another name.'))).toMatchObject({ kind: 'other' });
    expect(saveProblem(new FleetdeckError('invalid-input', 'x', { field: 'constructor' }))).toMatchObject({ kind: 'other' });
    expect(saveProblem(new Error('link down'))).toMatchObject({ kind: 'other', message: 'link down' });
  });

  it('names logins as the core compares them', () => {
    expect(loginLabel({ user: 'admin', address: 'fd00::5', port: 2222 })).toBe('admin@[fd00::5]:2222');
    const hosts = [
      { name: 'gpu-1', user: 'admin', address: 'GPU-1.lab', port: 22 },
      { name: 'v6', user: 'admin', address: '::1', port: 2200 },
    ];
    expect(sameLoginAs(hosts, { user: 'admin', address: 'gpu-1.lab' })?.name).toBe('gpu-1');
    expect(sameLoginAs(hosts, { user: 'admin', address: '[::1]', port: 2200 })?.name).toBe('v6');
    expect(sameLoginAs(hosts, { user: 'carol', address: 'gpu-1.lab' })).toBeNull();
    expect(sameLoginAs(hosts, { address: 'gpu-1.lab' })).toBeNull();
  });
});

describe('form conversions', () => {
  it('round-trips a host', () => {
    const f = formFromHost({
      name: 'n',
      address: 'a.b',
      port: 2222,
      user: 'u',
      auth: 'key',
      keyPath: '~/.ssh/k',
      jump: [{ address: 'j', port: 22, user: 'ju', auth: 'agent' }],
      tags: ['x', 'y'],
    });
    expect(f).toMatchObject({ port: '2222', keyPath: '~/.ssh/k', tags: 'x, y', jump: [{ address: 'j', port: '22', user: 'ju' }] });
  });

  it('reads whatever an ssh_config candidate carries', () => {
    expect(formFromCandidate('box', { address: 'box.lan', port: 2200, user: 'me', auth: 'nonsense' })).toMatchObject({
      name: 'box',
      address: 'box.lan',
      port: '2200',
      auth: 'agent',
    });
  });

  it('splits tags on commas and spaces', () => {
    expect(splitTags(' gpu,lab  a100 ,, ')).toEqual(['gpu', 'lab', 'a100']);
  });
});
