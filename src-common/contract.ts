import type { z } from 'zod';

/**
 * A request the app API (or the helper) answers. Declared once as a value that carries its
 * types; every transport (IPC, WebSocket, helper frames) and every client is derived from these.
 */
export interface RequestDef<P extends z.ZodType, R extends z.ZodType> {
  kind: 'request';
  method: string;
  params: P;
  result: R;
}

export interface EventDef<T extends z.ZodType> {
  kind: 'event';
  name: string;
  payload: T;
}

export function request<P extends z.ZodType, R extends z.ZodType>(method: string, params: P, result: R): RequestDef<P, R> {
  return { kind: 'request', method, params, result };
}

export function event<T extends z.ZodType>(name: string, payload: T): EventDef<T> {
  return { kind: 'event', name, payload };
}

export type ParamsOf<D> = D extends RequestDef<infer P, z.ZodType> ? z.input<P> : never;
export type ResultOf<D> = D extends RequestDef<z.ZodType, infer R> ? z.output<R> : never;
export type PayloadOf<D> = D extends EventDef<infer T> ? z.output<T> : never;

export type AnyRequest = RequestDef<z.ZodType, z.ZodType>;
export type AnyEvent = EventDef<z.ZodType>;

/** A client for a group of requests: `api.hosts.list(params)`. */
export type ClientOf<G extends Record<string, AnyRequest>> = {
  [K in keyof G]: (params: ParamsOf<G[K]>) => Promise<ResultOf<G[K]>>;
};

export type SubscribersOf<G extends Record<string, AnyEvent>> = {
  [K in keyof G]: (listener: (payload: PayloadOf<G[K]>) => void) => () => void;
};
