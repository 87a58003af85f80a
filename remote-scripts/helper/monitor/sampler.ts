import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import type { HelperContext } from '../context.js';
import { collectFilesystems } from '../inventory/collect-storage.js';
import { parseLoadavg } from '../inventory/loadavg.js';
import { memoryFromMeminfo, parseMeminfo } from '../inventory/meminfo.js';
import { parseNetDev, type NetDevCounters } from '../inventory/net-dev.js';
import { cpuUsageBetween, parseProcStat, type CpuTimes, type ProcStat } from '../inventory/proc-stat.js';
import { ProcessAttributor } from './attribution.js';
import { diskRates, parseDiskstats, ratePerSec, type DiskCounters } from './diskstats.js';
import { GpuPoller } from './gpu-poller.js';
import { pressureFrom } from './pressure.js';

export interface SamplerOptions {
  now?: () => number;
  /** Filesystem usage (statfs on every real mount) is refreshed every Nth sample: it barely moves in a second. */
  filesystemsEvery?: number;
  /** How long a sample waits for a running nvidia-smi before reusing its previous reading. */
  gpuWaitMs?: number;
  topProcesses?: number;
  /** The per-process walk (attribution) at most this often; samples in between repeat the last one. Default: every sample. */
  processEveryMs?: number;
}

interface Previous {
  at: number;
  stat: ProcStat | null;
  disks: Map<string, DiskCounters> | null;
  net: Map<string, NetDevCounters> | null;
}

/** iowait's share of all CPU time in the interval (the same total proc-stat.ts uses). */
export function iowaitPercent(before: CpuTimes, after: CpuTimes): number | null {
  const total = (t: CpuTimes) => t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal;
  const dTotal = total(after) - total(before);
  const dIowait = after.iowait - before.iowait;
  if (dTotal <= 0 || dIowait < 0) return null;
  return Math.round(Math.min(100, (dIowait / dTotal) * 100) * 10) / 10;
}

/**
 * One live Sample per call. Rates (CPU, disks, network, per-process CPU) are differences against
 * the previous call, so the first call after construction has no rates: null CPU shares and zero
 * throughput. Everything goes through the HelperContext, so a fake host can drive it in tests.
 */
export class Sampler {
  private previous: Previous | null = null;
  private readonly now: () => number;
  private readonly filesystemsEvery: number;
  private readonly gpus: GpuPoller;
  private readonly attributor: ProcessAttributor;
  private count = 0;
  private filesystems: Sample['filesystems'] = [];
  private filesystemsNote: string | null = null;
  private sysBlock: Set<string> | null = null;
  /** The last /proc/stat read and when: an inventory asked now can measure CPU from it (collect-cpu-memory.ts). */
  lastStat: { text: string; at: number } | null = null;
  /**
   * The per-process walk is most of a sample's cost. The resident agent walks every few seconds while
   * nobody watches (per-user CPU is then the average over those seconds: the totals history and usage
   * integrate stay the same) and every sample while a client streams.
   */
  processEveryMs: number;
  private lastAttribution: { at: number; value: Awaited<ReturnType<ProcessAttributor['sample']>> } | null = null;

  constructor(
    private readonly ctx: HelperContext,
    opts: SamplerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.filesystemsEvery = Math.max(1, opts.filesystemsEvery ?? 10);
    this.gpus = new GpuPoller(ctx, opts.gpuWaitMs);
    this.attributor = new ProcessAttributor(ctx, this.now, opts.topProcesses);
    this.processEveryMs = opts.processEveryMs ?? 0;
  }

