import { GPU_SERIES, MAX_GPU_INDEX, type GpuSeries } from '../../../src-common/monitor/monitor.contract.js';

/**
 * The per-GPU history series, in GPU_SERIES order, as SQL column names of gpu_1m / gpu_1h.
 * Column names are only ever interpolated into SQL from this table, never from input.
 */
export const GPU_SERIES_COLUMNS: Record<GpuSeries, string> = {
  util: 'util',
  memUsed: 'mem_used',
  memPercent: 'mem_pct',
  temp: 'temp',
  power: 'power',
};

export const GPU_COLUMNS: readonly string[] = GPU_SERIES.map((s) => GPU_SERIES_COLUMNS[s]);
export const GPU_SERIES_COUNT = GPU_SERIES.length;

/** Whether a GPU index from a host is one history keeps (a hostile host may send any integer). */
export function isKeptGpuIndex(index: number): boolean {
  return Number.isInteger(index) && index >= 0 && index <= MAX_GPU_INDEX;
}
