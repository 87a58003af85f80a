import type { HelperContext } from '../context.js';
import { findBinary } from '../probe/find-binary.js';
import { gpuReadingFromXml, type GpuReading } from './gpu-sample.js';

/** Matches the inventory: nvidia-smi can take seconds on a many-GPU host with persistence mode off. */
const NVIDIA_SMI_TIMEOUT_MS = 15_000;

export interface GpuPoll extends GpuReading {
  note: string | null;
}

const EMPTY: GpuReading = { gpus: [], processes: new Map() };

/** A host without nvidia-smi is asked again this often: a driver installed meanwhile shows up without a reconnect. */
export const ABSENT_RECHECK_MS = 30_000;

/**
 * Runs `nvidia-smi -q -x` for each sample, never more than one at a time: if the previous run is
 * still going when the next sample is due (a slow driver), that sample reuses the last reading
 * instead of stacking up another process. A host without nvidia-smi is asked again every
 * ABSENT_RECHECK_MS (one failed exec, no more), not once for the life of the stream.
 */
export class GpuPoller {
  private absentNote: string | null = null;
  private absentSince = 0;
  private inFlight: Promise<void> | null = null;
  private last: GpuReading = EMPTY;
  private lastNote: string | null = null;
  private hasRead = false;

  constructor(
    private readonly ctx: HelperContext,
    /** How long a sample waits for a running nvidia-smi before it goes out with the previous reading. */
    private readonly waitMs = 800,
    private readonly now: () => number = Date.now,
  ) {}

  async poll(): Promise<GpuPoll> {
    // A --root directory is another machine's files: this machine's GPUs are not its GPUs.
    if (!this.ctx.live) return { ...EMPTY, note: null };
    if (this.absentNote !== null) {
      if (this.now() - this.absentSince < ABSENT_RECHECK_MS) return { ...EMPTY, note: this.absentNote };
      // Looked for as a file first: a failed exec costs a fork of this process (the resident agent's most expensive twice a minute).
      if (!(await findBinary(this.ctx, 'nvidia-smi'))) {
        this.absentSince = this.now();
        return { ...EMPTY, note: this.absentNote };
      }
      this.absentNote = null; // look again
    }
    if (!this.inFlight) this.inFlight = this.run().finally(() => (this.inFlight = null));
    const running = this.inFlight;
    let timer: NodeJS.Timeout | undefined;
    const finishedInTime = await Promise.race([
      running.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.waitMs))),
    ]);
    clearTimeout(timer);
    if (this.absentNote !== null) return { ...EMPTY, note: this.absentNote };
    const stale = finishedInTime ? null : this.hasRead ? 'nvidia-smi is slow to answer: GPU figures are from its previous reading' : 'nvidia-smi has not answered yet: GPUs are not shown';
    return { ...this.last, note: stale ?? this.lastNote };
  }

  private async run(): Promise<void> {
    const res = await this.ctx.run(['nvidia-smi', '-q', '-x'], { timeoutMs: NVIDIA_SMI_TIMEOUT_MS });
    this.hasRead = true;
    if (res.missing) {
      const driverLoaded = await this.ctx.exists('/proc/driver/nvidia/version');
      this.absentSince = this.now();
      this.absentNote = driverLoaded
        ? 'the NVIDIA driver is loaded but nvidia-smi is not on PATH: install the NVIDIA utilities package for this driver to see GPU usage'
        : 'no NVIDIA GPU tooling (nvidia-smi not installed): GPU usage is not shown';
      return;
    }
    if (res.code !== 0) {
      const why = (res.stdout.trim() || res.stderr.trim()).split('\n')[0] || 'no output';
      this.last = EMPTY;
      this.lastNote = `nvidia-smi failed (exit ${res.code ?? 'timeout'}): ${why}; check that the NVIDIA kernel module is loaded and matches the driver`;
      return;
    }
    try {
      this.last = gpuReadingFromXml(res.stdout);
      this.lastNote = null;
    } catch (err) {
      this.last = EMPTY;
      this.lastNote = `could not read nvidia-smi XML: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}
