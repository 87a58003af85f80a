import type { ContainerRef, ProcessSample, UserUsage } from '../../../src-common/monitor/sample.schema.js';
import type { HelperContext } from '../context.js';
import { readMounts } from '../inventory/collect-storage.js';
import type { ContainerRuntime } from '../inventory/container-identity.js';
import { ContainerDirectory, type ContainerInfo } from './container-directory.js';
import type { GpuProcessUse } from './gpu-sample.js';
import { MANAGED_LABEL } from '../../../src-common/monitor/labels.js';
import { containerOwner, inferContainerUids } from './owner-inference.js';
import { ProcessScanner, type ScannedProcess } from './process-scan.js';
import { accountFor, aggregateUsers, type Account } from './user-usage.js';
import { UserDirectory, type UserNames } from './user-directory.js';

/** How many of the busiest processes (by CPU, and again by memory) a sample lists besides every GPU process. */
export const TOP_PROCESSES = 25;

export interface AttributionInput {
  scan: readonly ScannedProcess[];
  gpuProcesses: ReadonlyMap<number, GpuProcessUse>;
  containers: ReadonlyMap<string, ContainerInfo>;
  names: UserNames;
  topN?: number;
}

export interface Attribution {
  processes: ProcessSample[];
  users: UserUsage[];
}

interface Attributed {
  sample: ProcessSample;
  account: Account;
}

function runtimeName(runtime: ContainerRuntime | null): ContainerRef['runtime'] {
  return runtime ?? 'unknown';
}

/**
 * Who is using what: every process gets its user, container (name and owner) and kind; the per-user
 * totals cover every process, while the list keeps every GPU process plus the heaviest by CPU
 * and by memory, so a sample stays small on a host running thousands of processes.
 */
export function attribute({ scan, gpuProcesses, containers, names, topN = TOP_PROCESSES }: AttributionInput): Attribution {
  const inferredUids = inferContainerUids(scan);
  const refs = new Map<string, { ref: ContainerRef; managed: boolean; ownerUid: number | null }>();
  const containerFor = (id: string, runtime: ContainerRuntime | null) => {
    let entry = refs.get(id);
    if (!entry) {
      const info = containers.get(id);
      const owner = containerOwner(info?.labels, inferredUids.get(id) ?? null, names);
      entry = {
        ref: { id, name: info?.name ?? null, runtime: runtimeName(runtime), owner: owner.owner, ownerSource: owner.ownerSource },
        managed: info ? MANAGED_LABEL in info.labels : false,
        ownerUid: owner.ownerUid,
      };
      refs.set(id, entry);
    }
    return entry;
  };

  const all: Attributed[] = [];
  const seen = new Set<number>();
  for (const p of scan) {
    seen.add(p.pid);
    const gpu = gpuProcesses.get(p.pid);
    const c = p.containerId ? containerFor(p.containerId, p.runtime) : null;
    const sample: ProcessSample = {
      pid: p.pid,
      uid: p.uid,
      loginUid: p.loginUid,
      user: p.uid === null ? null : names.nameOf(p.uid),
      command: p.command,
      cpuPercent: p.cpuPercent,
      rssBytes: p.rssBytes,
      gpuMemoryBytes: gpu?.gpuMemoryBytes ?? 0,
      gpus: gpu ? [...gpu.gpus].sort((a, b) => a - b) : [],
      // A notebook kernel in a container is still a kernel; the container field says where it runs.
      kind: p.jupyterKernel ? 'jupyter-kernel' : c ? 'container' : 'host',
      container: c?.ref ?? null,
      managed: c?.managed ?? false,
      guard: p.guard,
    };
    all.push({ sample, account: accountFor(sample, c?.ownerUid ?? null, names) });
  }
  // GPU processes /proc did not show (another pid namespace, hidepid, exited since nvidia-smi ran) are still someone's GPU memory.
  for (const gpu of gpuProcesses.values()) {
    if (seen.has(gpu.pid)) continue;
    const sample: ProcessSample = {
      pid: gpu.pid, uid: null, loginUid: null, user: null, command: gpu.name || `pid ${gpu.pid}`,
      cpuPercent: 0, rssBytes: 0, gpuMemoryBytes: gpu.gpuMemoryBytes, gpus: [...gpu.gpus].sort((a, b) => a - b),
      kind: 'host', container: null, managed: false,
    };
    all.push({ sample, account: accountFor(sample, null, names) });
  }

  const users = aggregateUsers(all.map(({ sample, account }) => ({ account, cpuPercent: sample.cpuPercent, rssBytes: sample.rssBytes, gpuMemoryBytes: sample.gpuMemoryBytes, gpus: sample.gpus })));
  return { processes: selectProcesses(all.map((a) => a.sample), gpuProcesses, topN), users };
}

