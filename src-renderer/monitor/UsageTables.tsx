import { useState } from 'react';
import type { ContainerRef, ProcessSample, UserUsage } from '../../src-common/monitor/sample.schema.js';
import { Badge, UsageBar } from '../app/ui.js';
import { formatBytes, ratioPercent } from '../format.js';
import { useRoute } from '../app/use-route.js';
import { KillButton, KillDialog } from '../processes/KillDialog.js';
import { sortProcesses, sortUsers } from './monitor-data.js';
import { coresHint, formatCpu } from './monitor-format.js';

/**
 * "Who is using what": per-user totals and the sampled processes with their owner, container
 * and kind. Everything here is host data and rendered as text.
 */

function GpuChips({ gpus }: { gpus: readonly number[] }) {
  if (gpus.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="chip-list gpu-chips" aria-label="GPUs">
      {[...gpus]
        .sort((a, b) => a - b)
        .map((g) => (
          <li key={g} className="chip mono">
            {g}
          </li>
        ))}
    </ul>
  );
}

function BarCell({ text, percent, label }: { text: string; percent: number | null; label: string }) {
  return (
    <td className="cell-bar usage-cell">
      <div className="cell-bar-text">
        <span>{text}</span>
      </div>
      <UsageBar percent={percent} size="small" graded={false} label={label} />
    </td>
  );
}

export interface Capacity {
  /** CPU threads × 100 (a user at 400% on 8 threads uses half the machine). */
  cpuPercent: number;
  memoryBytes: number;
  gpuMemoryBytes: number;
}

