import { z } from 'zod';

const bytes = z.number().nonnegative();

export const cpuSchema = z.object({
  model: z.string(),
  sockets: z.number().int().nonnegative(),
  cores: z.number().int().nonnegative(),
  threads: z.number().int().nonnegative(),
  /** Busy share of all CPUs over the sampling window, 0..100; null if not measured. */
  usagePercent: z.number().nullable(),
  perCpuUsagePercent: z.array(z.number()),
});

export const memorySchema = z.object({
  totalBytes: bytes,
  availableBytes: bytes,
  usedBytes: bytes,
  buffersBytes: bytes,
  cachedBytes: bytes,
  swapTotalBytes: bytes,
  swapFreeBytes: bytes,
});

export const loadSchema = z.object({ one: z.number(), five: z.number(), fifteen: z.number(), running: z.number(), total: z.number() });

export const filesystemSchema = z.object({
  mountPoint: z.string(),
  device: z.string(),
  fsType: z.string(),
  totalBytes: bytes,
  usedBytes: bytes,
  availableBytes: bytes,
  inodesTotal: z.number().nonnegative(),
  inodesFree: z.number().nonnegative(),
  readOnly: z.boolean(),
});

export const blockDeviceSchema = z.object({
  name: z.string(),
  sizeBytes: bytes,
  rotational: z.boolean().nullable(),
  removable: z.boolean(),
  model: z.string().nullable(),
  type: z.enum(['disk', 'partition', 'loop', 'other']),
});

export const netInterfaceSchema = z.object({
  name: z.string(),
  mac: z.string().nullable(),
  state: z.string(),
  mtu: z.number().nullable(),
  speedMbps: z.number().nullable(),
  addresses: z.array(z.string()),
  rxBytes: bytes,
  txBytes: bytes,
});

export const localUserSchema = z.object({
  name: z.string(),
  uid: z.number().int(),
  gid: z.number().int(),
  gecos: z.string(),
  home: z.string(),
  shell: z.string(),
  groups: z.array(z.string()),
  isAdmin: z.boolean(),
});

export const containerSchema = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  state: z.string(),
  status: z.string(),
  labels: z.record(z.string(), z.string()),
  createdAt: z.number().nullable(),
  startedAt: z.number().nullable(),
  limits: z.object({
    nanoCpus: z.number().nullable(),
    memoryBytes: z.number().nullable(),
    gpus: z.array(z.string()),
  }),
});

export const gpuProcessSchema = z.object({
  pid: z.number().int(),
  name: z.string(),
  type: z.string().nullable(),
  usedMemoryBytes: z.number().nullable(),
});

export const gpuSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  uuid: z.string(),
  serial: z.string().nullable(),
  busId: z.string().nullable(),
  driverVersion: z.string().nullable(),
  cudaVersion: z.string().nullable(),
  memoryTotalBytes: z.number().nullable(),
  memoryUsedBytes: z.number().nullable(),
  utilizationGpuPercent: z.number().nullable(),
  utilizationMemoryPercent: z.number().nullable(),
  temperatureC: z.number().nullable(),
  powerDrawW: z.number().nullable(),
  powerLimitW: z.number().nullable(),
  eccErrorsUncorrected: z.number().nullable(),
  /** ECC as currently in effect; null where the GPU has none (consumer cards) or the source does not say. Absent in facts stored by older versions. */
  eccMode: z.enum(['enabled', 'disabled']).nullable().optional(),
  processes: z.array(gpuProcessSchema),
});

/** A section that could not be read carries why, instead of silently being empty. */
export const sectionStatusSchema = z.object({
  ok: z.boolean(),
  message: z.string().optional(),
});

export const inventorySchema = z.object({
  takenAt: z.number(),
  hostname: z.string(),
  uptimeSeconds: z.number(),
  cpu: cpuSchema,
  memory: memorySchema,
  load: loadSchema,
  filesystems: z.array(filesystemSchema),
  blockDevices: z.array(blockDeviceSchema),
  network: z.array(netInterfaceSchema),
  users: z.array(localUserSchema),
  containers: z.array(containerSchema),
  gpus: z.array(gpuSchema),
  sections: z.record(z.string(), sectionStatusSchema),
});

export type Cpu = z.infer<typeof cpuSchema>;
export type Memory = z.infer<typeof memorySchema>;
export type Filesystem = z.infer<typeof filesystemSchema>;
export type BlockDevice = z.infer<typeof blockDeviceSchema>;
export type NetInterface = z.infer<typeof netInterfaceSchema>;
export type LocalUser = z.infer<typeof localUserSchema>;
export type Container = z.infer<typeof containerSchema>;
export type Gpu = z.infer<typeof gpuSchema>;
export type GpuProcess = z.infer<typeof gpuProcessSchema>;
export type Inventory = z.infer<typeof inventorySchema>;
