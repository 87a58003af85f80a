import { useMemo, useState } from 'react';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { errorMessage } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { Badge, EmptyState, ErrorState, Notice, Spinner } from '../app/ui.js';
import { useNow } from '../app/use-now.js';
import { formatBytes } from '../format.js';
import { ConnectButton } from '../hosts/ConnectButton.js';
import { buildChartRows, cpuChart, diskChart, GPU_METRICS, gpuCharts, gpusToChart, historySeriesOf, memoryChart, netChart, visibleSeries, type ChartContext, type ChartSpec, type GpuHistoryRef } from './monitor-charts.js';
import { RANGE_IDS, RANGES, type LivePoint, type LiveState, type RangeId } from './monitor-data.js';
import { formatClock } from './monitor-format.js';
import { HistorySourceSwitch, useHistorySource } from './HistorySourceSwitch.js';
import { GpuLegend, gpuModels, LiveStatus, PressurePanel, RangeSwitch, Summary } from './MonitorParts.js';
import { ChartLegend, ChartPanel, formatValue, TimeChart, type LegendItem } from './TimeChart.js';
import { ProcessTable, UserUsageTable } from './UsageTables.js';
import { useGpuHistorySet, useHistoryFollowsLive, useHistorySet, useLive, useMonitorStart, type GpuHistorySet } from './use-monitor.js';

const RANGE_KEY = 'fleetdeck.monitorRange';

function readRange(): RangeId {
  try {
    const v = window.sessionStorage.getItem(RANGE_KEY);
    return v && (RANGE_IDS as string[]).includes(v) ? (v as RangeId) : '5m';
  } catch {
    return '5m';
  }
}

function useRange(): [RangeId, (r: RangeId) => void] {
  const [range, setRange] = useState<RangeId>(readRange);
  return [
    range,
    (r) => {
      setRange(r);
      try {
        window.sessionStorage.setItem(RANGE_KEY, r);
      } catch {
        // The choice still holds for this view.
      }
    },
  ];
}

/** Stored points of one GPU series inside the window (0 without a stored series). */
function storedInWindow(bySeries: GpuHistorySet['bySeries'], ref: GpuHistoryRef | undefined, win: { from: number; to: number }): number {
  if (!ref) return 0;
  const points = bySeries[ref.series]?.gpus.find((g) => g.index === ref.index)?.points ?? [];
  return points.filter((p) => p.t >= win.from && p.t <= win.to).length;
}

interface ChartView {
  spec: ChartSpec;
  testId?: string;
}

function currentLegend(spec: ChartSpec, range: RangeId, last: LivePoint | undefined): LegendItem[] {
  return visibleSeries(spec, range).map((s) => ({ key: s.key, label: s.label, color: s.color, value: last ? formatValue(spec.unit, s.live(last)) : undefined }));
}

interface StartState {
  error: unknown;
  retry: () => void;
  retrying: boolean;
}