export function UserUsageTable({ users, capacity, selected, onSelect }: { users: readonly UserUsage[]; capacity: Capacity; selected: string | null; onSelect: (user: string | null) => void }) {
  const rows = sortUsers(users);
  return (
    <div className="table-wrap">
      <table className="table usage-table" data-testid="user-usage-table">
        <thead>
          <tr>
            <th>User</th>
            <th>CPU</th>
            <th>Memory</th>
            <th>GPU memory</th>
            <th>GPUs</th>
            <th className="num">Processes</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((u) => (
            <tr key={`${u.user}-${u.uid ?? ''}`} data-testid={`user-usage-row-${u.user}`} className={selected === u.user ? 'is-selected' : undefined}>
              <td>
                <button
                  type="button"
                  className="link-button strong mono"
                  onClick={() => onSelect(selected === u.user ? null : u.user)}
                  title={selected === u.user ? 'Show every process' : `Show only ${u.user}'s processes`}
                  aria-pressed={selected === u.user}
                >
                  {u.user}
                </button>
                {u.uid !== null ? <span className="muted small-text"> uid {u.uid}</span> : null}
              </td>
              <BarCell text={formatCpu(u.cpuPercent)} percent={ratioPercent(u.cpuPercent, capacity.cpuPercent)} label={`${u.user} CPU`} />
              <BarCell text={formatBytes(u.memoryBytes)} percent={ratioPercent(u.memoryBytes, capacity.memoryBytes)} label={`${u.user} memory`} />
              {capacity.gpuMemoryBytes > 0 ? (
                <BarCell text={u.gpuMemoryBytes > 0 ? formatBytes(u.gpuMemoryBytes) : '—'} percent={ratioPercent(u.gpuMemoryBytes, capacity.gpuMemoryBytes)} label={`${u.user} GPU memory`} />
              ) : (
                <td className="muted">—</td>
              )}
              <td>
                <GpuChips gpus={u.gpusTouched} />
              </td>
              <td className="num">{u.processes}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const KIND: Record<ProcessSample['kind'], { label: string; tone: 'accent' | 'neutral' | 'busy' }> = {
  container: { label: 'Container', tone: 'accent' },
  host: { label: 'Host', tone: 'neutral' },
  'jupyter-kernel': { label: 'Jupyter kernel', tone: 'busy' },
};

export function KindBadge({ kind, testId = 'process-kind' }: { kind: ProcessSample['kind']; testId?: string }) {
  const k = KIND[kind] ?? { label: kind, tone: 'neutral' as const };
  return (
    <Badge tone={k.tone} testId={testId}>
      {k.label}
    </Badge>
  );
}

/** Whether Fleetdeck started the container: a container's property, so it sits beside its name. */
function ManagedBadge({ managed }: { managed: boolean }) {
  return managed ? (
    <Badge tone="ok" testId="process-managed" title="A container started through Fleetdeck">
      managed
    </Badge>
  ) : (
    <Badge testId="process-managed" title="A container Fleetdeck did not start">
      unmanaged
    </Badge>
  );
}

export function ContainerCell({ container, managed }: { container: ContainerRef | null; managed?: boolean }) {
  if (!container) return <span className="muted">—</span>;
  const name = container.name ?? container.id.slice(0, 12);
  return (
    <div className="container-cell">
      <span className="container-name">
        <span className="strong mono truncate" title={`${container.runtime} container ${container.id}`}>
          {name}
        </span>
        {managed === undefined ? null : <ManagedBadge managed={managed} />}
      </span>
      {container.owner ? (
        <span className="container-owner">
          <span className="muted">owner</span> <span className="mono">{container.owner}</span>
          {container.ownerSource ? (
            <Badge
              tone={container.ownerSource === 'label' ? 'ok' : 'warn'}
              testId="owner-source"
              title={container.ownerSource === 'label' ? 'From the fleetdeck.owner label' : 'Inferred from the user its processes run as'}
            >
              {container.ownerSource}
            </Badge>
          ) : null}
        </span>
      ) : (
        <span className="muted small-text">owner unknown</span>
      )}
    </div>
  );
}

/**
 * Kind and container (name · owner) as one line under the command, for a panel too narrow for
 * their own columns (monitor.css shows either this or the columns, never both); whether it is
 * managed and where the owner comes from are in its title. Host processes outside containers,
 * the usual case, add nothing.
 */
function CommandMeta({ p }: { p: ProcessSample }) {
  if (p.kind === 'host' && !p.container) return null;
  const c = p.container;
  const name = c ? (c.name ?? c.id.slice(0, 12)) : null;
  const owner = c?.owner ? `, owner ${c.owner}${c.ownerSource ? ` (${c.ownerSource})` : ''}` : '';
  const title = `${KIND[p.kind]?.label ?? p.kind}${c ? ` · ${c.runtime} container ${name}${owner} · ${p.managed ? 'managed' : 'unmanaged'}` : ''}`;
  return (
    <div className="process-command-meta" title={title}>
      <KindBadge kind={p.kind} testId="process-kind-inline" />
      {c ? (
        <span className="process-command-container">
          <span className="mono strong">{name}</span>
          {c.owner ? <span className="muted"> · {c.owner}</span> : null}
        </span>
      ) : null}
    </div>
  );
}

export function processUser(p: Pick<ProcessSample, 'user' | 'uid'>): string {
  return p.user ?? (p.uid !== null ? `uid ${p.uid}` : '—');
}

/** Rows shown before "Show all": the heaviest, which is what the question is about. */
export const PROCESS_ROWS = 20;

/**
 * The sampled processes, `top`-like: who and how much first, then what it is, the command last
 * (it takes the room the others leave and is cut, the full text in its title); Kill… is pinned to
 * the right edge.
 */
export function ProcessTable({ processes, showGpu }: { processes: readonly ProcessSample[]; showGpu: boolean }) {
  const [all, setAll] = useState(false);
  // The dialog outlives the row: the process it killed leaves the table with the next sample.
  const [killing, setKilling] = useState<number | null>(null);
  const sorted = sortProcesses(processes);
  const rows = all ? sorted : sorted.slice(0, PROCESS_ROWS);
  const route = useRoute();
  const hostId = route.page === 'host' ? route.id : null;
  return (
    <>
      <div className="table-wrap">
        <table className={`table usage-table process-table${showGpu ? ' with-gpu' : ''}`} data-testid="process-table">
          <thead>
            <tr>
              <th className="num">PID</th>
              <th>User</th>
              <th className="num">CPU</th>
              <th className="num">RSS</th>
              {showGpu ? <th className="num">GPU mem.</th> : null}
              {showGpu ? <th>GPUs</th> : null}
              <th className="kind-col">Kind</th>
              <th className="container-col">Container</th>
              <th>Command</th>
              {hostId !== null ? <th className="action-col" aria-label="Actions" /> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.pid} data-testid={`process-row-${p.pid}`}>
                <td className="num mono">{p.pid}</td>
                <td>
                  <span className="mono">{processUser(p)}</span>
                  {p.loginUid !== null && p.loginUid !== p.uid ? (
                    <div className="muted small-text nowrap" title={`Started by uid ${p.loginUid} (its login uid: who started it, even through sudo)`}>
                      login uid {p.loginUid}
                    </div>
                  ) : null}
                </td>
                <td className="num" title={coresHint(p.cpuPercent)}>
                  {formatCpu(p.cpuPercent, false)}
                </td>
                <td className="num">{formatBytes(p.rssBytes)}</td>
                {showGpu ? <td className="num">{p.gpuMemoryBytes > 0 ? formatBytes(p.gpuMemoryBytes) : <span className="muted">—</span>}</td> : null}
                {showGpu ? (
                  <td>
                    <GpuChips gpus={p.gpus} />
                  </td>
                ) : null}
                <td className="kind-col">
                  <KindBadge kind={p.kind} />
                </td>
                <td className="container-col">
                  {/* Managed or not is a container's property: Fleetdeck starts containers, not host processes. */}
                  <ContainerCell container={p.container} managed={p.managed} />
                </td>
                <td className="mono process-command">
                  <div className="process-command-text" title={p.command}>
                    {p.command}
                  </div>
                  <CommandMeta p={p} />
                </td>
                {hostId !== null ? (
                  <td className="action-col">
                    <KillButton pid={p.pid} guard={p.guard} user={processUser(p)} onOpen={setKilling} />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {sorted.length > PROCESS_ROWS ? (
        <button type="button" className="button ghost small table-more" onClick={() => setAll(!all)} data-testid="process-show-all">
          {all ? 'Show the heaviest only' : `Show all ${sorted.length} processes`}
        </button>
      ) : null}
      {killing !== null && hostId !== null ? <KillDialog hostId={hostId} pid={killing} onClose={() => setKilling(null)} /> : null}
    </>
  );
}
