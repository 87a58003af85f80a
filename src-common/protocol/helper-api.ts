import * as z from 'zod/mini';
import { inventorySchema } from '../inventory/inventory.schema.js';
import { probeSchema } from '../inventory/probe.schema.js';
import { sampleSchema } from '../monitor/sample.schema.js';
import { inspectParamsSchema, inspectResultSchema } from '../processes/process-protocol.schema.js';
import { checkResultSchema, checkSchema, journalEventSchema, journalSummarySchema, planStepSchema } from '../change/plan.schema.js';
import { account, observedSchema, resourceSchema } from '../change/resource.schema.js';
import { int, list, name, nonNegativeInt, num } from './bounds.js';

/**
 * The helper protocol, declared once: every method the helper answers and every channel it opens,
 * with the schemas of their params and results. The helper's dispatcher is derived from these
 * (it checks params, and TypeScript checks that every declared method has a handler returning the
 * declared shape); the core checks every reply against them and refuses one that does not fit
 * (`protocol-error`). No method string appears anywhere else.
 *
 * Method names carry a version: a payload that changes gets a new name (probe1 → probe2), so an
 * old core and a new helper never misread each other during a rollout.
 */
export interface HelperRequestDef<P extends z.core.$ZodType = z.core.$ZodType, R extends z.core.$ZodType = z.core.$ZodType> {
  kind: 'helper-request';
  method: string;
  params: P;
  result: R;
}

/** A channel: params on open, then a stream of items (one JSON value per line) until done/close. */
export interface HelperChannelDef<P extends z.core.$ZodType = z.core.$ZodType, I extends z.core.$ZodType | null = z.core.$ZodType | null> {
  kind: 'helper-channel';
  method: string;
  params: P;
  /** One line's value; `null` for channels of raw bytes. */
  item: I;
}

function helperRequest<P extends z.core.$ZodType, R extends z.core.$ZodType>(method: string, params: P, result: R): HelperRequestDef<P, R> {
  return { kind: 'helper-request', method, params, result };
}

function helperChannel<P extends z.core.$ZodType, I extends z.core.$ZodType | null>(method: string, params: P, item: I): HelperChannelDef<P, I> {
  return { kind: 'helper-channel', method, params, item };
}

const none = z.strictObject({});
const journalId = z.string().check(z.regex(/^[A-Za-z0-9-]{8,64}$/));
// 'none': a plan that installs no package (or touches no service) on a host without a package
// manager (or an init) Fleetdeck knows: limits through cgroupfs, signals, files.
const packageBackend = z.enum(['apt', 'dnf', 'yum', 'zypper', 'pacman', 'apk', 'none']);
const serviceManager = z.enum(['systemd', 'openrc', 'none']);

