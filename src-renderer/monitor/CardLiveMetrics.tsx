import { useMemo, type ReactNode } from 'react';
import type { Inventory } from '../../src-common/inventory/inventory.schema.js';
import { Icon, type IconName } from '../app/icons.js';
import { formatBytesOf, formatPercent, plural, ratioPercent } from '../format.js';
import { shortCpuModel, shortGpuModel } from '../inventory/summary.js';
import { hostLoad } from './fleet-sort.js';
import { bucketize, type LivePoint, type LiveState } from './monitor-data.js';
import { Sparkline, type SparkPoint } from './Sparkline.js';

/** Sparklines step every 5 s: smooth enough for a glance, and a card re-draws its charts rarely. */
const SPARK_BUCKET_MS = 5_000;

function spark(points: readonly LivePoint[], pick: (p: LivePoint) => number | null): SparkPoint[] {
  return bucketize(
    points.map((p) => ({ t: p.t, v: pick(p) })),
    SPARK_BUCKET_MS,
  ).map((p) => ({ t: p.t, v: p.v }));
}

function LiveRow({ icon, label, value, percent, testId, children, sub }: { icon: IconName; label: string; value: string; percent: number | null; testId: string; children: ReactNode; sub?: ReactNode }) {
  return (
    <div className="meter live-meter" data-testid={testId}>
      <div className="meter-head">
        <span className="meter-label">
          <Icon name={icon} size={14} />
          {label}
        </span>
        <span className="meter-value">
          {value}
          <span className="meter-percent">{formatPercent(percent)}</span>
        </span>
      </div>
      {children}
      {sub ? <div className="meter-sub">{sub}</div> : null}
    </div>
  );
}

/** CPU, memory and GPU of a connected host from its live stream: numbers now, 5-minute trend. */
export function CardLiveMetrics({ live, inventory }: { live: LiveState; inventory: Inventory | undefined }) {
  const sample = live.latest;
  const points = live.points;
  const last = points[points.length - 1];
  const bucket = last ? Math.floor(last.t / SPARK_BUCKET_MS) : 0;
  const sparks = useMemo(
    () => ({
      cpu: spark(points, (p) => p.cpu),
      memory: spark(points, (p) => ratioPercent(p.memUsed, p.memTotal)),
      gpu: spark(points, (p) => p.gpuUtil),
    }),
    // Rebuilt when a new 5-second bucket starts, not on every sample (points is read at that edge).
    [bucket, points.length === 0],
  );
  if (!sample) return null;
  const threads = sample.cpu.perCorePercent.length || inventory?.cpu.threads || 0;
  const memPercent = ratioPercent(sample.memory.usedBytes, sample.memory.totalBytes);
  const gpus = sample.gpus;
  const gpuUsed = gpus.reduce((n, g) => n + (g.memoryUsedBytes ?? 0), 0);
  const gpuTotal = gpus.reduce((n, g) => n + (g.memoryTotalBytes ?? 0), 0);
  const models = new Set(gpus.map((g) => g.name));
  return (
    <div className="host-card-metrics is-live" data-testid="host-card-metrics">
      <LiveRow
        icon="chip"
        label={threads ? plural(threads, 'CPU') : 'CPU'}
        value={inventory ? shortCpuModel(inventory.cpu.model) : `load ${sample.load[0].toFixed(2)}`}
        percent={sample.cpu.totalPercent}
        testId="card-cpu"
      >
        <Sparkline points={sparks.cpu} color={0} label="CPU use, last 5 minutes" testId="card-sparkline-cpu" />
      </LiveRow>
      <LiveRow icon="memory" label="Memory" value={formatBytesOf(sample.memory.usedBytes, sample.memory.totalBytes)} percent={memPercent} testId="card-memory">
        <Sparkline points={sparks.memory} color={1} label="Memory use, last 5 minutes" testId="card-sparkline-memory" />
      </LiveRow>
      {gpus.length > 0 ? (
        <LiveRow
          icon="layers"
          label={`${gpus.length} × GPU`}
          value={models.size === 1 ? shortGpuModel(gpus[0]?.name ?? '') : `${models.size} models`}
          percent={hostLoad(sample).gpu}
          testId="card-gpu"
          sub={
            <>
              <span>avg utilization</span>
              <span>{formatBytesOf(gpuUsed, gpuTotal)} memory</span>
            </>
          }
        >
          <Sparkline points={sparks.gpu} color={5} label="GPU utilization, last 5 minutes" testId="card-sparkline-gpu" />
        </LiveRow>
      ) : (
        <div className="meter meter-none" data-testid="card-gpu">
          <span className="meter-label muted">No GPU</span>
        </div>
      )}
    </div>
  );
}
