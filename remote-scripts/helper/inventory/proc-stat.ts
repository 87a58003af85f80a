/**
 * /proc/stat: CPU time counters in USER_HZ ticks ("jiffies"). Usage is only meaningful as the
 * difference of two samples, so the parser keeps raw counters and cpuUsagePercent compares them.
 */

export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
}

export interface ProcStat {
  /** The aggregate "cpu" line. */
  total: CpuTimes;
  /** "cpuN" lines in N order; offline CPUs are absent from the file, so N may skip. */
  perCpu: Array<{ cpu: number; times: CpuTimes }>;
  bootTimeSeconds: number | null;
  contextSwitches: number | null;
  processesCreated: number | null;
  procsRunning: number | null;
  procsBlocked: number | null;
}

const FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guestNice'] as const;

/** The keys read besides cpuN. */
const WANTED = new Set(['cpu', 'btime', 'ctxt', 'processes', 'procs_running', 'procs_blocked']);

function cpuTimes(values: string[]): CpuTimes {
  // Old kernels print fewer columns (no steal/guest before 2.6.11/2.6.24); missing ones are 0.
  const times = {} as CpuTimes;
  FIELDS.forEach((field, i) => {
    const n = Number(values[i]);
    times[field] = Number.isFinite(n) ? n : 0;
  });
  return times;
}

export function parseProcStat(text: string): ProcStat {
  const stat: ProcStat = {
    total: cpuTimes([]),
    perCpu: [],
    bootTimeSeconds: null,
    contextSwitches: null,
    processesCreated: null,
    procsRunning: null,
    procsBlocked: null,
  };
  for (const line of text.split('\n')) {
    // The key first, and the values only of lines that are read: "intr" and "softirq" list every
    // interrupt (thousands of numbers on a big host), and a hostile file can make any line 1 MB.
    const key = /^\s*(\S+)/.exec(line)?.[1];
    if (!key || (!WANTED.has(key) && !/^cpu\d+$/.test(key))) continue;
    const values = line.trim().split(/\s+/, FIELDS.length + 1).slice(1);
    if (key === 'cpu') stat.total = cpuTimes(values);
    else if (/^cpu\d+$/.test(key)) stat.perCpu.push({ cpu: Number(key.slice(3)), times: cpuTimes(values) });
    else if (key === 'btime') stat.bootTimeSeconds = Number(values[0]);
    else if (key === 'ctxt') stat.contextSwitches = Number(values[0]);
    else if (key === 'processes') stat.processesCreated = Number(values[0]);
    else if (key === 'procs_running') stat.procsRunning = Number(values[0]);
    else if (key === 'procs_blocked') stat.procsBlocked = Number(values[0]);
  }
  stat.perCpu.sort((a, b) => a.cpu - b.cpu);
  return stat;
}

/**
 * Idle includes iowait (the CPU was free to run something else). guest/guestNice are already
 * counted inside user/nice by the kernel, so they are left out of the total to avoid counting twice.
 */
function busyAndTotal(t: CpuTimes): { busy: number; total: number } {
  const idle = t.idle + t.iowait;
  const total = t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal;
  return { busy: total - idle, total };
}

/** Busy share between two samples, 0..100; null when no time passed or the counters went backwards (CPU hotplug). */
export function cpuUsagePercent(before: CpuTimes, after: CpuTimes): number | null {
  const a = busyAndTotal(before);
  const b = busyAndTotal(after);
  const dTotal = b.total - a.total;
  const dBusy = b.busy - a.busy;
  if (dTotal <= 0 || dBusy < 0) return null;
  return Math.min(100, Math.max(0, (dBusy / dTotal) * 100));
}

export interface CpuUsage {
  totalPercent: number | null;
  /** Per CPU present in both samples, in CPU order; a CPU that vanished or counted backwards reads 0. */
  perCpuPercent: number[];
}

export function cpuUsageBetween(before: ProcStat, after: ProcStat): CpuUsage {
  const earlier = new Map(before.perCpu.map((c) => [c.cpu, c.times]));
  const perCpuPercent = after.perCpu
    .filter((c) => earlier.has(c.cpu))
    .map((c) => roundTo(cpuUsagePercent(earlier.get(c.cpu)!, c.times) ?? 0, 1));
  const total = cpuUsagePercent(before.total, after.total);
  return { totalPercent: total === null ? null : roundTo(total, 1), perCpuPercent };
}

function roundTo(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
