/** Shared by the contract (zod) and the helper (no zod): the limits on what may be signalled. */

/** Linux PID_MAX_LIMIT (2^22): no pid is ever larger. */
export const MAX_PID = 4_194_304;

export const KILL_SIGNALS = ['TERM', 'KILL'] as const;
export type KillSignalName = (typeof KILL_SIGNALS)[number];

export function isValidPid(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_PID;
}
