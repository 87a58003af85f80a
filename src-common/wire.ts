import { z } from 'zod';

/**
 * The app API's wire format between a front end (browser WebSocket, Electron IPC) and the core.
 * Requests carry an id; the core answers once with a result or a problem. Events are pushed.
 */
export const wireRequestSchema = z.object({
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(100),
  params: z.unknown(),
});
export type WireRequest = z.infer<typeof wireRequestSchema>;

export type WireResponse =
  | { id: number; result: unknown }
  | { id: number; problem: { problem: string; message: string; details?: Record<string, unknown> } };

export interface WireEvent {
  event: string;
  payload: unknown;
}

export type WireServerMessage = WireResponse | WireEvent;

export const WS_PATH = '/api';
export const TOKEN_PARAM = 'token';
