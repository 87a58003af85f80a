import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createContext } from './context.js';
import { rootChildEnv, rootOnlyWritable, trustedRootDirs } from './root-env.js';

type Entry = { uid: number; mode: number; dir?: boolean };
function fakeStat(tree: Record<string, Entry>) {
  return (p: string) => {
    const e = tree[p];
    if (!e) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return { uid: e.uid, mode: e.mode, isDirectory: () => e.dir ?? true };
  };
}

describe('root-env: what a root helper lets its children see', () => {
  const tree: Record<string, Entry> = {
    '/': { uid: 0, mode: 0o40755 },
    '/usr': { uid: 0, mode: 0o40755 },
    '/usr/bin': { uid: 0, mode: 0o40755 },
    '/usr/local': { uid: 0, mode: 0o40755 },
    '/usr/local/bin': { uid: 0, mode: 0o40775 }, // group-writable: a shared "staff" dir
    '/usr/local/sbin': { uid: 1000, mode: 0o40755 }, // owned by a user
    '/sbin': { uid: 0, mode: 0o40755 },
    '/tmp': { uid: 0, mode: 0o41777 },
    '/tmp/x': { uid: 0, mode: 0o40755 },
  };
  it('keeps only dirs that root alone can write, in order', () => {
    expect(trustedRootDirs(['/usr/local/sbin', '/usr/local/bin', '/usr/bin', '/sbin', '/bin'], fakeStat(tree))).toEqual(['/usr/bin', '/sbin']);
  });
  it('tolerates a sticky world-writable dir above a root-owned one', () => {
    expect(rootOnlyWritable('/tmp/x', fakeStat(tree))).toBe(true);
    expect(rootOnlyWritable('/tmp', fakeStat({ ...tree, '/tmp': { uid: 0, mode: 0o40777 } }))).toBe(false);
  });
  it('the children environment is a fixed PATH and the C locale, nothing inherited', () => {
    expect(rootChildEnv(['/usr/bin', '/bin'])).toEqual({ PATH: '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' });
  });
  it('keeps an inherited PATH entry only where root alone can write it', () => {
    const t = { ...tree, '/home': { uid: 0, mode: 0o40755 }, '/home/carol': { uid: 1001, mode: 0o40755 }, '/home/carol/bin': { uid: 1001, mode: 0o40755 }, '/opt': { uid: 0, mode: 0o40755 }, '/opt/cuda': { uid: 0, mode: 0o40755 } };
    expect(trustedRootDirs(['/home/carol/bin', 'relative/bin', '/opt/cuda', '/usr/bin', '/usr/bin'], fakeStat(t))).toEqual(['/opt/cuda', '/usr/bin']);
  });
  it.runIf(process.getuid?.() === 0)('a live root context runs children with trusted dirs only, and none of the inherited environment', async () => {
    const saved = { PATH: process.env.PATH, SECRET: process.env.FD_SECRET_MARKER };
    const world = mkdtempSync(path.join(tmpdir(), 'fd-world-'));
    chmodSync(world, 0o777);
    process.env.PATH = `/nonexistent-planted:${world}:` + (saved.PATH ?? '');
    process.env.FD_SECRET_MARKER = 'leak';
    try {
      const ctx = createContext('/');
      expect(ctx.binDirs).not.toContain('/nonexistent-planted');
      expect(ctx.binDirs).not.toContain(world);
      expect(ctx.binDirs).toContain('/usr/bin');
      const r = await ctx.run(['env']);
      expect(r.stdout).not.toContain('FD_SECRET_MARKER');
      expect(r.stdout).not.toContain(world);
      expect(r.stdout.trim().split('\n').map((l) => l.split('=')[0]).sort()).toEqual(['LANG', 'LC_ALL', 'PATH']);
    } finally {
      rmSync(world, { recursive: true, force: true });
      process.env.PATH = saved.PATH;
      if (saved.SECRET === undefined) delete process.env.FD_SECRET_MARKER;
    }
  });
});
