import { z } from 'zod';
import { event, request } from '../contract.js';

/** One audit record. Summaries are written by our own code and never contain secrets or keystrokes. */
export const auditEventSchema = z.object({
  id: z.number().int().positive(),
  /** Unix epoch milliseconds. */
  at: z.number(),
  /** The app user (the OS account running Fleetdeck). */
  actor: z.string(),
  hostId: z.number().int().nullable(),
  /** The host's current name (it may have been renamed since), else the name it was recorded under. */
  hostName: z.string().nullable(),
  /** The name it had when this was recorded, where that differs from its current name. */
  recordedHostName: z.string().nullable().optional(),
  /** Dotted operation name: "hosts.add", "terminal.open", "processes.kill", "secrets.read", … */
  operation: z.string(),
  /** The plan summary, for a person. */
  summary: z.string(),
  result: z.enum(['ok', 'failed']),
  /** A problem code when result is failed. */
  problem: z.string().nullable(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

const text = (max: number) => z.string().trim().min(1).max(max);

/** Filters combine with AND. Newest first; page with `before` (the last id of the previous page). */
export const auditQuerySchema = z
  .object({
    /** Host name, exact (case-insensitive). */
    host: text(253).optional(),
    /** App user, exact. */
    actor: text(100).optional(),
    /** Operation, exact ("hosts.add") or a group prefix ending in a dot ("hosts."). */
    operation: text(100).optional(),
    result: z.enum(['ok', 'failed']).optional(),
    since: z.number().int().nonnegative().optional(),
    until: z.number().int().nonnegative().optional(),
    /** Free text, matched case-insensitively in the summary, operation, host and problem. */
    text: text(200).optional(),
    before: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(5000).default(200),
  })
  .refine((q) => q.since === undefined || q.until === undefined || q.since <= q.until, { message: 'since must not be after until' })
  .default({ limit: 200 });
export type AuditQuery = z.input<typeof auditQuerySchema>;

export const auditPageSchema = z.object({ events: z.array(auditEventSchema), hasMore: z.boolean() });
export type AuditPage = z.infer<typeof auditPageSchema>;

export const auditFacetsSchema = z.object({ hosts: z.array(z.string()), actors: z.array(z.string()), operations: z.array(z.string()) });
export type AuditFacets = z.infer<typeof auditFacetsSchema>;

/** Append-only from the UI's point of view: there is no update or delete. */
export const auditContract = {
  list: request('audit.list', auditQuerySchema, auditPageSchema),
  /** The distinct values the filters can take. */
  facets: request('audit.facets', z.object({}).default({}), auditFacetsSchema),
} as const;

export const auditEvents = {
  onRecorded: event('audit.onRecorded', auditEventSchema),
} as const;
