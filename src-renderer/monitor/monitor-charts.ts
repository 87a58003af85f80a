import type { GpuHistory, GpuSeries, HistoryPoint, Series } from '../../src-common/monitor/monitor.contract.js';
import {
  historyAsBytes,
  inferStep,
  joinSeries,
  lastHistoryT,
  liveSeries,
  mergeHistoryWithLive,
  RANGES,
  withGaps,
  type ChartRow,
  type GpuPoint,
  type LivePoint,
  type RangeId,
} from './monitor-data.js';

/** What each chart of the monitor tab draws, and how its rows are built from history + live points. */

export type ChartUnit = 'percent' | 'bytes' | 'rate' | 'celsius' | 'watts';

/** A series of one GPU in the per-GPU history (monitor.gpuHistory). */
export interface GpuHistoryRef {
  series: GpuSeries;
  index: number;
}

export interface SeriesSpec {
  key: string;
  label: string;
  /** Index into the chart palette (series-0 … series-7 in monitor.css). */
  color: number;
  /** Stored series it continues, if the core keeps one. */
  history?: Series;
  /** …or the stored series of one GPU. */
  gpuHistory?: GpuHistoryRef;
  /** Shown in the live (5-minute) view only: the core keeps no history of it. */
  liveOnly?: boolean;
  live: (p: LivePoint) => number | null;
  /** Brings a stored series to the chart's unit (e.g. memory kept as a percentage). */
  adapt?: (points: readonly HistoryPoint[]) => HistoryPoint[];
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: ChartUnit;
  series: SeriesSpec[];
}

export interface ChartContext {
  memTotal: number | null;
  gpuMemTotal: number | null;
  gpus: ReadonlyArray<{ index: number; name: string | null }>;
}

/** Stored history by series, as monitor.history answers it (the resolution tells its step). */
export type HistoryBySeries = Partial<Record<Series, { points: HistoryPoint[]; resolution?: 'raw' | '1m' | '1h' }>>;
/** Per-GPU history by series, as monitor.gpuHistory answers it. */
export type GpuHistoryBySeries = Partial<Record<GpuSeries, Pick<GpuHistory, 'gpus'> & { resolution?: GpuHistory['resolution'] }>>;

/** The spacing of a table's rows: a chart's points are never closer than this. */
const RESOLUTION_STEP_MS: Record<'raw' | '1m' | '1h', number> = { raw: 0, '1m': 60_000, '1h': 3_600_000 };

export function cpuChart(): ChartSpec {
  return {
    id: 'cpu',
    title: 'CPU',
    unit: 'percent',
    series: [
      { key: 'cpu', label: 'Total', color: 0, history: 'cpu', live: (p) => p.cpu },
      { key: 'iowait', label: 'I/O wait', color: 3, history: 'iowait', live: (p) => p.iowait },
    ],
  };
}

export function memoryChart(ctx: ChartContext): ChartSpec {
  return {
    id: 'memory',
    title: 'Memory',
    unit: 'bytes',
    series: [
      { key: 'mem', label: 'Used', color: 1, history: 'mem', live: (p) => p.memUsed, adapt: (h) => historyAsBytes(h, ctx.memTotal) },
      { key: 'swap', label: 'Swap used', color: 4, history: 'swap', live: (p) => p.swapUsed },
    ],
  };
}

export function netChart(): ChartSpec {
  return {
    id: 'net',
    title: 'Network',
    unit: 'rate',
    series: [
      { key: 'rx', label: 'Received', color: 2, history: 'netRx', live: (p) => p.netRx },
      { key: 'tx', label: 'Sent', color: 5, history: 'netTx', live: (p) => p.netTx },
    ],
  };
}

export function diskChart(): ChartSpec {
  return {
    id: 'disk',
    title: 'Disk I/O',
    unit: 'rate',
    series: [
      { key: 'read', label: 'Read', color: 0, history: 'diskRead', live: (p) => p.diskRead },
      { key: 'write', label: 'Write', color: 6, history: 'diskWrite', live: (p) => p.diskWrite },
    ],
  };
}

/** Per-GPU colours in an order that keeps neighbours apart (indigo, amber, emerald, pink, …). */
export const GPU_COLORS = [0, 3, 2, 4, 1, 5, 6, 7];

/** A GPU's colour follows its index, so it keeps it whatever other GPUs come and go. */
export function gpuColor(index: number): number {
  return GPU_COLORS[((index % GPU_COLORS.length) + GPU_COLORS.length) % GPU_COLORS.length] ?? 0;
}

function gpuPick(index: number, pick: (g: GpuPoint) => number | null) {
  return (p: LivePoint) => {
    const g = p.gpus.find((x) => x.index === index);
    return g ? pick(g) : null;
  };
}

const memPct = (g: GpuPoint) => (g.memUsed !== null && g.memTotal ? (g.memUsed / g.memTotal) * 100 : null);

/** The GPU charts: one per metric, one line per GPU, in every range (live points, then per-GPU history). */
export const GPU_METRICS: ReadonlyArray<{ id: string; title: string; unit: ChartUnit; series: GpuSeries; live: (g: GpuPoint) => number | null }> = [
  { id: 'gpu-util', title: 'Utilization', unit: 'percent', series: 'util', live: (g) => g.util },
  { id: 'gpu-mem', title: 'Memory', unit: 'percent', series: 'memPercent', live: memPct },
  { id: 'gpu-temp', title: 'Temperature', unit: 'celsius', series: 'temp', live: (g) => g.temp },
  { id: 'gpu-power', title: 'Power', unit: 'watts', series: 'power', live: (g) => g.power },
];