/** Every GPU process, the top N by CPU and the top N by RSS, without duplicates, busiest first. */
export function selectProcesses(all: readonly ProcessSample[], gpuProcesses: ReadonlyMap<number, unknown>, topN: number): ProcessSample[] {
  const picked = new Set<ProcessSample>(all.filter((p) => gpuProcesses.has(p.pid)));
  for (const p of [...all].sort((a, b) => b.cpuPercent - a.cpuPercent || b.rssBytes - a.rssBytes).slice(0, topN)) picked.add(p);
  for (const p of [...all].sort((a, b) => b.rssBytes - a.rssBytes).slice(0, topN)) picked.add(p);
  return [...picked].sort((a, b) => b.cpuPercent - a.cpuPercent || b.gpuMemoryBytes - a.gpuMemoryBytes || b.rssBytes - a.rssBytes || a.pid - b.pid);
}

export const HIDDEN_PROCESSES_NOTE = "other users' processes are hidden from the helper (/proc is mounted with hidepid): run with sudo to see other users' processes";

/** hidepid rarely changes; re-checking the mount once a minute is plenty. */
const HIDEPID_CHECK_MS = 60_000;

/** hidepid=1/2 or noaccess/invisible/ptraceable hide other users' /proc entries; 0 or "off" does not. */
export function procHidesPids(superOptions: readonly string[]): boolean {
  const opt = superOptions.find((o) => o.startsWith('hidepid='));
  return opt !== undefined && !['hidepid=0', 'hidepid=off'].includes(opt);
}

/** The stateful side: the /proc walk, the user and container directories, and what could not be seen. */
export class ProcessAttributor {
  private readonly scanner: ProcessScanner;
  private readonly containers: ContainerDirectory;
  private readonly users: UserDirectory;
  private hidepid = false;
  private hidepidCheckedAt = -Infinity;

  constructor(
    private readonly ctx: HelperContext,
    private readonly now: () => number = Date.now,
    private readonly topN = TOP_PROCESSES,
  ) {
    this.scanner = new ProcessScanner(ctx, now);
    this.containers = new ContainerDirectory(ctx, now);
    this.users = new UserDirectory(ctx, now);
  }

  /** `gpuProcesses` may still be pending: the /proc walk overlaps nvidia-smi. */
  async sample(gpuProcesses: ReadonlyMap<number, GpuProcessUse> | Promise<ReadonlyMap<number, GpuProcessUse>>): Promise<Attribution & { notes: string[] }> {
    const [scan, gpu] = await Promise.all([this.scanner.scan(), gpuProcesses, this.users.refresh(), this.checkHidepid()]);
    // Kubernetes with the cgroupfs driver hides the runtime (null): Docker may know those ids, or may not be there at all.
    const inContainers = scan.processes.filter((p) => p.containerId && (p.runtime === 'docker' || p.runtime === null));
    const lookup = await this.containers.lookup([...new Set(inContainers.map((p) => p.containerId!))]);
    const notes: string[] = [];
    // Root sees everything whatever the mount says; a handful of unreadable pids is just processes exiting mid-walk.
    if (this.ctx.uid !== 0 && (this.hidepid || scan.unreadable >= 5)) notes.push(HIDDEN_PROCESSES_NOTE);
    // Only a container known to be Docker's makes a Docker failure worth a note.
    if (lookup.note && inContainers.some((p) => p.runtime === 'docker')) notes.push(lookup.note);
    return { ...attribute({ scan: scan.processes, gpuProcesses: gpu, containers: lookup.containers, names: this.users, topN: this.topN }), notes };
  }

  private async checkHidepid(): Promise<void> {
    if (this.ctx.uid === 0 || this.now() - this.hidepidCheckedAt < HIDEPID_CHECK_MS) return;
    this.hidepidCheckedAt = this.now();
    const proc = (await readMounts(this.ctx))?.filter((m) => m.mountPoint === '/proc').at(-1);
    this.hidepid = proc ? procHidesPids([...proc.superOptions, ...proc.mountOptions]) : false;
  }
}
