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
  it.runIf(process.getuid?.() === 0)('a live root context runs children with that PATH only, whatever PATH it inherited', async () => {
    const saved = { PATH: process.env.PATH, SECRET: process.env.FD_SECRET_MARKER };
    process.env.PATH = '/nonexistent-planted:' + (saved.PATH ?? '');
    process.env.FD_SECRET_MARKER = 'leak';
    try {
      const ctx = createContext('/');
      expect(ctx.binDirs).not.toContain('/nonexistent-planted');
      const r = await ctx.run(['env']);
      expect(r.stdout).not.toContain('FD_SECRET_MARKER');
      expect(r.stdout).not.toContain('/nonexistent-planted');
      expect(r.stdout).toMatch(/^PATH=\/usr\/local\/sbin:|^PATH=/m);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.SECRET === undefined) delete process.env.FD_SECRET_MARKER;
    }
  });
});
