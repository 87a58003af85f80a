import type { HistoryPoint, Series } from '../../src-common/monitor/monitor.contract.js';
import {
  historyAsBytes,
  historyAsPercent,
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

export type ChartUnit = 'percent' | 'bytes' | 'rate' | 'celsius';

export interface SeriesSpec {
  key: string;
  label: string;
  /** Index into the chart palette (series-0 … series-7 in monitor.css). */
  color: number;
  /** Stored series it continues, if the core keeps one. */
  history?: Series;
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
  gpus: ReadonlyArray<{ index: number; name: string }>;
}

export function cpuChart(): ChartSpec {
  return {
    id: 'cpu',
    title: 'CPU',
    unit: 'percent',
    series: [
      { key: 'cpu', label: 'Total', color: 0, history: 'cpu', live: (p) => p.cpu },
      { key: 'iowait', label: 'I/O wait', color: 3, liveOnly: true, live: (p) => p.iowait },
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
      { key: 'swap', label: 'Swap used', color: 4, liveOnly: true, live: (p) => p.swapUsed },
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

export function gpuColor(position: number): number {
  return GPU_COLORS[position % GPU_COLORS.length] ?? 0;
}

function gpuPick(index: number, pick: (g: GpuPoint) => number | null) {
  return (p: LivePoint) => {
    const g = p.gpus.find((x) => x.index === index);
    return g ? pick(g) : null;
  };
}

const memPct = (g: GpuPoint) => (g.memUsed !== null && g.memTotal ? (g.memUsed / g.memTotal) * 100 : null);

/**
 * GPU charts: one line per GPU in the live view; the stored history keeps one series for all GPUs
 * (average utilization and memory, hottest temperature), so longer ranges show that.
 */
export function gpuCharts(ctx: ChartContext, range: RangeId): ChartSpec[] {
  const perGpu = range === '5m' && ctx.gpus.length > 0;
  const series = (kind: 'util' | 'mem' | 'temp'): SeriesSpec[] => {
    if (perGpu) {
      return ctx.gpus.map((g, i) => ({
        key: `gpu${g.index}`,
        label: `GPU ${g.index}`,
        color: gpuColor(i),
        live: gpuPick(g.index, kind === 'util' ? (x) => x.util : kind === 'mem' ? memPct : (x) => x.temp),
      }));
    }
    if (kind === 'util') return [{ key: 'all', label: 'All GPUs (average)', color: 0, history: 'gpuUtil', live: (p) => p.gpuUtil }];
    if (kind === 'mem') return [{ key: 'all', label: 'All GPUs', color: 1, history: 'gpuMem', live: (p) => p.gpuMemPct, adapt: (h) => historyAsPercent(h, ctx.gpuMemTotal) }];
    return [{ key: 'all', label: 'Hottest GPU', color: 3, history: 'gpuTemp', live: (p) => p.gpuTemp }];
  };
  return [
    { id: 'gpu-util', title: 'Utilization', unit: 'percent', series: series('util') },
    { id: 'gpu-mem', title: 'Memory', unit: 'percent', series: series('mem') },
    { id: 'gpu-temp', title: 'Temperature', unit: 'celsius', series: series('temp') },
  ];
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

export interface ChartWindow {
  from: number;
  to: number;
}

/** Rows for one chart: each series merged (history, then live tail), joined by instant, with gaps. */
export function buildChartRows(
  spec: ChartSpec,
  range: RangeId,
  window: ChartWindow,
  history: Partial<Record<Series, { points: HistoryPoint[] }>>,
  live: readonly LivePoint[],
): ChartRow[] {
  const def = RANGES[range];
  const rangeStep = def.ms / def.points;
  const intervalMs = live[live.length - 1]?.intervalMs ?? 1000;
  const series = visibleSeries(spec, range);
  const stored = series.map((s) => {
    const raw = s.history ? (history[s.history]?.points ?? []) : [];
    return s.adapt ? s.adapt(raw) : raw;
  });
  // One hand-over instant for the whole chart, so every series' rows share instants. The live
  // view prefers the buffer (every sample, all series); longer ones the stored rollups.
  const firstLive = live.find((p) => p.t >= window.from)?.t;
  const lastStored = lastHistoryT(stored, window.from, window.to);
  const liveFrom = range === '5m' ? firstLive : lastStored === null ? undefined : lastStored + 1;
  const perSeries: Record<string, ReturnType<typeof mergeHistoryWithLive>> = {};
  let step = range === '5m' ? intervalMs : rangeStep;
  series.forEach((s, i) => {
    const seriesStep = range === '5m' ? 0 : inferStep(stored[i] ?? [], rangeStep);
    if (range !== '5m') step = Math.max(step, seriesStep);
    perSeries[s.key] = mergeHistoryWithLive(stored[i] ?? [], liveSeries(live, s.live, window.from, window.to), { ...window, stepMs: seriesStep, liveFrom });
  });
  // Breaks the line where samples stopped (host away, stream restarted) for more than a few steps.
  const maxGap = range === '5m' ? Math.max(5_000, intervalMs * 3.5) : step * 2.5;
  return withGaps(joinSeries(perSeries), maxGap);
}
