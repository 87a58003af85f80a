import type { ReactNode } from 'react';
import { Area, AreaChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { Icon, type IconName } from '../app/icons.js';
import { Skeleton } from '../app/ui.js';
import { formatBytes, formatPercent } from '../format.js';
import type { ChartUnit, SeriesSpec } from './monitor-charts.js';
import type { ChartRow } from './monitor-data.js';
import { byteTicks, formatBytesShort, formatCelsius, formatInstant, formatRate, formatTick, timeTicks } from './monitor-format.js';

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

export function ChartPanel({ title, icon, legend, children, testId, points, sub }: { title: string; icon?: IconName; legend?: ReactNode; children: ReactNode; testId?: string; points?: number; sub?: ReactNode }) {
  return (
    <section className="panel chart-panel" data-testid={testId} data-points={points}>
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
    const top = Math.max(60, Math.ceil((dataMax(rows, series) + 5) / 10) * 10);
    return { domain: [20, top] as [number, number], ticks: undefined, format: (v: number) => `${v}°` };
  }
  const ticks = byteTicks(yMax && yMax > 0 ? yMax : dataMax(rows, series));
  const top = ticks[ticks.length - 1] ?? 1;
  return { domain: [0, top] as [number, number], ticks, format: (v: number) => formatBytesShort(v) };
}

export function TimeChart({ rows, series, unit, from, to, syncId, yMax, loading, size = 'normal', emptyText = 'No data in this range yet.', lines = false, reference = null }: TimeChartProps) {
  const y = yAxisFor(unit, rows, series, yMax);
  const rangeMs = to - from;
  const hasData = rows.some((r) => series.some((s) => typeof r[s.key] === 'number'));
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
        <YAxis domain={y.domain} ticks={y.ticks} tickFormatter={y.format} tickLine={false} axisLine={false} width={48} className="chart-axis" allowDataOverflow />
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
            className={`series series-${s.color}${lines ? ' series-line' : ''}`}
            isAnimationActive={false}
            dot={false}
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
