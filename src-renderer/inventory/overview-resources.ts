import type { Inventory } from '../../src-common/inventory/inventory.schema.js';
import type { Sample } from '../../src-common/monitor/sample.schema.js';
import { formatAgo } from '../format.js';
import { formatClock } from '../monitor/monitor-format.js';

/**
 * What the Overview's Resources panel shows, and how current it is. While the monitor streams,
 * CPU, memory, swap and load come from the newest live sample; otherwise they are the inventory
 * snapshot's, labelled with the time they were read. Uptime advances with the clock while the
 * host is connected (the sample carries none), and stands still, labelled, when it is not. Pure,
 * so it is unit tested.
 */

/** A live sample and when this UI received it (local clock: host clocks may be off). */
export interface LiveInput {
  sample: Sample;
  receivedAt: number;
}

export interface ResourceView {
  live: boolean;
  /** "Live", or "as of 11:13, 4 min ago". */
  sourceLabel: string;
  /** The instant the numbers are from (a tooltip shows its full date); null when live. */
  asOf: number | null;
  cpuPercent: number | null;
  perCpuPercent: number[];
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  /** Only the snapshot has them. */
  buffersCacheBytes: number | null;
  swapUsedBytes: number;
  swapTotalBytes: number;
  load: [number, number, number];
  /** Running and total tasks: only the snapshot has them. */
  tasks: { running: number; total: number } | null;
  uptimeSeconds: number;
  /** Whether the uptime shown is the one read at asOf (the host is not connected). */
  uptimeFrozen: boolean;
}

/** A sample older than this many intervals means the stream stopped: its numbers are not live any more. */
const STALE_INTERVALS = 3;
const MIN_STALE_MS = 5_000;

export function isLiveSampleFresh(live: LiveInput | null, nowMs: number): live is LiveInput {
  if (!live) return false;
  return nowMs - live.receivedAt <= Math.max(MIN_STALE_MS, STALE_INTERVALS * live.sample.intervalMs);
}

/** "as of 11:13, 4 min ago" (the day is named when it is not today). */
export function asOfLabel(takenAt: number, nowMs: number): string {
  return `as of ${formatClock(takenAt, nowMs)}, ${formatAgo(takenAt, nowMs)}`;
}

/**
 * @param snapshotReadAt when this UI received the snapshot (local clock), the origin uptime advances from
 */
export function resourceView(inv: Inventory, opts: { live: LiveInput | null; connected: boolean; snapshotReadAt: number; nowMs: number }): ResourceView {
  const { connected, nowMs } = opts;
  const advanced = Math.max(0, (nowMs - opts.snapshotReadAt) / 1000);
  const uptimeSeconds = connected ? inv.uptimeSeconds + advanced : inv.uptimeSeconds;
  const live = connected && isLiveSampleFresh(opts.live, nowMs) ? opts.live : null;
  if (live) {
    const s = live.sample;
    return {
      live: true,
      sourceLabel: 'Live',
      asOf: null,
      cpuPercent: s.cpu.totalPercent,
      perCpuPercent: s.cpu.perCorePercent,
      memoryUsedBytes: Math.max(0, s.memory.totalBytes - s.memory.availableBytes),
      memoryTotalBytes: s.memory.totalBytes,
      memoryAvailableBytes: s.memory.availableBytes,
      buffersCacheBytes: null,
      swapUsedBytes: s.memory.swapUsedBytes,
      swapTotalBytes: s.memory.swapTotalBytes,
      load: s.load,
      tasks: null,
      uptimeSeconds,
      uptimeFrozen: false,
    };
  }
  const m = inv.memory;
  return {
    live: false,
    sourceLabel: asOfLabel(inv.takenAt, nowMs),
    asOf: inv.takenAt,
    cpuPercent: inv.cpu.usagePercent,
    perCpuPercent: inv.cpu.perCpuUsagePercent,
    memoryUsedBytes: Math.max(0, m.totalBytes - m.availableBytes),
    memoryTotalBytes: m.totalBytes,
    memoryAvailableBytes: m.availableBytes,
    buffersCacheBytes: m.buffersBytes + m.cachedBytes,
    swapUsedBytes: Math.max(0, m.swapTotalBytes - m.swapFreeBytes),
    swapTotalBytes: m.swapTotalBytes,
    load: [inv.load.one, inv.load.five, inv.load.fifteen],
    tasks: { running: inv.load.running, total: inv.load.total },
    uptimeSeconds,
    uptimeFrozen: !connected,
  };
}
