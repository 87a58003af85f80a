import { z } from 'zod';
import { request } from '../contract.js';
import { hostIdSchema } from '../hosts/host.schema.js';

/**
 * What Fleetdeck put on a host, and taking it away again (plan → apply → verify): the helper and,
 * where the host had no Node, the portable runtime, in the login user's install dir
 * (~/.cache/fleetdeck or /var/lib/fleetdeck/u-UID) and root's verified copies in
 * /var/lib/fleetdeck/root, and a per-user agent there (agent module, runAs: login; stopped before
 * it is removed). Nothing else: the host's packages, users and files are not Fleetdeck's.
 */
export const footprintItemSchema = z.object({
  path: z.string(),
  kind: z.enum(['helper', 'runtime', 'temp', 'dir', 'agent']),
  /** Bytes on disk (du); null for what could not be measured. */
  bytes: z.number().int().nonnegative().nullable(),
  /** Who owns it: the login user's own files, or root's (removed through sudo). */
  owner: z.enum(['user', 'root']),
});
export type FootprintItem = z.infer<typeof footprintItemSchema>;

export const footprintPlanSchema = z.object({
  planId: z.string(),
  /** Hash of what was listed: apply refuses a plan whose host changed since (change-conflict). */
  tag: z.string(),
  hostId: hostIdSchema,
  items: z.array(footprintItemSchema),
  totalBytes: z.number().int().nonnegative(),
  /** Root's copies could not be listed: why, and what to do (a sudo password, or nothing). */
  rootUnknown: z.string().nullable(),
  /** For a person: "Remove 2 items (98.6 MB) from gpu-1: …", or "Nothing of Fleetdeck's is on gpu-1." */
  summary: z.string(),
});
export type FootprintPlan = z.infer<typeof footprintPlanSchema>;

export const footprintResultSchema = z.object({
  removed: z.array(z.string()),
  /** Read back after removing: what is still there (should be nothing). */
  left: z.array(footprintItemSchema),
  verified: z.boolean(),
});
export type FootprintResult = z.infer<typeof footprintResultSchema>;

export const footprintContract = {
  /** Connects if needed and lists what Fleetdeck put on the host; nothing changes. */
  plan: request('footprint.plan', z.object({ id: hostIdSchema }), footprintPlanSchema),
  /** Removes what the plan listed (refused if the host changed since), then lists again to verify. */
  remove: request('footprint.remove', z.object({ id: hostIdSchema, planId: z.string().min(1).max(100), tag: z.string().min(1).max(200) }), footprintResultSchema),
} as const;
