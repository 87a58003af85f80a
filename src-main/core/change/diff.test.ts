import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './diff.js';

/** Hunks as GNU diff -u writes them (headers aside): plans show what an admin would see with diff. */
function gnuDiff(a: string, b: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fd-diff-'));
  try {
    writeFileSync(path.join(dir, 'a'), a);
    writeFileSync(path.join(dir, 'b'), b);
    const out = spawnSync('diff', ['-u', path.join(dir, 'a'), path.join(dir, 'b')], { encoding: 'utf8' }).stdout;
    return out.split('\n').slice(2).join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const hunks = (d: string) => d.split('\n').slice(2).join('\n');

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\n', 'a\n', '/etc/x')).toBe('');
  });
  it('shows a new file from /dev/null, and a removed one to it', () => {
    expect(unifiedDiff('', 'one\ntwo\n', '/etc/x')).toBe('--- /dev/null\n+++ b/etc/x\n@@ -0,0 +1,2 @@\n+one\n+two\n');
    expect(unifiedDiff('one\n', '', '/etc/x')).toBe('--- a/etc/x\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-one\n');
  });
  it('matches GNU diff -u hunk for hunk on config-like edits', () => {
    const base = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const cases: [string[], string[]][] = [
      [base, base.map((l, i) => (i === 5 ? 'changed 5' : l))],
      [base, [...base.slice(0, 10), 'inserted', ...base.slice(10)]],
      [base, [...base.slice(0, 3), ...base.slice(6, 30), 'x', 'y', ...base.slice(35)]],
      [base, base.map((l, i) => (i % 9 === 0 ? `${l} edited` : l))],
      [['a', 'b', 'c'], ['c', 'b', 'a']],
    ];
    for (const [a, b] of cases) {
      const at = `${a.join('\n')}\n`;
      const bt = `${b.join('\n')}\n`;
      expect(hunks(unifiedDiff(at, bt, '/f'))).toBe(gnuDiff(at, bt));
    }
  });
  it('says so instead of stalling on two huge, different files', () => {
    const a = Array.from({ length: 30_000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 30_000 }, (_, i) => `b${i}`).join('\n');
    const t = Date.now();
    expect(unifiedDiff(a, b, '/big')).toMatch(/differ in too many places/);
    expect(Date.now() - t).toBeLessThan(5000);
  });
});
