import type { ReactNode } from 'react';
import { Area, AreaChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { Icon, type IconName } from '../app/icons.js';
import { Skeleton } from '../app/ui.js';
import { formatBytes, formatPercent } from '../format.js';
import type { ChartUnit, SeriesSpec } from './monitor-charts.js';
import type { ChartRow } from './monitor-data.js';
import { byteTicks, formatAxisBytes, formatCelsius, formatInstant, formatRate, formatTick, formatWatts, timeTicks } from './monitor-format.js';

/** A chart of the monitor tab: recharts areas over time, exact values in a hover readout. */

export function formatValue(unit: ChartUnit, v: number | null | undefined): string {
  switch (unit) {
    case 'percent':
      return formatPercent(v);
    case 'bytes':
      return formatBytes(v);
    case 'rate':
      return formatRate(v);
    case 'celsius':
      return formatCelsius(v);
    case 'watts':
      return formatWatts(v);
  }
}

/** Palette index (series-0 … series-7), or a result tone. */
export type ChartColor = number | 'ok' | 'error';

export interface LegendItem {
  key: string;
  label: string;
  color: ChartColor;
  value?: string;
}

export function Swatch({ color }: { color: ChartColor }) {
  return <span className={`swatch swatch-${color}`} aria-hidden="true" />;
}

export function ChartLegend({ items }: { items: readonly LegendItem[] }) {
  return (
    <ul className="chart-legend" aria-label="Series">
      {items.map((i) => (
        <li key={i.key} className="chart-legend-item">
          <Swatch color={i.color} />
          <span className="chart-legend-label">{i.label}</span>
          {i.value !== undefined ? <span className="chart-legend-value">{i.value}</span> : null}
        </li>
      ))}
    </ul>
  );
}

export function ChartPanel({ title, icon, legend, children, testId, points, maxGap, sub }: { title: string; icon?: IconName; legend?: ReactNode; children: ReactNode; testId?: string; points?: number; maxGap?: number; sub?: ReactNode }) {
  return (
    <section className="panel chart-panel" data-testid={testId} data-points={points} data-max-gap={maxGap}>
      <header className="chart-head">
        <h3 className="chart-title">
          {icon ? <Icon name={icon} size={15} /> : null}
          {title}
          {sub ? <span className="chart-sub">{sub}</span> : null}
        </h3>
        {legend}
      </header>
      {children}
    </section>
  );
}

interface TooltipExtra {
  series: readonly SeriesSpec[];
  unit: ChartUnit;
  withDate: boolean;
}

function ChartTooltip({ active, payload, series, unit, withDate }: { active?: boolean; payload?: ReadonlyArray<{ payload?: unknown }> } & TooltipExtra) {
  const row = payload?.[0]?.payload as ChartRow | undefined;
  if (!active || !row) return null;
  return (
    <div className="chart-tooltip" data-testid="chart-tooltip">
      <div className="chart-tooltip-time">{formatInstant(row.t, withDate)}</div>
      {series.map((s) => {
        const v = row[s.key];
        const min = row[`${s.key}:min`];
        const max = row[`${s.key}:max`];
        const spread = typeof min === 'number' && typeof max === 'number' && max - min > 1e-9;
        return (
          <div key={s.key} className="chart-tooltip-row">
            <Swatch color={s.color} />
            <span className="chart-tooltip-label">{s.label}</span>
            <span className="chart-tooltip-value">{formatValue(unit, v)}</span>
            {spread ? (
              <span className="chart-tooltip-spread">
                {formatValue(unit, min)} – {formatValue(unit, max)}
              </span>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}

interface TimeChartProps {
  rows: readonly ChartRow[];
  series: readonly SeriesSpec[];
  unit: ChartUnit;
  from: number;
  to: number;
  syncId: string;
  /** Fixed top of the scale (memory total); else from the data. */
  yMax?: number | null;
  loading?: boolean;
  size?: 'normal' | 'small';
  emptyText?: string;
  /** Lines only (many overlapping series read better without fills). */
  lines?: boolean;
  /** A dashed level, e.g. the memory total. */
  reference?: { y: number; label: string } | null;
}

/** A value with no value beside it: an area draws nothing there, so it gets a dot. */
function isIsolated(rows: readonly ChartRow[], i: number, key: string): boolean {
  return typeof rows[i]?.[key] === 'number' && typeof rows[i - 1]?.[key] !== 'number' && typeof rows[i + 1]?.[key] !== 'number';
}

function isolatedDot(rows: readonly ChartRow[], key: string, color: number) {
  function IsolatedDot({ cx, cy, index }: { cx?: number | null; cy?: number | null; index?: number }) {
    const i = index ?? -1;
    if (typeof cx !== 'number' || typeof cy !== 'number' || !isIsolated(rows, i, key)) return <g key={`${key}-${i}`} />;
    return <circle key={`${key}-${i}`} cx={cx} cy={cy} r={2.5} className={`dot dot-${color} dot-isolated dot-key-${key}`} />;
  }
  return IsolatedDot;
}

function dataMax(rows: readonly ChartRow[], series: readonly SeriesSpec[]): number {
  let max = 0;
  for (const r of rows)
    for (const s of series) {
      const v = r[`${s.key}:max`] ?? r[s.key];
      if (typeof v === 'number' && v > max) max = v;
    }
  return max;
}

function yAxisFor(unit: ChartUnit, rows: readonly ChartRow[], series: readonly SeriesSpec[], yMax: number | null | undefined) {
  if (unit === 'percent') return { domain: [0, 100] as [number, number], ticks: [0, 25, 50, 75, 100], format: (v: number) => `${v}%` };
  if (unit === 'celsius') {
    // From 20 °C in round steps: 20 40 60 80 rather than whatever the axis would pick.
    const high = Math.max(60, dataMax(rows, series) + 5);
    const step = high - 20 <= 40 ? 10 : 20;
    const top = 20 + Math.ceil((high - 20) / step) * step;
    return { domain: [20, top] as [number, number], ticks: Array.from({ length: (top - 20) / step + 1 }, (_, i) => 20 + i * step), format: (v: number) => `${v}°` };
  }
  if (unit === 'watts') {
    // Steps of 50 W up to the highest draw (a 700 W board gets 0…700, an idle one 0…50).
    const high = Math.max(50, dataMax(rows, series));
    const step = high <= 200 ? 50 : high <= 400 ? 100 : 200;
    const top = Math.ceil(high / step) * step;
    return { domain: [0, top] as [number, number], ticks: Array.from({ length: Math.floor(top / step) + 1 }, (_, i) => i * step), format: (v: number) => `${v} W` };
  }
  const ticks = byteTicks(yMax && yMax > 0 ? yMax : dataMax(rows, series));
  const top = ticks[ticks.length - 1] ?? 1;
  return { domain: [0, top] as [number, number], ticks, format: (v: number) => formatAxisBytes(v, unit === 'rate') };
}

export function TimeChart({ rows, series, unit, from, to, syncId, yMax, loading, size = 'normal', emptyText = 'No data in this range yet.', lines = false, reference = null }: TimeChartProps) {
  const y = yAxisFor(unit, rows, series, yMax);
  const rangeMs = to - from;
  const hasData = rows.some((r) => series.some((s) => typeof r[s.key] === 'number'));
  const isolated = new Set(series.filter((s) => rows.some((_, i) => isIsolated(rows, i, s.key))).map((s) => s.key));
  return (
    <div className={`time-chart time-chart-${size}`}>
      <AreaChart responsive className="time-chart-canvas" data={rows as ChartRow[]} margin={{ top: 6, right: 8, bottom: 0, left: 0 }} syncId={syncId} syncMethod="value">
        <CartesianGrid vertical={false} className="chart-gridlines" />
        <XAxis
          dataKey="t"
          type="number"
          scale="time"
          domain={[from, to]}
          allowDataOverflow
          ticks={timeTicks(from, to, size === 'small' ? 4 : 6)}
          tickFormatter={(t: number) => formatTick(t, rangeMs)}
          tickLine={false}
          className="chart-axis"
          minTickGap={24}
          height={22}
        />
        <YAxis domain={y.domain} ticks={y.ticks} tickFormatter={y.format} tickLine={false} axisLine={false} width={unit === 'rate' ? 76 : unit === 'bytes' ? 60 : 48} className="chart-axis" allowDataOverflow />
        <Tooltip
          content={(props) => <ChartTooltip active={props.active} payload={props.payload} series={series} unit={unit} withDate={rangeMs > 86_400_000} />}
          isAnimationActive={false}
          allowEscapeViewBox={{ x: false, y: true }}
        />
        {reference ? <ReferenceLine y={reference.y} className="chart-reference" ifOverflow="extendDomain" label={{ value: reference.label, position: 'insideTopRight', className: 'chart-reference-label' }} /> : null}
        {series.map((s) => (
          <Area
            key={s.key}
            dataKey={s.key}
            name={s.label}
            type="monotone"
            className={`series series-${s.color} series-key-${s.key}${lines ? ' series-line' : ''}`}
            isAnimationActive={false}
            dot={isolated.has(s.key) ? isolatedDot(rows, s.key, s.color) : false}
            activeDot={{ r: 3.5, className: `dot dot-${s.color}` }}
            strokeWidth={1.6}
            connectNulls={false}
          />
        ))}
      </AreaChart>
      {!hasData ? (
        <div className="time-chart-overlay">{loading ? <Skeleton className="time-chart-skeleton" /> : <span className="muted">{emptyText}</span>}</div>
      ) : null}
    </div>
  );
}
