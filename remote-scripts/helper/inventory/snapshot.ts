import type { Inventory } from '../../../src-common/inventory/inventory.schema.js';
import type { HelperContext } from '../context.js';
import { collectCpu, collectLoad, collectMemory, collectUptime } from './collect-cpu-memory.js';
import { collectContainers } from './collect-containers.js';
import { collectGpus } from './collect-gpus.js';
import { collectNetwork } from './collect-network.js';
import { collectBlockDevices, collectFilesystems } from './collect-storage.js';
import { collectUsers, readHostname } from './collect-users.js';
import { guard, type SectionResult } from './section.js';

export interface SnapshotOptions {
  /** Gap between the two /proc/stat reads that CPU usage is measured over. */
  cpuSampleMs?: number;
}

/** The shortest CPU window an inventory measures over (counted from the last /proc/stat read: primeCpu). */
export const CPU_WINDOW_MS = 100;

/**
 * One inventory of the host. Sections are collected concurrently (the CPU sample's wait overlaps
 * the rest) and independently: a section that fails is reported in `sections` with why, and the
 * snapshot still returns everything else.
 */
export async function inventorySnapshot(ctx: HelperContext, opts: SnapshotOptions = {}): Promise<Inventory> {
  const takenAt = Date.now();
  const [hostname, uptime, cpu, memory, load, filesystems, blockDevices, network, users, containers, gpus] = await Promise.all([
    readHostname(ctx).catch(() => 'unknown'),
    guard(0, () => collectUptime(ctx)),
    guard({ model: 'unknown', sockets: 0, cores: 0, threads: 0, usagePercent: null, perCpuUsagePercent: [] }, () => collectCpu(ctx, opts.cpuSampleMs ?? CPU_WINDOW_MS)),
    guard({ totalBytes: 0, availableBytes: 0, usedBytes: 0, buffersBytes: 0, cachedBytes: 0, swapTotalBytes: 0, swapFreeBytes: 0 }, () => collectMemory(ctx)),
    guard({ one: 0, five: 0, fifteen: 0, running: 0, total: 0 }, () => collectLoad(ctx)),
    guard([], () => collectFilesystems(ctx)),
    guard([], () => collectBlockDevices(ctx)),
    guard([], () => collectNetwork(ctx)),
    guard([], () => collectUsers(ctx)),
    guard([], () => collectContainers(ctx)),
    guard([], () => collectGpus(ctx)),
  ]);
  const status = ({ ok, message }: SectionResult<unknown>) => (message === undefined ? { ok } : { ok, message });
  return {
    takenAt,
    hostname,
    uptimeSeconds: uptime.value,
    cpu: cpu.value,
    memory: memory.value,
    load: load.value,
    filesystems: filesystems.value,
    blockDevices: blockDevices.value,
    network: network.value,
    users: users.value,
    containers: containers.value,
    gpus: gpus.value,
    sections: {
      uptime: status(uptime),
      cpu: status(cpu),
      memory: status(memory),
      load: status(load),
      filesystems: status(filesystems),
      blockDevices: status(blockDevices),
      network: status(network),
      users: status(users),
      containers: status(containers),
      gpus: status(gpus),
    },
  };
}
