import { z } from 'zod';

/**
 * One live sample of a host, streamed by the helper at a fixed interval (default 1 s) on the
 * `metrics.stream1` channel as one JSON line per sample. Rates are per second over the interval.
 */
const pct = z.number().min(0).max(100).nullable();
const bytes = z.number().nonnegative();

export const containerRefSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  runtime: z.enum(['docker', 'podman', 'containerd', 'crio', 'unknown']),
  /** From the `fleetdeck.owner` label, else inferred (the uid its processes run as), else null. */
  owner: z.string().nullable(),
  ownerSource: z.enum(['label', 'inferred']).nullable(),
});

export const processSampleSchema = z.object({
  pid: z.number().int(),
  uid: z.number().int().nullable(),
  /** Login uid (audit loginuid) when set: who started it, even under sudo. */
  loginUid: z.number().int().nullable(),
  user: z.string().nullable(),
  command: z.string(),
  cpuPercent: z.number().nonnegative(),
  rssBytes: bytes,
  gpuMemoryBytes: bytes,
  gpus: z.array(z.number().int()),
  kind: z.enum(['container', 'host', 'jupyter-kernel']),
  container: containerRefSchema.nullable(),
  /** Started through Fleetdeck (labelled) or not. */
  managed: z.boolean(),
});

export const userUsageSchema = z.object({
  user: z.string(),
  uid: z.number().int().nullable(),
  cpuPercent: z.number().nonnegative(),
  memoryBytes: bytes,
  gpuMemoryBytes: bytes,
  gpusTouched: z.array(z.number().int()),
  processes: z.number().int().nonnegative(),
});

export const gpuSampleSchema = z.object({
  index: z.number().int(),
  uuid: z.string(),
  name: z.string(),
  utilizationPercent: pct,
  memoryUsedBytes: z.number().nullable(),
  memoryTotalBytes: z.number().nullable(),
  temperatureC: z.number().nullable(),
  powerW: z.number().nullable(),
  smClockMHz: z.number().nullable(),
  memClockMHz: z.number().nullable(),
  eccUncorrected: z.number().nullable(),
});

export const sampleSchema = z.object({
  /** Host clock, Unix epoch milliseconds. */
  t: z.number(),
  intervalMs: z.number().positive(),
  cpu: z.object({ totalPercent: pct, perCorePercent: z.array(z.number()), iowaitPercent: pct }),
  memory: z.object({ totalBytes: bytes, usedBytes: bytes, availableBytes: bytes, swapTotalBytes: bytes, swapUsedBytes: bytes }),
  load: z.tuple([z.number(), z.number(), z.number()]),
  /** Pressure stall information (avg10 %), null where the kernel has no PSI. */
  pressure: z
    .object({ cpuSome: z.number().nullable(), memorySome: z.number().nullable(), memoryFull: z.number().nullable(), ioSome: z.number().nullable(), ioFull: z.number().nullable() })
    .nullable(),
  disks: z.array(z.object({ device: z.string(), readBytesPerSec: bytes, writeBytesPerSec: bytes })),
  net: z.array(z.object({ iface: z.string(), rxBytesPerSec: bytes, txBytesPerSec: bytes })),
  filesystems: z.array(z.object({ mountPoint: z.string(), usedBytes: bytes, totalBytes: bytes })),
  gpus: z.array(gpuSampleSchema),
  /** Every GPU process, plus the heaviest CPU/memory processes. */
  processes: z.array(processSampleSchema),
  users: z.array(userUsageSchema),
  /** What this sample could not see, and how to fix it ("run with sudo to see other users' processes"). */
  notes: z.array(z.string()),
});

export type Sample = z.infer<typeof sampleSchema>;
export type ProcessSample = z.infer<typeof processSampleSchema>;
export type UserUsage = z.infer<typeof userUsageSchema>;
export type GpuSample = z.infer<typeof gpuSampleSchema>;
export type ContainerRef = z.infer<typeof containerRefSchema>;

export { MANAGED_LABEL, OWNER_LABEL } from './labels.js';
