import type { UseQueryResult } from '@tanstack/react-query';
import type { Inventory } from '../../src-common/inventory/inventory.schema.js';
import { errorMessage } from '../api/api-error.js';
import { Meter, Skeleton } from '../app/ui.js';
import { formatAgo, formatBytesOf, formatPercent, plural } from '../format.js';
import { memoryInUse, shortCpuModel, shortGpuModel, summarizeGpus } from './summary.js';

interface Props {
  snapshot: UseQueryResult<Inventory>;
  connected: boolean;
  now: number;
}

/** CPU, memory and GPU at a glance, from the last snapshot (kept, and labelled, after a disconnect). */
export function HostCardMetrics({ snapshot, connected, now }: Props) {
  const inv = snapshot.data;
  if (!inv) {
    if (connected && snapshot.isError) return <div className="host-card-metrics metrics-note error-text">{errorMessage(snapshot.error)}</div>;
    if (connected)
      return (
        <div className="host-card-metrics" aria-busy="true">
          <Skeleton className="skeleton-meter" />
          <Skeleton className="skeleton-meter" />
          <Skeleton className="skeleton-meter" />
        </div>
      );
    return <div className="host-card-metrics metrics-note muted">Connect to see CPU, memory and GPUs.</div>;
  }
  const mem = memoryInUse(inv);
  const gpus = summarizeGpus(inv.gpus);
  const cpu = inv.cpu;
  return (
    <div className={`host-card-metrics${connected ? '' : ' is-stale'}`} data-testid="host-card-metrics">
      {!connected ? <div className="metrics-stale">Last seen {formatAgo(inv.takenAt, now)}</div> : null}
      <Meter
        icon="chip"
        label={`${plural(cpu.threads || cpu.cores, 'CPU')}`}
        value={shortCpuModel(cpu.model)}
        percent={cpu.usagePercent}
        testId="card-cpu"
      />
      <Meter icon="memory" label="Memory" value={formatBytesOf(mem.used, mem.total)} percent={mem.percent} testId="card-memory" />
      {gpus ? (
        <Meter
          icon="layers"
          label={`${gpus.count} × GPU`}
          value={`${formatBytesOf(gpus.memoryUsedBytes, gpus.memoryTotalBytes)}`}
          percent={gpus.memoryPercent}
          testId="card-gpu"
          sub={
            <>
              <span className="truncate">{shortGpuModel(gpus.model)}</span>
              <span>{formatPercent(gpus.avgUtilization)} avg util</span>
            </>
          }
        />
      ) : (
        <div className="meter meter-none" data-testid="card-gpu">
          <span className="meter-label muted">No GPU</span>
        </div>
      )}
    </div>
  );
}
