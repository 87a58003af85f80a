import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('keeps Fleetdeck’s directory on the host for the login it was reported for only (where a per-user agent listens)', () => {
    const s = store();
    const h = s.add(base);
    expect(s.installDir(h.id, 'carol')).toBeNull();
    s.saveInstallDir(h.id, 'carol', '/home/carol/.cache/fleetdeck');
    s.saveFacts(h.id, { probe: { os: 'debian' } });
    expect(s.installDir(h.id, 'carol')).toBe('/home/carol/.cache/fleetdeck');
    expect(s.installDir(h.id, 'admin')).toBeNull(); // the host's login changed since
    s.saveInstallDir(h.id, 'carol', 'relative/dir'); // not a path to forward to: ignored
    expect(s.installDir(h.id, 'carol')).toBe('/home/carol/.cache/fleetdeck');
  });
});

describe('HostStore checks when adding (issue 9, #14)', () => {
  let dir: string;
  let key: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fd-hoststore-'));
    key = path.join(dir, 'id_ed25519');
    writeFileSync(key, '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==\n-----END OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });
    writeFileSync(path.join(dir, 'id_ed25519.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 me@laptop\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('checks the key file when adding and editing, naming the field', () => {
    const s = store();
    const missing = problemOf(() => s.add({ ...base, auth: 'key', keyPath: path.join(dir, 'nope') })) as { problem: string; message: string; details?: Record<string, unknown> };
    expect(missing).toMatchObject({ problem: 'invalid-input', details: { field: 'keyPath' } });
    expect(missing.message).toMatch(/There is no file at/);
    expect(problemOf(() => s.add({ ...base, auth: 'key', keyPath: `${key}.pub` })).message).toMatch(/public key/);
    const h = s.add({ ...base, auth: 'key', keyPath: key });
    expect(h.keyPath).toBe(key);
    expect(problemOf(() => s.update(h.id, { ...base, auth: 'key', keyPath: dir })).message).toMatch(/is a directory/);
    // A jump host's key is checked too; a key path is not read when another method is chosen.
    const hop = problemOf(() => s.add({ ...base, name: 'via', jump: [{ address: 'bastion', user: 'j', auth: 'key', keyPath: path.join(dir, 'gone') }] })) as { details?: Record<string, unknown> };
    expect(hop.details).toEqual({ field: 'jump.0.keyPath' });
    expect(s.add({ ...base, name: 'agent', auth: 'agent', keyPath: path.join(dir, 'gone') }).name).toBe('agent');
  });

  it('warns about a second host with the same user@address:port when asked, and adds it once confirmed', () => {
    const s = store();
    const first = s.add(base);
    // Editing a host does not collide with itself.
    expect(s.update(first.id, { ...base, tags: ['x'], ifDuplicate: 'refuse' }).tags).toEqual(['x']);
    const dup = problemOf(() => s.add({ ...base, name: 'gpu-1-again', address: 'GPU-1.lab.example.org', ifDuplicate: 'refuse' })) as { problem: string; message: string; details?: Record<string, unknown> };
    expect(dup.problem).toBe('invalid-input');
    expect(dup.details).toEqual({ field: 'address', duplicateOf: { id: first.id, name: 'gpu-1' } });
    expect(dup.message).toMatch(/"gpu-1" already logs in as admin@GPU-1\.lab\.example\.org:22/);
    // Confirmed (or a script that never asked): stored.
    expect(s.add({ ...base, name: 'gpu-1-again', ifDuplicate: 'add' }).name).toBe('gpu-1-again');
    expect(s.add({ ...base, name: 'gpu-1-third' }).name).toBe('gpu-1-third');
    // Another port or user is another login; an edit onto another host's login is caught too.
    expect(s.add({ ...base, name: 'other-port', port: 2222, ifDuplicate: 'refuse' }).port).toBe(2222);
    expect(s.add({ ...base, name: 'other-user', user: 'carol', ifDuplicate: 'refuse' }).user).toBe('carol');
    expect(problemOf(() => s.update(first.id, { ...base, ifDuplicate: 'refuse' })).message).toMatch(/"gpu-1-again" already logs in/);
    expect(s.findSameLogin({ user: 'carol', address: 'gpu-1.lab.example.org', port: 22 })?.name).toBe('other-user');
  });

  it('treats a bracketed IPv6 address as the same login', () => {
    const s = store();
    s.add({ ...base, name: 'v6', address: '::1' });
    expect(problemOf(() => s.add({ ...base, name: 'v6b', address: '[::1]', ifDuplicate: 'refuse' })).message).toMatch(/"v6" already logs in as admin@\[::1\]:22/);
  });
});
