/**
 * Per-process CPU share from two readings of /proc/PID/stat. 100 % is one CPU busy for the whole
 * interval (top's convention), so a process with 8 busy threads can read 800 %.
 */

/**
 * USER_HZ, the unit of the tick counters in /proc. It is 100 on every architecture Linux still
 * supports for this tool (x86, arm64, ppc64, s390x, riscv); Node has no sysconf() to ask.
 */
export const USER_HZ = 100;

export function cpuPercentFromTicks(ticksBefore: number | undefined, ticksAfter: number, seconds: number, hz = USER_HZ): number {
  if (ticksBefore === undefined || seconds <= 0 || ticksAfter < ticksBefore) return 0;
  return Math.round(((ticksAfter - ticksBefore) / hz / seconds) * 1000) / 10;
}

/** One reading of a process's ticks. `identity` is pid plus start time: one process, even after its pid is reused. */
export interface TickReading {
  identity: string;
  ticks: number;
  /** When it was read, in ms. */
  at: number;
}

/**
 * The share between two readings, over the time between them (readings of an idle process may be
 * seconds apart). 0 for a first reading, or when the pid now belongs to another process: its
 * ticks must not read as a burst or a negative.
 */
export function cpuPercentBetween(before: TickReading | undefined, after: TickReading): number {
  if (!before || before.identity !== after.identity) return 0;
  return cpuPercentFromTicks(before.ticks, after.ticks, (after.at - before.at) / 1000);
}
