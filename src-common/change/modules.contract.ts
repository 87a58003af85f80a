import { z } from 'zod';
import { event, request } from '../contract.js';
import { hostIdSchema } from '../hosts/host.schema.js';
import { checkResultSchema, checkSchema, journalEventSchema, journalSummarySchema, planStepSchema } from './plan.schema.js';

/**
 * The app API of the change engine: modules (what they are and take), preflight, plan → apply →
 * verify → rollback per host, the host's journals, what is installed (the Services tab), and
 * fleet tasks (one module set on several hosts, in parallel, retried).
 */

/** A field of a module's settings form (the schema in src-common/modules validates it). */
export const settingFieldSchema = z.object({
  key: z.string(),
  label: z.string(),
  help: z.string().optional(),
  kind: z.enum(['text', 'number', 'boolean', 'select', 'list', 'secret']),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  placeholder: z.string().optional(),
  /** Shown only while another field of the form has one of these values (the agent's admins: only for the root service). */
  showWhen: z.object({ key: z.string(), is: z.array(z.string()) }).optional(),
});
export type SettingField = z.infer<typeof settingFieldSchema>;

export const moduleSecretSchema = z.object({
  key: z.string(),
  label: z.string(),
  /** The login it goes with ("admin"), where it is a login's password. */
  user: z.string().optional(),
  path: z.string(),
  /** Only where this module is installed too (the web login exists with nginx only). */
  withModule: z.string().optional(),
  /** Only where this boolean setting is on (Grafana's password, with grafana). */
  withSetting: z.string().optional(),
});
export type ModuleSecret = z.infer<typeof moduleSecretSchema>;

export const moduleInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  /** Modules that must be installed first (in the same plan, or already). */
  needs: z.array(z.string()),
  /** For the wizard: "restarts sshd", "opens 80 and 443", "the docker group equals root". */
  notes: z.array(z.string()),
  fields: z.array(settingFieldSchema),
  /** Default settings (what the form starts with). */
  defaults: z.record(z.string(), z.unknown()),
  /** false: set from its own page (per-user limits), not offered by the setup wizard. */
  wizard: z.boolean().optional(),
  /**
   * Passwords the module keeps on the host (root-only files): shown on request (change.secret)
   * and, in the desktop app, copied into the OS keychain. `key` is the settings field that can
   * give one, where there is such a field.
   */
  secrets: z.array(moduleSecretSchema).optional(),
});
export type ModuleInfo = z.infer<typeof moduleInfoSchema>;

/** A module's id: lowercase letters, digits and dashes. */
export const moduleIdSchema = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'A module id is lowercase letters, digits and dashes, e.g. "nginx".');

export const moduleRequestSchema = z.object({
  id: moduleIdSchema,
  /** Checked against the module's own schema; refused with what is wrong before anything runs. */
  settings: z.record(z.string(), z.unknown()).default({}),
});

export const changePlanSchema = z.object({
  planId: z.string(),
  hostId: hostIdSchema,
  hostName: z.string(),
  modules: z.array(z.string()),
  /** Hash of what was read: apply refuses the plan if the host changed since (change-conflict). */
  tag: z.string(),
  steps: z.array(planStepSchema),
  checks: z.array(checkSchema),
  warnings: z.array(z.string()),
  /** What the host must reach ("Debian's package mirror"), or null. */
  network: z.string().nullable(),
  /** "Nothing to change" when there are no steps. */
  summary: z.string(),
  createdAt: z.number(),
});
export type ChangePlan = z.infer<typeof changePlanSchema>;

export const applyResultSchema = z.object({
  /** The host's journal of this apply; null when there was nothing to change. */
  journalId: z.string().nullable(),
  status: z.enum(['done', 'failed', 'cancelled', 'interrupted']),
  /** The step that failed or was next when it stopped. */
  stoppedAt: z.number().nullable(),
  message: z.string().nullable(),
  /** Why it stopped, as a problem code (sudo-required, step-failed, disconnected…); absent when done. */
  problem: z.string().nullable().optional(),
  /** Verify, run right after a successful apply. */
  verify: z.array(checkResultSchema),
});
export type ApplyResult = z.infer<typeof applyResultSchema>;

export const installedModuleSchema = z.object({
  module: z.string(),
  settings: z.record(z.string(), z.unknown()),
  appliedAt: z.number(),
  journalId: z.string().nullable(),
  /** status: the evidence of the module's status check ("<module>-status"), e.g. the last good backup. */
  lastVerify: z.object({ at: z.number(), ok: z.boolean(), failed: z.array(z.string()), status: z.string().optional() }).nullable(),
});
export type InstalledModule = z.infer<typeof installedModuleSchema>;

