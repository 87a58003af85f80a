import type { Sample } from '../../src-common/monitor/sample.schema.js';
import { Badge } from '../app/ui.js';
import { formatBytes } from '../format.js';
import { gpuProcessRows } from './monitor-data.js';
import { coresHint, formatCpu } from './monitor-format.js';
import { ContainerCell, KindBadge, processUser } from './UsageTables.js';

/** Whether a live sample can attribute GPU use (else the GPUs tab keeps the inventory's table). */
export function hasLiveGpuProcesses(sample: Sample | null | undefined): sample is Sample {
  return Boolean(sample && sample.processes.some((p) => p.gpus.length > 0));
}

/**
 * The GPUs tab's process table from the live stream: like nvidia-smi's (one row per GPU a process
 * uses) plus who runs it and in which container. Memory is the process's total over its GPUs.
 */
export function GpuLiveProcesses({ sample }: { sample: Sample }) {
  const rows = gpuProcessRows(sample);
  return (
    <section className="panel" data-testid="gpu-processes">
      <div className="panel-title-row">
        <h2 className="panel-title">
          Processes
          <Badge tone="ok" testId="gpu-processes-live" title="From the live monitoring stream">
            live
          </Badge>
        </h2>
        <span className="muted small-text">Who is using each GPU, with the container and its owner</span>
      </div>
      <div className="table-wrap">
        <table className="table usage-table gpu-process-table">
          <thead>
            <tr>
              <th className="num">GPU</th>
              <th className="num">PID</th>
              <th>User</th>
              <th>Process</th>
              <th>Container</th>
              <th>Kind</th>
              <th className="num">CPU</th>
              <th className="num">GPU memory</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ gpu, process: p }) => (
              <tr key={`${gpu}-${p.pid}`} data-testid={`gpu-process-${p.pid}`}>
                <td className="num mono">{gpu}</td>
                <td className="num mono">{p.pid}</td>
                <td className="mono">{processUser(p)}</td>
                <td className="mono process-command" title={p.command}>
                  {p.command}
                </td>
                <td className="container-col">
                  <ContainerCell container={p.container} />
                </td>
                <td>
                  <KindBadge kind={p.kind} />
                </td>
                <td className="num" title={coresHint(p.cpuPercent)}>
                  {formatCpu(p.cpuPercent, false)}
                </td>
                <td className="num" title={p.gpus.length > 1 ? `Total over GPUs ${p.gpus.join(', ')}` : undefined}>
                  {formatBytes(p.gpuMemoryBytes)}
                  {p.gpus.length > 1 ? <span className="muted"> Σ</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
