import * as z from 'zod/mini';
import { PROCESS_GUARDS } from '../processes/limits.js';
import { int, list, MAX, name, nonNegative, nonNegativeInt, num, percent, text } from '../protocol/bounds.js';

/**
 * One live sample of a host, streamed by the helper at a fixed interval (default 1 s) on the
 * `metrics.stream1` channel as one JSON line per sample. Rates are per second over the interval.
 * Untrusted host data, bounded (see ../protocol/bounds.ts).
 */
const pct = z.nullable(percent());
const bytes = nonNegative();

export const containerRefSchema = z.object({
  id: name(),
  name: z.nullable(text()),
  runtime: z.enum(['docker', 'podman', 'containerd', 'crio', 'unknown']),
  /** From the `fleetdeck.owner` label, else inferred (the uid its processes run as), else null. */
  owner: z.nullable(text()),
  ownerSource: z.nullable(z.enum(['label', 'inferred'])),
});

export const processSampleSchema = z.object({
  pid: int(),
  uid: z.nullable(int()),
  /** Login uid (audit loginuid) when set: who started it, even under sudo. */
  loginUid: z.nullable(int()),
  user: z.nullable(name()),
  command: text(),
  cpuPercent: nonNegative(),
  rssBytes: bytes,
  gpuMemoryBytes: bytes,
  gpus: list(int(), MAX.gpus),
  kind: z.enum(['container', 'host', 'jupyter-kernel']),
  container: z.nullable(containerRefSchema),
  /** Started through Fleetdeck (labelled) or not. */
  managed: z.boolean(),
  /** Never offered for killing (init, kernel, fleetdeck) or only with a warning (sshd); see processes/limits.ts. Absent from older helpers. */
  guard: z.optional(z.nullable(z.enum(PROCESS_GUARDS))),
});

export const userUsageSchema = z.object({
  user: name(),
  uid: z.nullable(int()),
  cpuPercent: nonNegative(),
  memoryBytes: bytes,
  gpuMemoryBytes: bytes,
  gpusTouched: list(int(), MAX.gpus),
  processes: nonNegativeInt(),
});

export const gpuSampleSchema = z.object({
  index: int(),
  uuid: name(),
  name: text(),
  utilizationPercent: pct,
  memoryUsedBytes: z.nullable(num()),
  memoryTotalBytes: z.nullable(num()),
  temperatureC: z.nullable(num()),
  powerW: z.nullable(num()),
  smClockMHz: z.nullable(num()),
  memClockMHz: z.nullable(num()),
  eccUncorrected: z.nullable(num()),
});

export const sampleSchema = z.object({
  /** Host clock, Unix epoch milliseconds. */
  t: num(),
  intervalMs: z.number().check(z.positive()),
  cpu: z.object({ totalPercent: pct, perCorePercent: list(num(), MAX.cpus), iowaitPercent: pct }),
  memory: z.object({ totalBytes: bytes, usedBytes: bytes, availableBytes: bytes, swapTotalBytes: bytes, swapUsedBytes: bytes }),
  load: z.tuple([num(), num(), num()]),
  /** Pressure stall information (avg10 %), null where the kernel has no PSI. */
  pressure: z.nullable(
    z.object({ cpuSome: z.nullable(num()), memorySome: z.nullable(num()), memoryFull: z.nullable(num()), ioSome: z.nullable(num()), ioFull: z.nullable(num()) }),
  ),
  disks: list(z.object({ device: name(), readBytesPerSec: bytes, writeBytesPerSec: bytes }), MAX.blockDevices),
  net: list(z.object({ iface: name(), rxBytesPerSec: bytes, txBytesPerSec: bytes }), MAX.interfaces),
  filesystems: list(z.object({ mountPoint: text(), usedBytes: bytes, totalBytes: bytes }), MAX.mounts),
  gpus: list(gpuSampleSchema, MAX.gpus),
  /** Every GPU process, plus the heaviest CPU/memory processes. */
  processes: list(processSampleSchema, MAX.sampleProcesses),
  users: list(userUsageSchema, MAX.sampleUsers),
  /** What this sample could not see, and how to fix it ("run with sudo to see other users' processes"). */
  notes: list(text(), MAX.warnings),
});

export type Sample = z.infer<typeof sampleSchema>;
export type ProcessSample = z.infer<typeof processSampleSchema>;
export type UserUsage = z.infer<typeof userUsageSchema>;
export type GpuSample = z.infer<typeof gpuSampleSchema>;
export type ContainerRef = z.infer<typeof containerRefSchema>;

export { MANAGED_LABEL, OWNER_LABEL } from './labels.js';