export const helperApi = {
  ping: helperRequest('system.ping1', none, z.object({ now: num() })),
  probe: helperRequest('probe1', none, probeSchema),
  /** maxAgeMs: the resident agent may answer from the inventory it keeps (at most that old, its CPU usage live); the per-connection helper always reads afresh. */
  inventorySnapshot: helperRequest('inventory.snapshot1', z.strictObject({ maxAgeMs: z.optional(nonNegativeInt()) }), inventorySchema),
  /** Who one process is (pid, uid, user, command, start time) or { found: false }. */
  processInspect: helperRequest('process.inspect1', inspectParamsSchema, inspectResultSchema),
  /** What is on the host for each resource a plan is about; changes nothing. */
  changeRead: helperRequest('change.read1', z.strictObject({ backend: packageBackend, manager: serviceManager, resources: list(resourceSchema, 512) }), z.object({ observed: list(observedSchema, 512) })),
  /** Every change journal on the host, newest first (interrupted ones included). */
  changeJournals: helperRequest('change.journals1', none, z.object({ journals: list(journalSummarySchema, 100) })),
  /** One journal: its summary, steps and events. */
  changeJournal: helperRequest('change.journal1', z.strictObject({ journalId: journalId }), z.object({ summary: journalSummarySchema, steps: list(planStepSchema, 512), events: list(journalEventSchema, 5000) })),
  /** Asks a running apply or rollback to stop at the next step boundary. */
  changeCancel: helperRequest('change.cancel1', z.strictObject({ journalId: journalId }), z.object({ cancelled: z.boolean() })),
  /** The app's answer to a confirm step the host is waiting at (the lockout guard's new login). */
  changeResolve: helperRequest('change.resolve1', z.strictObject({ journalId: journalId, step: nonNegativeInt(), ok: z.boolean(), evidence: z.string().check(z.maxLength(4000)) }), z.object({ resolved: z.boolean() })),
  /** Accounts by name (uids for per-user limits): /etc/passwd first, then NSS (getent) for LDAP/SSSD users. */
  changeAccounts: helperRequest(
    'change.accounts1',
    z.strictObject({ names: list(account(), 4096), groups: z.optional(list(account(), 512)) }),
    z.object({
      accounts: list(z.object({ name: name(), uid: nonNegativeInt(), source: z.enum(['files', 'nss']) }), 4096),
      missing: list(name(), 4096),
      /** Each asked group's members (its member list and the users whose primary group it is), resolved like names. */
      groups: z.optional(list(z.object({ name: name(), members: list(z.object({ name: name(), uid: nonNegativeInt(), source: z.enum(['files', 'nss']) }), 65536) }), 512)),
    }),
  ),
  /** Disk quotas: whether the kernel can enforce them, and each named user's home and the mount it is on. */
  changeQuota: helperRequest(
    'change.quota1',
    z.strictObject({ users: list(account(), 4096) }),
    z.object({
      kernel: z.object({ ext4: z.nullable(z.boolean()), xfs: z.nullable(z.boolean()), evidence: z.string().check(z.maxLength(1000)) }),
      homes: list(z.object({ user: name(), home: z.string().check(z.maxLength(4096)), mount: z.string().check(z.maxLength(4096)), fstype: name(), source: z.string().check(z.maxLength(4096)), quotaOn: z.boolean() }), 4096),
    }),
  ),
  /**
   * Whether the host reaches each source a module needs (its package mirror, a vendor's
   * repository, an image registry), tried from the host itself: through apt's own downloader
   * (its proxy settings) for package sources, a direct HTTPS request for registries; and
   * whether the distribution packages something ('package': url is the package's name).
   */
  changeReach: helperRequest(
    'change.reach1',
    z.strictObject({ sources: list(z.strictObject({ id: name(), via: z.enum(['mirror', 'apt', 'http', 'package']), url: z.string().check(z.maxLength(2048), z.regex(/^(https?:\/\/[\x21-\x7e]+|[a-z0-9][a-z0-9+.-]{0,99})?$/)) }), 16) }),
    z.object({ results: list(z.object({ id: name(), ok: z.nullable(z.boolean()), detail: z.string().check(z.maxLength(2000)) }), 16) }),
  ),
  /** What the setup wizard checks first: listening TCP ports and free space; changes nothing. */
  changePreflight: helperRequest('change.preflight1', none, z.object({ listening: list(int().check(z.gte(1), z.lte(65535)), 4096), disk: list(z.object({ path: name(), freeBytes: z.nullable(nonNegativeInt()) }), 8) })),
  /** Runs checks against the real system, each with its evidence. */
  /** The resident agent (helper --agent): since when it samples, and what its buffer holds. Answered by the agent only. */
  agentStatus: helperRequest(
    'agent.status1',
    none,
    z.object({
      startedAt: int(),
      intervalMs: int(),
      /** The oldest and newest sample time in the buffer (host clock, ms), or null when empty. */
      oldest: z.nullable(int()),
      newest: z.nullable(int()),
      bufferBytes: nonNegativeInt(),
      bufferFiles: nonNegativeInt(),
      /** Where the buffer lives and how long it keeps. */
      dataDir: z.string().check(z.maxLength(4096)),
      keepHours: int(),
    }),
  ),
  changeVerify: helperRequest('change.verify1', z.strictObject({ manager: serviceManager, checks: list(checkSchema, 256) }), z.object({ results: list(checkResultSchema, 256) })),
} as const;

export const helperChannels = {
  /** One JSON Sample per line every params.intervalMs (clamped to 250 ms … 60 s by the helper). */
  metricsStream: helperChannel('metrics.stream1', z.strictObject({ intervalMs: z.optional(num()) }), sampleSchema),
  /**
   * Applies a plan's steps (or resumes a journal at its first unfinished step): one journal event
   * per line as it happens, ending with end, step-failed, cancelled or interrupted.
   */
  changeApply: helperChannel(
    'change.apply1',
    z.strictObject({
      journalId: journalId,
      planId: name(),
      modules: list(name(), 64),
      backend: packageBackend,
      manager: serviceManager,
      steps: list(planStepSchema, 512),
      /** Continue this journal from its first step not done (the steps must be the journal's). */
      resume: z.optional(z.boolean()),
    }),
    journalEventSchema,
  ),
  /**
   * The resident agent's buffer (helper --agent): every sample it kept after `since` (host clock,
   * ms) up to `until`, oldest first, one JSON Sample per line (processes left out: what history
   * and per-user usage need). Answered by the agent only.
   */
  agentHistory: helperChannel('agent.history1', z.strictObject({ since: int(), until: z.optional(int()) }), sampleSchema),
  /** Walks a journal's steps back, newest first: one journal event per line. */
  changeRollback: helperChannel('change.rollback1', z.strictObject({ journalId: journalId, backend: packageBackend, manager: serviceManager }), journalEventSchema),
} as const;

/** Answered only by a helper started with FLEETDECK_HELPER_DEBUG=1 (protocol tests). */
export const helperDebugApi = {
  crash: helperRequest('debug.crash1', none, z.never()),
  sleep: helperRequest('debug.sleep1', z.strictObject({ ms: z.optional(nonNegativeInt()) }), z.object({ slept: num() })),
} as const;

export const helperDebugChannels = {
  /** Raw bytes: each 64 KiB chunk starts with the byte count sent before it. */
  stream: helperChannel('debug.stream1', z.strictObject({ bytes: nonNegativeInt() }), null),
} as const;

export type HelperApi = typeof helperApi;
export type HelperChannels = typeof helperChannels;
export type HelperParams<D extends HelperRequestDef | HelperChannelDef> = z.input<D['params']>;
export type HelperResult<D extends HelperRequestDef> = z.output<D['result']>;

/** What the helper announces in its init message; derived, never listed by hand. */
export const HELPER_CAPABILITIES: readonly string[] = [...Object.values(helperApi).map((d) => d.method), ...Object.values(helperChannels).map((d) => d.method), 'channels1'];
