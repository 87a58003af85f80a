import { Bar, BarChart, CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { formatTick, timeTicks } from '../monitor/monitor-format.js';
import { Swatch, type ChartColor } from '../monitor/TimeChart.js';
import { formatAxisTick, formatSpan, niceTicks, timeWindow } from './chart-scale.js';

/**
 * The preview's charts (recharts, coloured through classes so they follow the theme). Labels
 * are host, user and model names: recharts renders them as SVG text, never as markup.
 */

export interface BarSeries {
  key: string;
  label: string;
  color: ChartColor;
}

export type BarRow = { label: string } & Record<string, number | string | null>;

const clip = (s: string, n = 22) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

interface TipProps {
  active?: boolean;
  payload?: ReadonlyArray<{ payload?: unknown }>;
}

function BarTooltip({ active, payload, series, format }: TipProps & { series: BarSeries[]; format: (v: number) => string }) {
  const row = payload?.[0]?.payload as BarRow | undefined;
  if (!active || !row) return null;
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-time">{row.label}</div>
      {series.map((s) => {
        const v = row[s.key];
        return (
          <div key={s.key} className="chart-tooltip-row">
            <Swatch color={s.color} />
            <span className="chart-tooltip-label">{s.label}</span>
            <span className="chart-tooltip-value">{typeof v === 'number' ? format(v) : '—'}</span>
          </div>
        );
      })}
    </div>
  );
}

/**
 * Horizontal grouped bars, one group per row (users, hosts, GPU models). The value axis runs from
 * 0 in round steps (1, 2 or 5 × 10ⁿ) to `max` or past the longest bar, each tick with `unit`
 * ("1.5 min", "40%"), unless `tickFormat` writes them.
 */
export function HBarChart({ rows, series, format, tickFormat, unit = '', max, testId, integer }: { rows: BarRow[]; series: BarSeries[]; format: (v: number) => string; tickFormat?: (v: number) => string; unit?: string; max?: number; testId?: string; integer?: boolean }) {
  const height = 34 + rows.length * (series.length * 13 + 14);
  const longest = rows.reduce((m, r) => series.reduce((mm, s) => (typeof r[s.key] === 'number' && Number.isFinite(r[s.key]) ? Math.max(mm, r[s.key] as number) : mm), m), 0);
  const ticks = niceTicks(max ?? longest, 5, integer);
  return (
    <div className="report-chart" style={{ height }} data-testid={testId} data-rows={rows.length} data-unit={unit || undefined}>
      <BarChart responsive className="report-chart-canvas" layout="vertical" data={rows} margin={{ top: 4, right: 22, bottom: 0, left: 4 }} barGap={1} barCategoryGap={7}>
        <CartesianGrid horizontal={false} className="chart-gridlines" />
        <XAxis type="number" domain={[0, Math.max(ticks[ticks.length - 1]!, longest)]} ticks={ticks} interval={0} allowDecimals={!integer} tickFormatter={(v: number) => (tickFormat ? tickFormat(v) : formatAxisTick(v, unit))} tickLine={false} className="chart-axis" height={22} />
        <YAxis type="category" dataKey="label" width={180} tickLine={false} axisLine={false} className="chart-axis chart-axis-labels" tickFormatter={(s: string) => clip(String(s), 26)} interval={0} />
        <Tooltip content={(p) => <BarTooltip active={p.active} payload={p.payload} series={series} format={format} />} cursor={{ className: 'report-chart-cursor' }} isAnimationActive={false} />
        {series.map((s) => (
          <Bar key={s.key} dataKey={s.key} name={s.label} className={`report-bar report-bar-${s.color}`} isAnimationActive={false} barSize={11} radius={[0, 3, 3, 0]} minPointSize={(v) => (typeof v === 'number' && v > 0 ? 2 : 0)} />
        ))}
      </BarChart>
    </div>
  );
}

export interface LineSeries {
  key: string;
  label: string;
  color: ChartColor;
}

export type LineRow = { t: number } & Record<string, number | null>;

function LineTooltip({ active, payload, series, withDate }: TipProps & { series: LineSeries[]; withDate: boolean }) {
  const row = payload?.[0]?.payload as LineRow | undefined;
  if (!active || !row) return null;
  const d = new Date(row.t);
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-time">{withDate ? d.toLocaleString() : d.toLocaleTimeString()}</div>
      {series.map((s) => (
        <div key={s.key} className="chart-tooltip-row">
          <Swatch color={s.color} />
          <span className="chart-tooltip-label">{s.label}</span>
          <span className="chart-tooltip-value">{typeof row[s.key] === 'number' ? `${Math.round(row[s.key]!)}%` : '—'}</span>
        </div>
      ))}
    </div>
  );
}

/**
 * Percent over the period, one line per host; a lone bucket between gaps shows as a dot with its
 * value. When the data covers only a small part of the period (monitoring started an hour ago,
 * in a 7-day report), the time axis narrows to it and a note says so, rather than a dot at the
 * edge of a week.
 */
