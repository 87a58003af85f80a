import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './files.js';

describe('writeFileAtomic', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fd-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes missing parent directories 0755 even under the root helper’s umask 077', async () => {
    const old = process.umask(0o077);
    try {
      const file = path.join(dir, 'etc/nginx/conf.d/site.conf');
      const out = await writeFileAtomic(file, 'x\n', { mode: 0o644 });
      expect(out.createdDirs).toEqual([path.join(dir, 'etc'), path.join(dir, 'etc/nginx'), path.join(dir, 'etc/nginx/conf.d')]);
      for (const d of out.createdDirs) expect((statSync(d).mode & 0o777).toString(8), d).toBe('755');
      expect((statSync(file).mode & 0o777).toString(8)).toBe('644');
    } finally {
      process.umask(old);
    }
  });

  it('replaces a file whole, keeping its mode when none is asked, and leaves no temp file', async () => {
    const file = path.join(dir, 'keep.conf');
    writeFileSync(file, 'old\n', { mode: 0o640 });
    await writeFileAtomic(file, 'new\n');
    expect((statSync(file).mode & 0o777).toString(8)).toBe('640');
    expect(readdirSync(dir).filter((f) => f.includes('fleetdeck-'))).toEqual([]);
  });
});
