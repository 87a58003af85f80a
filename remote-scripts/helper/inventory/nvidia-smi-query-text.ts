import type { Gpu, GpuProcess } from '../../../src-common/inventory/inventory.schema.js';
import { nvBytes, nvNumber, nvOnOff, nvText } from './nvidia-values.js';

/**
 * `nvidia-smi -q` (text, not XML): "Key : value" lines nested by 4-space indentation. Read into a
 * tree first, then mapped to the same Gpu shape as the XML so the two can be cross-checked.
 */

export interface QNode {
  key: string;
  value: string | null;
  children: QNode[];
}

export function parseQueryTree(text: string): QNode[] {
  const root: QNode = { key: '', value: null, children: [] };
  const stack: Array<{ indent: number; node: QNode }> = [{ indent: -1, node: root }];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trim().startsWith('===')) continue;
    const indent = line.length - line.trimStart().length;
    const colon = line.indexOf(' : ');
    const key = (colon === -1 ? line : line.slice(0, colon)).trim();
    const value = colon === -1 ? null : line.slice(colon + 3).trim();
    while (stack.length > 1 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const node: QNode = { key, value, children: [] };
    stack[stack.length - 1]!.node.children.push(node);
    stack.push({ indent, node });
  }
  return root.children;
}

function find(nodes: readonly QNode[] | undefined, ...path: string[]): QNode | undefined {
  let current: QNode | undefined;
  let list = nodes;
  for (const key of path) {
    current = list?.find((n) => n.key === key);
    list = current?.children;
  }
  return current;
}

const valueAt = (nodes: readonly QNode[] | undefined, ...path: string[]): string | null => find(nodes, ...path)?.value ?? null;

/**
 * Processes are a flat run of keys under "Processes"; each process starts at "GPU instance ID"
 * (or at "Process ID" on drivers without MIG), and Type/Name/Used GPU Memory nest under Process ID.
 */
function processesOf(gpu: readonly QNode[]): GpuProcess[] {
  const list = find(gpu, 'Processes')?.children ?? [];
  return list.filter((n) => n.key === 'Process ID').flatMap((p) => {
    const pid = nvNumber(p.value);
    if (pid === null) return [];
    return [{ pid, name: valueAt(p.children, 'Name') ?? '', type: nvText(valueAt(p.children, 'Type')), usedMemoryBytes: nvBytes(valueAt(p.children, 'Used GPU Memory')) }];
  });
}

function uncorrectable(gpu: readonly QNode[]): number | null {
  const volatile = find(gpu, 'ECC Errors', 'Volatile')?.children ?? [];
  let total: number | null = null;
  for (const n of volatile.filter((c) => /Uncorrectable/i.test(c.key))) {
    const v = nvNumber(n.value);
    if (v !== null) total = (total ?? 0) + v;
  }
  return total;
}

export function parseNvidiaSmiQueryText(text: string): Gpu[] {
  const top = parseQueryTree(text);
  const driverVersion = nvText(valueAt(top, 'Driver Version'));
  const cudaVersion = nvText(valueAt(top, 'CUDA Version'));
  return top
    .filter((n) => /^GPU [0-9A-Fa-f]+:[0-9A-Fa-f]+:[0-9A-Fa-f]+\.\d$/.test(n.key))
    .map((node, index) => {
      const g = node.children;
      return {
        index,
        name: valueAt(g, 'Product Name') ?? 'NVIDIA GPU',
        uuid: valueAt(g, 'GPU UUID') ?? '',
        serial: nvText(valueAt(g, 'Serial Number')),
        busId: nvText(valueAt(g, 'PCI', 'Bus Id')) ?? node.key.slice(4),
        driverVersion,
        cudaVersion,
        memoryTotalBytes: nvBytes(valueAt(g, 'FB Memory Usage', 'Total')),
        memoryUsedBytes: nvBytes(valueAt(g, 'FB Memory Usage', 'Used')),
        utilizationGpuPercent: nvNumber(valueAt(g, 'Utilization', 'GPU')),
        utilizationMemoryPercent: nvNumber(valueAt(g, 'Utilization', 'Memory')),
        temperatureC: nvNumber(valueAt(g, 'Temperature', 'GPU Current Temp')),
        powerDrawW: nvNumber(valueAt(g, 'GPU Power Readings', 'Instantaneous Power Draw') ?? valueAt(g, 'GPU Power Readings', 'Power Draw') ?? valueAt(g, 'Power Readings', 'Power Draw')),
        powerLimitW: nvNumber(valueAt(g, 'GPU Power Readings', 'Current Power Limit') ?? valueAt(g, 'Power Readings', 'Enforced Power Limit') ?? valueAt(g, 'Power Readings', 'Power Limit')),
        eccErrorsUncorrected: uncorrectable(g),
        eccMode: nvOnOff(valueAt(g, 'ECC Mode', 'Current')),
        processes: processesOf(g),
      };
    });
}
