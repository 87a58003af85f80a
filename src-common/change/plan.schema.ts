import * as z from 'zod/mini';
import { int, list, name, nonNegativeInt, num, text } from '../protocol/bounds.js';
import { argv, absPath, resourceSchema, unitName } from './resource.schema.js';
import { userResourceSchema } from './user.schema.js';

/**
 * A plan is data, not a sentence (issue 10): the steps that take a host from what was read to
 * what the modules want, each with what it does, before/after (a unified diff for files), whether
 * it needs root and can be undone, and warnings. Its tag is a hash of what was read: apply
 * refuses a plan whose host changed since (change-conflict). An empty plan has no steps.
 */
export const stepActionSchema = z.enum(['create', 'update', 'delete', 'install', 'remove', 'enable', 'disable', 'start', 'stop', 'restart', 'reload', 'run', 'arm', 'confirm', 'disarm', 'signal']);
export type StepAction = z.infer<typeof stepActionSchema>;

export const planStepSchema = z.object({
  /** 1-based position: what the journal and progress events refer to. */
  n: int().check(z.gte(1)),
  kind: z.enum(['package', 'file', 'unit', 'command', 'user', 'group', 'firewall', 'guard', 'process']),
  action: stepActionSchema,
  /** The module that wants it ("docker", "nginx"). */
  module: name(),
  summary: text(),
  before: z.nullable(text(64 * 1024)),
  after: z.nullable(text(64 * 1024)),
  /** Unified diff of a text file (null for secrets and binary files). */
  diff: z.nullable(text(256 * 1024)),
  needsRoot: z.boolean(),
  reversible: z.boolean(),
  warnings: list(text(), 32),
  /** What the step makes true on the host; the helper applies exactly this. */
  resource: resourceSchema,
});
export type PlanStep = z.infer<typeof planStepSchema>;

