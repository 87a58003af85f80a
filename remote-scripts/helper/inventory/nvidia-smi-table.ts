import { nvBytes, nvNumber, nvText } from './nvidia-values.js';

/**
 * The default human-readable `nvidia-smi` table. Fleetdeck reads the XML for inventory; this
 * parser exists for hosts where only the table was captured (support bundles, pasted output)
 * and to cross-check the XML. It knows the two layouts: with GI/CI columns (470+) and without.
 */

export interface TableGpu {
  index: number;
  /** Long names are cut to the column width and end in "..." (see nameTruncated). */
  name: string;
  nameTruncated: boolean;
  persistenceMode: string | null;
  busId: string;
  fanPercent: number | null;
  temperatureC: number | null;
  performanceState: string | null;
  powerDrawW: number | null;
  powerCapW: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  utilizationGpuPercent: number | null;
  computeMode: string | null;
  eccErrorsUncorrected: number | null;
}

export interface TableProcess {
  gpu: number;
  pid: number;
  type: string;
  name: string;
  usedMemoryBytes: number | null;
}

export interface NvidiaSmiTable {
  smiVersion: string | null;
  driverVersion: string | null;
  cudaVersion: string | null;
  gpus: TableGpu[];
  processes: TableProcess[];
}

const cells = (line: string): string[] => line.split('|').slice(1, -1);

function parseGpuRows(first: string, second: string): TableGpu | null {
  const [c1 = '', c2 = '', c3 = ''] = cells(first);
  const [d1 = '', d2 = '', d3 = ''] = cells(second);
  const head = /^\s*(\d+)\s+(.*?)\s+(On|Off|N\/A)\s*$/.exec(c1);
  if (!head) return null;
  const stats = /^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*\/\s*(\S+)\s*$/.exec(d1);
  const memory = /(\S+)\s*\/\s*(\S+)/.exec(d2);
  const util = /^\s*(\S+)\s+(.*?)\s*$/.exec(d3);
  const name = head[2]!;
  return {
    index: Number(head[1]),
    name,
    nameTruncated: name.endsWith('...'),
    persistenceMode: nvText(head[3]),
    busId: c2.trim().split(/\s+/)[0] ?? '',
    fanPercent: nvNumber(stats?.[1]),
    temperatureC: nvNumber(stats?.[2]),
    performanceState: nvText(stats?.[3]),
    powerDrawW: nvNumber(stats?.[4]),
    powerCapW: nvNumber(stats?.[5]),
    memoryUsedBytes: nvBytes(memory?.[1]),
    memoryTotalBytes: nvBytes(memory?.[2]),
    utilizationGpuPercent: nvNumber(util?.[1]),
    computeMode: nvText(util?.[2]),
    eccErrorsUncorrected: nvNumber(c3),
  };
}

// "|    0   N/A  N/A    11327      C   /root/tools/memhog     2566MiB |" (GI/CI columns optional).
const PROCESS_ROW = /^\|\s+(\d+)\s+(?:(?:N\/A|\d+)\s+(?:N\/A|\d+)\s+)?(\d+)\s+(C\+G|C|G|M\+C|M)\s+(.*?)\s+(\d+MiB|N\/A)\s+\|$/;

export function parseNvidiaSmiTable(text: string): NvidiaSmiTable {
  const lines = text.split('\n').map((l) => l.replace(/\s+$/, ''));
  const versions = /NVIDIA-SMI\s+(\S+)\s+Driver Version:\s+(\S+)\s+CUDA Version:\s+(\S+)/.exec(text);
  const gpus: TableGpu[] = [];
  const processes: TableProcess[] = [];
  let section: 'none' | 'gpus' | 'processes' = 'none';
  let sawProcessesTitle = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.includes('Processes:')) sawProcessesTitle = true;
    if (line.startsWith('|=')) {
      section = sawProcessesTitle ? 'processes' : 'gpus';
      continue;
    }
    if (section === 'gpus') {
      if (line === '') section = 'none';
      else if (/^\|\s+\d+\s/.test(line) && lines[i + 1]?.startsWith('|')) {
        const gpu = parseGpuRows(line, lines[i + 1]!);
        if (gpu) gpus.push(gpu);
        i++;
      }
    } else if (section === 'processes') {
      const m = PROCESS_ROW.exec(line);
      if (m) processes.push({ gpu: Number(m[1]), pid: Number(m[2]), type: m[3]!, name: m[4]!, usedMemoryBytes: nvBytes(m[5]) });
    }
  }
  return { smiVersion: versions?.[1] ?? null, driverVersion: versions?.[2] ?? null, cudaVersion: nvText(versions?.[3]), gpus, processes };
}