function Dashboard({ host, live, connected, start }: { host: HostWithState; live: LiveState; connected: boolean; start: StartState }) {
  const sample = live.latest!;
  const points = live.points;
  const last = points[points.length - 1];
  const [range, setRange] = useRange();
  const [userFilter, setUserFilter] = useState<string | null>(null);
  const now = useNow(connected ? 5_000 : 30_000);
  const def = RANGES[range];

  const hasGpus = sample.gpus.length > 0;
  // Every GPU series is read for every range: the 5-minute view too starts from history.
  const gpuHistory = useGpuHistorySet(host.id, hasGpus ? GPU_METRICS.map((m) => m.series) : [], range, hasGpus);
  const chartedGpus = useMemo(() => gpusToChart(sample.gpus, gpuHistory.bySeries), [sample.gpus, gpuHistory.bySeries]);
  const ctx: ChartContext = useMemo(
    () => ({
      memTotal: sample.memory.totalBytes || null,
      gpuMemTotal: sample.gpus.reduce((n, g) => n + (g.memoryTotalBytes ?? 0), 0) || null,
      gpus: chartedGpus,
    }),
    [sample.memory.totalBytes, sample.gpus, chartedGpus],
  );
  const main: ChartView[] = [
    { spec: cpuChart(), testId: 'chart-cpu' },
    { spec: memoryChart(ctx), testId: 'chart-memory' },
    { spec: netChart(), testId: 'chart-net' },
    { spec: diskChart(), testId: 'chart-disk' },
  ];
  const gpu = hasGpus ? gpuCharts(ctx) : [];
  const historySource = useHistorySource(host.id);
  // The 5-minute view is the live stream's: only the longer ranges read from Prometheus.
  const source = range === '5m' ? 'local' : historySource.source;
  const history = useHistorySet(host.id, historySeriesOf(main.map((c) => c.spec), range), range, true, source);

  // The 5-minute view follows the newest sample; longer ones end now (or at the last sample, if later).
  const anchor = range === '5m' ? (last?.t ?? now) : Math.max(now, last?.t ?? 0);
  const win = { from: anchor - def.ms, to: anchor };
  useHistoryFollowsLive(history, points[0]?.t ?? null, win.from);
  useHistoryFollowsLive(gpuHistory, points[0]?.t ?? null, win.from);

  const syncId = `monitor-${host.id}`;
  const rowsOf = (spec: ChartSpec) => buildChartRows(spec, range, win, history.bySeries, points, gpuHistory.bySeries);
  const countPoints = (rows: ReturnType<typeof rowsOf>, spec: ChartSpec) => rows.filter((r) => spec.series.some((s) => typeof r[s.key] === 'number')).length;
  /** The longest stretch between two points with data (ms): a hole in the history shows here (data-max-gap). */
  const maxGap = (rows: ReturnType<typeof rowsOf>, spec: ChartSpec) => {
    const ts = rows.filter((r) => spec.series.some((s) => typeof r[s.key] === 'number')).map((r) => r.t);
    return ts.slice(1).reduce((m, t, i) => Math.max(m, t - ts[i]!), 0);
  };

  const processes = userFilter ? sample.processes.filter((p) => p.user === userFilter) : sample.processes;
  const capacity = {
    cpuPercent: Math.max(1, sample.cpu.perCorePercent.length) * 100,
    memoryBytes: sample.memory.totalBytes,
    gpuMemoryBytes: ctx.gpuMemTotal ?? 0,
  };

  return (
    <div className="monitor" data-testid="monitor" data-history-source={source}>
      <div className="monitor-toolbar">
        <LiveStatus sample={sample} connected={connected && !start.error} now={Math.max(now, last?.t ?? 0)} />
        <div className="monitor-toolbar-end">
          {historySource.prometheus ? <HistorySourceSwitch value={historySource.source} onChange={historySource.set} prometheus={historySource.prometheus} /> : null}
          <RangeSwitch value={range} onChange={setRange} />
        </div>
      </div>
      {connected && start.error ? (
        <div className="notice notice-error monitor-start-problem" role="alert" data-testid="monitor-start-error">
          <Icon name="alert" size={16} className="notice-icon" />
          <div className="notice-text">
            <strong>Live monitoring could not start.</strong> {errorMessage(start.error)} The charts show what was recorded before.
          </div>
          <button type="button" className="button small" onClick={start.retry} disabled={start.retrying} data-testid="monitor-start-retry">
            <Icon name="refresh" size={13} className={start.retrying ? 'spin' : undefined} />
            Retry
          </button>
        </div>
      ) : null}
      {live.problem ? (
        <Notice tone="warning" testId="monitor-sample-problem">
          {live.problem} The charts keep the samples that could be read.
        </Notice>
      ) : null}
      {!connected ? (
        <Notice tone="info" testId="monitor-stopped">
          Not connected: the live charts stop at {formatClock(sample.t, now)}. Stored history still shows in the longer ranges.
        </Notice>
      ) : null}
      {sample.notes.length > 0 ? (
        <div className="section-notices" data-testid="monitor-notes">
          {sample.notes.map((n) => (
            <Notice key={n} tone="warning" testId="monitor-note">
              {n}
            </Notice>
          ))}
        </div>
      ) : null}
      {history.error && range !== '5m' ? (
        <Notice tone="warning" testId="monitor-history-error">
          <strong>History is not available{source === 'prometheus' ? ` from Prometheus on ${historySource.prometheus?.hostName ?? '?'}` : ''}.</strong> {errorMessage(history.error)} {source === 'prometheus' ? 'Choose “this laptop” to see what this laptop recorded.' : 'Showing the live samples of this session only.'}
        </Notice>
      ) : source === 'prometheus' ? (
        <p className="muted small-text monitor-source-note" data-testid="monitor-source-note">
          The {RANGES[range].label} charts show the fleet’s history from Prometheus on {historySource.prometheus?.hostName}, read through the SSH connection; the newest minutes come from the live stream.
        </p>
      ) : null}

      <Summary sample={sample} last={last} />

      <div className="chart-grid">
        {main.map(({ spec, testId }) => {
          const rows = rowsOf(spec);
          const series = visibleSeries(spec, range);
          return (
            <ChartPanel key={spec.id} title={spec.title} testId={testId} points={countPoints(rows, spec)} maxGap={maxGap(rows, spec)} legend={<ChartLegend items={currentLegend(spec, range, last)} />}>
              <TimeChart
                rows={rows}
                series={series}
                unit={spec.unit}
                from={win.from}
                to={win.to}
                syncId={syncId}
                yMax={spec.id === 'memory' ? Math.max(sample.memory.totalBytes, sample.memory.swapTotalBytes) : null}
                reference={spec.id === 'memory' ? { y: sample.memory.totalBytes, label: `total ${formatBytes(sample.memory.totalBytes)}` } : null}
                loading={history.pending}
              />
            </ChartPanel>
          );
        })}
      </div>

      {hasGpus ? (
        <section className="panel gpu-charts" data-testid="chart-gpu" data-gpus={chartedGpus.length}>
          <header className="chart-head">
            <h3 className="chart-title">
              <Icon name="layers" size={15} />
              GPUs
              <span className="chart-sub">{gpuModels(sample)} · one line per GPU</span>
            </h3>
            <GpuLegend gpus={chartedGpus} latest={last} />
          </header>
          {gpuHistory.error && range !== '5m' ? (
            <Notice tone="warning" testId="gpu-history-error">
              <strong>GPU history is not available.</strong> {errorMessage(gpuHistory.error)} Showing the live samples of this session only.
            </Notice>
          ) : null}
          <div className="gpu-chart-grid">
            {gpu.map((spec) => {
              const rows = rowsOf(spec);
              // Per GPU: rows with a value, and how many of them came from the stored per-GPU history.
              const perGpu = Object.fromEntries(
                spec.series.flatMap((s) => [
                  [`data-points-${s.key}`, rows.filter((r) => typeof r[s.key] === 'number').length],
                  [`data-stored-${s.key}`, storedInWindow(gpuHistory.bySeries, s.gpuHistory, win)],
                ]),
              );
              return (
                <div key={spec.id} className="gpu-chart" data-testid={`chart-${spec.id}`} data-points={countPoints(rows, spec)} {...perGpu}>
                  <div className="gpu-chart-title">{spec.title}</div>
                  <TimeChart
                    rows={rows}
                    series={spec.series}
                    unit={spec.unit}
                    from={win.from}
                    to={win.to}
                    syncId={syncId}
                    size="small"
                    loading={gpuHistory.pending}
                    lines={spec.series.length > 1}
                  />
                </div>
              );
            })}
          </div>
        </section>
      ) : null}

      {sample.pressure ? <PressurePanel pressure={sample.pressure} /> : null}

      <section className="panel usage-panel" data-testid="monitor-users">
        <div className="panel-title-row">
          <h2 className="panel-title">
            <Icon name="users" size={15} />
            Who is using what
          </h2>
          <span className="muted small-text">Sorted by GPU memory, then CPU · updated with every sample</span>
        </div>
        {sample.users.length === 0 ? (
          <p className="muted" data-testid="user-usage-empty">
            No user processes in this sample.
          </p>
        ) : (
          <UserUsageTable users={sample.users} capacity={capacity} selected={userFilter} onSelect={setUserFilter} />
        )}
      </section>

      <section className="panel usage-panel" data-testid="monitor-processes">
        <div className="panel-title-row">
          <h2 className="panel-title">
            <Icon name="activity" size={15} />
            Processes
            {userFilter ? (
              <button type="button" className="filter-chip" onClick={() => setUserFilter(null)} data-testid="process-user-filter" title="Show every process">
                user: <span className="mono">{userFilter}</span>
                <Icon name="x" size={12} />
              </button>
            ) : null}
          </h2>
          <span className="muted small-text">{hasGpus ? 'Every GPU process, and the heaviest by CPU and memory' : 'The heaviest by CPU and memory'}</span>
        </div>
        {processes.length === 0 ? (
          <p className="muted" data-testid="process-empty">
            {userFilter ? `No sampled process of ${userFilter}.` : 'No process in this sample.'}
          </p>
        ) : (
          <ProcessTable processes={processes} showGpu={hasGpus} />
        )}
      </section>
    </div>
  );
}

