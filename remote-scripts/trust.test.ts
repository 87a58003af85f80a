import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * trust.sh decides what Fleetdeck (and root) may execute on a host. These run its functions with
 * the host's /bin/sh against real files, owners and modes in a temp dir.
 */
const trust = path.join(import.meta.dirname, 'trust.sh');
const isRoot = process.getuid?.() === 0;
const OTHER_UID = 4242;

function sh(fn: string, ...args: string[]): boolean {
  const r = spawnSync('/bin/sh', ['-c', `. "$0"; ${fn} "$@"`, trust, ...args], { encoding: 'utf8' });
  return r.status === 0;
}

let base: string;
beforeAll(() => {
  // Not under /tmp's sticky bit alone: a private, root-or-us-owned 0755 base dir.
  base = mkdtempSync(path.join(tmpdir(), 'fd-trust-'));
  chmodSync(base, 0o755);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function dirWith(name: string, parentMode: number, childMode = 0o700): string {
  const parent = path.join(base, name);
  mkdirSync(parent);
  chmodSync(parent, parentMode);
  const child = path.join(parent, 'fleetdeck');
  mkdirSync(child);
  chmodSync(child, childMode);
  return child;
}

describe('dir_safe: an install dir nobody else can write to or replace', () => {
  it('accepts our own 0700 dir under a 0755 parent', () => {
    expect(sh('dir_safe', dirWith('p755', 0o755))).toBe(true);
  });
  it('refuses a 0775 (group-writable) parent', () => {
    expect(sh('dir_safe', dirWith('p775', 0o775))).toBe(false);
  });
  it('refuses a 0777 non-sticky parent', () => {
    expect(sh('dir_safe', dirWith('p777', 0o777))).toBe(false);
  });
  it('accepts a 1777 sticky parent (others cannot rename what they do not own)', () => {
    expect(sh('dir_safe', dirWith('p1777', 0o1777))).toBe(true);
  });
  it('refuses a group-writable dir itself, and a symlink to a good dir', () => {
    expect(sh('dir_safe', dirWith('g', 0o755, 0o770))).toBe(false);
    const good = dirWith('target', 0o755);
    const link = path.join(base, 'link');
    symlinkSync(good, link);
    expect(sh('dir_safe', link)).toBe(false);
  });
  it('refuses a dir whose grandparent is world-writable', () => {
    const gp = path.join(base, 'gp777');
    mkdirSync(gp);
    chmodSync(gp, 0o777);
    const p = path.join(gp, 'p');
    mkdirSync(p, { mode: 0o755 });
    const d = path.join(p, 'fleetdeck');
    mkdirSync(d, { mode: 0o700 });
    expect(sh('dir_safe', d)).toBe(false);
  });
});

describe('file_trusted: a program only root or the given uid can change', () => {
  const uid = String(process.getuid?.() ?? 0);
  function program(dirName: string, dirMode: number, fileMode = 0o755): string {
    const dir = path.join(base, dirName);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, dirMode);
    const file = path.join(dir, 'node');
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, fileMode);
    return file;
  }

  it('trusts an owner-only-writable file in owner-only-writable dirs', () => {
    expect(sh('file_trusted', program('bin-ok', 0o755), uid)).toBe(true);
  });
  it('refuses a file with mode 0777', () => {
    expect(sh('file_trusted', program('bin-0777', 0o755, 0o777), uid)).toBe(false);
  });
  it('refuses a good file in a group-writable directory (it can be replaced)', () => {
    expect(sh('file_trusted', program('bin-g', 0o775), uid)).toBe(false);
  });
  it('refuses a symlink kept in a world-writable dir, even to a good file', () => {
    const good = program('bin-good', 0o755);
    const dir = path.join(base, 'links777');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    symlinkSync(good, path.join(dir, 'node'));
    expect(sh('file_trusted', path.join(dir, 'node'), uid)).toBe(false);
  });
  it('follows a symlink chain through trusted dirs to a good file', () => {
    const good = program('bin-chain', 0o755);
    const dir = path.join(base, 'links755');
    mkdirSync(dir, { mode: 0o755 });
    symlinkSync(good, path.join(dir, 'node-a'));
    symlinkSync('node-a', path.join(dir, 'node'));
    expect(sh('file_trusted', path.join(dir, 'node'), uid)).toBe(true);
  });
  it('refuses a symlink loop and a missing file', () => {
    const dir = path.join(base, 'loop');
    mkdirSync(dir, { mode: 0o755 });
    symlinkSync('b', path.join(dir, 'a'));
    symlinkSync('a', path.join(dir, 'b'));
    expect(sh('file_trusted', path.join(dir, 'a'), uid)).toBe(false);
    expect(sh('file_trusted', path.join(dir, 'missing'), uid)).toBe(false);
  });
  it.runIf(isRoot)('refuses a file owned by another uid, trusts it for that uid', () => {
    const file = program('bin-other', 0o755);
    chownSync(file, OTHER_UID, OTHER_UID);
    expect(sh('file_trusted', file, '0')).toBe(false);
    expect(sh('file_trusted', file, String(OTHER_UID))).toBe(true);
  });
  it.runIf(isRoot)('refuses a directory owned by another uid on the way', () => {
    const file = program('owned-by-other/bin', 0o755);
    chownSync(path.dirname(path.dirname(file)), OTHER_UID, OTHER_UID);
    expect(sh('file_trusted', file, '0')).toBe(false);
  });
  it('the real /bin/sh of this machine is trusted for root', () => {
    expect(sh('file_trusted', '/bin/sh', '0')).toBe(true);
  });
});

describe('sha256_of', () => {
  it('matches node:crypto', () => {
    const f = path.join(base, 'data');
    writeFileSync(f, 'fleetdeck\n');
    const out = execFileSync('/bin/sh', ['-c', '. "$0"; sha256_of "$1"', trust, f], { encoding: 'utf8' }).trim();
    expect(out).toBe(createHash('sha256').update('fleetdeck\n').digest('hex'));
  });
});
