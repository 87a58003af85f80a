import type { Gpu, Inventory } from '../../src-common/inventory/inventory.schema.js';
import type { Probe } from '../../src-common/inventory/probe.schema.js';
import { ratioPercent } from '../format.js';

export interface GpuSummary {
  count: number;
  /** "NVIDIA A100-SXM4-80GB" when all are alike, else "3 models". */
  model: string;
  avgUtilization: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  memoryPercent: number | null;
  /** Processes across all GPUs. */
  processes: number;
}

function sumKnown(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
}

export function summarizeGpus(gpus: Gpu[]): GpuSummary | null {
  if (gpus.length === 0) return null;
  const models = new Set(gpus.map((g) => g.name));
  const utils = gpus.map((g) => g.utilizationGpuPercent).filter((u): u is number => typeof u === 'number');
  const used = sumKnown(gpus.map((g) => g.memoryUsedBytes));
  const total = sumKnown(gpus.map((g) => g.memoryTotalBytes));
  return {
    count: gpus.length,
    model: models.size === 1 ? (gpus[0]?.name ?? '') : `${models.size} models`,
    avgUtilization: utils.length ? utils.reduce((a, b) => a + b, 0) / utils.length : null,
    memoryUsedBytes: used,
    memoryTotalBytes: total,
    memoryPercent: ratioPercent(used, total),
    processes: gpus.reduce((n, g) => n + g.processes.length, 0),
  };
}

/** "Ubuntu 22.04.4 LTS" from os-release, falling back to name + version. */
export function osLabel(probe: Pick<Probe, 'os'>): string {
  const os = probe.os;
  return os.prettyName || [os.name, os.versionId].filter(Boolean).join(' ') || os.id;
}

/** Memory in use the way free(1) counts it: total minus available. */
export function memoryInUse(inv: Pick<Inventory, 'memory'>): { used: number; total: number; percent: number | null } {
  const { totalBytes, availableBytes } = inv.memory;
  const used = Math.max(0, totalBytes - availableBytes);
  return { used, total: totalBytes, percent: ratioPercent(used, totalBytes) };
}

/** "AMD EPYC 7763 64-Core Processor" → "AMD EPYC 7763": drops the marketing tail for compact views. */
export function shortCpuModel(model: string): string {
  return model
    .replace(/\((R|TM|tm|r)\)/g, '')
    .replace(/\b(CPU|Processor)\b/g, '')
    .replace(/\b\d+-Core\b/gi, '')
    .replace(/@.*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** "NVIDIA GeForce RTX 4090" → "RTX 4090"; "NVIDIA A100-SXM4-80GB" → "A100-SXM4-80GB". */
export function shortGpuModel(name: string): string {
  return name.replace(/^NVIDIA\s+/i, '').replace(/^(GeForce|Tesla|Quadro)\s+/i, '').trim() || name;
}
