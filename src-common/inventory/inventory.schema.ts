import * as z from 'zod/mini';
import { int, list, MAX, name, nonNegative, nonNegativeInt, num, text } from '../protocol/bounds.js';

/** The inventory.snapshot1 reply: untrusted host data, bounded (see ../protocol/bounds.ts). */
const bytes = nonNegative();

export const cpuSchema = z.object({
  model: text(),
  sockets: nonNegativeInt(),
  cores: nonNegativeInt(),
  threads: nonNegativeInt(),
  /** Busy share of all CPUs over the sampling window, 0..100; null if not measured. */
  usagePercent: z.nullable(num()),
  perCpuUsagePercent: list(num(), MAX.cpus),
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

export const loadSchema = z.object({ one: num(), five: num(), fifteen: num(), running: num(), total: num() });

export const filesystemSchema = z.object({
  mountPoint: text(),
  device: text(),
  fsType: name(),
  totalBytes: bytes,
  usedBytes: bytes,
  availableBytes: bytes,
  inodesTotal: nonNegative(),
  inodesFree: nonNegative(),
  readOnly: z.boolean(),
});

export const blockDeviceSchema = z.object({
  name: name(),
  sizeBytes: bytes,
  rotational: z.nullable(z.boolean()),
  removable: z.boolean(),
  model: z.nullable(text()),
  type: z.enum(['disk', 'partition', 'loop', 'other']),
});

export const netInterfaceSchema = z.object({
  name: name(),
  mac: z.nullable(name()),
  state: name(),
  mtu: z.nullable(num()),
  speedMbps: z.nullable(num()),
  addresses: list(name(), MAX.addressesPerInterface),
  rxBytes: bytes,
  txBytes: bytes,
});

export const localUserSchema = z.object({
  name: name(),
  uid: int(),
  gid: int(),
  gecos: text(),
  home: text(),
  shell: text(),
  groups: list(name(), MAX.groupsPerUser),
  /** The group the passwd gid names (null when /etc/group has no such gid). Absent in older facts. */
  primaryGroup: z.optional(z.nullable(name())),
  /** A person's account (UID_MIN..UID_MAX of login.defs) rather than a system one. Absent in older facts. */
  regular: z.optional(z.boolean()),
  /** May become root: from sudo's own rules (root: always); false when unknown (see `sudo`). */
  isAdmin: z.boolean(),
  /** What `sudo -l -U` says: all commands, some, none; null when it could not be asked (not root). Absent in older facts. */
  sudo: z.optional(z.nullable(z.enum(['all', 'some', 'none']))),
});

export const containerSchema = z.object({
  id: name(),
  name: text(),
  image: text(),
  state: name(),
  status: text(),
  labels: z.record(text(), text(MAX.labelValue)).check(z.refine((r) => Object.keys(r).length <= MAX.labels, `at most ${MAX.labels} labels`)),
  createdAt: z.nullable(num()),
  startedAt: z.nullable(num()),
  limits: z.object({
    nanoCpus: z.nullable(num()),
    memoryBytes: z.nullable(num()),
    gpus: list(name(), MAX.gpus),
  }),
});

export const gpuProcessSchema = z.object({
  pid: int(),
  name: text(),
  type: z.nullable(name()),
  usedMemoryBytes: z.nullable(num()),
});

export const gpuSchema = z.object({
  index: int(),
  name: text(),
  uuid: name(),
  serial: z.nullable(name()),
  busId: z.nullable(name()),
  driverVersion: z.nullable(name()),
  cudaVersion: z.nullable(name()),
  memoryTotalBytes: z.nullable(num()),
  memoryUsedBytes: z.nullable(num()),
  utilizationGpuPercent: z.nullable(num()),
  utilizationMemoryPercent: z.nullable(num()),
  temperatureC: z.nullable(num()),
  powerDrawW: z.nullable(num()),
  powerLimitW: z.nullable(num()),
  eccErrorsUncorrected: z.nullable(num()),
  /** ECC as currently in effect; null where the GPU has none (consumer cards) or the source does not say. Absent in facts stored by older versions. */
  eccMode: z.optional(z.nullable(z.enum(['enabled', 'disabled']))),
  processes: list(gpuProcessSchema, MAX.gpuProcesses),
});

/** A section that could not be read carries why, instead of silently being empty. */
export const sectionStatusSchema = z.object({
  ok: z.boolean(),
  message: z.optional(text()),
});

export const inventorySchema = z.object({
  takenAt: num(),
  hostname: name(),
  uptimeSeconds: num(),
  cpu: cpuSchema,
  memory: memorySchema,
  load: loadSchema,
  filesystems: list(filesystemSchema, MAX.mounts),
  blockDevices: list(blockDeviceSchema, MAX.blockDevices),
  network: list(netInterfaceSchema, MAX.interfaces),
  users: list(localUserSchema, MAX.users),
  containers: list(containerSchema, MAX.containers),
  gpus: list(gpuSchema, MAX.gpus),
  sections: z.record(name(), sectionStatusSchema).check(z.refine((r) => Object.keys(r).length <= MAX.sections, `at most ${MAX.sections} sections`)),
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
