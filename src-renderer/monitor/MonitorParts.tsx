import type { Sample } from '../../src-common/monitor/sample.schema.js';
import { Icon } from '../app/icons.js';
import { UsageBar } from '../app/ui.js';
import { formatBytes, formatBytesOf, formatLoad, formatPercent, plural, ratioPercent } from '../format.js';
import { shortGpuModel } from '../inventory/summary.js';
import { gpuColor } from './monitor-charts.js';
import { RANGE_IDS, RANGES, type LivePoint, type RangeId } from './monitor-data.js';
import { formatCelsius, formatClock, formatInstant, formatRate } from './monitor-format.js';
import { Swatch } from './TimeChart.js';

/** The smaller pieces of the monitor tab: range switch, live status, summary strip, pressure. */

export function RangeSwitch({ value, onChange }: { value: RangeId; onChange: (r: RangeId) => void }) {
  return (
    <div className="range-switch" role="radiogroup" aria-label="Time range">
      {RANGE_IDS.map((r) => (
        <button key={r} type="button" role="radio" aria-checked={value === r} className={value === r ? 'is-active' : undefined} onClick={() => onChange(r)} data-testid={`range-${r}`}>
          {RANGES[r].label}
        </button>
      ))}
    </div>
  );
}

/** The live status line: how fresh the data is, or why it stopped. */
export function LiveStatus({ sample, connected, now }: { sample: Sample; connected: boolean; now: number }) {
  const age = Math.max(0, now - sample.t);
  const stale = age > Math.max(10_000, sample.intervalMs * 5);
  const tone = !connected ? 'off' : stale ? 'stale' : 'on';
  return (
    <div className={`live-status live-${tone}`} data-testid="monitor-live-status">
      <span className="live-dot" aria-hidden="true" />
      <span className="strong">{tone === 'on' ? 'Live' : tone === 'stale' ? 'Delayed' : 'Stopped'}</span>
      <span className="muted">
        {tone === 'off' ? `last sample ${formatClock(sample.t, now)}` : `every ${sample.intervalMs >= 950 ? `${Math.round(sample.intervalMs / 100) / 10} s` : `${Math.round(sample.intervalMs)} ms`} · last ${formatInstant(sample.t, false)}`}
      </span>
    </div>
  );
}

export function Summary({ sample, last }: { sample: Sample; last: LivePoint | undefined }) {
  const m = sample.memory;
  const gpus = sample.gpus;
  const gpuUsed = gpus.reduce((n, g) => n + (g.memoryUsedBytes ?? 0), 0);
  const gpuTotal = gpus.reduce((n, g) => n + (g.memoryTotalBytes ?? 0), 0);
  return (
    <div className="summary-strip monitor-summary" data-testid="monitor-summary">
      <div className="summary-item">
        <span className="summary-label">CPU</span>
        <span className="summary-value">{formatPercent(sample.cpu.totalPercent)}</span>
        <span className="summary-sub">
          {plural(sample.cpu.perCorePercent.length, 'thread')} · iowait {formatPercent(sample.cpu.iowaitPercent)}
        </span>
      </div>
      <div className="summary-item">
        <span className="summary-label">Memory</span>
        <span className="summary-value">{formatBytesOf(m.usedBytes, m.totalBytes)}</span>
        <span className="summary-sub">
          {formatPercent(ratioPercent(m.usedBytes, m.totalBytes))} · swap {m.swapTotalBytes > 0 ? formatBytes(m.swapUsedBytes) : 'none'}
        </span>
      </div>
      <div className="summary-item">
        <span className="summary-label">Load</span>
        <span className="summary-value mono">{sample.load.map(formatLoad).join(' ')}</span>
        <span className="summary-sub">1 · 5 · 15 min</span>
      </div>
      {gpus.length > 0 ? (
        <div className="summary-item">
          <span className="summary-label">GPUs</span>
          <span className="summary-value">{formatPercent(last?.gpuUtil)} util.</span>
          <span className="summary-sub" title={`${formatBytesOf(gpuUsed, gpuTotal)} GPU memory in use`}>
            {plural(gpus.length, 'GPU')} · {formatPercent(ratioPercent(gpuUsed, gpuTotal))} memory
          </span>
        </div>
      ) : null}
      <div className="summary-item">
        <span className="summary-label">Network</span>
        <span className="summary-value">↓ {formatRate(last?.netRx)}</span>
        <span className="summary-sub">↑ {formatRate(last?.netTx)}</span>
      </div>
      <div className="summary-item">
        <span className="summary-label">Disk</span>
        <span className="summary-value">R {formatRate(last?.diskRead)}</span>
        <span className="summary-sub">W {formatRate(last?.diskWrite)}</span>
      </div>
    </div>
  );
}

const PSI: Array<{ key: keyof NonNullable<Sample['pressure']>; label: string }> = [
  { key: 'cpuSome', label: 'CPU some' },
  { key: 'memorySome', label: 'Memory some' },
  { key: 'memoryFull', label: 'Memory full' },
  { key: 'ioSome', label: 'I/O some' },
  { key: 'ioFull', label: 'I/O full' },
];

/** Pressure stall information: the share of time tasks waited on a resource (avg10). */
export function PressurePanel({ pressure }: { pressure: NonNullable<Sample['pressure']> }) {
  const shown = PSI.filter((p) => pressure[p.key] !== null);
  if (shown.length === 0) return null;
  return (
    <section className="panel pressure-panel" data-testid="monitor-pressure">
      <h2 className="panel-title">
        <Icon name="gauge" size={15} />
        Pressure
        <span className="chart-sub" title="Pressure stall information, average over the last 10 seconds">
          share of time tasks waited · avg10
        </span>
      </h2>
      <div className="pressure-grid">
        {shown.map((p) => {
          const v = pressure[p.key];
          return (
            <div key={p.key} className="pressure-item" data-testid={`pressure-${p.key}`}>
              <div className="pressure-head">
                <span>{p.label}</span>
                <span className="strong">{formatPercent(v)}</span>
              </div>
              <UsageBar percent={v === null ? null : Math.min(100, v)} size="small" label={`${p.label} pressure`} />
            </div>
          );
        })}
      </div>
    </section>
  );
}

/**
 * The legend of the GPU charts: each GPU's colour, index and model (a GPU only the history still
 * has says so), with its newest utilisation and temperature.
 */
export function GpuLegend({ gpus, latest }: { gpus: ReadonlyArray<{ index: number; name: string | null }>; latest: LivePoint | undefined }) {
  return (
    <ul className="chart-legend gpu-legend" aria-label="GPUs" data-testid="gpu-legend">
      {gpus.map((g) => {
        const now = latest?.gpus.find((x) => x.index === g.index);
        return (
          <li key={g.index} className="chart-legend-item" data-testid={`gpu-legend-${g.index}`} title={g.name ?? 'Not in the newest sample'}>
            <Swatch color={gpuColor(g.index)} />
            <span className="chart-legend-label">GPU {g.index}</span>
            <span className="gpu-legend-model">{g.name ? shortGpuModel(g.name) : 'not reporting now'}</span>
            {now ? (
              <span className="chart-legend-value">
                {formatPercent(now.util)} · {formatCelsius(now.temp)}
              </span>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

/** "4 × A100-SXM4-80GB", or "RTX 4090 + A100" for a mixed box. */
export function gpuModels(sample: Sample): string {
  const counts = new Map<string, number>();
  for (const g of sample.gpus) {
    const name = shortGpuModel(g.name);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => (n > 1 ? `${n} × ${name}` : name)).join(' + ');
}
