import type { z } from 'zod';

/**
 * Any zod schema, classic or mini: host data (probe, inventory, samples) is declared with
 * zod/mini so the helper can bundle it (src-common/protocol/bounds.ts), and the app API embeds it.
 */
export type Schema = z.core.$ZodType;

/**
 * A request the app API (or the helper) answers. Declared once as a value that carries its
 * types; every transport (IPC, WebSocket, helper frames) and every client is derived from these.
 */
export interface RequestDef<P extends Schema, R extends Schema> {
  kind: 'request';
  method: string;
  params: P;
  result: R;
}

export interface EventDef<T extends Schema> {
  kind: 'event';
  name: string;
  payload: T;
}

export function request<P extends Schema, R extends Schema>(method: string, params: P, result: R): RequestDef<P, R> {
  return { kind: 'request', method, params, result };
}

export function event<T extends Schema>(name: string, payload: T): EventDef<T> {
  return { kind: 'event', name, payload };
}

export type ParamsOf<D> = D extends RequestDef<infer P, Schema> ? z.input<P> : never;
export type ResultOf<D> = D extends RequestDef<Schema, infer R> ? z.output<R> : never;
export type PayloadOf<D> = D extends EventDef<infer T> ? z.output<T> : never;

export type AnyRequest = RequestDef<Schema, Schema>;
export type AnyEvent = EventDef<Schema>;

/** A client for a group of requests: `api.hosts.list(params)`. */
export type ClientOf<G extends Record<string, AnyRequest>> = {
  [K in keyof G]: (params: ParamsOf<G[K]>) => Promise<ResultOf<G[K]>>;
};

export type SubscribersOf<G extends Record<string, AnyEvent>> = {
  [K in keyof G]: (listener: (payload: PayloadOf<G[K]>) => void) => () => void;
};
