import type { Gpu, Inventory } from '../../src-common/inventory/inventory.schema.js';
import type { Probe } from '../../src-common/inventory/probe.schema.js';
import type { Sample } from '../../src-common/monitor/sample.schema.js';
import { EmptyState, UsageBar } from '../app/ui.js';
import { formatBytes, formatBytesOf, formatPercent, formatPower, formatTemperature, plural, ratioPercent } from '../format.js';
import { sectionFailed, SectionNotices, TAB_SECTIONS } from './SectionNotices.js';
import { GpuLiveProcesses, hasLiveGpuProcesses } from '../monitor/GpuLiveProcesses.js';
import { summarizeGpus } from './summary.js';
import { gpuAllocations } from '../limits/user-limits.js';
import { useInstalled } from '../setup/use-change.js';

function tempClass(c: number | null): string {
  if (c === null) return '';
  return c >= 85 ? 'text-error' : c >= 75 ? 'text-warn' : '';
}

function GpuRow({ gpu, allocated }: { gpu: Gpu; allocated: string[] | null }) {
  const memPercent = ratioPercent(gpu.memoryUsedBytes, gpu.memoryTotalBytes);
  return (
    <tr data-testid={`gpu-row-${gpu.index}`}>
      <td className="num mono strong">{gpu.index}</td>
      <td className="gpu-name-cell">
        <div className="strong">{gpu.name}</div>
        {/* "00000000:01:00.0" → "01:00.0": the PCI domain is all zeros on nearly every machine. */}
        <div className="muted small-text mono truncate" title={gpu.busId ?? gpu.uuid}>
          {gpu.busId ? gpu.busId.replace(/^0{4,8}:/, '') : gpu.uuid}
        </div>
        {allocated ? (
          <div className="small-text" title="From the host's per-user limits (GPUs)">
            <span className="muted">{allocated.length ? 'allocated to ' : 'not allocated: shared'}</span>
            {allocated.length ? (
              <span className="mono strong" data-testid={`gpu-allocated-${gpu.index}`}>
                {allocated.join(', ')}
              </span>
            ) : null}
          </div>
        ) : null}
      </td>
      <td className="cell-bar">
        <div className="cell-bar-text">
          <span>{formatBytesOf(gpu.memoryUsedBytes, gpu.memoryTotalBytes)}</span>
          <span className="muted">{formatPercent(memPercent)}</span>
        </div>
        <UsageBar percent={memPercent} size="small" label={`GPU ${gpu.index} memory`} />
      </td>
      <td className="cell-bar">
        <div className="cell-bar-text">
          <span>{formatPercent(gpu.utilizationGpuPercent)}</span>
          {gpu.utilizationMemoryPercent !== null ? <span className="muted">mem bus {formatPercent(gpu.utilizationMemoryPercent)}</span> : null}
        </div>
        <UsageBar percent={gpu.utilizationGpuPercent} size="small" graded={false} label={`GPU ${gpu.index} utilization`} />
      </td>
      <td className={`num ${tempClass(gpu.temperatureC)}`}>{formatTemperature(gpu.temperatureC)}</td>
      <td className="num gpu-power">
        {formatPower(gpu.powerDrawW)}
        {gpu.powerLimitW !== null ? <div className="muted small-text">of {formatPower(gpu.powerLimitW)}</div> : null}
      </td>
      <td className="num">{gpu.processes.length || <span className="muted">0</span>}</td>
      <td className="num" title={gpu.eccMode ? `ECC ${gpu.eccMode}` : 'No ECC reported'}>
        {gpu.eccMode === 'disabled' ? <span className="muted">off</span> : gpu.eccErrorsUncorrected ? <span className="text-error">{gpu.eccErrorsUncorrected}</span> : <span className="muted">{gpu.eccErrorsUncorrected ?? '—'}</span>}
      </td>
    </tr>
  );
}