/**
 * The host's Monitor tab: starts the stream (once per connection), then charts and tables from
 * the cache. Every state has its own screen: not connected, starting, refused, waiting, live.
 */
export function MonitorTab({ host }: { host: HostWithState }) {
  const connected = host.connection.state === 'connected';
  const start = useMonitorStart(host.id, host.connection);
  const live = useLive(host.id, connected);
  const state = live.data;

  if (state?.latest) {
    return <Dashboard host={host} live={state} connected={connected} start={{ error: start.isError ? start.error : null, retry: () => void start.refetch(), retrying: start.isFetching }} />;
  }
  if (!connected) {
    return (
      <EmptyState icon="plug" title={`Connect to ${host.name} to monitor it live`} testId="monitor-not-connected" actions={<ConnectButton host={host} />}>
        Once connected, Fleetdeck streams CPU, memory, network, disk and GPU use every second, and shows who is using what.
      </EmptyState>
    );
  }
  if (start.isError) {
    return <ErrorState title="Live monitoring could not start" message={errorMessage(start.error)} onRetry={() => void start.refetch()} retrying={start.isFetching} testId="monitor-start-error" />;
  }
  return (
    <div className="monitor-waiting" data-testid="monitor-waiting" aria-busy="true">
      <Spinner size={18} />
      <div>
        <div className="strong">Waiting for the first sample…</div>
        <div className="muted small-text">{start.isPending ? 'Starting the live stream on the host.' : 'The stream is running; samples arrive every second.'}</div>
      </div>
      {state?.problem ? <Badge tone="warn">{state.problem}</Badge> : null}
    </div>
  );
}
