/**
 * Parsers for cgroup v2 interface files. "max" means unlimited and maps to null, so callers
 * cannot mistake it for a number.
 */

export interface CpuMax {
  /** Microseconds of CPU per period; null = unlimited. */
  quotaUsec: number | null;
  periodUsec: number;
  /** quota / period: how many CPUs' worth the cgroup may use; null = unlimited. */
  cpus: number | null;
}

/** cpu.max: "$MAX $PERIOD", e.g. "max 100000" or "150000 100000". */
export function parseCpuMax(text: string): CpuMax | null {
  const [quota, period] = text.trim().split(/\s+/, 2);
  const periodUsec = Number(period ?? 100000);
  if (!quota || !Number.isFinite(periodUsec) || periodUsec <= 0) return null;
  if (quota === 'max') return { quotaUsec: null, periodUsec, cpus: null };
  const quotaUsec = Number(quota);
  if (!Number.isFinite(quotaUsec)) return null;
  return { quotaUsec, periodUsec, cpus: quotaUsec / periodUsec };
}

/** memory.max, memory.high, memory.swap.max, pids.max: a number or "max" (null). undefined if unreadable. */
export function parseLimit(text: string): number | null | undefined {
  const value = text.trim();
  if (value === 'max') return null;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

/** memory.peak, memory.current, pids.current: one integer. */
export function parseSingleValue(text: string): number | null {
  const value = text.trim();
  return /^\d+$/.test(value) ? Number(value) : null;
}

/** "key value" per line: cpu.stat, memory.stat, memory.events, pids.events. */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    // Three fields are enough to tell "key value" from anything longer; a limit keeps a hostile long line cheap.
    const [key, value, extra] = line.trim().split(/\s+/, 3);
    if (!key || value === undefined || extra !== undefined) continue;
    const n = Number(value);
    if (Number.isFinite(n)) out[key] = n;
  }
  return out;
}

export interface CpuStat {
  usageUsec: number;
  userUsec: number;
  systemUsec: number;
  /** Present only when the cpu controller is enabled for the cgroup. */
  nrPeriods: number | null;
  nrThrottled: number | null;
  throttledUsec: number | null;
  raw: Record<string, number>;
}

export function parseCpuStat(text: string): CpuStat {
  const raw = parseFlatKeyed(text);
  return {
    usageUsec: raw.usage_usec ?? 0,
    userUsec: raw.user_usec ?? 0,
    systemUsec: raw.system_usec ?? 0,
    nrPeriods: raw.nr_periods ?? null,
    nrThrottled: raw.nr_throttled ?? null,
    throttledUsec: raw.throttled_usec ?? null,
    raw,
  };
}

export interface IoStatEntry {
  device: string;
  stats: Record<string, number>;
}

/**
 * io.stat: "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=..". Some kernels print a
 * device with no stats as just "MAJ:MIN " without a newline, so several devices can share one
 * line: the stats belong to the last device id before them, the others are recorded as empty.
 */
export function parseIoStat(text: string): IoStatEntry[] {
  const out: IoStatEntry[] = [];
  for (const line of text.split('\n')) {
    // Without a "MAJ:MIN" a line has nothing to read: skip it unsplit.
    if (!line.includes(':')) continue;
    let current: IoStatEntry | null = null;
    for (const token of line.trim().split(/\s+/)) {
      if (/^\d+:\d+$/.test(token)) {
        current = { device: token, stats: {} };
        out.push(current);
        continue;
      }
      const eq = token.indexOf('=');
      if (current && eq > 0) {
        const n = Number(token.slice(eq + 1));
        if (Number.isFinite(n)) current.stats[token.slice(0, eq)] = n;
      }
    }
  }
  return out;
}
