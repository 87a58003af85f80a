import type { Memory } from '../../../src-common/inventory/inventory.schema.js';

/** /proc/meminfo as bytes ("kB" in the file is KiB); unit-less lines (HugePages_*) stay counts. */
export type Meminfo = Record<string, number>;

export function parseMeminfo(text: string): Meminfo {
  const out: Meminfo = {};
  for (const line of text.split('\n')) {
    const match = /^([^:\s]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line.trim());
    if (!match) continue;
    const [, key, value, unit] = match as unknown as [string, string, string, string | undefined];
    out[key] = Number(value) * (unit ? 1024 : 1);
  }
  return out;
}

/**
 * Sum of the "low" watermarks (pages) over all zones in /proc/zoneinfo: the memory the kernel
 * keeps back, which its own MemAvailable formula subtracts.
 */
export function parseZoneinfoLowWatermarkPages(text: string): number {
  let pages = 0;
  for (const line of text.split('\n')) {
    const match = /^\s+low\s+(\d+)\s*$/.exec(line);
    if (match) pages += Number(match[1]);
  }
  return pages;
}

/**
 * MemAvailable appeared in Linux 3.14. Without it we redo the kernel's own estimate
 * (mm/page_alloc.c si_mem_available): free memory, plus the page cache and reclaimable slab of
 * which at least half (or the low watermark) is assumed to stay. `lowWatermarkBytes` comes from
 * /proc/zoneinfo when readable; 0 gives the optimistic upper bound.
 */
export function estimateAvailableBytes(m: Meminfo, lowWatermarkBytes = 0): number {
  const low = Math.max(0, lowWatermarkBytes);
  const free = m.MemFree ?? 0;
  const fileLru = (m['Active(file)'] ?? 0) + (m['Inactive(file)'] ?? 0);
  // Kernels older than 2.6.28 have no file LRU split; Cached+Buffers is the closest stand-in.
  const pagecache = fileLru > 0 ? fileLru : (m.Cached ?? 0) + (m.Buffers ?? 0);
  const reclaimable = m.KReclaimable ?? m.SReclaimable ?? 0;
  const estimate = free - low + (pagecache - Math.min(pagecache / 2, low)) + (reclaimable - Math.min(reclaimable / 2, low));
  return Math.round(Math.min(Math.max(estimate, 0), m.MemTotal ?? estimate));
}

export function memoryFromMeminfo(m: Meminfo, lowWatermarkBytes = 0): Memory & { availableEstimated: boolean } {
  const total = m.MemTotal ?? 0;
  const availableEstimated = m.MemAvailable === undefined;
  const available = availableEstimated ? estimateAvailableBytes(m, lowWatermarkBytes) : m.MemAvailable!;
  return {
    totalBytes: total,
    availableBytes: available,
    // procps-ng >= 4 defines "used" as total minus available; it matches what users see in free(1).
    usedBytes: Math.max(0, total - available),
    buffersBytes: m.Buffers ?? 0,
    // free(1)'s "cache" column counts reclaimable slab too.
    cachedBytes: (m.Cached ?? 0) + (m.SReclaimable ?? 0),
    swapTotalBytes: m.SwapTotal ?? 0,
    swapFreeBytes: m.SwapFree ?? 0,
    availableEstimated,
  };
}
