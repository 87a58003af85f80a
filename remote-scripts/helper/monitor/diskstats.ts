/**
 * /proc/diskstats: per block device I/O counters since boot. Sector counts are always in
 * 512-byte units whatever the device's logical block size (Documentation/admin-guide/iostats.rst),
 * so bytes = sectors × 512.
 */

export interface DiskCounters {
  readSectors: number;
  writeSectors: number;
}

export const SECTOR_BYTES = 512;

/**
 * Lines have 14 fields (kernel < 4.18), 18 (discard counters) or 20 (flush counters); only the
 * first ones are read, so every generation parses the same way.
 */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const out = new Map<string, DiskCounters>();
  for (const line of text.split('\n')) {
    // Fields past the 14th are never read: a limit keeps a hostile 1 MB line from becoming 500k strings.
    const f = line.trim().split(/\s+/, 14);
    if (f.length < 14) continue;
    const readSectors = Number(f[5]);
    const writeSectors = Number(f[9]);
    if (!f[2] || !Number.isFinite(readSectors) || !Number.isFinite(writeSectors)) continue;
    out.set(f[2], { readSectors, writeSectors });
  }
  return out;
}

/** RAM-backed, loop and floppy/optical devices: their I/O is not disk traffic anyone plans for. */
const NOT_A_DISK = /^(loop|ram|zram|fd|sr)\d+$/;

/** Partitions by naming convention, for when /sys/block cannot be listed (node_exporter's rule). */
const PARTITION = /^((h|s|v|xv)d[a-z]+\d+|nvme\d+n\d+p\d+|mmcblk\d+p\d+)$/;

/**
 * Whole disks only: a partition's traffic is already in its disk's line, so showing both counts
 * it twice. /sys/block lists exactly the whole devices when readable; otherwise names decide.
 */
export function isWholeDisk(name: string, sysBlock: ReadonlySet<string> | null): boolean {
  if (NOT_A_DISK.test(name)) return false;
  // sysfs writes "cciss!c0d0" where diskstats says "cciss/c0d0".
  if (sysBlock) return sysBlock.has(name) || sysBlock.has(name.replace(/\//g, '!'));
  return !PARTITION.test(name);
}

/** Counters can reset (device re-attached) or wrap: a negative delta is read as "no traffic" rather than a huge spike. */
export function ratePerSec(before: number | undefined, after: number, seconds: number, unit = 1): number {
  if (before === undefined || seconds <= 0 || after < before) return 0;
  return Math.round(((after - before) * unit) / seconds);
}

export interface DiskRate {
  device: string;
  readBytesPerSec: number;
  writeBytesPerSec: number;
}

export function diskRates(before: ReadonlyMap<string, DiskCounters> | null, after: ReadonlyMap<string, DiskCounters>, seconds: number, sysBlock: ReadonlySet<string> | null): DiskRate[] {
  const out: DiskRate[] = [];
  for (const [device, now] of after) {
    if (!isWholeDisk(device, sysBlock)) continue;
    const prev = before?.get(device);
    out.push({
      device,
      readBytesPerSec: ratePerSec(prev?.readSectors, now.readSectors, seconds, SECTOR_BYTES),
      writeBytesPerSec: ratePerSec(prev?.writeSectors, now.writeSectors, seconds, SECTOR_BYTES),
    });
  }
  return out;
}
