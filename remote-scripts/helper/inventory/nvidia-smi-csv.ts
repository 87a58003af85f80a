import type { Gpu, GpuProcess } from '../../../src-common/inventory/inventory.schema.js';
import { MAX } from '../../../src-common/protocol/bounds.js';
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

/**
 * "name [unit]": the unit is the bracket group at the end with no "]" inside it, found by index.
 * (A lazy regex retried from every "[", each time to the end of the header, quadratic on a
 * hostile one.)
 */
function columnOf(header: string): CsvColumn {
  const h = header.trim();
  if (h.endsWith(']')) {
    const open = h.indexOf('[', h.lastIndexOf(']', h.length - 2) + 1);
    if (open !== -1 && open < h.length - 2) return { name: h.slice(0, open).trimEnd(), unit: h.slice(open + 1, -1) };
  }
  return { name: h, unit: null };
}

export function parseNvidiaSmiCsv(text: string, freeTextColumn?: string): NvidiaCsv {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  const header = lines.shift();
  if (header === undefined) return { columns: [], rows: [] };
  const columns = header.split(', ').map(columnOf);
  const freeIndex = freeTextColumn === undefined ? -1 : columns.findIndex((c) => c.name === freeTextColumn);
  const rows = lines.map((line) => {
    let fields = line.split(', ');
    const surplus = fields.length - columns.length;
    if (surplus > 0 && freeIndex !== -1) {
      fields = [...fields.slice(0, freeIndex), fields.slice(freeIndex, freeIndex + surplus + 1).join(', '), ...fields.slice(freeIndex + surplus + 1)];
    }
    // Only the cells the line has: short lines under a long header must not cost (or return)
    // lines × columns. A missing cell reads as undefined, which the value helpers treat as N/A.
    const row: Record<string, string> = {};
    for (let i = 0; i < Math.min(fields.length, columns.length); i++) row[columns[i]!.name] = fields[i]!.trim();
    return row;
  });
  return { columns, rows };
}

/** Units by column name (the first column of a name wins), looked up once rather than per row. */
function unitsOf(csv: NvidiaCsv): (name: string) => string | undefined {
  const units = new Map<string, string | null>();
  for (const c of csv.columns) if (!units.has(c.name)) units.set(c.name, c.unit);
  return (name) => units.get(name) ?? undefined;
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
  const unitOf = unitsOf(csv);
  // One row per GPU, up to the bound the core accepts: 100,000 one-character rows are not GPUs.
  return csv.rows.slice(0, MAX.gpus).map((row, i) => ({
    index: nvNumber(row.index) ?? i,
    name: nvText(row.name) ?? 'NVIDIA GPU',
    uuid: nvText(row.uuid) ?? '',
    serial: nvText(row.serial),
    busId: nvText(row['pci.bus_id']),
    driverVersion: nvText(row.driver_version),
    // --query-gpu has no CUDA version field; -q -x or the table header carry it.
    cudaVersion: null,
    memoryTotalBytes: nvBytes(row['memory.total'], unitOf('memory.total')),
    memoryUsedBytes: nvBytes(row['memory.used'], unitOf('memory.used')),
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
  const unitOf = unitsOf(csv);
  return csv.rows.flatMap((row) => {
    const pid = nvNumber(row.pid);
    if (pid === null) return [];
    return [{
      pid,
      name: row.process_name ?? '',
      // Compute apps are by definition type C (or C+G, which the CSV cannot tell apart).
      type: 'C',
      usedMemoryBytes: nvBytes(row.used_gpu_memory ?? row.used_memory, unitOf('used_gpu_memory') ?? unitOf('used_memory')),
      gpuUuid: nvText(row.gpu_uuid),
      gpuBusId: nvText(row.gpu_bus_id),
    }];
  });
}

/**
 * Attaches compute apps to their GPUs by UUID, or by bus id where UUIDs are masked or missing.
 * A row of --query-compute-apps is one process on one GPU, so it goes to the first GPU that
 * matches, found through indexes: a host listing thousands of GPUs and processes must not cost
 * (or return) GPUs × processes.
 */
export function attachProcesses(gpus: Gpu[], apps: readonly ComputeApp[]): Gpu[] {
  const firstIndex = (key: (g: Gpu) => string | null): Map<string, number> => {
    const index = new Map<string, number>();
    gpus.forEach((g, i) => {
      const k = key(g);
      if (k !== null && !index.has(k)) index.set(k, i);
    });
    return index;
  };
  const byBusId = firstIndex((g) => g.busId || null);
  const byUuidWithoutBusId = firstIndex((g) => (g.busId ? null : g.uuid));
  const byUuid = firstIndex((g) => g.uuid);
  const attached: GpuProcess[][] = gpus.map(() => []);
  for (const { pid, name, type, usedMemoryBytes, gpuUuid, gpuBusId } of apps) {
    const viaUuid = gpuUuid === null ? undefined : (gpuBusId ? byUuidWithoutBusId : byUuid).get(gpuUuid);
    const viaBusId = gpuBusId ? byBusId.get(gpuBusId) : undefined;
    const at = Math.min(viaUuid ?? Infinity, viaBusId ?? Infinity);
    if (at !== Infinity && attached[at]!.length < MAX.gpuProcesses) attached[at]!.push({ pid, name, type, usedMemoryBytes });
  }
  return gpus.map((gpu, i) => ({ ...gpu, processes: [...gpu.processes, ...attached[i]!] }));
}
