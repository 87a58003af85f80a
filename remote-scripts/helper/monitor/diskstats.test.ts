import { describe, expect, it } from 'vitest';
import { diskRates, isWholeDisk, parseDiskstats, ratePerSec } from './diskstats.js';

/** Shaped like a real 6.x /proc/diskstats (20 fields), plus partitions and a 4.x-era 14-field line. */
const BEFORE = [
  '   7       0 loop0 112 0 2202 20 0 0 0 0 0 48 20 0 0 0 0 0 0',
  ' 253       0 zram0 40 0 320 0 1000 0 8000 4 0 12 4 0 0 0 0 0 0',
  ' 259       0 nvme0n1 238524 29670 17589530 303398 212542 127811 19374672 185909 0 59488 510368 100997 85 24569896 16658 46046 4401',
  ' 259       1 nvme0n1p1 1000 0 20000 100 10 0 80 5 0 100 105 0 0 0 0 0 0',
  ' 259       2 nvme0n1p2 237000 29670 17569530 303000 212532 127811 19374592 185900 0 59000 510000 100997 85 24569896 16658 46046 4401',
  '   8       0 sda 5000 0 100000 900 400 0 3200 50 0 800 950',
  '   8       1 sda1 5000 0 100000 900 400 0 3200 50 0 800 950',
  ' 254       0 dm-0 100 0 800 4 0 0 0 0 0 4 4 0 0 0 0',
].join('\n');

const AFTER = BEFORE.replace('nvme0n1 238524 29670 17589530', 'nvme0n1 238600 29670 17591578') // +2048 sectors read
  .replace('127811 19374672 185909', '127811 19378768 185909') // +4096 sectors written
  .replace('sda 5000 0 100000', 'sda 5000 0 100008');

describe('parseDiskstats', () => {
  it('reads sectors read and written from 14-, 18- and 20-field lines', () => {
    const d = parseDiskstats(BEFORE);
    expect(d.get('nvme0n1')).toEqual({ readSectors: 17589530, writeSectors: 19374672 });
    expect(d.get('sda')).toEqual({ readSectors: 100000, writeSectors: 3200 });
    expect(d.get('dm-0')).toEqual({ readSectors: 800, writeSectors: 0 });
    expect(d.size).toBe(8);
  });

  it('ignores blank and short lines', () => {
    expect(parseDiskstats('\n   8 0 sda 1 2 3\n').size).toBe(0);
  });
});

describe('isWholeDisk', () => {
  it('skips loop, ram, zram and partitions by name when sysfs is not readable', () => {
    expect(['loop0', 'ram1', 'zram0', 'nvme0n1p1', 'sda1', 'vda15', 'xvda1', 'mmcblk0p2', 'sr0'].filter((n) => isWholeDisk(n, null))).toEqual([]);
    expect(['nvme0n1', 'sda', 'vda', 'xvdb', 'dm-0', 'md0', 'mmcblk0'].every((n) => isWholeDisk(n, null))).toBe(true);
  });

  it('trusts /sys/block when it can be listed (it holds exactly the whole devices)', () => {
    const sys = new Set(['nvme0n1', 'sda', 'loop0', 'cciss!c0d0']);
    expect(isWholeDisk('nvme0n1', sys)).toBe(true);
    expect(isWholeDisk('nvme0n1p1', sys)).toBe(false);
    expect(isWholeDisk('loop0', sys)).toBe(false);
    expect(isWholeDisk('cciss/c0d0', sys)).toBe(true);
  });
});

describe('diskRates', () => {
  it('turns sector deltas into bytes per second (512-byte sectors), whole disks only', () => {
    const rates = diskRates(parseDiskstats(BEFORE), parseDiskstats(AFTER), 2, null);
    expect(rates.map((r) => r.device)).toEqual(['nvme0n1', 'sda', 'dm-0']);
    expect(rates[0]).toEqual({ device: 'nvme0n1', readBytesPerSec: (2048 * 512) / 2, writeBytesPerSec: (4096 * 512) / 2 });
    expect(rates[1]).toEqual({ device: 'sda', readBytesPerSec: 2048, writeBytesPerSec: 0 });
  });

  it('reads zero on the first sample and when a counter went backwards (device re-attached)', () => {
    expect(diskRates(null, parseDiskstats(AFTER), 1, null).every((r) => r.readBytesPerSec === 0 && r.writeBytesPerSec === 0)).toBe(true);
    expect(diskRates(parseDiskstats(AFTER), parseDiskstats(BEFORE), 1, null).every((r) => r.readBytesPerSec === 0)).toBe(true);
    expect(ratePerSec(10, 20, 0)).toBe(0);
  });
});