/**
 * A chart per metric with a line per GPU, rather than a chart per GPU: each metric has its own
 * unit (%, °C, W), so one axis per chart; GPUs are compared at a glance (the idle one, the hot
 * one); and 1 to 8 GPUs give 4 charts, not 4 to 32.
 */
export function gpuCharts(ctx: ChartContext): ChartSpec[] {
  return GPU_METRICS.map((m) => ({
    id: m.id,
    title: m.title,
    unit: m.unit,
    series: ctx.gpus.map((g) => ({
      key: `gpu${g.index}`,
      label: `GPU ${g.index}`,
      color: gpuColor(g.index),
      gpuHistory: { series: m.series, index: g.index },
      live: gpuPick(g.index, m.live),
    })),
  }));
}

/**
 * The GPUs to draw: those of the newest sample (with their model), then any that only the
 * history of the range still has (a card removed or not answering), by index.
 */
export function gpusToChart(sample: ReadonlyArray<{ index: number; name: string }>, history: GpuHistoryBySeries): Array<{ index: number; name: string | null }> {
  const out = new Map<number, { index: number; name: string | null }>();
  for (const g of sample) out.set(g.index, { index: g.index, name: g.name });
  for (const h of Object.values(history)) for (const g of h?.gpus ?? []) if (!out.has(g.index) && g.points.length > 0) out.set(g.index, { index: g.index, name: null });
  return [...out.values()].sort((a, b) => a.index - b.index);
}

/** Series a chart shows in a range: live-only ones only in the 5-minute view. */
export function visibleSeries(spec: ChartSpec, range: RangeId): SeriesSpec[] {
  return spec.series.filter((s) => range === '5m' || !s.liveOnly);
}

/** The stored series a set of charts needs for a range. */
export function historySeriesOf(specs: readonly ChartSpec[], range: RangeId): Series[] {
  const out = new Set<Series>();
  for (const spec of specs) for (const s of visibleSeries(spec, range)) if (s.history) out.add(s.history);
  return [...out];
}

/** The per-GPU series a set of charts needs (each read once for every GPU). */
export function gpuHistorySeriesOf(specs: readonly ChartSpec[], range: RangeId): GpuSeries[] {
  const out = new Set<GpuSeries>();
  for (const spec of specs) for (const s of visibleSeries(spec, range)) if (s.gpuHistory) out.add(s.gpuHistory.series);
  return [...out];
}

function storedPoints(s: SeriesSpec, history: HistoryBySeries, gpuHistory: GpuHistoryBySeries): readonly HistoryPoint[] {
  if (s.history) return history[s.history]?.points ?? [];
  const ref = s.gpuHistory;
  if (ref) return gpuHistory[ref.series]?.gpus.find((g) => g.index === ref.index)?.points ?? [];
  return [];
}

function storedStep(s: SeriesSpec, history: HistoryBySeries, gpuHistory: GpuHistoryBySeries): number {
  const resolution = s.history ? history[s.history]?.resolution : s.gpuHistory ? gpuHistory[s.gpuHistory.series]?.resolution : undefined;
  return resolution ? RESOLUTION_STEP_MS[resolution] : 0;
}

export interface ChartWindow {
  from: number;
  to: number;
}

/** Rows for one chart: each series merged (history, then live tail), joined by instant, with gaps. */
export function buildChartRows(
  spec: ChartSpec,
  range: RangeId,
  window: ChartWindow,
  history: HistoryBySeries,
  live: readonly LivePoint[],
  gpuHistory: GpuHistoryBySeries = {},
): ChartRow[] {
  const def = RANGES[range];
  const rangeStep = def.ms / def.points;
  const intervalMs = live[live.length - 1]?.intervalMs ?? 1000;
  const series = visibleSeries(spec, range);
  const stored = series.map((s) => {
    const raw = storedPoints(s, history, gpuHistory);
    return s.adapt ? s.adapt(raw) : [...raw];
  });
  // One hand-over instant for the whole chart, so every series' rows share instants. The live
  // view prefers the buffer (every sample, all series); longer ones the stored rollups.
  const firstLive = live.find((p) => p.t >= window.from)?.t;
  const lastStored = lastHistoryT(stored, window.from, window.to);
  const liveFrom = range === '5m' ? firstLive : lastStored === null ? undefined : lastStored + 1;
  const perSeries: Record<string, ReturnType<typeof mergeHistoryWithLive>> = {};
  let step = range === '5m' ? intervalMs : rangeStep;
  series.forEach((s, i) => {
    // With too few points to tell their spacing, the table's own step says it (a new host's
    // minute rollups are a minute apart, not the range's 10 s, and must not read as gaps).
    const seriesStep = range === '5m' ? 0 : inferStep(stored[i] ?? [], Math.max(rangeStep, storedStep(s, history, gpuHistory)));
    if (range !== '5m') step = Math.max(step, seriesStep);
    perSeries[s.key] = mergeHistoryWithLive(stored[i] ?? [], liveSeries(live, s.live, window.from, window.to), { ...window, stepMs: seriesStep, liveFrom });
  });
  // Breaks the line where samples stopped (host away, stream restarted) for more than a few steps.
  const maxGap = range === '5m' ? Math.max(5_000, intervalMs * 3.5) : step * 2.5;
  return withGaps(joinSeries(perSeries), maxGap);
}
