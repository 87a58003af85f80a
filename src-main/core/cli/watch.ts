import { FleetdeckError } from '../../../src-common/problems.js';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import type { ChannelHandle, OpenOptions } from '../../../src-common/protocol/endpoint.js';
import * as z from 'zod/mini';
import { describeSchemaIssues } from '../../../src-common/protocol/bounds.js';
import { helperChannels, type HelperChannelDef, type HelperParams } from '../../../src-common/protocol/helper-api.js';
import { bytes } from './format.js';
import type { Flags } from './args.js';

/**
 * `fleetdeck watch HOST|--local`: the live metrics stream of one host on the terminal, one line
 * per sample (JSON with --json, for scripts), until --count samples or Ctrl+C.
 */

export interface WatchOptions {
  intervalMs: number;
  /** Stop after this many samples; null runs until interrupted. */
  count: number | null;
  json: boolean;
}


export function watchOptions(flags: Flags): WatchOptions {
  const seconds = flags.interval === undefined ? 1 : Number(flags.interval);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new FleetdeckError('invalid-input', `--interval takes seconds, e.g. --interval 2 or --interval 0.5 (got "${String(flags.interval)}").`);
  const count = flags.count === undefined ? null : Number(flags.count);
  if (count !== null && (!Number.isInteger(count) || count < 1 || count > 10_000_000)) throw new FleetdeckError('invalid-input', `--count takes a whole number of samples from 1 to 10,000,000, e.g. --count 10 (got "${String(flags.count).slice(0, 40)}").`);
  // The helper clamps to 0.25..60 s as well; saying so here avoids a surprise cadence.
  if (seconds < 0.25 || seconds > 60) throw new FleetdeckError('invalid-input', '--interval must be between 0.25 and 60 seconds.');
  return { intervalMs: Math.round(seconds * 1000), count, json: !!flags.json };
}

const pct = (n: number | null): string => (n === null ? '  –  ' : `${n.toFixed(1).padStart(5)}%`);

/** "14:03:07  cpu  23.4%  mem 5.1 GiB/15.6 GiB  load 0.52  cpu: fdtest 99.1%, root 3.2%  gpu: alice 2.2 GiB" */
export function formatSampleLine(s: Sample): string {
  const time = new Date(s.t).toTimeString().slice(0, 8);
  const parts = [time, `cpu ${pct(s.cpu.totalPercent)}`, `mem ${bytes(s.memory.usedBytes)}/${bytes(s.memory.totalBytes)}`, `load ${s.load[0].toFixed(2)}`];
  const byCpu = s.users.filter((u) => u.cpuPercent >= 0.5).slice(0, 3);
  if (byCpu.length) parts.push(`cpu: ${byCpu.map((u) => `${u.user} ${u.cpuPercent.toFixed(1)}%`).join(', ')}`);
  if (s.gpus.length) {
    const util = s.gpus.map((g) => (g.utilizationPercent === null ? '–' : `${g.utilizationPercent}%`)).join(' ');
    parts.push(`gpu ${util}`);
    const byGpu = [...s.users].filter((u) => u.gpuMemoryBytes > 0).sort((a, b) => b.gpuMemoryBytes - a.gpuMemoryBytes).slice(0, 3);
    if (byGpu.length) parts.push(`gpu mem: ${byGpu.map((u) => `${u.user} ${bytes(u.gpuMemoryBytes)}`).join(', ')}`);
  }
  return parts.join('  ');
}

export interface StreamSource {
  open<D extends HelperChannelDef>(def: D, params: HelperParams<D>, opts: OpenOptions): ChannelHandle;
}

/**
 * Opens metrics.stream1 and hands each sample line to `onLine` until `count` samples arrived, the
 * signal aborts (Ctrl+C), or the helper ends the channel. Closing the channel tells the helper to
 * stop sampling. Resolves with the number of samples seen; rejects with the helper's problem.
 */
export async function streamSamples(source: StreamSource, opts: { intervalMs: number; count: number | null; signal?: AbortSignal }, onLine: (line: string) => void): Promise<number> {
  let seen = 0;
  let pending = '';
  let stopped = false;
  const decoder = new TextDecoder();
  let handle: ChannelHandle | null = null;
  const stop = () => {
    stopped = true;
    handle?.close();
  };
  handle = source.open(helperChannels.metricsStream, { intervalMs: opts.intervalMs }, {
    onData: (chunk) => {
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      // A frame normally carries one whole line, but nothing in the protocol promises that.
      while (!stopped && (nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line.trim()) continue;
        seen++;
        onLine(line);
        if (opts.count !== null && seen >= opts.count) stop();
      }
    },
  });
  if (opts.signal?.aborted) stop();
  opts.signal?.addEventListener('abort', stop, { once: true });
  try {
    await handle.finished;
  } catch (err) {
    if (!stopped) throw err;
  } finally {
    opts.signal?.removeEventListener('abort', stop);
  }
  return seen;
}

function checkSampleLine(line: string, noted: Set<string>, out: { note(s: string): void }): Sample | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    raw = undefined;
  }
  const parsed = z.safeParse(helperChannels.metricsStream.item, raw);
  if (parsed.success) return parsed.data;
  const why = raw === undefined ? 'not JSON' : describeSchemaIssues(parsed.error, 1);
  if (!noted.has('invalid-sample')) out.note(`note: skipped a sample that does not fit the schema (${why}); the host may run a modified helper\n`);
  noted.add('invalid-sample');
  return null;
}

/** The CLI command; `connect` opens the helper (local child or over SSH) and says how to let it go. */
export async function watchCommand(
  flags: Flags,
  connect: () => Promise<{ source: StreamSource; dispose(): void }>,
  out: { write(s: string): void; note(s: string): void } = { write: (s) => process.stdout.write(s), note: (s) => process.stderr.write(s) },
): Promise<void> {
  const opts = watchOptions(flags);
  const { source, dispose } = await connect();
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const noted = new Set<string>();
  try {
    await streamSamples(source, { ...opts, signal: abort.signal }, (line) => {
      // Host data: a sample that does not fit the declared schema is skipped (and said), never printed.
      const sample = checkSampleLine(line, noted, out);
      if (!sample) return;
      if (opts.json) return out.write(`${JSON.stringify(sample)}\n`);
      // Notes repeat in every sample (each must stand alone); a terminal needs each once.
      for (const n of sample.notes) {
        if (noted.has(n)) continue;
        noted.add(n);
        out.note(`note: ${n}\n`);
      }
      out.write(`${formatSampleLine(sample)}\n`);
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
    dispose();
  }
}
