import { describe, expect, it } from 'vitest';
import { readFixture } from './fixtures.test-util.js';
import { estimateAvailableBytes, memoryFromMeminfo, parseMeminfo, parseZoneinfoLowWatermarkPages } from './meminfo.js';

const KiB = 1024;

describe('parseMeminfo', () => {
  it('converts kB to bytes and keeps unit-less counts (procfs 16 GB fixture)', () => {
    const m = parseMeminfo(readFixture('proc/meminfo/procfs-fixture-16gb'));
    expect(m.MemTotal).toBe(15666184 * KiB);
    expect(m['Active(file)']).toBe(6494020 * KiB);
    expect(m.HugePages_Total).toBe(0);
    expect(m.Zswap).toBe(22414 * KiB);
    expect(m.MemAvailable).toBeUndefined();
  });

  it('reads the last line of a file without a trailing newline', () => {
    expect(parseMeminfo(readFixture('proc/meminfo/old-kernel-no-memavailable')).Zswapped).toBe(4335680 * KiB);
  });
});

describe('memoryFromMeminfo', () => {
  it('estimates MemAvailable when the kernel does not report it (old-kernel fixture)', () => {
    const mem = memoryFromMeminfo(parseMeminfo(readFixture('proc/meminfo/old-kernel-no-memavailable')));
    // MemFree + Active(file) + Inactive(file) + KReclaimable with no watermark known.
    const expected = (25071456 + 7763360 + 18921300 + 1539312) * KiB;
    expect(mem).toEqual({
      totalBytes: 61641404 * KiB,
      availableBytes: expected,
      usedBytes: 61641404 * KiB - expected,
      buffersBytes: 2728 * KiB,
      cachedBytes: (26667096 + 1539312) * KiB,
      swapTotalBytes: 8388604 * KiB,
      swapFreeBytes: 8386812 * KiB,
      availableEstimated: true,
    });
  });

  it('lets the low watermark lower the estimate, as the kernel does', () => {
    const m = parseMeminfo(readFixture('proc/meminfo/procfs-fixture-16gb'));
    const optimistic = estimateAvailableBytes(m);
    expect(optimistic).toBe((440324 + 6494020 + 6532440 + 1738124) * KiB);
    const low = 16 * 1024 * KiB;
    expect(estimateAvailableBytes(m, low)).toBe(optimistic - 3 * low);
    const mem = memoryFromMeminfo(m);
    expect(mem.swapTotalBytes).toBe(0);
    expect(mem.availableBytes).toBeLessThanOrEqual(mem.totalBytes);
  });

  it('uses MemAvailable when present', () => {
    const mem = memoryFromMeminfo(parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 600 kB\n'));
    expect(mem).toMatchObject({ availableBytes: 600 * KiB, usedBytes: 400 * KiB, availableEstimated: false });
  });

  it('falls back to Cached+Buffers on kernels without the file LRU split', () => {
    expect(estimateAvailableBytes(parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 200 kB\n'))).toBe(310 * KiB);
  });

  it('sums zone low watermarks from /proc/zoneinfo', () => {
    const zoneinfo = 'Node 0, zone      DMA\n  pages free     3840\n        min      10\n        low      13\n        high     16\nNode 0, zone   Normal\n        min      100\n        low      125\n        high     150\n';
    expect(parseZoneinfoLowWatermarkPages(zoneinfo)).toBe(138);
  });
});
