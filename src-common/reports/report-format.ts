import type { ReportKind } from './report.contract.js';
import type { AuditReport, GroupMissing, UsageReport } from './report.schema.js';

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

/**
 * A figure in its unit: three significant figures and at most two decimals ("4.00", "0.50",
 * "12.3", "457", "12,345": whole numbers past 100 keep every digit), "< 0.01" for what would read
 * as 0 but is not, "0" for nothing at all. Trailing zeros stay, so a column's decimals line up.
 */
export function formatFigure(v: number | null | undefined): string {
  if (!usable(v)) return MISSING;
  if (v === 0) return '0';
  const a = Math.abs(v);
  const sign = v < 0 ? '-' : '';
  // Decide on the rounded text: 9.996 is "10.0", not "10.00"; 99.96 is "100".
  let s = a.toFixed(2);
  if (Number(s) >= 10) s = a.toFixed(1);
  if (Number(s) >= 100) s = Math.round(a).toLocaleString('en-US');
  if (s === '0.00') return `< ${sign}0.01`;
  return sign + s;
}

/** An axis tick: as few figures as it has ("2", "0.5", "1,500"), where a label would say "2.00". */
export function formatTick(v: number): string {
  return usable(v) ? v.toLocaleString('en-US', { maximumFractionDigits: 3 }) : '';
}

/** The time units usage figures are shown in, largest first. */
export const TIME_UNITS = [
  { hours: 1, word: 'hours' },
  { hours: 1 / 60, word: 'minutes' },
  { hours: 1 / 3600, word: 'seconds' },
] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

/**
 * The unit a figure (given in hours) reads best in: the largest in which it is at least 1 once
 * rounded (so 60 s is "1.00" minute, and 59.9999 s too), seconds below a minute.
 */
export function timeUnitFor(hours: number | null | undefined): TimeUnit {
  const a = usable(hours) ? Math.abs(hours) : 0;
  for (const u of TIME_UNITS) if (Math.round((a / u.hours) * 100) / 100 >= 1) return u;
  // Nothing (0) reads in hours, like a period's worth of nothing; anything else in seconds.
  return a === 0 ? TIME_UNITS[0] : TIME_UNITS[2];
}

/**
 * What a usage figure measures: CPUs, GPUs or GiB held over time, or plain time. Each is stored
 * in hours (CPU-hours, GiB-hours …) and shown in seconds, minutes or hours as its size asks:
 * the amount (CPU, GPU, GiB) never changes, only the time does.
 */
export type UsageQuantity = 'cpu' | 'gpu' | 'gib' | 'time';
const QUANTITY_PREFIX: Record<UsageQuantity, string> = { cpu: 'CPU-', gpu: 'GPU-', gib: 'GiB-', time: '' };

/** "CPU-minutes", "GiB-hours", "seconds". */
export function usageUnitName(q: UsageQuantity, unit: TimeUnit): string {
  return `${QUANTITY_PREFIX[q]}${unit.word}`;
}

/** A figure in hours, in a given unit, as a number only ("4.00"): for a column whose header names the unit. */
export function formatInUnit(hours: number | null | undefined, unit: TimeUnit): string {
  return usable(hours) ? formatFigure(hours / unit.hours) : MISSING;
}

/** One usage figure, in the unit its size calls for: { value: "4.00", unit: "CPU-minutes" }. */
export function usageValue(q: UsageQuantity, hours: number | null | undefined): { value: string; unit: string } {
  const u = timeUnitFor(hours);
  return { value: formatInUnit(hours, u), unit: usageUnitName(q, u) };
}

