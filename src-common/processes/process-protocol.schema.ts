import * as z from 'zod/mini';
import { int, name, nonNegativeInt, text } from '../protocol/bounds.js';
import { isValidPid, KILL_SIGNALS, MAX_PID, PROCESS_GUARDS } from './limits.js';

/**
 * The helper's process.inspect1 / process.signal1 messages (zod/mini: the helper bundles them).
 * The app contract (processes.contract.ts) embeds the same identity schema.
 */
export const helperPidSchema = z.number().check(z.refine(isValidPid, `pid must be a whole number from 1 to ${MAX_PID}`));

/** Who a process is, as read from /proc/PID: pid + startTime identify it even after the pid is reused. */
export const processIdentitySchema = z.object({
  pid: int(),
  uid: int(),
  /** Login name of uid, or null when /etc/passwd does not know it (LDAP/SSSD). */
  user: z.nullable(name()),
  /** The command line as ps shows it ("[comm]" when there is none). */
  command: text(),
  /** Field 22 of /proc/PID/stat: clock ticks after boot. */
  startTime: nonNegativeInt(),
  /** Short container id (12 hex) when the process runs in one. */
  container: z.optional(name()),
  /** Refused (init, kernel, fleetdeck) or warned about (sshd) by a kill plan; see limits.ts. */
  guard: z.optional(z.nullable(z.enum(PROCESS_GUARDS))),
});
export type ProcessIdentity = z.infer<typeof processIdentitySchema>;

export const inspectParamsSchema = z.strictObject({ pid: helperPidSchema });
export const inspectResultSchema = z.discriminatedUnion('found', [
  z.object({ found: z.literal(true), process: processIdentitySchema }),
  z.object({ found: z.literal(false), pid: int() }),
]);
export type InspectResult = z.infer<typeof inspectResultSchema>;

export const signalParamsSchema = z.strictObject({
  pid: helperPidSchema,
  /** Field 22 of /proc/PID/stat as planned: the process must still be that one. */
  startTime: nonNegativeInt(),
  signal: z.enum(KILL_SIGNALS),
});
export const signalOutcomeSchema = z.discriminatedUnion('sent', [
  z.object({ sent: z.literal(true), pid: int(), startTime: nonNegativeInt(), signal: z.enum(KILL_SIGNALS) }),
  z.object({ sent: z.literal(false), reason: z.literal('already-gone'), pid: int() }),
]);
export type SignalOutcome = z.infer<typeof signalOutcomeSchema>;
