import { z } from 'zod';
import { auditEventSchema } from '../audit/audit.contract.js';

/**
 * The report models: what `reports.build` returns and what the JSON export contains. Numbers are
 * raw, not formatted: byte counts whole, every other fraction (hours, percentages, load) to six
 * significant digits, without float noise; only the HTML/PDF and the UI format them for reading. Times are Unix
 * epoch milliseconds. Host-supplied strings (host, user, group, model names) are untrusted text.
 */

export const reportHostRefSchema = z.object({ id: z.number().int(), name: z.string() });
export type ReportHostRef = z.infer<typeof reportHostRefSchema>;

export const reportMetaSchema = z.object({
  kind: z.enum(['inventory', 'usage', 'audit']),
  title: z.string(),
  since: z.number(),
  until: z.number(),
  /** IANA zone the period and days are shown in (the requester's, else this machine's). */
  timeZone: z.string(),
  /** The hosts the report covers; all stored hosts unless a selection was asked for. */
  hosts: z.array(reportHostRefSchema),
  /** Whether the report was limited to a selection of hosts. */
  hostSelection: z.boolean(),
  generatedAt: z.number(),
  fleetdeckVersion: z.string(),
});
export type ReportMeta = z.infer<typeof reportMetaSchema>;

const num = z.number();
const numOrNull = z.number().nullable();

// ── Inventory ────────────────────────────────────────────────────────────────────────────────

export const inventoryHostRowSchema = z.object({
  hostId: z.number().int(),
  host: z.string(),
  address: z.string(),
  tags: z.array(z.string()),
  /** When the stored inventory was taken; null when the host was never inventoried. */
  inventoryAt: numOrNull,
  hostname: z.string().nullable(),
  distro: z.string().nullable(),
  kernel: z.string().nullable(),
  arch: z.string().nullable(),
  cpuModel: z.string().nullable(),
  sockets: numOrNull,
  cores: numOrNull,
  threads: numOrNull,
  memoryBytes: numOrNull,
  swapBytes: numOrNull,
  /** Sum of the whole disks (not partitions or loops). */
  diskBytes: numOrNull,
  disks: numOrNull,
  gpus: numOrNull,
  uptimeSeconds: numOrNull,
  /** Why some of this is missing, for a person ("no inventory taken yet: connect and open the host"). */
  note: z.string().nullable(),
});
export type InventoryHostRow = z.infer<typeof inventoryHostRowSchema>;

export const inventoryDiskRowSchema = z.object({
  host: z.string(),
  device: z.string(),
  model: z.string().nullable(),
  sizeBytes: num,
  rotational: z.boolean().nullable(),
  removable: z.boolean(),
});
export type InventoryDiskRow = z.infer<typeof inventoryDiskRowSchema>;

export const inventoryFilesystemRowSchema = z.object({
  host: z.string(),
  mountPoint: z.string(),
  device: z.string(),
  fsType: z.string(),
  totalBytes: num,
  usedBytes: num,
  availableBytes: num,
});
export type InventoryFilesystemRow = z.infer<typeof inventoryFilesystemRowSchema>;

export const inventoryGpuRowSchema = z.object({
  host: z.string(),
  index: z.number().int(),
  model: z.string(),
  uuid: z.string(),
  serial: z.string().nullable(),
  busId: z.string().nullable(),
  driverVersion: z.string().nullable(),
  cudaVersion: z.string().nullable(),
  memoryTotalBytes: numOrNull,
  /** ECC mode in effect; null where the GPU has none (GeForce) or the inventory predates it. */
  eccMode: z.enum(['enabled', 'disabled']).nullable(),
  /** Volatile uncorrected ECC errors; null where ECC is off or unsupported (GeForce). */
  eccErrorsUncorrected: numOrNull,
});
export type InventoryGpuRow = z.infer<typeof inventoryGpuRowSchema>;

export const inventoryReportSchema = z.object({
  kind: z.literal('inventory'),
  meta: reportMetaSchema,
  totals: z.object({ hosts: num, inventoried: num, threads: num, memoryBytes: num, diskBytes: num, gpus: num }),
  hosts: z.array(inventoryHostRowSchema),
  disks: z.array(inventoryDiskRowSchema),
  filesystems: z.array(inventoryFilesystemRowSchema),
  gpus: z.array(inventoryGpuRowSchema),
  gpuModels: z.array(z.object({ model: z.string(), count: num, memoryTotalBytes: numOrNull })),
  distros: z.array(z.object({ distro: z.string(), count: num })),
});
export type InventoryReport = z.infer<typeof inventoryReportSchema>;

// ── Usage ────────────────────────────────────────────────────────────────────────────────────

