import { quotaFacts } from './change/quota.js';
import * as z from 'zod/mini';
import { FleetdeckError } from '../../src-common/problems.js';
import type { ChannelSink } from '../../src-common/protocol/endpoint.js';
import { describeSchemaIssues } from '../../src-common/protocol/bounds.js';
import { helperApi, helperChannels, helperDebugApi, helperDebugChannels, type HelperChannelDef, type HelperRequestDef } from '../../src-common/protocol/helper-api.js';
import type { HelperContext } from './context.js';
import { changeHandlers, createChangeRuntime } from './change/handlers.js';
import { preflight } from './change/preflight.js';
import { reach } from './change/reach.js';
import { inventorySnapshot } from './inventory/snapshot.js';
import { serveMetricsStream } from './monitor/metrics-stream.js';
import { probe } from './probe/probe.js';
import { inspectProcess } from './processes/process-control.js';

/**
 * Routes calls to the helper's capabilities, derived from the declarations in
 * src-common/protocol/helper-api.ts: params are checked against each method's schema before its
 * handler runs, and TypeScript checks that every declared method has a handler whose result has
 * the declared shape. Debug methods are served only to protocol tests.
 */
type RequestHandlers<G extends Record<string, HelperRequestDef>> = {
  [K in keyof G]: (params: z.output<G[K]['params']>, signal: AbortSignal) => Promise<z.input<G[K]['result']>>;
};
type ChannelHandlers<G extends Record<string, HelperChannelDef>> = {
  [K in keyof G]: (params: z.output<G[K]['params']>, sink: ChannelSink) => Promise<void>;
};

type Route = { def: HelperRequestDef | HelperChannelDef; run: (params: never, extra: never) => Promise<unknown> };

function routes<G extends Record<string, HelperRequestDef | HelperChannelDef>>(defs: G, handlers: Record<keyof G, Route['run']>): Map<string, Route> {
  return new Map(Object.entries(defs).map(([key, def]) => [def.method, { def, run: handlers[key as keyof G] }]));
}

function checkedParams(def: HelperRequestDef | HelperChannelDef, params: unknown): unknown {
  const parsed = z.safeParse(def.params, params ?? {});
  if (!parsed.success) throw new FleetdeckError('invalid-input', `${def.method}: ${describeSchemaIssues(parsed.error)}`);
  return parsed.data;
}

/** What the resident agent adds (agent/agent.ts): its status, its buffer, and the live stream from its one sampler. */
export interface AgentHooks {
  status(): Promise<z.input<typeof helperApi.agentStatus.result>>;
  history(params: { since: number; until?: number }, sink: ChannelSink): Promise<void>;
  stream(params: { intervalMs?: number }, sink: ChannelSink): Promise<void>;
  inventory(params: { maxAgeMs?: number }): Promise<z.input<typeof helperApi.inventorySnapshot.result>>;
}

const notAgent = () => Promise.reject(new FleetdeckError('not-found', 'Only the resident agent answers this (helper --agent); this is the per-connection helper.'));

export function createDispatcher(ctx: HelperContext, debug: boolean, change = createChangeRuntime(), agent?: AgentHooks) {
  const ch = changeHandlers(ctx, change);
  const requests: RequestHandlers<typeof helperApi> = {
    ping: async () => ({ now: Date.now() }),
    probe: () => probe(ctx),
    inventorySnapshot: (p) => (agent ? agent.inventory(p) : inventorySnapshot(ctx)),
    processInspect: (p) => inspectProcess(ctx, p),
    changeRead: (p) => ch.read(p),
    changeAccounts: (p) => ch.accounts(p),
    changeQuota: (p) => quotaFacts(ctx, p.users),
    changeJournals: () => ch.journals(),
    changeJournal: (p) => ch.journal(p),
    changeCancel: (p) => ch.cancel(p),
    changeResolve: (p) => ch.resolve(p),
    changeVerify: (p) => ch.verify(p),
    changePreflight: () => preflight(ctx),
    changeReach: (p) => reach(ctx, p.sources),
    agentStatus: () => (agent ? agent.status() : notAgent()),
  };
  const channels: ChannelHandlers<typeof helperChannels> = {
    metricsStream: (p, sink) => (agent ? agent.stream(p, sink) : serveMetricsStream(ctx, p, sink)),
    agentHistory: (p, sink) => (agent ? agent.history(p, sink) : notAgent()),
    changeApply: (p, sink) => ch.apply(p, sink),
    changeRollback: (p, sink) => ch.rollback(p, sink),
  };
  const debugRequests: RequestHandlers<typeof helperDebugApi> = {
    // Simulates a helper dying mid-call: exit without answering.
    crash: () => {
      setTimeout(() => process.exit(70), 10);
      return new Promise<never>(() => undefined);
    },
    sleep: async (p, signal) => {
      const ms = p.ms ?? 1000;
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(new FleetdeckError('cancelled', 'cancelled'));
        });
      });
      return { slept: ms };
    },
  };
  const debugChannels: ChannelHandlers<typeof helperDebugChannels> = {
    // Each chunk starts with how many bytes were sent before it, so a test can check that the
    // sender never runs more than a window ahead of the consumer.
    stream: async (p, sink) => {
      let sent = 0;
      while (sent < p.bytes && !sink.signal.aborted) {
        const n = Math.min(64 * 1024, p.bytes - sent);
        const chunk = new Uint8Array(n).fill(0x61);
        chunk.set(new TextEncoder().encode(String(sent).padEnd(16, ' ').slice(0, Math.min(16, n))));
        await sink.send(chunk);
        sent += n;
      }
    },
  };

  const callRoutes = new Map([...routes(helperApi, requests as never), ...(debug ? routes(helperDebugApi, debugRequests as never) : [])]);
  const channelRoutes = new Map([...routes(helperChannels, channels as never), ...(debug ? routes(helperDebugChannels, debugChannels as never) : [])]);

  return {
    change,
    async call(method: string, params: unknown, signal: AbortSignal): Promise<unknown> {
      const route = callRoutes.get(method);
      if (!route) throw new FleetdeckError('not-found', `The helper has no method "${method.slice(0, 100)}". Update Fleetdeck on both ends.`);
      return route.run(checkedParams(route.def, params) as never, signal as never);
    },

    async open(method: string, params: unknown, sink: ChannelSink): Promise<void> {
      const route = channelRoutes.get(method);
      if (!route) throw new FleetdeckError('not-found', `The helper has no channel method "${method.slice(0, 100)}".`);
      await route.run(checkedParams(route.def, params) as never, sink as never);
    },
  };
}
