import * as z from 'zod/mini';
import { int, list, name, nonNegativeInt, text } from '../protocol/bounds.js';
import { absPath, account, argv, unitName } from './primitives.js';
import { userObservedSchema, userResourceSchema } from './user.schema.js';
import { isValidPid, KILL_SIGNALS, MAX_PID } from '../processes/limits.js';

/**
 * The change engine's vocabulary (ARCHITECTURE.md, "Changing a host"). A module says what it
 * wants as **resources** — a file with this content, these packages present, this unit enabled
 * and running, a command that must have run — and the engine reads what is there, plans the
 * difference as steps, applies them on the host with a journal, verifies with checks, and rolls
 * back from the journal. zod/mini: the helper bundles these (it reads and applies resources).
 */

export { absPath, account, argv, unitName } from './primitives.js';

/** Distribution package names (apt, rpm, pacman, apk all fit this). */
export const packageName = () => z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9+._:-]{0,199}$/));

/** Largest file content a plan carries (configs, not data). */
export const MAX_FILE_BYTES = 1024 * 1024;

export const fileResourceSchema = z.object({
  kind: z.literal('file'),
  path: absPath(),
  /** The whole content (UTF-8), or null: the file must not exist. */
  content: z.nullable(z.string().check(z.maxLength(MAX_FILE_BYTES))),
  mode: z.optional(int().check(z.gte(0), z.lte(0o7777))),
  owner: z.optional(account()),
  group: z.optional(account()),
  /** Secret content (a private key): shown as "(secret, N bytes)", never diffed or journaled in clear. */
  secret: z.optional(z.boolean()),
  /**
   * Set once and kept (a password data was made with): a file already there is never replaced,
   * and a rollback leaves it.
   */
  keep: z.optional(z.boolean()),
  /**
   * Written by the login user's own helper, no sudo: a file in their own directory (the per-user
   * agent). A plan is all such steps (applied without root) or none; root never writes them.
   */
  asLogin: z.optional(z.boolean()),
});

export const packageResourceSchema = z.object({
  kind: z.literal('package'),
  /** What a person calls it ("Docker Engine"). */
  label: text(),
  /** The names for this host's package backend (already resolved by the module). */
  packages: list(packageName(), 64).check(z.minLength(1)),
  state: z.enum(['present', 'absent']),
  /** Say so in the plan: the host fetches these from its mirror (or a repository the plan adds). */
  source: z.optional(text()),
});

export const unitResourceSchema = z.object({
  kind: z.literal('unit'),
  name: unitName(),
  enabled: z.optional(z.boolean()),
  state: z.optional(z.enum(['running', 'stopped'])),
  /** Reload (or restart) when any of these resources of the same plan changes. */
  reloadOn: z.optional(list(text(), 64)),
  restartOn: z.optional(list(text(), 64)),
  /** Run before a reload or restart (nginx -t, sshd -t): a config the service refuses is never loaded. */
  checkBefore: z.optional(argv()),
  /**
   * Its stop or restart undoes more than this plan did (nftables' stop flushes the whole live
   * ruleset, Docker's rules with it): a rollback leaves it running and, once the files are back,
   * runs this instead (removing only what the plan loaded). Its enabled state is restored.
   */
  rollbackWith: z.optional(argv()),
});

export const commandResourceSchema = z.object({
  kind: z.literal('command'),
  /** Unique in a plan, e.g. "docker-group-admin". */
  id: name(),
  label: text(),
  argv: argv(),
  /** Already done when this exits 0: then nothing is planned. */
  unless: z.optional(argv()),
  /** What undoes it in a rollback; without it (or undoneWith) the step is not reversible. */
  undo: z.optional(argv()),
  /** Its undo reads what the rest of the rollback restores (a config file): it runs last, once that is back. */
  undoLast: z.optional(z.boolean()),
  /** Undone by the rest of the rollback, nothing of its own to run: why ("the rules go back with the files"). */
  undoneWith: z.optional(text()),
  /**
   * Run only when one of these resources of the same plan changes (ids as resourceId gives
   * them), like a handler: "reload nginx once the certificate exists". Without it, the command
   * is planned whenever its unless check fails (or always, without one).
   */
  when: z.optional(list(text(), 64)),
  /**
   * Also run when one of these resources of the same plan changes, even though the unless check
   * passed: that check read the host before the change (a sync whose config file is rewritten).
   */
  rerunWhen: z.optional(list(text(), 64)),
  timeoutMs: z.optional(nonNegativeInt().check(z.lte(30 * 60_000))),
  /** Run by the login user's own helper, no sudo (as a file's asLogin): root never runs it. */
  asLogin: z.optional(z.boolean()),
  /** Extra environment (e.g. REQUESTS_CA_BUNDLE for a private ACME server); names are checked. */
  env: z.optional(
    z.record(
      z.string().check(
        z.regex(/^[A-Z_][A-Z0-9_]{0,63}$/),
        // What would change which program runs, or what a shell or Node loads first, is never set.
        z.refine((k) => !/^(PATH|LD_.*|NODE_.*|BASH_ENV|ENV|IFS|SHELLOPTS|BASHOPTS|PS4|PYTHON.*|PERL5.*|RUBY.*|GCONV_PATH)$/.test(k), 'not an environment variable a step may set'),
      ),
      text(),
    ),
  ),
});

