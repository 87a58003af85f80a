import { FleetdeckError, isProblemCode } from '../../src-common/problems.js';

/**
 * Every failed call rejects with a FleetdeckError (`.problem`, `.message`, `.details`), whatever the
 * transport: a WebSocket problem frame, an Electron IPC rejection (a plain object survives the
 * context bridge, an Error only keeps its message) or a local failure.
 */
export function toApiError(err: unknown): FleetdeckError {
  if (err instanceof FleetdeckError) return err;
  if (err && typeof err === 'object' && 'problem' in err) {
    const raw = err as { problem: unknown; message?: unknown; details?: unknown };
    // Some bridges nest the problem: { problem: { problem, message, details } }.
    if (raw.problem && typeof raw.problem === 'object') return toApiError(raw.problem);
    const message = typeof raw.message === 'string' && raw.message ? raw.message : 'The request failed.';
    const details = raw.details && typeof raw.details === 'object' ? (raw.details as Record<string, unknown>) : undefined;
    if (isProblemCode(raw.problem)) return new FleetdeckError(raw.problem, message, details);
    return new FleetdeckError('internal-error', message, details);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new FleetdeckError('internal-error', message || 'The request failed for an unknown reason.');
}

export function isApiError(err: unknown): err is FleetdeckError {
  return err instanceof FleetdeckError;
}

/** A message for a person, whatever was thrown. */
export function errorMessage(err: unknown): string {
  return toApiError(err).message;
}
