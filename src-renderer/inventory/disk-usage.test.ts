import { describe, expect, it } from 'vitest';
import { diskSplit } from './disk-usage.js';

const GiB = 1024 ** 3;

/** Issue 9, #9: "23.5 GiB / 252 GiB 23%" — the parts shown must add up to the size. */
describe('diskSplit', () => {
  it('splits an ext4 root into used, free and the root reserve, adding up to the size', () => {
    // df: 252 GiB size, 23.5 GiB used, 216 GiB available; the rest (5 %) is reserved for root.
    const size = 252 * GiB;
    const used = 23.5 * GiB;
    const reserved = Math.round(size * 0.05);
    const free = size - used - reserved;
    const s = diskSplit({ totalBytes: size, usedBytes: used, availableBytes: free });
    expect(s.usedBytes + s.freeBytes + s.reservedBytes).toBe(s.sizeBytes);
    expect(s.reservedBytes).toBe(reserved);
    expect(s.usedPercent).toBeCloseTo((23.5 / 252) * 100, 5); // 9.3 % of the size…
    expect(s.fullPercent).toBeCloseTo((used / (used + free)) * 100, 5); // …while df says 10 %
    expect((s.usedPercent ?? 0) + (s.freePercent ?? 0) + (s.reservedPercent ?? 0)).toBeCloseTo(100, 5);
  });

  it('reserves nothing where used + free exceed the size (btrfs, network mounts), and copes with an empty one', () => {
    const s = diskSplit({ totalBytes: 100, usedBytes: 60, availableBytes: 50 });
    expect(s).toMatchObject({ sizeBytes: 110, reservedBytes: 0, usedBytes: 60, freeBytes: 50 });
    expect(diskSplit({ totalBytes: 0, usedBytes: 0, availableBytes: 0 })).toMatchObject({ sizeBytes: 0, usedPercent: null, fullPercent: null });
  });
});
