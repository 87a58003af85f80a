import { z } from 'zod';
import { event, request } from '../contract.js';
import { hostIdSchema } from '../hosts/host.schema.js';
import { sampleSchema } from './sample.schema.js';

/** Unix epoch milliseconds. */
const epochMs = z.number().int('A time is whole milliseconds.').nonnegative('A time cannot be before 1970.').max(Number.MAX_SAFE_INTEGER);
const points = z.number().int().min(10).max(2000).default(300);

/**
 * Series kept in history (raw, 1-minute and 1-hour rollups with min/avg/max). New series are
 * appended: the order is the column order of the write path. iowait is % of CPU time, swap is
 * swap used in bytes (rows stored before they were kept hold NULL).
 */
export const SERIES = ['cpu', 'mem', 'load1', 'netRx', 'netTx', 'diskRead', 'diskWrite', 'gpuUtil', 'gpuMem', 'gpuTemp', 'iowait', 'swap'] as const;
export const seriesSchema = z.enum(SERIES);
export type Series = z.infer<typeof seriesSchema>;

/**
 * Series kept per GPU (1-minute and 1-hour rollups with min/avg/max): utilisation %, memory used
 * in bytes and as % of that GPU's memory, temperature °C, power W.
 */
export const GPU_SERIES = ['util', 'memUsed', 'memPercent', 'temp', 'power'] as const;
export const gpuSeriesSchema = z.enum(GPU_SERIES);
export type GpuSeries = z.infer<typeof gpuSeriesSchema>;
/** GPU indices kept in history (the helper reports at most 64 GPUs). */
export const MAX_GPU_INDEX = 63;

export const historySourceSchema = z.enum(['local', 'prometheus'], { message: 'The history source is "local" (this laptop) or "prometheus".' });
export type HistorySource = z.infer<typeof historySourceSchema>;

export const historyPointSchema = z.object({ t: z.number(), min: z.number().nullable(), avg: z.number().nullable(), max: z.number().nullable() });
export type HistoryPoint = z.infer<typeof historyPointSchema>;

export const gpuHistorySchema = z.object({
  resolution: z.enum(['1m', '1h']),
  /** Every GPU with a stored value in the range (or the one asked for), by index; `points` each. */
  gpus: z.array(z.object({ index: z.number().int(), points: z.array(historyPointSchema) })),
});
export type GpuHistory = z.infer<typeof gpuHistorySchema>;

export const monitorContract = {
  /** Starts (or keeps) the live stream of a connected host; samples arrive as monitor.onSample. */
  start: request('monitor.start', z.object({ id: hostIdSchema, intervalMs: z.number().int().min(250).max(60_000).default(1000) }), z.object({ ok: z.boolean() })),
  stop: request('monitor.stop', z.object({ id: hostIdSchema }), z.object({ ok: z.boolean() })),
  latest: request('monitor.latest', z.object({ id: hostIdSchema }), z.nullable(sampleSchema)),
  /**
   * One series over a range: from this laptop's SQLite (local, the default), or from the fleet's
   * Prometheus (the monitoring module), asked through the SSH connection to its host.
   */
  history: request(
    'monitor.history',
    z.object({ id: hostIdSchema, series: seriesSchema, from: epochMs, to: epochMs, points, source: historySourceSchema.default('local') }),
    z.object({ resolution: z.enum(['raw', '1m', '1h']), points: z.array(historyPointSchema), source: historySourceSchema.optional(), via: z.string().optional() }),
  ),
  /** Where this host's history can come from: always this laptop; the Prometheus that scrapes it, if the monitoring module is installed. */
  historySources: request('monitor.historySources', z.object({ id: hostIdSchema }), z.object({ prometheus: z.object({ hostId: hostIdSchema, hostName: z.string(), connected: z.boolean() }).nullable() })),
  /** One series of every GPU of a host (or of one GPU), from the per-GPU rollups. */
  gpuHistory: request(
    'monitor.gpuHistory',
    z.object({ id: hostIdSchema, series: gpuSeriesSchema, from: epochMs, to: epochMs, points, gpu: z.number().int().min(0).max(MAX_GPU_INDEX).optional() }),
    gpuHistorySchema,
  ),
} as const;

export const monitorEvents = {
  onSample: event('monitor.onSample', z.object({ id: hostIdSchema, sample: sampleSchema })),
  /** The host's resident agent filled a gap in this laptop's history (samples from `from`, host clock). */
  onBackfill: event('monitor.onBackfill', z.object({ id: hostIdSchema, samples: z.number().int(), from: z.number() })),
} as const;
