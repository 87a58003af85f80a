import type { Filesystem } from '../../src-common/inventory/inventory.schema.js';
import { ratioPercent } from '../format.js';

/**
 * A filesystem's space split so the parts add up to its size: used, free (what users can still
 * write) and reserved (blocks kept for root, ext4's 5 % by default: size − used − free). df's
 * "Use%" is used ÷ (used + free), which reads wrong next to the size ("23.5 GiB / 252 GiB 23%"
 * on a 252 GiB disk with 12.6 GiB reserved); here every share is of the size, and the bar shows
 * the three parts.
 */
export interface DiskSplit {
  sizeBytes: number;
  usedBytes: number;
  freeBytes: number;
  reservedBytes: number;
  /** Shares of the size, 0..100 (null for a size of 0). */
  usedPercent: number | null;
  freePercent: number | null;
  reservedPercent: number | null;
  /** df's Use%: how full it is for users (the reserve does not count as room). */
  fullPercent: number | null;
}

export function diskSplit(fs: Pick<Filesystem, 'totalBytes' | 'usedBytes' | 'availableBytes'>): DiskSplit {
  const used = Math.max(0, fs.usedBytes);
  const free = Math.max(0, fs.availableBytes);
  // Some filesystems (btrfs, network mounts) report used + free above the size: then nothing is reserved.
  const size = Math.max(fs.totalBytes, used + free);
  const reserved = Math.max(0, size - used - free);
  return {
    sizeBytes: size,
    usedBytes: used,
    freeBytes: free,
    reservedBytes: reserved,
    usedPercent: ratioPercent(used, size),
    freePercent: ratioPercent(free, size),
    reservedPercent: ratioPercent(reserved, size),
    fullPercent: ratioPercent(used, used + free),
  };
}
