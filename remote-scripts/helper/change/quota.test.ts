import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelCan } from '../../../src-common/modules/quota-support.js';
import { kernelQuotaFromConfig, mountOf, parseRepquota, userQuotaOn } from './quota.js';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('disk quota facts', () => {
  it("reads the kernel's config: this machine's kernel has CONFIG_QUOTA but not CONFIG_QFMT_V2, so ext4 cannot enforce quotas", () => {
    const here = kernelQuotaFromConfig('CONFIG_EXT4_FS=y\n# CONFIG_XFS_QUOTA is not set\nCONFIG_QUOTA=y\nCONFIG_QUOTACTL=y\n# CONFIG_QFMT_V2 is not set\n', '/proc/config.gz');
    expect(here).toEqual({ ext4: false, xfs: false, evidence: '/proc/config.gz: CONFIG_QFMT_V2 is not set' });
    expect(kernelCan(here, 'ext4')).toBe(false);
    const debian = kernelQuotaFromConfig('CONFIG_QUOTA=y\nCONFIG_QFMT_V2=m\nCONFIG_XFS_FS=m\nCONFIG_XFS_QUOTA=y\n', '/boot/config-6.1.0-27-amd64');
    expect(debian).toMatchObject({ ext4: true, xfs: true });
    expect(kernelCan(debian, 'xfs')).toBe(true);
    expect(kernelCan(debian, 'btrfs')).toBe(false);
  });

  it('finds the mount a home directory is on, and whether user quotas are on there', () => {
    const info = [
      '22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw,errors=remount-ro',
      '40 22 8:3 / /home rw,relatime shared:20 - ext4 /dev/sda3 rw,quota,usrquota',
      '41 22 8:4 / /home/big\\040data rw shared:21 - xfs /dev/sdb1 rw,attr2,inode64,usrquota',
    ].join('\n');
    expect(mountOf(info, '/home/alice')).toMatchObject({ mount: '/home', fstype: 'ext4', source: '/dev/sda3' });
    expect(userQuotaOn(mountOf(info, '/home/alice')!)).toBe(true);
    expect(mountOf(info, '/homework/x')).toMatchObject({ mount: '/' });
    expect(userQuotaOn(mountOf(info, '/srv')!)).toBe(false);
    expect(mountOf(info, '/home/big data/bob')).toMatchObject({ mount: '/home/big data', fstype: 'xfs' });
  });

  it('parses repquota -u -p -n: KiB blocks, files, raw grace; the header and blank lines are not entries', () => {
    const entries = parseRepquota(fixture('repquota-u-p-n.txt'));
    expect(entries.map((e) => e.uid)).toEqual([0, 1000, 1001, 1002]);
    expect(entries[2]).toEqual({ uid: 1001, blocksUsedKiB: 5242884, blocksSoftKiB: 5242880, blocksHardKiB: 6291456, blockGrace: 1765432100, filesUsed: 1200, filesSoft: 0, filesHard: 0, fileGrace: 0 });
    expect(entries[3]).toMatchObject({ blocksSoftKiB: 102400, blocksHardKiB: 204800, filesSoft: 1000, filesHard: 2000 });
  });
});
