import { processGuard, type ProcessGuard } from '../../../src-common/processes/limits.js';
import type { HelperContext } from '../context.js';
import type { ContainerRuntime } from '../inventory/container-identity.js';
import { describeCgroupMembership, parseProcPidCgroup } from '../inventory/proc-pid-cgroup.js';
import { isJupyterKernel } from './jupyter.js';
import { cpuPercentBetween, type TickReading } from './pid-cpu.js';
import { commandLine, parseCmdline, parseLoginUid, parsePidStat, parsePidStatus, type PidStat } from './proc-pid-files.js';

export interface ScannedProcess {
  pid: number;
  uid: number | null;
  loginUid: number | null;
  command: string;
  jupyterKernel: boolean;
  cpuPercent: number;
  rssBytes: number;
  containerId: string | null;
  runtime: ContainerRuntime | null;
  /** Kill refused (init, kernel, fleetdeck) or warned about (sshd): src-common/processes/limits.ts. */
  guard: ProcessGuard | null;
}

export interface ProcessScan {
  processes: ScannedProcess[];
  /** Pids listed in /proc whose stat could not be read: hidepid=1, or the process exited mid-scan. */
  unreadable: number;
}

/** What does not change while a process runs (barring exec or setuid), kept between samples. */
interface StaticInfo {
  comm: string;
  uid: number | null;
  loginUid: number | null;
  command: string;
  jupyterKernel: boolean;
  containerId: string | null;
  runtime: ContainerRuntime | null;
  guard: ProcessGuard | null;
  readAt: number;
}

interface Known extends TickReading {
  info: StaticInfo;
  rssPages: number;
  /** No CPU time between its last two readings. */
  idle: boolean;
}

/** Re-read a busy process's uid, command line and cgroup this often even without an exec: a daemon may drop privileges in place. */
const STATIC_REFRESH_MS = 30_000;
/** Every process is read at least this often; in between, processes that were idle at their last reading are skipped. */
export const FULL_SCAN_MS = 3_000;
/** Files read at once: enough to keep the thread pool busy, few enough that a 2000-process host does not spike memory. */
const CONCURRENCY = 16;

/** Page sizes Linux uses (x86/arm64 4K; arm64 16K/64K and ppc64 64K kernels). */
const PAGE_SIZES = [4096, 16384, 65536];

/** The page size from one process's RSS counted both ways (stat in pages, status in kB); Node cannot ask sysconf. */
export function pageSizeFrom(vmRssBytes: number | null, rssPages: number): number | null {
  if (vmRssBytes === null || rssPages < 64) return null;
  const ratio = vmRssBytes / rssPages;
  return PAGE_SIZES.reduce((best, size) => (Math.abs(size - ratio) < Math.abs(best - ratio) ? size : best));
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Walks /proc each sample, as cheaply as it can: reading a file through Node costs far more than
 * the kernel's work, and a big host runs thousands of processes, most of them asleep.
 *  - Only /proc/PID/stat is read per sample (ticks, RSS, and the command name, whose change
 *    means an exec); status, loginuid, cmdline and cgroup when a process is new, exec'd, or
 *    busy with cached facts 30 s old.
 *  - A process that used no CPU since its previous reading is skipped until the next full pass
 *    (every 3 s): it shows 0 % and its last RSS meanwhile, and if it woke up, the full pass
 *    reports its average over the gap.
 */
export class ProcessScanner {
  private known = new Map<number, Known>();
  private lastFullScan = -Infinity;
  private pageSize: number | null = null;

  constructor(
    private readonly ctx: HelperContext,
    private readonly now: () => number = Date.now,
  ) {}

  async scan(): Promise<ProcessScan> {
    const at = this.now();
    const full = at - this.lastFullScan >= FULL_SCAN_MS;
    if (full) this.lastFullScan = at;
    const pids = ((this.ctx.listProcDir ? this.ctx.listProcDir('/proc') : await this.ctx.listDir('/proc')) ?? []).filter((name) => /^\d+$/.test(name)).map(Number);
    const next = new Map<number, Known>();
    const cpu = new Map<number, number>();
    let unreadable = 0;
    await forEachLimited(pids, CONCURRENCY, async (pid) => {
      const known = this.known.get(pid);
      if (known?.idle && !full) {
        next.set(pid, known);
        return;
      }
      const stat = parsePidStat(await this.readProc(`/proc/${pid}/stat`));
      if (!stat) {
        unreadable++;
        return;
      }
      const reading: TickReading = { identity: `${pid}:${stat.startTime}`, ticks: stat.cpuTicks, at: this.now() };
      const same = known?.identity === reading.identity;
      // A process that used no CPU cannot have exec'd or changed its uid, so only busy ones are re-read when stale.
      const stale = same && at - known.info.readAt >= STATIC_REFRESH_MS && stat.cpuTicks !== known.ticks;
      const info = same && known.info.comm === stat.comm && !stale ? known.info : await this.readStatic(stat);
      cpu.set(pid, cpuPercentBetween(known, reading));
      next.set(pid, { ...reading, info, rssPages: stat.rssPages, idle: same && stat.cpuTicks === known.ticks });
    });
    this.known = next;
    // After the walk, so the page size learnt during it applies to every process alike.
    const pageSize = this.pageSize ?? 4096;
    const processes: ScannedProcess[] = [];
    for (const [pid, k] of next) {
      const { uid, loginUid, command, jupyterKernel, containerId, runtime, guard } = k.info;
      processes.push({ pid, uid, loginUid, command, jupyterKernel, cpuPercent: cpu.get(pid) ?? 0, rssBytes: k.rssPages * pageSize, containerId, runtime, guard });
    }
    return { processes, unreadable };
  }

  private async readProc(path: string): Promise<string | null> {
    return this.ctx.readProcText ? this.ctx.readProcText(path) : this.ctx.readText(path);
  }

  private async readStatic(stat: PidStat): Promise<StaticInfo> {
    // Kernel threads are root's, in no container, with no command line: nothing to read.
    if (stat.kernelThread) return { comm: stat.comm, uid: 0, loginUid: null, command: `[${stat.comm}]`, jupyterKernel: false, containerId: null, runtime: null, guard: 'kernel', readAt: this.now() };
    const dir = `/proc/${stat.pid}`;
    const [status, loginuid, cmdline, cgroup] = await Promise.all([
      this.readProc(`${dir}/status`),
      this.readProc(`${dir}/loginuid`),
      this.readProc(`${dir}/cmdline`),
      this.readProc(`${dir}/cgroup`),
    ]);
    const s = parsePidStatus(status);
    this.pageSize ??= pageSizeFrom(s.vmRssBytes, stat.rssPages);
    const argv = parseCmdline(cmdline);
    const membership = cgroup ? describeCgroupMembership(parseProcPidCgroup(cgroup)) : null;
    const command = commandLine(argv, stat.comm);
    return {
      comm: stat.comm,
      uid: s.uid,
      loginUid: parseLoginUid(loginuid),
      command,
      guard: processGuard({ pid: stat.pid, comm: stat.comm, command, kernelThread: false }),
      jupyterKernel: isJupyterKernel(argv),
      containerId: membership?.containerId ?? null,
      runtime: membership?.runtime ?? null,
      readAt: this.now(),
    };
  }
}