/** One usage figure as text: "4.00 CPU-minutes", "30.0 CPU-seconds", "1,234 GiB-hours". */
export function formatUsage(q: UsageQuantity, hours: number | null | undefined): string {
  if (!usable(hours)) return MISSING;
  const v = usageValue(q, hours);
  return `${v.value} ${v.unit}`;
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

const GROUP_MISSING: Record<GroupMissing, { text: string; why: string }> = {
  'not-in-inventory': { text: 'not in inventory', why: 'the host’s stored inventory does not list this account (inventories taken by an older helper list only people and admins: refresh it)' },
  'no-inventory': { text: 'no inventory', why: 'the host has no stored inventory: open the host to take one' },
  'no-group-name': { text: 'unnamed gid', why: 'the account’s group id has no name in the host’s /etc/group' },
};

/**
 * A user's or group row's group as shown: the group's name, or, when the inventory cannot name
 * it, why not ("not in inventory", "no inventory", "unnamed gid"), marked as a note so the
 * preview and the export set it apart from a real group's name.
 */
export function groupLabel(row: { group: string | null; groupMissing?: GroupMissing | null }): { text: string; note: boolean; why?: string } {
  if (row.group !== null) return { text: row.group, note: false };
  const m = row.groupMissing ? GROUP_MISSING[row.groupMissing] : null;
  return m ? { text: m.text, note: true, why: m.why } : { text: 'unknown', note: true };
}

/** The notes for the group labels a report uses, for the legend under a usage table: "not in inventory: …". */
export function groupNotes(rows: readonly { group: string | null; groupMissing?: GroupMissing | null }[]): string[] {
  const seen = new Set<GroupMissing>();
  for (const r of rows) if (r.group === null && r.groupMissing) seen.add(r.groupMissing);
  return (Object.keys(GROUP_MISSING) as GroupMissing[]).filter((k) => seen.has(k)).map((k) => `${GROUP_MISSING[k].text}: ${GROUP_MISSING[k].why}`);
}

/** How many users and hosts the usage charts show (tables show all). */
export const TOP_USERS = 15;
export const TOP_HOSTS = 8;

export type UsageFigures = Pick<UsageReport['users'][number], 'cpuHours' | 'memoryGibHours' | 'gpuHours' | 'gpuMemoryGibHours' | 'activeHours' | 'peakMemoryBytes' | 'peakGpuMemoryBytes'>;

type FigureKey = 'cpuHours' | 'gpuHours' | 'memoryGibHours' | 'gpuMemoryGibHours' | 'activeHours';
const FIGURES: { header: string; key: FigureKey; quantity: UsageQuantity }[] = [
  { header: 'CPU', key: 'cpuHours', quantity: 'cpu' },
  { header: 'GPU', key: 'gpuHours', quantity: 'gpu' },
  { header: 'Memory', key: 'memoryGibHours', quantity: 'gib' },
  { header: 'GPU memory', key: 'gpuMemoryGibHours', quantity: 'gib' },
  { header: 'Active', key: 'activeHours', quantity: 'time' },
];

export interface FigureColumn<T> {
  header: string;
  /** The column's unit ("CPU-minutes"), shown under the header; every cell is a number in it. */
  unit: string;
  text: (row: T) => string;
}

/**
 * A column of usage figures in one unit, the one its largest value reads best in, so a column
 * compares at a glance: one user's "2.35" CPU-hours next to another's "0.02" says how they
 * compare, where "2.35 CPU-hours" next to "1.20 CPU-minutes" has to be read twice. What is too
 * small to show at the column's scale reads "< 0.01"; the exports' CSV and JSON keep it exactly.
 */
export function figureColumn<T>(rows: readonly T[], pick: (row: T) => number | null | undefined, quantity: UsageQuantity): Omit<FigureColumn<T>, 'header'> {
  const max = rows.reduce((m, r) => {
    const v = pick(r);
    return usable(v) ? Math.max(m, Math.abs(v)) : m;
  }, 0);
  const unit = timeUnitFor(max);
  return { unit: usageUnitName(quantity, unit), text: (r) => formatInUnit(pick(r), unit) };
}

/** The figure columns of a usage table (per user, group, host), each in its own unit, in the preview and the export alike. */
export function usageFigureColumns<T extends UsageFigures>(rows: readonly T[]): FigureColumn<T>[] {
  return FIGURES.map((f) => ({ header: f.header, ...figureColumn(rows, (r) => r[f.key], f.quantity) }));
}

/** The usage report's summary tiles: each figure in the unit its size calls for. */
export function usageSummaryItems(r: UsageReport): { label: string; value: string; sub?: string }[] {
  const tile = (label: string, q: UsageQuantity, hours: number) => {
    const v = usageValue(q, hours);
    return { label, value: v.value, sub: v.unit };
  };
  return [
    tile('CPU', 'cpu', r.totals.cpuHours),
    tile('GPU', 'gpu', r.totals.gpuHours),
    tile('Memory', 'gib', r.totals.memoryGibHours),
    tile('GPU memory', 'gib', r.totals.gpuMemoryGibHours),
    { label: 'Users', value: formatCount(r.totals.users) },
    { label: 'Hosts', value: `${r.totals.monitoredHosts} of ${r.hosts.length}`, sub: 'monitored' },
  ];
}

/** A chart's scale for usage figures (in hours): values in one unit, from the largest. */
export function chartUnit(values: readonly (number | null | undefined)[]): TimeUnit {
  return timeUnitFor(values.reduce<number>((m, v) => (usable(v) ? Math.max(m, Math.abs(v)) : m), 0));
}

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
