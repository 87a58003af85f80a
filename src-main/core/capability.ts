import type { z } from 'zod';
import type { AnyRequest, ResultOf } from '../../src-common/contract.js';

/**
 * How a capability plugs into the core: it declares its contract in src-common/<capability>,
 * implements the handlers next to its service, and hands them over with `handlersFor`. The
 * fleet merges every capability's handlers; adding one touches its own folder, the contract
 * list in src-common/api.ts and one line in the fleet's capability list.
 *
 * TypeScript checks that every request of the contract has a handler taking the parsed params
 * and returning the declared result.
 */
export type Handler = (params: never) => Promise<unknown>;

export type HandlersOf<G extends Record<string, AnyRequest>> = {
  [K in keyof G]: (params: z.output<G[K]['params']>) => Promise<ResultOf<G[K]>>;
};

export function handlersFor<G extends Record<string, AnyRequest>>(contract: G, impl: HandlersOf<G>): Record<string, Handler> {
  const out: Record<string, Handler> = {};
  for (const [key, def] of Object.entries(contract)) out[def.method] = impl[key as keyof G] as Handler;
  return out;
}

/** A capability the fleet hosts: its request handlers, and what to release on close. */
export interface Capability {
  handlers(): Record<string, Handler>;
  dispose?(): void;
}
