import type { Gpu, GpuProcess } from '../../../src-common/inventory/inventory.schema.js';
import { MAX } from '../../../src-common/protocol/bounds.js';
import { nvBytes, nvNumber, nvOnOff, nvText } from './nvidia-values.js';
import { child, childrenNamed, parseXml, textAt, type XmlElement } from './xml-lite.js';

/**
 * `nvidia-smi -q -x`. The schema moved between DTD versions, so every reading tries the
 * locations in order, newest last:
 *  - power: power_readings/power_draw (<= v11) → gpu_power_readings/power_draw (v12, 53x drivers)
 *    → gpu_power_readings/instant_power_draw (v12 on 570+, v13);
 *  - power limit: power_limit / enforced_power_limit → current_power_limit;
 *  - ECC: volatile/double_bit/total (old) → volatile/*_uncorrectable* (v10+).
 */

export interface NvidiaSmiLog {
  driverVersion: string | null;
  cudaVersion: string | null;
  /** As reported; can disagree with gpus.length in trimmed samples. */
  attachedGpus: number | null;
  gpus: Gpu[];
}

function firstNumber(el: XmlElement, paths: string[][]): number | null {
  for (const p of paths) {
    const n = nvNumber(textAt(el, ...p));
    if (n !== null) return n;
  }
  return null;
}

function processesOf(gpu: XmlElement): GpuProcess[] {
  return childrenNamed(child(gpu, 'processes'), 'process_info').slice(0, MAX.gpuProcesses).flatMap((p) => {
    const pid = nvNumber(textAt(p, 'pid'));
    if (pid === null) return [];
    return [{ pid, name: textAt(p, 'process_name') ?? '', type: nvText(textAt(p, 'type')), usedMemoryBytes: nvBytes(textAt(p, 'used_memory')) }];
  });
}

/**
 * Volatile (since driver load) uncorrectable errors, the count the default table shows. When a
 * combined counter and its split parts both exist (sram_uncorrectable and
 * sram_uncorrectable_parity), only the combined one is added.
 */
export function uncorrectableEcc(gpu: XmlElement): number | null {
  const volatile = child(child(gpu, 'ecc_errors'), 'volatile');
  if (!volatile) return null;
  const oldStyle = child(volatile, 'double_bit');
  if (oldStyle) return nvNumber(textAt(oldStyle, 'total'));
  const leaves = volatile.children.filter((c) => c.name.includes('uncorrectable'));
  const names = new Set(leaves.map((c) => c.name));
  let total: number | null = null;
  for (const leaf of leaves) {
    if (hasCombinedCounter(leaf.name, names)) continue;
    const n = nvNumber(leaf.text);
    if (n !== null) total = (total ?? 0) + n;
  }
  return total;
}

/** nvidia-smi's counter names are under 40 characters; longer prefixes are not looked up. */
const MAX_COUNTER_NAME = 64;

/**
 * Whether `name` is the split part of another counter: some "<other>_" prefix of it is a name in
 * `names`. Looked up per "_" (a comparison with every other name was leaves², and a hostile
 * <volatile> can hold thousands).
 */
function hasCombinedCounter(name: string, names: ReadonlySet<string>): boolean {
  for (let at = name.indexOf('_'); at !== -1 && at <= MAX_COUNTER_NAME; at = name.indexOf('_', at + 1)) {
    if (names.has(name.slice(0, at))) return true;
  }
  return false;
}

function gpuFrom(el: XmlElement, index: number, driverVersion: string | null, cudaVersion: string | null): Gpu {
  return {
    index,
    name: textAt(el, 'product_name') ?? 'NVIDIA GPU',
    uuid: textAt(el, 'uuid') ?? '',
    serial: nvText(textAt(el, 'serial')),
    busId: nvText(textAt(el, 'pci', 'pci_bus_id')) ?? el.attrs.id ?? null,
    driverVersion,
    cudaVersion,
    memoryTotalBytes: nvBytes(textAt(el, 'fb_memory_usage', 'total')),
    memoryUsedBytes: nvBytes(textAt(el, 'fb_memory_usage', 'used')),
    utilizationGpuPercent: nvNumber(textAt(el, 'utilization', 'gpu_util')),
    utilizationMemoryPercent: nvNumber(textAt(el, 'utilization', 'memory_util')),
    temperatureC: nvNumber(textAt(el, 'temperature', 'gpu_temp')),
    powerDrawW: firstNumber(el, [
      ['power_readings', 'power_draw'],
      ['gpu_power_readings', 'power_draw'],
      ['gpu_power_readings', 'instant_power_draw'],
      ['gpu_power_readings', 'average_power_draw'],
    ]),
    powerLimitW: firstNumber(el, [
      ['power_readings', 'enforced_power_limit'],
      ['power_readings', 'power_limit'],
      ['gpu_power_readings', 'current_power_limit'],
    ]),
    eccErrorsUncorrected: uncorrectableEcc(el),
    eccMode: nvOnOff(textAt(el, 'ecc_mode', 'current_ecc')),
    processes: processesOf(el),
  };
}

export function parseNvidiaSmiXml(xml: string): NvidiaSmiLog {
  const log = parseXml(xml);
  if (log.name !== 'nvidia_smi_log') throw new Error(`not nvidia-smi XML (root element <${log.name}>)`);
  const driverVersion = nvText(textAt(log, 'driver_version'));
  const cudaVersion = nvText(textAt(log, 'cuda_version'));
  // <gpu> elements come in nvidia-smi index order (PCI bus order), which is what -i N refers to.
  // Past the bounds the core accepts (MAX.gpus, MAX.gpuProcesses) the rest is not read: a hostile
  // list of 100,000 "<gpu/>" must not become 100,000 GPU records.
  const gpus = childrenNamed(log, 'gpu').slice(0, MAX.gpus).map((el, i) => gpuFrom(el, i, driverVersion, cudaVersion));
  return { driverVersion, cudaVersion, attachedGpus: nvNumber(textAt(log, 'attached_gpus')), gpus };
}
