import { toProblem } from '../../../src-common/problems.js';
import { wireRequestSchema, type WireResponse } from '../../../src-common/wire.js';
import type { Fleet } from '../fleet.js';

/**
 * One wire request (a JSON text from a WebSocket message or a stdio line) → its response, or
 * null when the text is not a well-formed request. Shared by every front door so they validate
 * and answer identically.
 */
export async function dispatchWire(fleet: Fleet, text: string): Promise<WireResponse | null> {
  let parsed;
  try {
    parsed = wireRequestSchema.safeParse(JSON.parse(text));
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  const { id, method, params } = parsed.data;
  try {
    return { id, result: await fleet.call(method, params) };
  } catch (err) {
    return { id, problem: toProblem(err) };
  }
}
