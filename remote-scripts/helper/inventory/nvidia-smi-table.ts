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

/*
 * The cells are read by splitting on whitespace and by index, not with regexes like
 * /^\s*(\d+)\s+(.*?)\s+(On|Off|N\/A)\s*$/: a lazy group next to \s+ retries every position of a
 * run of spaces, and a hostile line of them made this parser quadratic. Each function says which
 * regex it stands for; they agree on every line whose cells hold no line separator (\r, U+2028).
 */

const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/.test(ch);
const words = (s: string): string[] => s.trim().split(/\s+/).filter(Boolean);

/** /^\s*(\d+)\s+(.*?)\s+(On|Off|N\/A)\s*$/: "   0  NVIDIA H100 80GB HBM3          On  ". */
function gpuHead(cell: string): { index: number; name: string; mode: string } | null {
  const t = cell.trim();
  const index = /^\d+/.exec(t)?.[0];
  const mode = ['On', 'Off', 'N/A'].find((m) => t.endsWith(m));
  if (!index || !mode || t.length < index.length + mode.length) return null;
  const between = t.slice(index.length, t.length - mode.length);
  const name = between.trim();
  if (!isSpace(between[0]) || !isSpace(between[between.length - 1]) || (name === '' && between.length < 2)) return null;
  return { index: Number(index), name, mode };
}

/** /^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*\/\s*(\S+)\s*$/: "N/A   59C    P0            629W /  700W". */
function gpuStats(cell: string): string[] | null {
  const w = words(cell);
  const [a, b, c] = w.slice(3);
  let draw: string | undefined;
  let cap: string | undefined;
  if (w.length === 4) {
    const slash = a!.lastIndexOf('/', a!.length - 2);
    if (slash >= 1) [draw, cap] = [a!.slice(0, slash), a!.slice(slash + 1)];
  } else if (w.length === 5) {
    if (b!.startsWith('/') && b!.length > 1) [draw, cap] = [a, b!.slice(1)];
    else if (a!.endsWith('/') && a!.length > 1) [draw, cap] = [a!.slice(0, -1), b];
  } else if (w.length === 6 && b === '/') [draw, cap] = [a, c];
  return draw === undefined || cap === undefined ? null : [w[0]!, w[1]!, w[2]!, draw, cap];
}

/** /(\S+)\s*\/\s*(\S+)/ (leftmost match): "   19818MiB /  81559MiB ". */
function slashPair(cell: string): [string, string] | null {
  const w = words(cell);
  for (let i = 0; i < w.length; i++) {
    const word = w[i]!;
    const next = w[i + 1];
    if (next?.startsWith('/')) {
      if (next.length > 1) return [word, next.slice(1)];
      if (w[i + 2] !== undefined) return [word, w[i + 2]!];
    }
    const slash = next === undefined ? word.lastIndexOf('/', word.length - 2) : word.lastIndexOf('/');
    if (slash >= 1) return [word.slice(0, slash), slash === word.length - 1 ? next! : word.slice(slash + 1)];
  }
  return null;
}

/** /^\s*(\S+)\s+(.*?)\s*$/: "    100%      Default ". */
function firstWordAndRest(cell: string): [string, string] | null {
  const t = cell.trimStart();
  const space = t.search(/\s/);
  return space === -1 ? null : [t.slice(0, space), t.slice(space).trim()];
}

function parseGpuRows(first: string, second: string): TableGpu | null {
  const [c1 = '', c2 = '', c3 = ''] = cells(first);
  const [d1 = '', d2 = '', d3 = ''] = cells(second);
  const head = gpuHead(c1);
  if (!head) return null;
  const stats = gpuStats(d1);
  const memory = slashPair(d2);
  const util = firstWordAndRest(d3);
  return {
    index: head.index,
    name: head.name,
    nameTruncated: head.name.endsWith('...'),
    persistenceMode: nvText(head.mode),
    busId: c2.trim().split(/\s+/)[0] ?? '',
    fanPercent: nvNumber(stats?.[0]),
    temperatureC: nvNumber(stats?.[1]),
    performanceState: nvText(stats?.[2]),
    powerDrawW: nvNumber(stats?.[3]),
    powerCapW: nvNumber(stats?.[4]),
    memoryUsedBytes: nvBytes(memory?.[0]),
    memoryTotalBytes: nvBytes(memory?.[1]),
    utilizationGpuPercent: nvNumber(util?.[0]),
    computeMode: nvText(util?.[1]),
    eccErrorsUncorrected: nvNumber(c3),
  };
}

const PROCESS_TYPES = new Set(['C+G', 'C', 'G', 'M+C', 'M']);
const isNumber = (s: string | undefined): boolean => s !== undefined && /^\d+$/.test(s);
const isInstanceId = (s: string | undefined): boolean => s === 'N/A' || isNumber(s);

/**
 * /^\|\s+(\d+)\s+(?:(?:N\/A|\d+)\s+(?:N\/A|\d+)\s+)?(\d+)\s+(C\+G|C|G|M\+C|M)\s+(.*?)\s+(\d+MiB|N\/A)\s+\|$/:
 * "|    0   N/A  N/A    11327      C   /root/tools/memhog     2566MiB |" (GI/CI columns optional).
 * The name keeps its inner spacing.
 */
function processRow(line: string): TableProcess | null {
  if (line.length < 3 || !line.startsWith('|') || !line.endsWith('|')) return null;
  const inner = line.slice(1, -1);
  const w = [...inner.matchAll(/\S+/g)];
  const memory = w[w.length - 1];
  if (!isSpace(inner[0]) || !isSpace(inner[inner.length - 1]) || !memory || !/^(?:\d+MiB|N\/A)$/.test(memory[0]) || !isNumber(w[0]?.[0])) return null;
  const text = (i: number): string | undefined => (i < w.length - 1 ? w[i]![0] : undefined);
  // With GI and CI columns first, as the regex tries its optional group first.
  for (const typeAt of isInstanceId(text(1)) && isInstanceId(text(2)) ? [4, 2] : [2]) {
    if (!isNumber(text(typeAt - 1)) || !PROCESS_TYPES.has(text(typeAt) ?? '')) continue;
    const between = inner.slice(w[typeAt]!.index + w[typeAt]![0].length, memory.index);
    const name = between.trim();
    if (!isSpace(between[0]) || (name === '' && between.length < 2)) continue;
    return { gpu: Number(w[0]![0]), pid: Number(text(typeAt - 1)), type: text(typeAt)!, name, usedMemoryBytes: nvBytes(memory[0]) };
  }
  return null;
}

export function parseNvidiaSmiTable(text: string): NvidiaSmiTable {
  const lines = text.split('\n').map((l) => l.trimEnd());
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
      const process = processRow(line);
      if (process) processes.push(process);
    }
  }
  return { smiVersion: versions?.[1] ?? null, driverVersion: versions?.[2] ?? null, cudaVersion: nvText(versions?.[3]), gpus, processes };
}
