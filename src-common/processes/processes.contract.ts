import { z } from 'zod';
import { request } from '../contract.js';
import { hostIdSchema } from '../hosts/host.schema.js';
import { KILL_SIGNALS, MAX_PID } from './limits.js';
import { processIdentitySchema, type ProcessIdentity } from './process-protocol.schema.js';

export { KILL_SIGNALS, MAX_PID };

export const pidSchema = z
  .number({ message: 'pid must be a number' })
  .int('pid must be a whole number')
  .min(1, 'pid must be 1 or more')
  .max(MAX_PID, `pid must be at most ${MAX_PID}`);

export const killSignalSchema = z.enum(KILL_SIGNALS);
export type KillSignal = z.infer<typeof killSignalSchema>;

/** Who a process is: the helper's own declaration (process-protocol.schema.ts), declared once. */
export { processIdentitySchema, type ProcessIdentity };

export const killPlanSchema = z.object({
  planId: z.string(),
  /** Hash of pid + startTime + uid: what apply checks the process still is. */
  tag: z.string(),
  /** For a person: "Send SIGTERM to pid 209 (carol: sh -c …) on host gpu-1". */
  summary: z.string(),
  signal: killSignalSchema,
  process: processIdentitySchema,
  /** Whether sending the signal needs root (the process is another user's and we log in as non-root). */
  needsSudo: z.boolean(),
  /** What killing this one does beyond the usual (an sshd: logins or a session end), for the dialog. */
  warnings: z.array(z.string()),
});
export type KillPlan = z.infer<typeof killPlanSchema>;

export const killResultSchema = z.object({
  /** Read back from /proc after signalling: gone, still running (offer SIGKILL), or gone before we signalled. */
  result: z.enum(['gone', 'still-running', 'already-gone']),
  verifiedAt: z.number(),
  /** The change journal on the host that records the signal (null when nothing was sent). */
  journalId: z.string().nullable().optional(),
  /** What verify read back ("pid 209 is gone, read from /proc after 180 ms"). */
  evidence: z.string().optional(),
});
export type KillResult = z.infer<typeof killResultSchema>;

export const processesContract = {
  /** Reads the process and describes what applyKill would do; nothing changes on the host. */
  planKill: request('processes.planKill', z.object({ id: hostIdSchema, pid: pidSchema, signal: killSignalSchema.default('TERM') }), killPlanSchema),
  /** Sends the planned signal if the process is still the one planned (else change-conflict), then verifies. */
  applyKill: request(
    'processes.applyKill',
    z.object({ id: hostIdSchema, planId: z.string().min(1).max(100), tag: z.string().min(1).max(200) }),
    killResultSchema,
  ),
} as const;