/**
 * Why a user has no group (group null): the host's stored inventory does not list the account
 * (inventories from before the helper listed system accounts hold only people and admins), the
 * host has no stored inventory, or the account's gid names no group in the host's /etc/group.
 */
export const groupMissingSchema = z.enum(['not-in-inventory', 'no-inventory', 'no-group-name']);
export type GroupMissing = z.infer<typeof groupMissingSchema>;
const groupFields = {
  /** The user's primary group (their passwd gid's name) from the hosts' stored inventories; null when it is not known, and then groupMissing says why. */
  group: z.string().nullable(),
  /** Absent in reports from before it was added (then a null group is just unknown). */
  groupMissing: groupMissingSchema.nullable().optional(),
};

/** CPU-hours = Σ cpu% / 100 × seconds / 3600; memory GiB-hours = Σ bytes × seconds / 3600 / 2³⁰; GPU-hours = Σ GPUs held × seconds / 3600. */
const usageFigures = {
  cpuHours: num,
  memoryGibHours: num,
  gpuHours: num,
  gpuMemoryGibHours: num,
  /** Hours in which the user had processes and a sample was taken. */
  activeHours: num,
  /** The highest one-minute average. */
  peakMemoryBytes: num,
  peakGpuMemoryBytes: num,
};

export const usageUserRowSchema = z.object({
  user: z.string(),
  ...groupFields,
  hosts: z.array(z.string()),
  ...usageFigures,
});
export type UsageUserRow = z.infer<typeof usageUserRowSchema>;

export const usageGroupRowSchema = z.object({
  ...groupFields,
  users: z.array(z.string()),
  ...usageFigures,
});
export type UsageGroupRow = z.infer<typeof usageGroupRowSchema>;

export const usageHostUserRowSchema = z.object({
  host: z.string(),
  user: z.string(),
  ...groupFields,
  ...usageFigures,
});
export type UsageHostUserRow = z.infer<typeof usageHostUserRowSchema>;

export const usageHostRowSchema = z.object({
  hostId: z.number().int(),
  host: z.string(),
  /** Hours of the period with at least one stored sample (minute resolution). */
  monitoredHours: num,
  samples: num,
  cpuAvg: numOrNull,
  cpuMax: numOrNull,
  memAvg: numOrNull,
  memMax: numOrNull,
  gpuUtilAvg: numOrNull,
  gpuUtilMax: numOrNull,
  gpuMemAvg: numOrNull,
  gpuMemMax: numOrNull,
  load1Avg: numOrNull,
  load1Max: numOrNull,
});
export type UsageHostRow = z.infer<typeof usageHostRowSchema>;

export const usageTimelineSchema = z.object({
  /** Bucket starts, shared by every host's arrays; values are averages in percent. */
  t: z.array(num),
  bucketMs: num,
  hosts: z.array(z.object({ host: z.string(), cpu: z.array(numOrNull), mem: z.array(numOrNull), gpuUtil: z.array(numOrNull) })),
});
export type UsageTimeline = z.infer<typeof usageTimelineSchema>;

export const usageReportSchema = z.object({
  kind: z.literal('usage'),
  meta: reportMetaSchema,
  /** Which rollup the host figures come from (1-minute, or 1-hour for periods past its retention). */
  resolution: z.enum(['1m', '1h']),
  /** What limits the figures, for a person ("per-user usage is kept 30 days: …"). */
  notes: z.array(z.string()),
  totals: z.object({ users: num, monitoredHosts: num, cpuHours: num, memoryGibHours: num, gpuHours: num, gpuMemoryGibHours: num }),
  users: z.array(usageUserRowSchema),
  groups: z.array(usageGroupRowSchema),
  hostUsers: z.array(usageHostUserRowSchema),
  hosts: z.array(usageHostRowSchema),
  timeline: usageTimelineSchema,
});
export type UsageReport = z.infer<typeof usageReportSchema>;

// ── Audit ────────────────────────────────────────────────────────────────────────────────────

export const auditReportSchema = z.object({
  kind: z.literal('audit'),
  meta: reportMetaSchema,
  totals: z.object({ events: num, ok: num, failed: num, actors: num, hosts: num }),
  /** Oldest first. */
  events: z.array(auditEventSchema),
  /** Older events of the period left out of this (preview) model; 0 in exports. */
  eventsOmitted: num.default(0),
  /** Calendar days of the period in meta.timeZone ("2026-11-21"), every day present. */
  byDay: z.array(z.object({ day: z.string(), ok: num, failed: num })),
  byOperation: z.array(z.object({ operation: z.string(), ok: num, failed: num })),
});
export type AuditReport = z.infer<typeof auditReportSchema>;

export const reportSchema = z.discriminatedUnion('kind', [inventoryReportSchema, usageReportSchema, auditReportSchema]);
export type Report = z.infer<typeof reportSchema>;
