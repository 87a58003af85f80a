import type { GpuSample } from '../../../src-common/monitor/sample.schema.js';
import { MAX } from '../../../src-common/protocol/bounds.js';
import { parseNvidiaSmiXml } from '../inventory/nvidia-smi-xml.js';
import { nvNumber } from '../inventory/nvidia-values.js';

/** What one process holds on the GPUs: memory summed over every GPU it has a context on. */
export interface GpuProcessUse {
  pid: number;
  /** nvidia-smi's process_name: the command when /proc cannot tell us more (another pid namespace, hidepid). */
  name: string;
  gpuMemoryBytes: number;
  gpus: number[];
}

export interface GpuReading {
  gpus: GpuSample[];
  processes: Map<number, GpuProcessUse>;
}

/**
 * Current SM and memory clocks (<clocks><sm_clock>, <mem_clock>) per <gpu> element, in document
 * order. The inventory parser has no clocks, and parsing the XML tree a second time costs about
 * a millisecond per GPU every sample, so only the <clocks> block of each GPU is looked at.
 */
export function clocksByGpu(xml: string): Array<{ smClockMHz: number | null; memClockMHz: number | null }> {
  return xml.split(/<gpu[\s>]/, MAX.gpus + 1).slice(1).map((chunk) => {
    // The first <clocks> up to the </clocks> after it, by index: the lazy regex that did this
    // rescanned to the end of the chunk from every "<clocks>" (quadratic on a hostile one).
    const open = chunk.indexOf('<clocks>');
    const close = open === -1 ? -1 : chunk.indexOf('</clocks>', open + 8);
    const clocks = close === -1 ? '' : chunk.slice(open + 8, close);
    const value = (tag: string): number | null => nvNumber(new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(clocks)?.[1]);
    return { smClockMHz: value('sm_clock'), memClockMHz: value('mem_clock') };
  });
}

/** One `nvidia-smi -q -x` output → the sample's GPU list and who holds GPU memory. Throws on XML that is not nvidia-smi's. */
export function gpuReadingFromXml(xml: string): GpuReading {
  const log = parseNvidiaSmiXml(xml);
  const clocks = clocksByGpu(xml);
  const processes = new Map<number, GpuProcessUse>();
  const gpus = log.gpus.map((g, i): GpuSample => {
    for (const p of g.processes) {
      const use = processes.get(p.pid) ?? { pid: p.pid, name: p.name, gpuMemoryBytes: 0, gpus: [] };
      // A process with contexts on two GPUs is listed under each; its memory adds up, its GPUs are a set.
      use.gpuMemoryBytes += p.usedMemoryBytes ?? 0;
      if (!use.gpus.includes(g.index)) use.gpus.push(g.index);
      processes.set(p.pid, use);
    }
    return {
      index: g.index,
      uuid: g.uuid,
      name: g.name,
      utilizationPercent: g.utilizationGpuPercent === null ? null : Math.min(100, Math.max(0, g.utilizationGpuPercent)),
      memoryUsedBytes: g.memoryUsedBytes,
      memoryTotalBytes: g.memoryTotalBytes,
      temperatureC: g.temperatureC,
      powerW: g.powerDrawW,
      smClockMHz: clocks[i]?.smClockMHz ?? null,
      memClockMHz: clocks[i]?.memClockMHz ?? null,
      eccUncorrected: g.eccErrorsUncorrected,
    };
  });
  return { gpus, processes };
}
