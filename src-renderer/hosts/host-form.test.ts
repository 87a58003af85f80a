import { describe, expect, it } from 'vitest';
import { emptyForm, formFromCandidate, formFromHost, newJumpRow, splitTags, validateForm, type HostFormState } from './host-form.js';

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
