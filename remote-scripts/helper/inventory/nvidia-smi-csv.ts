import type { Gpu, GpuProcess } from '../../../src-common/inventory/inventory.schema.js';
import { nvBytes, nvNumber, nvOnOff, nvText } from './nvidia-values.js';

/**
 * `nvidia-smi --query-gpu=... --format=csv` and `--query-compute-apps=... --format=csv`.
 * Columns are found by header name, never by position, because the field list differs per
 * driver (kmd_version appeared in 595). Headers carry units ("memory.total [MiB]"); values carry
 * them too unless ",nounits" was given, so the header unit is the fallback. Fields are separated
 * by ", " and never quoted: a value containing ", " (a process command line) splits into extra
 * fields, which are joined back into the one free-text column.
 */

export interface CsvColumn {
  name: string;
  unit: string | null;
}

export interface NvidiaCsv {
  columns: CsvColumn[];
  rows: Array<Record<string, string>>;
}

export function parseNvidiaSmiCsv(text: string, freeTextColumn?: string): NvidiaCsv {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  const header = lines.shift();
  if (header === undefined) return { columns: [], rows: [] };
  const columns = header.split(', ').map((h) => {
    const m = /^(.*?)\s*\[([^\]]+)\]$/.exec(h.trim());
    return m ? { name: m[1]!, unit: m[2]! } : { name: h.trim(), unit: null };
  });
  const freeIndex = freeTextColumn === undefined ? -1 : columns.findIndex((c) => c.name === freeTextColumn);
  const rows = lines.map((line) => {
    let fields = line.split(', ');
    const surplus = fields.length - columns.length;
    if (surplus > 0 && freeIndex !== -1) {
      fields = [...fields.slice(0, freeIndex), fields.slice(freeIndex, freeIndex + surplus + 1).join(', '), ...fields.slice(freeIndex + surplus + 1)];
    }
    const row: Record<string, string> = {};
    columns.forEach((c, i) => (row[c.name] = (fields[i] ?? '').trim()));
    return row;
  });
  return { columns, rows };
}

function unitOf(csv: NvidiaCsv, name: string): string | undefined {
  return csv.columns.find((c) => c.name === name)?.unit ?? undefined;
}

function firstPresent(row: Record<string, string>, names: string[]): string | null {
  for (const n of names) if (nvText(row[n]) !== null) return row[n]!;
  return null;
}

/** Fields to ask for when Fleetdeck itself runs --query-gpu. */
export const QUERY_GPU_FIELDS = [
  'index', 'name', 'uuid', 'serial', 'pci.bus_id', 'driver_version', 'memory.total', 'memory.used',
  'utilization.gpu', 'utilization.memory', 'temperature.gpu', 'power.draw', 'power.limit',
  'ecc.errors.uncorrected.volatile.total',
] as const;

export function gpusFromQueryGpuCsv(text: string): Gpu[] {
  const csv = parseNvidiaSmiCsv(text, 'name');
  return csv.rows.map((row, i) => ({
    index: nvNumber(row.index) ?? i,
    name: nvText(row.name) ?? 'NVIDIA GPU',
    uuid: nvText(row.uuid) ?? '',
    serial: nvText(row.serial),
    busId: nvText(row['pci.bus_id']),
    driverVersion: nvText(row.driver_version),
    // --query-gpu has no CUDA version field; -q -x or the table header carry it.
    cudaVersion: null,
    memoryTotalBytes: nvBytes(row['memory.total'], unitOf(csv, 'memory.total')),
    memoryUsedBytes: nvBytes(row['memory.used'], unitOf(csv, 'memory.used')),
    utilizationGpuPercent: nvNumber(row['utilization.gpu']),
    utilizationMemoryPercent: nvNumber(row['utilization.memory']),
    temperatureC: nvNumber(row['temperature.gpu']),
    powerDrawW: nvNumber(firstPresent(row, ['power.draw', 'power.draw.instant', 'power.draw.average'])),
    powerLimitW: nvNumber(firstPresent(row, ['enforced.power.limit', 'power.limit'])),
    eccErrorsUncorrected: nvNumber(row['ecc.errors.uncorrected.volatile.total']),
    eccMode: nvOnOff(row['ecc.mode.current']),
    processes: [],
  }));
}

export interface ComputeApp extends GpuProcess {
  gpuUuid: string | null;
  gpuBusId: string | null;
}

export function computeAppsFromCsv(text: string): ComputeApp[] {
  const csv = parseNvidiaSmiCsv(text, 'process_name');
  return csv.rows.flatMap((row) => {
    const pid = nvNumber(row.pid);
    if (pid === null) return [];
    return [{
      pid,
      name: row.process_name ?? '',
      // Compute apps are by definition type C (or C+G, which the CSV cannot tell apart).
      type: 'C',
      usedMemoryBytes: nvBytes(row.used_gpu_memory ?? row.used_memory, unitOf(csv, 'used_gpu_memory') ?? unitOf(csv, 'used_memory')),
      gpuUuid: nvText(row.gpu_uuid),
      gpuBusId: nvText(row.gpu_bus_id),
    }];
  });
}

/** Attaches compute apps to their GPUs by UUID, or by bus id where UUIDs are masked or missing. */
export function attachProcesses(gpus: Gpu[], apps: readonly ComputeApp[]): Gpu[] {
  return gpus.map((gpu) => ({
    ...gpu,
    processes: [
      ...gpu.processes,
      ...apps
        .filter((a) => (a.gpuBusId && gpu.busId ? a.gpuBusId === gpu.busId : a.gpuUuid === gpu.uuid))
        .map(({ pid, name, type, usedMemoryBytes }) => ({ pid, name, type, usedMemoryBytes })),
    ],
  }));
}