  async sample(): Promise<Sample> {
    const at = this.now();
    const prev = this.previous;
    const seconds = prev ? Math.max(0, (at - prev.at) / 1000) : 0;
    const refreshSlow = this.count % this.filesystemsEvery === 0;
    this.count++;
    // Kernel pseudo-files never wait on a disk: read them synchronously where the context can (no thread-pool round trips).
    const read = (p: string): Promise<string | null> => (this.ctx.readProcText ? Promise.resolve(this.ctx.readProcText(p)) : this.ctx.readText(p));
    // nvidia-smi and the /proc walk run side by side: its second or so of work overlaps ours.
    const gpuPoll = this.gpus.poll();
    const last = this.lastAttribution;
    // A little slack: a tick that comes a few ms early still counts as due.
    const walk = !last || at - last.at >= this.processEveryMs - 50;
    const attributed = walk ? this.attributor.sample(gpuPoll.then((g) => g.processes)) : Promise.resolve(last.value);
    const [statText, meminfoText, loadText, diskText, netText, psiCpu, psiMem, psiIo] = await Promise.all([
      read('/proc/stat'), read('/proc/meminfo'), read('/proc/loadavg'), read('/proc/diskstats'), read('/proc/net/dev'),
      read('/proc/pressure/cpu'), read('/proc/pressure/memory'), read('/proc/pressure/io'),
      refreshSlow ? this.refreshSlow() : Promise.resolve(),
    ]);
    const [gpu, attribution] = await Promise.all([gpuPoll, attributed]);
    if (walk) this.lastAttribution = { at, value: attribution };

    const stat = statText ? parseProcStat(statText) : null;
    const cpu = prev?.stat && stat ? cpuUsageBetween(prev.stat, stat) : null;
    const mem = memoryFromMeminfo(parseMeminfo(meminfoText ?? ''));
    const load = parseLoadavg(loadText ?? '');
    const disks = diskText === null ? null : parseDiskstats(diskText);
    const net = netText === null ? null : parseNetDev(netText);
    this.previous = { at, stat, disks, net };
    if (statText) this.lastStat = { text: statText, at };

    const notes = [...attribution.notes];
    if (gpu.note) notes.push(gpu.note);
    if (this.filesystemsNote) notes.push(this.filesystemsNote);
    if (!statText) notes.push('cannot read /proc/stat: CPU usage is not shown');
    return {
      t: at,
      // The real time since the previous sample (ticks skipped under backpressure make it longer); 1 for the first.
      intervalMs: Math.max(1, Math.round(seconds * 1000)),
      cpu: {
        totalPercent: cpu?.totalPercent ?? null,
        perCorePercent: cpu?.perCpuPercent ?? [],
        iowaitPercent: prev?.stat && stat ? iowaitPercent(prev.stat.total, stat.total) : null,
      },
      memory: {
        totalBytes: mem.totalBytes,
        usedBytes: mem.usedBytes,
        availableBytes: mem.availableBytes,
        swapTotalBytes: mem.swapTotalBytes,
        swapUsedBytes: Math.max(0, mem.swapTotalBytes - mem.swapFreeBytes),
      },
      load: load ? [load.one, load.five, load.fifteen] : [0, 0, 0],
      pressure: pressureFrom(psiCpu, psiMem, psiIo),
      disks: disks ? diskRates(prev?.disks ?? null, disks, seconds, this.sysBlock) : [],
      net: net ? netRates(prev?.net ?? null, net, seconds) : [],
      filesystems: this.filesystems,
      gpus: gpu.gpus,
      processes: attribution.processes,
      users: attribution.users,
      notes,
    };
  }

  /** Filesystem usage and the list of whole disks: statfs per mount and a sysfs listing, not worth doing every second. */
  private async refreshSlow(): Promise<void> {
    const [fs, sysBlock] = await Promise.all([collectFilesystems(this.ctx), this.ctx.listDir('/sys/block')]);
    this.filesystems = fs.value.map((f) => ({ mountPoint: f.mountPoint, usedBytes: f.usedBytes, totalBytes: f.totalBytes }));
    this.filesystemsNote = fs.ok ? (fs.message?.startsWith('no usage for') ? fs.message : null) : (fs.message ?? null);
    this.sysBlock = sysBlock ? new Set(sysBlock) : null;
  }
}

/** Every interface but loopback, whose traffic never leaves the machine. */
export function netRates(before: ReadonlyMap<string, NetDevCounters> | null, after: ReadonlyMap<string, NetDevCounters>, seconds: number): Sample['net'] {
  const out: Sample['net'] = [];
  for (const [iface, now] of after) {
    if (iface === 'lo') continue;
    const prev = before?.get(iface);
    out.push({ iface, rxBytesPerSec: ratePerSec(prev?.rxBytes, now.rxBytes, seconds), txBytesPerSec: ratePerSec(prev?.txBytes, now.txBytes, seconds) });
  }
  return out;
}
