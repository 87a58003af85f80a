import { formatCount, formatFigure, MISSING, timeUnitFor, usageUnitName, type FigureColumn, type TimeUnit, type UsageFigures, type UsageQuantity } from './report-format.js';
import type { UsageReport } from './report.schema.js';

/**
 * One unit for figures that stand side by side. report-format.ts picks a unit per figure (a tile)
 * or per column; where figures are read together that mixes units: a summary strip saying
 * "47.2 CPU-seconds" next to "1.74 GPU-minutes", or a users chart whose CPU and GPU bars share an
 * axis in minutes above a table whose CPU column is in seconds. Here a strip, and each group of
 * columns that a chart draws on one axis, reads in one unit: the one its largest value reads best
 * in. Pure; never throws; missing values are an em dash.
 */

const usable = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/** The largest magnitude among the usable values (0 when there is none). */
export function largest(values: Iterable<number | null | undefined>): number {
  let m = 0;
  for (const v of values) if (usable(v)) m = Math.max(m, Math.abs(v));
  return m;
}

/** The time unit that a set of figures (in hours) shares: the one its largest reads best in. */
export function sharedTimeUnit(hours: Iterable<number | null | undefined>): TimeUnit {
  return timeUnitFor(largest(hours));
}

/**
 * A figure in a unit it shares with larger ones: three significant figures as formatFigure
 * writes them ("47.2", "0.79"), but one that would read "< 0.01" keeps two significant figures
 * ("0.0042") down to 0.0001, so a small total beside a large one still says how small it is.
 */
export function formatSharedFigure(v: number | null | undefined): string {
  if (!usable(v)) return MISSING;
  const a = Math.abs(v);
  if (a === 0 || a >= 0.00995) return formatFigure(v);
  if (a < 0.0001) return `< ${v < 0 ? '-' : ''}0.0001`;
  return (v < 0 ? '-' : '') + String(Number(a.toPrecision(2)));
}

export interface SummaryItem {
  label: string;
  value: string;
  sub?: string;
}

/**
 * The usage summary strip: CPU, GPU, memory and GPU memory held over time, all in one time unit
 * (the one the largest of them reads best in), then users and hosts.
 */
export function usageSummaryStrip(r: Pick<UsageReport, 'totals' | 'hosts'>): SummaryItem[] {
  const t = r.totals;
  const unit = sharedTimeUnit([t.cpuHours, t.gpuHours, t.memoryGibHours, t.gpuMemoryGibHours]);
  const tile = (label: string, q: UsageQuantity, hours: number) => ({ label, value: usable(hours) ? formatSharedFigure(hours / unit.hours) : MISSING, sub: usageUnitName(q, unit) });
  return [
    tile('CPU', 'cpu', t.cpuHours),
    tile('GPU', 'gpu', t.gpuHours),
    tile('Memory', 'gib', t.memoryGibHours),
    tile('GPU memory', 'gib', t.gpuMemoryGibHours),
    { label: 'Users', value: formatCount(t.users) },
    { label: 'Hosts', value: `${t.monitoredHosts} of ${r.hosts.length}`, sub: 'monitored' },
  ];
}

type FigureKey = 'cpuHours' | 'gpuHours' | 'memoryGibHours' | 'gpuMemoryGibHours' | 'activeHours';

/**
 * A usage table's figure columns in groups that share a unit: CPU with GPU (the users chart draws
 * both on one axis), memory with GPU memory (both GiB held over time); active time alone.
 */
export const FIGURE_GROUPS: readonly (readonly { header: string; key: FigureKey; quantity: UsageQuantity }[])[] = [
  [
    { header: 'CPU', key: 'cpuHours', quantity: 'cpu' },
    { header: 'GPU', key: 'gpuHours', quantity: 'gpu' },
  ],
  [
    { header: 'Memory', key: 'memoryGibHours', quantity: 'gib' },
    { header: 'GPU memory', key: 'gpuMemoryGibHours', quantity: 'gib' },
  ],
  [{ header: 'Active', key: 'activeHours', quantity: 'time' }],
];

/** The unit of the CPU and GPU columns of a usage table, and so of the chart drawn from its rows. */
export function computeUnit(rows: readonly Pick<UsageFigures, 'cpuHours' | 'gpuHours'>[]): TimeUnit {
  return sharedTimeUnit(rows.flatMap((r) => [r.cpuHours, r.gpuHours]));
}

/** The figure columns of a usage table: each group (FIGURE_GROUPS) in the unit its largest cell reads best in. */
export function groupedFigureColumns<T extends UsageFigures>(rows: readonly T[]): FigureColumn<T>[] {
  return FIGURE_GROUPS.flatMap((group) => {
    const unit = sharedTimeUnit(rows.flatMap((r) => group.map((f) => r[f.key])));
    return group.map((f) => ({ header: f.header, unit: usageUnitName(f.quantity, unit), text: (row: T) => (usable(row[f.key]) ? formatFigure(row[f.key] / unit.hours) : MISSING) }));
  });
}