export const preflightSchema = z.object({
  hostId: hostIdSchema,
  hostName: z.string(),
  /** "Debian 12 (tested live)", "Rocky 9 (tested on fixtures)", "NixOS (not in the supported table)" */
  os: z.string(),
  checks: z.array(z.object({ id: z.string(), label: z.string(), state: z.enum(['ok', 'warn', 'fail']), detail: z.string() })),
  /** An untested or unsupported family: applying needs an explicit "proceed anyway". */
  needsConfirmation: z.boolean(),
  ok: z.boolean(),
});
export type Preflight = z.infer<typeof preflightSchema>;

export const taskSchema = z.object({
  id: z.string(),
  hostId: hostIdSchema,
  hostName: z.string(),
  modules: z.array(z.string()),
  state: z.enum(['queued', 'planning', 'running', 'done', 'failed', 'cancelled']),
  attempt: z.number().int(),
  /** When the next retry runs (transient failures: apt lock, mirror timeout, a dropped link). */
  retryAt: z.number().nullable(),
  message: z.string().nullable(),
  journalId: z.string().nullable(),
  stepsDone: z.number().int(),
  steps: z.number().int(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  /** The checks run after a successful apply, with their evidence (empty until then). */
  verify: z.array(checkResultSchema),
});
export type ChangeTask = z.infer<typeof taskSchema>;

const id = z.object({ id: hostIdSchema });
const journalRef = z.object({ id: hostIdSchema, journalId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'Not a journal id.') });

export const changeContract = {
  modules: request('change.modules', z.object({}).default({}), z.array(moduleInfoSchema)),
  preflight: request('change.preflight', z.object({ ids: z.array(hostIdSchema).min(1).max(200), modules: z.array(moduleIdSchema).max(16).default([]) }), z.array(preflightSchema)),
  plan: request('change.plan', z.object({ id: hostIdSchema, modules: z.array(moduleRequestSchema).min(1, 'Choose at least one module.').max(16) }), changePlanSchema),
  apply: request('change.apply', z.object({ id: hostIdSchema, planId: z.string().min(1).max(100), tag: z.string().min(1).max(200) }), applyResultSchema),
  verify: request('change.verify', z.object({ id: hostIdSchema, modules: z.array(moduleIdSchema).max(16).optional() }), z.array(z.object({ module: z.string(), results: z.array(checkResultSchema) }))),
  rollback: request('change.rollback', journalRef, z.object({ status: z.enum(['rolled-back', 'rollback-failed']), message: z.string().nullable() })),
  resume: request('change.resume', journalRef, applyResultSchema),
  cancel: request('change.cancel', journalRef, z.object({ cancelled: z.boolean() })),
  journals: request('change.journals', id, z.array(journalSummarySchema)),
  installed: request('change.installed', id, z.array(installedModuleSchema)),
  /** Drift: the installed modules planned again with their stored settings; steps = changed outside Fleetdeck. */
  drift: request('change.drift', id, changePlanSchema.nullable()),
  startTasks: request(
    'change.startTasks',
    z.object({
      items: z
        .array(
          z.object({
            id: hostIdSchema,
            modules: z.array(moduleRequestSchema).min(1).max(16),
            /** The plan the user reviewed for this host: applied as shown (else planned afresh). */
            planId: z.string().min(1).max(100).optional(),
            tag: z.string().min(1).max(200).optional(),
          }),
        )
        .min(1)
        .max(200),
      concurrency: z.number().int().min(1).max(16).default(4),
    }),
    z.array(taskSchema),
  ),
  tasks: request('change.tasks', z.object({}).default({}), z.array(taskSchema)),
  cancelTask: request('change.cancelTask', z.object({ taskId: z.string().min(1).max(100) }), z.object({ cancelled: z.boolean() })),
  /** Fleetdeck's internal CA certificate (made on first use), for browsers and clients to trust. */
  caCertificate: request(
    'change.caCertificate',
    z.object({}).default({}),
    z.object({ pem: z.string(), sha256: z.string(), subject: z.string(), validFrom: z.number(), validTo: z.number(), path: z.string() }),
  ),
  /**
   * A password a module keeps on the host, read from its root-only file (audited, never logged).
   * The desktop app keeps a copy in the OS keychain and answers from it when the host is away.
   */
  secret: request(
    'change.secret',
    z.object({ id: hostIdSchema, module: moduleIdSchema, key: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,40}$/, 'Not a secret name.') }),
    z.object({ module: z.string(), key: z.string(), label: z.string(), user: z.string().nullable(), path: z.string(), value: z.string().nullable(), source: z.enum(['host', 'keychain']), kept: z.boolean() }),
  ),
  retryTask: request('change.retryTask', z.object({ taskId: z.string().min(1).max(100) }), taskSchema),
} as const;

export const changeEvents = {
  /** Live progress of an apply or rollback (one journal event). */
  onProgress: event('change.onProgress', z.object({ hostId: hostIdSchema, journalId: z.string(), event: journalEventSchema })),
  onTask: event('change.onTask', taskSchema),
} as const;