/**
 * The lockout guard (ssh, firewall): changes that can cut the admin off are bracketed by steps
 * that are not about the host's state but about staying in.
 *   arm-revert   schedules, on the host itself, the restore of `restore` (from this journal's
 *                backups) and then `then` after `seconds` — it fires if nobody disarms it;
 *   confirm      the app opens a new SSH connection (on `port`, 0 = the host's own) with the
 *                admin's own credentials; the host waits here for its answer and stops if it fails;
 *   disarm       cancels the armed revert: the change is confirmed.
 */
export const guardResourceSchema = z.object({
  kind: z.literal('guard'),
  id: name(),
  op: z.enum(['arm-revert', 'confirm', 'disarm']),
  label: text(),
  seconds: z.optional(int().check(z.gte(30), z.lte(3600))),
  restore: z.optional(list(absPath(), 16)),
  then: z.optional(argv()),
  port: z.optional(int().check(z.gte(0), z.lte(65535))),
  /** For confirm: how long the host waits for the app's answer. */
  waitSeconds: z.optional(int().check(z.gte(5), z.lte(600))),
});

/**
 * A process that must not run any more (process kill, the engine's first user): the step sends it
 * `signal`, only while pid is still the process that started at startTime. Planned only while it
 * runs; a signal cannot be undone. asRoot: the login user may not signal it (another user's
 * process), so the root helper applies it; otherwise the login user's own helper does, no sudo.
 */
export const processResourceSchema = z.object({
  kind: z.literal('process'),
  pid: z.number().check(z.refine(isValidPid, `pid must be a whole number from 1 to ${MAX_PID}`)),
  startTime: nonNegativeInt(),
  signal: z.enum(KILL_SIGNALS),
  label: text(),
  asRoot: z.boolean(),
});

export const resourceSchema = z.discriminatedUnion('kind', [fileResourceSchema, packageResourceSchema, unitResourceSchema, commandResourceSchema, guardResourceSchema, processResourceSchema, userResourceSchema]);
export type Resource = z.infer<typeof resourceSchema>;
export type FileResource = z.infer<typeof fileResourceSchema>;
export type PackageResource = z.infer<typeof packageResourceSchema>;
export type UnitResource = z.infer<typeof unitResourceSchema>;
export type CommandResource = z.infer<typeof commandResourceSchema>;
export type GuardResource = z.infer<typeof guardResourceSchema>;
export type ProcessResource = z.infer<typeof processResourceSchema>;
export type { UserObserved, UserResource } from './user.schema.js';

/** A resource's stable id in a plan: what reloadOn/restartOn name. */
export function resourceId(r: Resource): string {
  switch (r.kind) {
    case 'file':
      return `file:${r.path}`;
    case 'package':
      return `package:${r.packages.join(',')}`;
    case 'unit':
      return `unit:${r.name}`;
    case 'command':
      return `command:${r.id}`;
    case 'guard':
      return `guard:${r.id}`;
    case 'process':
      return `process:${r.pid}:${r.startTime}`;
    case 'user':
      return `user:${r.name}`;
  }
}

/** What the helper read of a resource on the host (change.read1). */
export const fileObservedSchema = z.object({
  kind: z.literal('file'),
  exists: z.boolean(),
  sha256: z.nullable(name()),
  /** The text, when it is UTF-8 and at most MAX_FILE_BYTES (for the diff); null otherwise. */
  text: z.nullable(z.string().check(z.maxLength(MAX_FILE_BYTES))),
  mode: z.nullable(int()),
  owner: z.nullable(name()),
  group: z.nullable(name()),
});
export const packageObservedSchema = z.object({
  kind: z.literal('package'),
  /** Installed version per package name, null where not installed. */
  installed: z.record(name(), z.nullable(name())),
  /** The backend's dry run of installing the missing ones: what would be installed (names and versions). */
  wouldInstall: z.nullable(list(z.object({ name: name(), version: z.nullable(name()) }), 2048)),
  /** Why the dry run failed ("Unable to locate package …"): the plan says it. */
  dryRunProblem: z.nullable(text()),
});
export const unitObservedSchema = z.object({
  kind: z.literal('unit'),
  exists: z.boolean(),
  enabled: z.nullable(z.boolean()),
  running: z.nullable(z.boolean()),
});
export const commandObservedSchema = z.object({
  kind: z.literal('command'),
  /** The unless check passed (nothing to do); null when there is no check. */
  done: z.nullable(z.boolean()),
});
export const guardObservedSchema = z.object({ kind: z.literal('guard') });
/** Who holds the pid now (null: nobody): the planned process runs while its startTime matches. */
export const processObservedSchema = z.object({
  kind: z.literal('process'),
  current: z.nullable(z.object({ startTime: nonNegativeInt(), uid: int(), command: text() })),
});
export const observedSchema = z.discriminatedUnion('kind', [fileObservedSchema, packageObservedSchema, unitObservedSchema, commandObservedSchema, guardObservedSchema, processObservedSchema, userObservedSchema]);
export type Observed = z.infer<typeof observedSchema>;
export type FileObserved = z.infer<typeof fileObservedSchema>;
export type PackageObserved = z.infer<typeof packageObservedSchema>;
export type UnitObserved = z.infer<typeof unitObservedSchema>;
