import { z } from 'zod';
import { event, request } from '../contract.js';
import { hostIdSchema } from '../hosts/host.schema.js';
import { sampleSchema } from './sample.schema.js';

/** Unix epoch milliseconds. */
const epochMs = z.number().int('A time is whole milliseconds.').nonnegative('A time cannot be before 1970.').max(Number.MAX_SAFE_INTEGER);

/** Series kept in history (raw, 1-minute and 1-hour rollups with min/avg/max). */
export const SERIES = ['cpu', 'mem', 'load1', 'netRx', 'netTx', 'diskRead', 'diskWrite', 'gpuUtil', 'gpuMem', 'gpuTemp'] as const;
export const seriesSchema = z.enum(SERIES);
export type Series = z.infer<typeof seriesSchema>;

export const historyPointSchema = z.object({ t: z.number(), min: z.number().nullable(), avg: z.number().nullable(), max: z.number().nullable() });
export type HistoryPoint = z.infer<typeof historyPointSchema>;

export const monitorContract = {
  /** Starts (or keeps) the live stream of a connected host; samples arrive as monitor.onSample. */
  start: request('monitor.start', z.object({ id: hostIdSchema, intervalMs: z.number().int().min(250).max(60_000).default(1000) }), z.object({ ok: z.boolean() })),
  stop: request('monitor.stop', z.object({ id: hostIdSchema }), z.object({ ok: z.boolean() })),
  latest: request('monitor.latest', z.object({ id: hostIdSchema }), z.nullable(sampleSchema)),
  history: request(
    'monitor.history',
    z.object({ id: hostIdSchema, series: seriesSchema, from: epochMs, to: epochMs, points: z.number().int().min(10).max(2000).default(300) }),
    z.object({ resolution: z.enum(['raw', '1m', '1h']), points: z.array(historyPointSchema) }),
  ),
} as const;

export const monitorEvents = {
  onSample: event('monitor.onSample', z.object({ id: hostIdSchema, sample: sampleSchema })),
} as const;