/** A check verify runs against the real system, with the evidence it saw. */
export const checkSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('unit-running'), id: name(), label: text(), unit: unitName() }),
  z.object({ kind: z.literal('port'), id: name(), label: text(), port: int().check(z.gte(1), z.lte(65535)) }),
  /** asLogin: run by the login user's own helper (the per-user agent's files): root never reads through what that account controls. */
  z.object({ kind: z.literal('command'), id: name(), label: text(), argv: argv(), expectExit: z.optional(int()), expectOutput: z.optional(text(1024)), asLogin: z.optional(z.boolean()) }),
  z.object({ kind: z.literal('file-contains'), id: name(), label: text(), path: absPath(), contains: text() }),
  /** The process (pid + start time) is gone within waitMs: a kill's verify. */
  /** One account is as wanted (or absent), read back from /etc/passwd, shadow, group and, as the user, authorized_keys. */
  z.object({ kind: z.literal('account'), id: name(), label: text(), user: userResourceSchema }),
  z.object({ kind: z.literal('process-gone'), id: name(), label: text(), pid: int().check(z.gte(1)), startTime: nonNegativeInt(), waitMs: int().check(z.gte(0), z.lte(60_000)) }),
  /**
   * One user's limits, read back from systemd (what it loaded for user-UID.slice) and, while the
   * user has a session, from the kernel's cgroup files: enforced, configured (no session now), or
   * not enforced / drifted, with the values seen.
   */
  z.object({
    kind: z.literal('user-limits'),
    id: name(),
    label: text(),
    user: name(),
    uid: nonNegativeInt(),
    memoryMax: z.optional(nonNegativeInt()),
    swapMax: z.optional(nonNegativeInt()),
    tasksMax: z.optional(nonNegativeInt()),
    cpuQuotaPercent: z.optional(nonNegativeInt()),
    /** How the limits are enforced: a systemd user slice (the default), or Fleetdeck's own cgroup (no systemd). */
    via: z.optional(z.enum(['systemd', 'cgroupfs'])),
  }),
  z.object({
    /** A user's running containers (labelled fleetdeck.owner): in the user's cgroup, or under limits of their own; their count and GPUs. */
    kind: z.literal('user-containers'),
    id: name(),
    label: text(),
    user: name(),
    uid: nonNegativeInt(),
    /** The cgroup parents that put a container under the user's limits (as Docker's drivers name them). */
    parents: z.array(text(256)).check(z.maxLength(4)),
    memoryMax: z.optional(nonNegativeInt()),
    maxContainers: z.optional(nonNegativeInt()),
    gpus: z.optional(z.array(name()).check(z.maxLength(64))),
    gpuCount: z.optional(nonNegativeInt()),
  }),
  z.object({
    /** A user's disk quota on the filesystem of their home, read back with repquota (or, where the kernel cannot enforce it, the home's measured use). */
    kind: z.literal('user-disk'),
    id: name(),
    label: text(),
    user: name(),
    uid: nonNegativeInt(),
    soft: z.optional(nonNegativeInt()),
    hard: z.optional(nonNegativeInt()),
    inodesSoft: z.optional(nonNegativeInt()),
    inodesHard: z.optional(nonNegativeInt()),
  }),
  /** waitMs: how long a service that was just (re)started may take to answer (a hub that loads Python for seconds); default 10 s. */
  z.object({ kind: z.literal('http'), id: name(), label: text(), port: int().check(z.gte(1), z.lte(65535)), path: text(1024), expectStatus: int(), tls: z.optional(z.boolean()), hostHeader: z.optional(name()), waitMs: z.optional(int().check(z.gte(0), z.lte(120_000))) }),
  /** The last good backup (the status file the backup job writes) is younger than maxAgeHours. */
  z.object({ kind: z.literal('backup-fresh'), id: name(), label: text(), stateDir: absPath(), maxAgeHours: int().check(z.gte(1), z.lte(8760)) }),
  /**
   * The restore test: a sample of the latest snapshot restored to a scratch directory (removed
   * after) and each restored file's sha256 compared with the live file it came from, where that
   * file is unchanged since the snapshot.
   */
  z.object({ kind: z.literal('backup-restore'), id: name(), label: text(), repository: text(1100), passwordFile: absPath(), maxFiles: int().check(z.gte(1), z.lte(1000)), maxBytes: nonNegativeInt() }),
]);
export type Check = z.infer<typeof checkSchema>;

export const checkResultSchema = z.object({
  id: name(),
  label: text(),
  ok: z.boolean(),
  /** What was seen: "nginx.service is active (running since …)", the checker's output, … */
  evidence: text(8192),
});
export type CheckResult = z.infer<typeof checkResultSchema>;

/** One line of a host's change journal (and of the apply channel's progress). */
export const journalEventSchema = z.object({
  t: num(),
  type: z.enum(['begin', 'step-start', 'step-done', 'step-skipped', 'step-failed', 'output', 'waiting', 'interrupted', 'cancelled', 'end', 'rollback-start', 'rollback-step', 'rollback-failed', 'rollback-end']),
  step: z.optional(nonNegativeInt()),
  message: z.optional(text()),
  problem: z.optional(name()),
  /** A line of a command's output (apt's, systemctl's), for the live log. */
  line: z.optional(text(4096)),
});
export type JournalEvent = z.infer<typeof journalEventSchema>;

/** Where an apply stands, as the host's journal tells it (shown on the next connect). */
export const journalSummarySchema = z.object({
  id: name(),
  planId: name(),
  modules: list(name(), 64),
  startedAt: num(),
  endedAt: z.nullable(num()),
  status: z.enum(['running', 'done', 'failed', 'interrupted', 'cancelled', 'rolled-back', 'rollback-failed']),
  steps: nonNegativeInt(),
  /** Steps that finished (done or skipped), in order. */
  completed: nonNegativeInt(),
  /** The step that failed or was running when it stopped. */
  stoppedAt: z.nullable(nonNegativeInt()),
  message: z.nullable(text()),
});
export type JournalSummary = z.infer<typeof journalSummarySchema>;