export function PercentLineChart({ rows, series, from, to, bucketMs, dataMs, testId }: { rows: LineRow[]; series: LineSeries[]; from: number; to: number; bucketMs: number; dataMs?: number; testId?: string }) {
  const has = (i: number) => series.some((s) => typeof rows[i]?.[s.key] === 'number');
  const w = timeWindow(rows.map((r) => r.t), has, bucketMs, from, to);
  const range = w.to - w.from;
  const lone = (key: string, i: number) => typeof rows[i]?.[key] === 'number' && typeof rows[i - 1]?.[key] !== 'number' && typeof rows[i + 1]?.[key] !== 'number';
  const shown = w.narrowed ? rows.filter((r) => r.t >= w.from && r.t <= w.to) : rows;
  const offset = w.narrowed ? rows.indexOf(shown[0]!) : 0;
  // A lone point's value is written beside it on a narrowed axis, unless another host's lone point shares its time (the labels would overlap).
  const labelled = (key: string, i: number) => w.narrowed && series.every((o) => o.key === key || !lone(o.key, i));
  return (
    <>
      {w.narrowed ? (
        <p className="report-chart-note muted" data-testid={testId ? `${testId}-note` : undefined}>
          Monitoring data covers only {formatSpan(dataMs && dataMs > 0 ? Math.min(dataMs, to - from) : w.to - w.from)} of these {formatSpan(to - from)}: the time axis shows just that part.
        </p>
      ) : null}
      <div className="report-chart report-line-chart" data-testid={testId} data-points={w.points} data-narrowed={w.narrowed} data-from={w.from} data-to={w.to}>
        <LineChart responsive className="report-chart-canvas" data={shown} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} className="chart-gridlines" />
          <XAxis dataKey="t" type="number" scale="time" domain={[w.from, w.to]} allowDataOverflow ticks={timeTicks(w.from, w.to, 6)} tickFormatter={(t: number) => formatTick(t, range)} tickLine={false} className="chart-axis" minTickGap={24} height={22} />
          <YAxis domain={[0, 100]} ticks={niceTicks(100)} tickFormatter={(v: number) => formatAxisTick(v, '%')} tickLine={false} axisLine={false} width={44} className="chart-axis" />
          <Tooltip content={(p) => <LineTooltip active={p.active} payload={p.payload} series={series} withDate={range > 86_400_000} />} isAnimationActive={false} />
          {series.map((s) => (
            <Line
              key={s.key}
              dataKey={s.key}
              name={s.label}
              type="monotone"
              className={`report-line report-line-${s.color}`}
              isAnimationActive={false}
              connectNulls={false}
              strokeWidth={1.7}
              dot={(p: { cx?: number; cy?: number; index?: number; value?: unknown }) =>
                p.index !== undefined && p.cx !== undefined && p.cy !== undefined && lone(s.key, p.index + offset) ? (
                  <g key={`${s.key}-${p.index}`} className="report-lone-point">
                    <circle cx={p.cx} cy={p.cy} r={4.5} className={`dot dot-${s.color}`} />
                    {labelled(s.key, p.index + offset) && typeof p.value === 'number' ? (
                      <text x={p.cx + 8} y={p.cy + 4} className="report-point-label">
                        {`${Math.round(p.value)}%`}
                      </text>
                    ) : null}
                  </g>
                ) : (
                  <g key={`${s.key}-${p.index}`} />
                )
              }
              activeDot={{ r: 4.5, className: `dot dot-${s.color}` }}
            />
          ))}
        </LineChart>
      </div>
    </>
  );
}

/** Stacked columns per day (audit events: succeeded and failed). */
export function DayColumns({ rows, series, testId }: { rows: ({ day: string } & Record<string, number | string>)[]; series: BarSeries[]; testId?: string }) {
  return (
    <div className="report-chart report-day-chart" data-testid={testId} data-rows={rows.length}>
      <BarChart responsive className="report-chart-canvas" data={rows} margin={{ top: 6, right: 12, bottom: 0, left: 0 }} barCategoryGap="25%">
        <CartesianGrid vertical={false} className="chart-gridlines" />
        <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} tickLine={false} className="chart-axis" interval={Math.max(0, Math.ceil(rows.length / 14) - 1)} height={22} />
        <YAxis allowDecimals={false} tickLine={false} axisLine={false} width={36} className="chart-axis" />
        <Tooltip
          content={(p) => <BarTooltip active={p.active} payload={(p.payload ?? []).map((x) => ({ payload: { ...(x.payload as object), label: (x.payload as { day: string }).day } }))} series={series} format={(v) => String(v)} />}
          cursor={{ className: 'report-chart-cursor' }}
          isAnimationActive={false}
        />
        {series.map((s) => (
          <Bar key={s.key} dataKey={s.key} name={s.label} stackId="day" className={`report-bar report-bar-${s.color}`} isAnimationActive={false} maxBarSize={28} />
        ))}
      </BarChart>
    </div>
  );
}
