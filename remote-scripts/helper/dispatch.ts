import { FleetdeckError } from '../../src-common/problems.js';
import type { ChannelSink } from '../../src-common/protocol/endpoint.js';
import { HELPER_METHODS } from '../../src-common/protocol/helper-methods.js';
import type { HelperContext } from './context.js';
import { inventorySnapshot } from './inventory/snapshot.js';
import { serveMetricsStream } from './monitor/metrics-stream.js';
import { probe } from './probe/probe.js';
import { inspectProcess, liveKill, signalProcess } from './processes/process-control.js';

/** Routes calls to the helper's capabilities. Debug methods exist only for protocol tests. */
export function createDispatcher(ctx: HelperContext, debug: boolean) {
  return {
    async call(method: string, params: unknown, signal: AbortSignal): Promise<unknown> {
      switch (method) {
        case HELPER_METHODS.ping:
          return { now: Date.now() };
        case HELPER_METHODS.probe:
          return probe(ctx);
        case HELPER_METHODS.inventorySnapshot:
          return inventorySnapshot(ctx);
        case HELPER_METHODS.processInspect:
          return inspectProcess(ctx, params);
        case HELPER_METHODS.processSignal:
          return signalProcess(ctx, params, { kill: liveKill(ctx), selfPid: process.pid });
      }
      if (debug) {
        if (method === HELPER_METHODS.debugCrash) {
          // Simulates a helper dying mid-call: exit without answering.
          setTimeout(() => process.exit(70), 10);
          return new Promise(() => undefined);
        }
        if (method === HELPER_METHODS.debugSleep) {
          const ms = Number((params as { ms?: number })?.ms ?? 1000);
          await new Promise<void>((resolve, reject) => {
            const t = setTimeout(resolve, ms);
            signal.addEventListener('abort', () => {
              clearTimeout(t);
              reject(new FleetdeckError('cancelled', 'cancelled'));
            });
          });
          return { slept: ms };
        }
      }
      throw new FleetdeckError('not-found', `The helper has no method "${method}". Update Fleetdeck on both ends.`);
    },

    async open(method: string, params: unknown, sink: ChannelSink): Promise<void> {
      if (method === HELPER_METHODS.metricsStream) return serveMetricsStream(ctx, params, sink);
      if (debug && method === HELPER_METHODS.debugStream) {
        // Each chunk starts with how many bytes were sent before it, so a test can check that
        // the sender never runs more than a window ahead of the consumer.
        const total = Number((params as { bytes?: number })?.bytes ?? 0);
        let sent = 0;
        while (sent < total && !sink.signal.aborted) {
          const n = Math.min(64 * 1024, total - sent);
          const chunk = new Uint8Array(n).fill(0x61);
          chunk.set(new TextEncoder().encode(String(sent).padEnd(16, ' ').slice(0, Math.min(16, n))));
          await sink.send(chunk);
          sent += n;
        }
        return;
      }
      throw new FleetdeckError('not-found', `The helper has no channel method "${method}".`);
    },
  };
}
