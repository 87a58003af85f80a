import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostFacts } from '../change/module.js';
import { familyFacts } from '../change/family-probes.test-util.js';
import { quotaPlan } from './limits-quota.js';

const home = (over: Partial<{ fstype: string; quotaOn: boolean }> = {}) => ({ home: '/home/carol', mount: '/home', fstype: 'ext4', source: '/dev/sda3', quotaOn: true, ...over });
const facts = (kernel: { ext4: boolean | null; xfs: boolean | null }, h = home(), quotaTools = true): HostFacts => {
  const f = familyFacts('debian-12');
  return { ...f, probe: { ...f.probe, quotaTools }, quota: { kernel: { ...kernel, evidence: '/proc/config.gz: CONFIG_QFMT_V2 is not set' }, homes: new Map([['carol', h]]) } };
};
const carol = [{ user: 'carol', uid: 1001, spec: { disk: { soft: 5 * 1024 ** 3, hard: 6 * 1024 ** 3, inodesHard: 100_000 } } }];

describe('disk quota plan', () => {
  it('where the kernel cannot: says "not enforceable on this kernel", writes nothing, and still verifies (measured use)', () => {
    const p = quotaPlan(facts({ ext4: false, xfs: false }), carol);
    expect(p.resources).toEqual([]);
    expect(p.warnings.join('\n')).toMatch(/Disk quota for carol: not enforceable on this kernel \(\/proc\/config\.gz: CONFIG_QFMT_V2 is not set\)\. Nothing is written; verify measures the use of \/home\/carol instead and gives a notice past the soft limit/);
    expect(p.checks).toEqual([{ kind: 'user-disk', id: 'disk-carol', label: 'carol: disk 5G soft / 6G hard / 100000 files hard', user: 'carol', uid: 1001, soft: 5 * 1024 ** 3, hard: 6 * 1024 ** 3, inodesHard: 100_000 }]);
  });

  it('where quotas are on: one setquota per user in KiB, skipped when repquota already holds it, cleared by a rollback', () => {
    const p = quotaPlan(facts({ ext4: true, xfs: true }), carol);
    expect(p.warnings).toEqual([]);
    expect(p.resources).toHaveLength(1);
    expect(p.resources[0]).toMatchObject({ kind: 'command', argv: ['setquota', '-u', 'carol', '5242880', '6291456', '0', '100000', '/home'], undo: ['setquota', '-u', 'carol', '0', '0', '0', '0', '/home'] });
  });

  it('the "already holds" check reads repquota (a stand-in printing a real report)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-repquota-'));
    try {
      copyFileSync(path.join(import.meta.dirname, '../../../remote-scripts/helper/change/fixtures/repquota-u-p-n.txt'), path.join(dir, 'report'));
      writeFileSync(path.join(dir, 'repquota'), `#!/bin/sh\ncat ${path.join(dir, 'report')}\n`);
      chmodSync(path.join(dir, 'repquota'), 0o755);
      const unless = (uid: string, ...values: string[]) => {
        const p = quotaPlan(facts({ ext4: true, xfs: true }), carol).resources[0] as { unless: string[] };
        const argv = [...p.unless.slice(0, 4), uid, '/home', ...values];
        return spawnSync(argv[0]!, argv.slice(1), { env: { PATH: `${dir}:/usr/bin:/bin` } }).status;
      };
      expect(unless('1002', '102400', '204800', '1000', '2000')).toBe(0);
      expect(unless('1002', '102400', '204800', '1000', '3000')).toBe(1);
      expect(unless('1001', '5242880', '6291456', '0', '0')).toBe(0);
      // A user repquota does not list has no quota: holds only when none is wanted.
      expect(unless('4242', '0', '0', '0', '0')).toBe(0);
      expect(unless('4242', '1024', '0', '0', '0')).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('quotas off on the mount: the plan states the mount option change and the commands, and sets nothing', () => {
    const p = quotaPlan(facts({ ext4: true, xfs: true }, home({ quotaOn: false })), carol);
    expect(p.resources).toEqual([]);
    expect(p.warnings.join('\n')).toMatch(/user quotas are off on \/home \(ext4\)\. Add "usrquota" to its options in \/etc\/fstab, then run: mount -o remount \/home; quotacheck -cum \/home; quotaon -u \/home/);
    expect(quotaPlan(facts({ ext4: true, xfs: true }, home({ quotaOn: false, fstype: 'xfs' })), carol).warnings.join('\n')).toMatch(/XFS turns quotas on only at mount time/);
  });

  it('without the quota tools: the package first (from the mirror, said); a filesystem without quotas is said too', () => {
    const p = quotaPlan(facts({ ext4: true, xfs: true }, home(), false), carol);
    expect(p.resources[0]).toMatchObject({ kind: 'package', packages: ['quota'], source: "the host's package mirror" });
    expect(quotaPlan(facts({ ext4: true, xfs: true }, home({ fstype: 'btrfs' })), carol).warnings.join('\n')).toMatch(/not enforceable on btrfs/);
  });

  it("frees the quota of a user who no longer has one (offboarding), where quotas are on; nothing where they cannot be", () => {
    const p = quotaPlan(facts({ ext4: true, xfs: true }), [], [{ user: 'carol', uid: 1001 }]);
    expect(p.resources).toEqual([expect.objectContaining({ kind: 'command', argv: ['setquota', '-u', 'carol', '0', '0', '0', '0', '/home'] })]);
    expect(quotaPlan(facts({ ext4: false, xfs: false }), [], [{ user: 'carol', uid: 1001 }]).resources).toEqual([]);
  });
});
