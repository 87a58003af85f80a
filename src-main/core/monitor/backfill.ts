import * as z from 'zod/mini';
import { sampleSchema } from '../../../src-common/monitor/sample.schema.js';
import type { ChannelHandle, OpenOptions } from '../../../src-common/protocol/endpoint.js';
import { helperChannels, type HelperChannelDef, type HelperParams } from '../../../src-common/protocol/helper-api.js';
import { JsonLineSplitter } from './json-lines.js';
import type { MetricsStore } from './metrics-store.js';
import type { IngestItem } from './sample-writer.js';

/**
 * What a host's resident agent sampled while this laptop was away, into this laptop's history and
 * usage tables: every sample its buffer kept after the last one seen here (at most its 48 h).
 * Each line is checked like a live sample (the host is untrusted); rows already here are ignored
 * by the store, so an overlap with the live stream counts nothing twice.
 */
export interface BackfillHelper {
  readonly init: { capabilities: readonly string[] };
  open<D extends HelperChannelDef>(def: D, params: HelperParams<D>, opts: OpenOptions): ChannelHandle;
}

export const BACKFILL_MAX_MS = 48 * 3_600_000;
/**
 * Samples per write. Each batch is one short synchronous task (about 20 ms), after which the event
 * loop runs whatever else waits (the UI's requests, other hosts' backfills, live samples): fifty
 * hosts reconnecting at once share the process instead of one of them holding it for seconds.
 */
const BATCH = 400;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function servesBackfill(helper: unknown): helper is BackfillHelper {
  const caps = (helper as Partial<BackfillHelper>).init?.capabilities;
  return Array.isArray(caps) && caps.includes(helperChannels.agentHistory.method);
}

export async function backfill(helper: BackfillHelper, store: MetricsStore, hostId: number, now = Date.now()): Promise<{ since: number; received: number; added: number; refused: number; ms: number }> {
  const started = Date.now();
  const since = Math.max(store.lastSeen(hostId)?.sampleT ?? 0, now - BACKFILL_MAX_MS);
  const splitter = new JsonLineSplitter();
  let batch: IngestItem[] = [];
  let received = 0;
  let added = 0;
  let refused = 0;
  const flush = () => {
    if (batch.length) added += store.ingestMany(batch);
    batch = [];
  };
  await helper.open(helperChannels.agentHistory, { since }, {
    // Acknowledged once handled: the agent sends the next chunk only then (the channel's window).
    onData: async (data) => {
      for (const line of splitter.push(data)) {
        received++;
        let parsed;
        try {
          parsed = z.safeParse(sampleSchema, JSON.parse(line));
        } catch {
          parsed = null;
        }
        if (!parsed?.success) {
          refused++;
          continue;
        }
        batch.push({ hostId, sample: parsed.data });
        if (batch.length >= BATCH) {
          flush();
          await yieldToLoop();
        }
      }
    },
  }).finished;
  flush();
  return { since, received, added, refused, ms: Date.now() - started };
}
