import type { Inventory } from '../../../src-common/inventory/inventory.schema.js';
import type { HelperContext } from '../context.js';
import { countTopology, parseCpuinfo } from './cpuinfo.js';
import { parseLoadavg } from './loadavg.js';
import { memoryFromMeminfo, parseMeminfo, parseZoneinfoLowWatermarkPages } from './meminfo.js';
import { cpuUsageBetween, parseProcStat } from './proc-stat.js';
import { failedSection, okSection, type SectionResult } from './section.js';

const EMPTY_CPU: Inventory['cpu'] = { model: 'unknown', sockets: 0, cores: 0, threads: 0, usagePercent: null, perCpuUsagePercent: [] };

/** sysfs topology for CPUs whose /proc/cpuinfo lacks physical id / core id (arm64, POWER). */
async function sysfsTopology(ctx: HelperContext): Promise<ReturnType<typeof countTopology> | null> {
  const entries = (await ctx.listDir('/sys/devices/system/cpu')) ?? [];
  const cpus = entries.filter((e) => /^cpu\d+$/.test(e));
  const pairs: Array<{ physicalId: string; coreId: string }> = [];
  for (const cpu of cpus) {
    const pkg = await ctx.readText(`/sys/devices/system/cpu/${cpu}/topology/physical_package_id`);
    const core = await ctx.readText(`/sys/devices/system/cpu/${cpu}/topology/core_id`);
    // Offline CPUs have no topology directory; they are not usable threads either.
    if (pkg !== null && core !== null) pairs.push({ physicalId: pkg.trim(), coreId: core.trim() });
  }
  return pairs.length > 0 ? countTopology(pairs) : null;
}

/**
 * The last /proc/stat read (the helper reads one as it starts, the agent every second): CPU usage
 * is measured from it, so an inventory waits only for what is missing of the window, not for a
 * whole one of its own.
 */
const previous = new WeakMap<HelperContext, { text: string; at: number }>();

export async function primeCpu(ctx: HelperContext, read?: { text: string; at: number }): Promise<void> {
  if (ctx.root !== '/') return;
  if (read) return void previous.set(ctx, read);
  const text = await ctx.readText('/proc/stat');
  if (text !== null) previous.set(ctx, { text, at: Date.now() });
}

export async function collectCpu(ctx: HelperContext, sampleMs: number): Promise<SectionResult<Inventory['cpu']>> {
  const last = previous.get(ctx);
  const old = ctx.root === '/' && last && Date.now() - last.at <= 60_000 ? last : null;
  const first = old?.text ?? (await ctx.readText('/proc/stat'));
  if (first === null) return failedSection(EMPTY_CPU, 'cannot read /proc/stat: is /proc mounted?');
  const waited = old ? Date.now() - old.at : 0;
  if (waited < sampleMs) await new Promise((r) => setTimeout(r, sampleMs - waited));
  const second = (await ctx.readText('/proc/stat')) ?? first;
  if (ctx.root === '/') previous.set(ctx, { text: second, at: Date.now() });
  const usage = cpuUsageBetween(parseProcStat(first), parseProcStat(second));
  const cpuinfoText = await ctx.readText('/proc/cpuinfo');
  const info = parseCpuinfo(cpuinfoText ?? '');
  const topology = info.topologyKnown ? info : ((await sysfsTopology(ctx)) ?? info);
  const threads = info.threads || parseProcStat(second).perCpu.length;
  const cpu = {
    model: info.model,
    sockets: topology.sockets,
    cores: topology.cores,
    threads: Math.max(threads, topology.threads),
    usagePercent: usage.totalPercent,
    // Zeros would read as "idle"; without a measurement there is nothing to show per CPU either.
    perCpuUsagePercent: usage.totalPercent === null ? [] : usage.perCpuPercent,
  };
  if (cpuinfoText === null) return okSection(cpu, 'cannot read /proc/cpuinfo: model and topology unknown');
  // Under --root the two samples are the same file, so there is no usage to report.
  return usage.totalPercent === null ? okSection(cpu, 'CPU usage not measured: /proc/stat did not change between samples') : okSection(cpu);
}

const EMPTY_MEMORY: Inventory['memory'] = { totalBytes: 0, availableBytes: 0, usedBytes: 0, buffersBytes: 0, cachedBytes: 0, swapTotalBytes: 0, swapFreeBytes: 0 };

export async function collectMemory(ctx: HelperContext): Promise<SectionResult<Inventory['memory']>> {
  const text = await ctx.readText('/proc/meminfo');
  if (text === null) return failedSection(EMPTY_MEMORY, 'cannot read /proc/meminfo');
  const meminfo = parseMeminfo(text);
  let lowBytes = 0;
  if (meminfo.MemAvailable === undefined) {
    const zoneinfo = await ctx.readText('/proc/zoneinfo');
    if (zoneinfo) lowBytes = parseZoneinfoLowWatermarkPages(zoneinfo) * 4096;
  }
  const { availableEstimated, ...memory } = memoryFromMeminfo(meminfo, lowBytes);
  return availableEstimated ? okSection(memory, 'kernel reports no MemAvailable (older than 3.14): available memory is estimated') : okSection(memory);
}

const EMPTY_LOAD: Inventory['load'] = { one: 0, five: 0, fifteen: 0, running: 0, total: 0 };

export async function collectLoad(ctx: HelperContext): Promise<SectionResult<Inventory['load']>> {
  const parsed = parseLoadavg((await ctx.readText('/proc/loadavg')) ?? '');
  if (!parsed) return failedSection(EMPTY_LOAD, 'cannot read /proc/loadavg');
  const { lastPid: _lastPid, ...load } = parsed;
  return okSection(load);
}

export async function collectUptime(ctx: HelperContext): Promise<SectionResult<number>> {
  const seconds = Number(((await ctx.readText('/proc/uptime')) ?? '').trim().split(/\s+/)[0]);
  return Number.isFinite(seconds) && seconds > 0 ? okSection(seconds) : failedSection(0, 'cannot read /proc/uptime');
}
