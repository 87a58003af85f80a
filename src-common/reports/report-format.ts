import type { ReportKind } from './report.contract.js';
import type { AuditReport, UsageReport } from './report.schema.js';

/**
 * Formatting shared by the HTML/PDF export (core) and the preview (renderer), so both read the
 * same. Pure; never throws; missing values are an em dash.
 */

export const MISSING = '—';

export const REPORT_TITLES: Record<ReportKind, string> = {
  inventory: 'Inventory report',
  usage: 'Usage report',
  audit: 'Audit report',
};

const usable = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/** Whether a time zone name is one Intl knows (so it can be used without throwing). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const partsCache = new Map<string, Intl.DateTimeFormat>();

function parts(t: number, tz: string): Record<string, string> {
  let f = partsCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    partsCache.set(tz, f);
  }
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(t))) out[p.type] = p.value;
  return out;
}

/** "2026-11-21" in the zone. */
export function formatDay(t: number, tz: string): string {
  if (!usable(t)) return MISSING;
  const p = parts(t, tz);
  return `${p.year}-${p.month}-${p.day}`;
}

/** "2026-11-21 14:05" in the zone (seconds when asked). */
export function formatDateTime(t: number | null | undefined, tz: string, opts: { seconds?: boolean } = {}): string {
  if (!usable(t)) return MISSING;
  const p = parts(t, tz);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${opts.seconds ? `:${p.second}` : ''}`;
}

/** "UTC", or "Europe/Berlin, GMT+1" with the offset at that time. */
export function formatTimeZone(tz: string, at: number): string {
  if (tz === 'UTC' || tz === 'Etc/UTC') return 'UTC';
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'shortOffset' }).formatToParts(new Date(at)).find((p) => p.type === 'timeZoneName')?.value;
    return name ? `${tz}, ${name}` : tz;
  } catch {
    return tz;
  }
}

/** "2026-11-15 00:00 → 2026-11-22 00:00 (UTC)" */
export function formatPeriod(since: number, until: number, tz: string): string {
  // A period inside one minute (a quick test run) would read "05:25 → 05:25": show seconds then.
  const seconds = formatDateTime(since, tz) === formatDateTime(until, tz);
  return `${formatDateTime(since, tz, { seconds })} → ${formatDateTime(until, tz, { seconds })} (${formatTimeZone(tz, until)})`;
}

/** Hours for a table: enough figures that a short period does not read as 0 ("0.0042"). */
export function formatHours(h: number | null | undefined): string {
  if (!usable(h)) return MISSING;
  if (h === 0) return '0';
  const a = Math.abs(h);
  if (a >= 1000) return Math.round(h).toLocaleString('en-US');
  if (a >= 100) return h.toFixed(1);
  if (a >= 1) return h.toFixed(2);
  // Three significant figures below one hour.
  return Number(h.toPrecision(3)).toString();
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 1536 → "1.5 KiB" (binary units, like free and nvidia-smi). */
export function formatBytes(bytes: number | null | undefined): string {
  if (!usable(bytes) || bytes < 0) return MISSING;
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)} B`;
  return `${v >= 100 ? Math.round(v) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${BYTE_UNITS[u]}`;
}

export function formatGibHours(gibHours: number | null | undefined): string {
  return usable(gibHours) ? `${formatHours(gibHours)} GiB·h` : MISSING;
}

export function formatPercent(p: number | null | undefined): string {
  if (!usable(p)) return MISSING;
  return p > 0 && p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

export function formatCount(n: number | null | undefined): string {
  return usable(n) ? Math.round(n).toLocaleString('en-US') : MISSING;
}

/** "3d 4h", "5h 12m", "42s" */
export function formatUptime(seconds: number | null | undefined): string {
  if (!usable(seconds) || seconds < 0) return MISSING;
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m`;
  return `${s}s`;
}

/** A report's file name: "fleetdeck-usage-2026-11-15_2026-11-22.csv" (no host data in it). */
export function reportFileName(kind: ReportKind, since: number, until: number, tz: string, ext: string): string {
  return `fleetdeck-${kind}-${formatDay(since, tz)}_${formatDay(until, tz)}.${ext}`;
}

/** "on · 0 errors", "off", "n/a": a GPU's ECC mode and volatile uncorrected errors in one cell. */
export function formatEcc(mode: 'enabled' | 'disabled' | null, uncorrected: number | null): string {
  if (mode === 'disabled') return 'off';
  if (mode === null && uncorrected === null) return 'n/a';
  const errors = uncorrected === null ? '' : ` · ${formatCount(uncorrected)} uncorrected`;
  return `${mode === 'enabled' ? 'on' : 'n/a'}${errors}`;
}

/** How many users and hosts the usage charts show (tables show all). */
export const TOP_USERS = 15;
export const TOP_HOSTS = 8;

export type UsageFigures = Pick<UsageReport['users'][number], 'cpuHours' | 'memoryGibHours' | 'gpuHours' | 'gpuMemoryGibHours' | 'activeHours' | 'peakMemoryBytes' | 'peakGpuMemoryBytes'>;

/** The figure columns of every usage table (per user, group, host), in the preview and the export alike. */
export const USAGE_FIGURE_COLUMNS: { header: string; text: (u: UsageFigures) => string }[] = [
  { header: 'CPU-hours', text: (u) => formatHours(u.cpuHours) },
  { header: 'GPU-hours', text: (u) => formatHours(u.gpuHours) },
  { header: 'Memory', text: (u) => formatGibHours(u.memoryGibHours) },
  { header: 'GPU memory', text: (u) => formatGibHours(u.gpuMemoryGibHours) },
  { header: 'Active', text: (u) => `${formatHours(u.activeHours)} h` },
];

/** The audit report's summary tiles. */
export function auditSummaryItems(t: AuditReport['totals']): { label: string; value: string }[] {
  return [
    { label: 'Events', value: formatCount(t.events) },
    { label: 'Succeeded', value: formatCount(t.ok) },
    { label: 'Failed', value: formatCount(t.failed) },
    { label: 'Actors', value: formatCount(t.actors) },
    { label: 'Hosts', value: formatCount(t.hosts) },
  ];
}
