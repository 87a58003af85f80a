/**
 * Small, pure formatting helpers for numbers the hosts report. They never throw and render
 * missing values (null, NaN, negative sizes) as an em dash so a half-read section still lays out.
 */

export const MISSING = '—';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

function isUsable(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/** Significant digits that read well in a table: 3 figures below 100, none above. */
function trimNumber(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 100) return Math.round(value).toString();
  if (Math.abs(value) >= 10) return (Math.round(value * 10) / 10).toString();
  return (Math.round(value * 100) / 100).toString();
}

/** 1536 → "1.5 KiB"; binary units, as free(1), nvidia-smi and df -h use. */
export function formatBytes(bytes: number | null | undefined): string {
  if (!isUsable(bytes) || bytes < 0) return MISSING;
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // 1023.99 KiB would round to "1024 KiB": move up a unit instead.
  if (Math.round(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${trimNumber(value)} ${BYTE_UNITS[unit]}`;
}

/** "12.3 GiB / 80 GiB" */
export function formatBytesOf(used: number | null | undefined, total: number | null | undefined): string {
  return `${formatBytes(used)} / ${formatBytes(total)}`;
}

/** Share of used in total, clamped to 0..100, or null when it cannot be computed. */
export function ratioPercent(used: number | null | undefined, total: number | null | undefined): number | null {
  if (!isUsable(used) || !isUsable(total) || total <= 0) return null;
  return Math.min(100, Math.max(0, (used / total) * 100));
}

/** 42.345 → "42%"; 4.25 → "4.3%"; values below 10 keep one decimal. */
export function formatPercent(percent: number | null | undefined): string {
  if (!isUsable(percent)) return MISSING;
  const clamped = Math.max(0, percent);
  if (clamped > 0 && clamped < 10) return `${(Math.round(clamped * 10) / 10).toString()}%`;
  return `${Math.round(clamped)}%`;
}

/** Seconds → "3d 4h", "5h 12m", "7m 3s", "42s": the two largest units, like uptime(1) reads. */
export function formatDuration(seconds: number | null | undefined): string {
  if (!isUsable(seconds) || seconds < 0) return MISSING;
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [label, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0) parts.push(`${count}${label}`);
    if (parts.length === 2) break;
  }
  // "2h 0m" reads as noise: drop a trailing zero part.
  if (parts.length === 2 && parts[1]?.startsWith('0')) parts.pop();
  return parts.join(' ');
}

/** Time since a past instant, for "taken 3 min ago" style labels. */
export function formatAgo(thenMs: number | null | undefined, nowMs: number): string {
  if (!isUsable(thenMs)) return MISSING;
  const seconds = Math.round((nowMs - thenMs) / 1000);
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/** Load averages: two decimals, as uptime(1) prints them. */
export function formatLoad(load: number | null | undefined): string {
  if (!isUsable(load)) return MISSING;
  return load.toFixed(2);
}

/** Docker's NanoCpus → "2 CPUs", "0.5 CPU"; null or 0 means no limit. */
export function formatNanoCpus(nanoCpus: number | null | undefined): string {
  if (!isUsable(nanoCpus) || nanoCpus <= 0) return 'no limit';
  const cpus = nanoCpus / 1e9;
  return `${trimNumber(cpus)} ${cpus === 1 || cpus < 1 ? 'CPU' : 'CPUs'}`;
}

export function formatTemperature(celsius: number | null | undefined): string {
  return isUsable(celsius) ? `${Math.round(celsius)} °C` : MISSING;
}

/** "215 W / 400 W", or just the draw when the limit is unknown. */
export function formatPower(drawW: number | null | undefined, limitW?: number | null): string {
  if (!isUsable(drawW)) return MISSING;
  const draw = `${Math.round(drawW)} W`;
  return isUsable(limitW) ? `${draw} / ${Math.round(limitW)} W` : draw;
}

/** "1 GPU", "3 GPUs" */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Severity of a usage share for colouring bars: ok below 75%, warn below 90%, else critical. */
export function usageLevel(percent: number | null | undefined): 'ok' | 'warn' | 'critical' | 'unknown' {
  if (!isUsable(percent)) return 'unknown';
  if (percent >= 90) return 'critical';
  if (percent >= 75) return 'warn';
  return 'ok';
}