/** All compute processes, like the bottom half of nvidia-smi: who is using which GPU. */
function ProcessTable({ gpus }: { gpus: Gpu[] }) {
  const rows = gpus.flatMap((g) => g.processes.map((p) => ({ gpu: g.index, ...p })));
  return (
    <section className="panel" data-testid="gpu-processes">
      <h2 className="panel-title">Processes</h2>
      {rows.length === 0 ? (
        <p className="muted">No process is using a GPU right now.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th className="num">GPU</th>
                <th className="num">PID</th>
                <th>Process</th>
                <th>Type</th>
                <th className="num">GPU memory</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={`${p.gpu}-${p.pid}-${p.name}`} data-testid={`gpu-process-${p.pid}`}>
                  <td className="num mono">{p.gpu}</td>
                  <td className="num mono">{p.pid}</td>
                  <td className="mono process-name" title={p.name}>
                    {p.name}
                  </td>
                  <td className="muted">{p.type === 'C' ? 'compute' : p.type === 'G' ? 'graphics' : (p.type ?? '—')}</td>
                  <td className="num">{formatBytes(p.usedMemoryBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function GpusTab({ inventory, probe, live = null, hostId }: { inventory: Inventory; probe: Probe | undefined; live?: Sample | null; hostId?: number }) {
  const gpus = [...inventory.gpus].sort((a, b) => a.index - b.index);
  // Who each GPU is allocated to, from the host's limits policy (a stored host only).
  const installed = useInstalled(hostId ?? -1, hostId !== undefined);
  const alloc = hostId !== undefined ? gpuAllocations(installed.data, inventory.users) : null;
  const allocatedTo = (g: Gpu) => (alloc ? [...new Set([...(alloc.byGpu.get(String(g.index)) ?? []), ...(alloc.byGpu.get(g.uuid) ?? [])])] : null);
  const summary = summarizeGpus(gpus);
  const other = probe?.gpuVendors.filter((v) => v !== 'nvidia') ?? [];
  if (!summary) {
    return (
      <>
        <SectionNotices inventory={inventory} names={TAB_SECTIONS.gpus} />
        {sectionFailed(inventory, 'gpus') ? null : (
          <EmptyState icon="layers" title="No NVIDIA GPUs detected" testId="gpus-empty">
            {other.length > 0
              ? `This host has ${other.map((v) => v.toUpperCase()).join(' and ')} graphics; Fleetdeck reads NVIDIA GPUs through nvidia-smi only.`
              : 'nvidia-smi found no GPU on this host, or the NVIDIA driver is not installed.'}
          </EmptyState>
        )}
      </>
    );
  }
  const first = gpus[0];
  return (
    <div className="gpus" data-testid="gpus">
      <SectionNotices inventory={inventory} names={TAB_SECTIONS.gpus} />
      <div className="summary-strip">
        <div className="summary-item summary-wide">
          <span className="summary-label">GPUs</span>
          <span className="summary-value" title={`${summary.count} × ${summary.model}`}>
            {summary.count} × {summary.model}
          </span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Memory in use</span>
          <span className="summary-value">{formatBytesOf(summary.memoryUsedBytes, summary.memoryTotalBytes)}</span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Average utilization</span>
          <span className="summary-value">{formatPercent(summary.avgUtilization)}</span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Processes</span>
          <span className="summary-value">{plural(summary.processes, 'process', 'processes')}</span>
        </div>
        <div className="summary-item">
          <span className="summary-label">Driver · CUDA</span>
          <span className="summary-value mono">
            {first?.driverVersion ?? '—'} · {first?.cudaVersion ?? '—'}
          </span>
        </div>
      </div>
      <div className="table-wrap">
        <table className="table gpu-table">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>Name</th>
              <th>Memory</th>
              <th>Utilization</th>
              <th className="num">Temp.</th>
              <th className="num">Power</th>
              <th className="num">Procs</th>
              <th className="num" title="Uncorrected ECC errors">ECC</th>
            </tr>
          </thead>
          <tbody>
            {gpus.map((g) => (
              <GpuRow key={g.uuid || g.index} gpu={g} allocated={allocatedTo(g)} />
            ))}
          </tbody>
        </table>
      </div>
      {alloc?.counts.length ? (
        <p className="muted small-text" data-testid="gpu-allocation-counts">
          Any GPUs, a number per container: {alloc.counts.map((c) => `${c.user} ${c.count}`).join(', ')}.
        </p>
      ) : null}
      {/* Live attribution (user, container) when the stream sees GPU processes; else nvidia-smi's view from the inventory. */}
      {hasLiveGpuProcesses(live) ? <GpuLiveProcesses sample={live} /> : <ProcessTable gpus={gpus} />}
    </div>
  );
}
