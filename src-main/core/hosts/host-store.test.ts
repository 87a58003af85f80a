import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { HostStore } from './host-store.js';

const base = { name: 'gpu-1', address: 'gpu-1.lab.example.org', port: 22, user: 'admin', auth: 'agent' };

function store() {
  return new HostStore(openDatabase(':memory:'));
}

function problemOf(fn: () => unknown): { problem: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { problem: string; message: string };
  }
  throw new Error('expected a problem');
}

describe('HostStore', () => {
  it('adds, lists, updates and removes hosts', () => {
    const s = store();
    const h = s.add({ ...base, tags: ['lab', 'gpu'] });
    expect(h).toMatchObject({ name: 'gpu-1', port: 22, tags: ['lab', 'gpu'], jump: [] });
    expect(s.list()).toHaveLength(1);
    const u = s.update(h.id, { ...base, name: 'gpu-one', port: 2222 });
    expect(u).toMatchObject({ name: 'gpu-one', port: 2222 });
    expect(s.remove(h.id)).toBe(true);
    expect(s.list()).toEqual([]);
    expect(problemOf(() => s.get(h.id)).problem).toBe('not-found');
  });

  it('refuses duplicate names (case-insensitively) with a clear message', () => {
    const s = store();
    s.add(base);
    const p = problemOf(() => s.add({ ...base, name: 'GPU-1' }));
    expect(p.problem).toBe('invalid-input');
    expect(p.message).toMatch(/already exists/);
  });

  it.each([
    ['empty name', { name: '   ' }, /Give the host a name/],
    ['overlong name', { name: 'x'.repeat(65) }, /at most 64/],
    ['control characters in name', { name: 'a\u0007b' }, /control/],
    ['shell in address', { address: 'host;rm -rf /' }, /not a valid address/],
    ['spaces in address', { address: 'a b' }, /not a valid address/],
    ['port 0', { port: 0 }, /between 1 and 65535/],
    ['port 70000', { port: 70000 }, /between 1 and 65535/],
    ['port -3', { port: -3 }, /between 1 and 65535/],
    ['port text', { port: 'ssh' }, /number/],
    ['user with shell', { user: 'a;rm -rf /' }, /user name may contain only/],
    ['key auth without key', { auth: 'key' }, /private key file/],
    ['unknown auth', { auth: 'telnet' }, /auth/],
  ])('rejects %s', (_label, patch, message) => {
    const p = problemOf(() => store().add({ ...base, ...patch }));
    expect(p.problem).toBe('invalid-input');
    expect(p.message).toMatch(message);
  });

  it('accepts unicode names, IPv6 and IPv4 addresses', () => {
    const s = store();
    expect(s.add({ ...base, name: 'Laborrechner Ü 🚀' }).name).toBe('Laborrechner Ü 🚀');
    expect(s.add({ ...base, name: 'v6', address: '::1' }).address).toBe('::1');
    expect(s.add({ ...base, name: 'v4', address: '10.0.0.5' }).address).toBe('10.0.0.5');
    expect(problemOf(() => s.add({ ...base, name: 'bad4', address: '10.0.0.256' })).problem).toBe('invalid-input');
  });

  it('keeps facts per host and drops them with the host', () => {
    const s = store();
    const h = s.add(base);
    s.saveFacts(h.id, { probe: { os: 'debian' } });
    s.saveFacts(h.id, { inventory: { cpu: 1 } });
    expect(s.facts(h.id)).toEqual({ probe: { os: 'debian' }, inventory: { cpu: 1 } });
    s.remove(h.id);
    expect(s.facts(h.id)).toBeNull();
  });
});
