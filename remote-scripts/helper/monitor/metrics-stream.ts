import type { ChannelSink } from '../../../src-common/protocol/endpoint.js';
import type { HelperContext } from '../context.js';
import { Sampler } from './sampler.js';

export const DEFAULT_INTERVAL_MS = 1000;
export const MIN_INTERVAL_MS = 250;
export const MAX_INTERVAL_MS = 60_000;

/** params.intervalMs, clamped: faster than 250 ms the /proc walk itself becomes the load being measured. */
export function streamInterval(params: unknown): number {
  const raw = Number((params as { intervalMs?: unknown } | null)?.intervalMs ?? DEFAULT_INTERVAL_MS);
  if (!Number.isFinite(raw)) return DEFAULT_INTERVAL_MS;
  return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, Math.round(raw)));
}

/** Resolves after ms, or at once when the signal aborts (the consumer closed the channel). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The first tick after `now` on the grid that starts at `next`: ticks missed while blocked are skipped, never replayed. */
export function nextTick(next: number, now: number, intervalMs: number): number {
  return next > now ? next : next + Math.ceil((now - next + 1) / intervalMs) * intervalMs;
}

export interface StreamOptions {
  sampler?: { sample(): Promise<unknown> };
  now?: () => number;
}

/**
 * `metrics.stream1`: one JSON Sample per line, every intervalMs, until the consumer closes the
 * channel. The first sample only primes the counters (it has no rates) and is not sent; the first
 * one sent follows after at most a second, even at long intervals. When the consumer is slow,
 * sink.send() blocks on the flow-control window and the ticks that pass meanwhile are dropped: a
 * live view wants the newest sample, not a backlog.
 */
export async function serveMetricsStream(ctx: HelperContext, params: unknown, sink: ChannelSink, opts: StreamOptions = {}): Promise<void> {
  const intervalMs = streamInterval(params);
  const now = opts.now ?? Date.now;
  // A sample must not wait on a slow nvidia-smi for longer than most of its interval.
  const sampler = opts.sampler ?? new Sampler(ctx, { gpuWaitMs: Math.min(800, Math.round(intervalMs * 0.8)) });
  await sampler.sample();
  let next = now() + Math.min(intervalMs, DEFAULT_INTERVAL_MS);
  while (!sink.signal.aborted) {
    await sleep(next - now(), sink.signal);
    if (sink.signal.aborted) return;
    const sample = await sampler.sample();
    if (sink.signal.aborted) return;
    try {
      await sink.send(`${JSON.stringify(sample)}\n`);
    } catch (err) {
      // The consumer closed while we waited for window space: that is the normal way to stop.
      if (sink.signal.aborted) return;
      throw err;
    }
    next = nextTick(next + intervalMs, now(), intervalMs);
  }
}
