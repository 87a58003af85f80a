import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { ApplyResult, ChangePlan, InstalledModule, ModuleInfo, Preflight } from '../../../src-common/change/modules.contract.js';
import type { moduleRequestSchema } from '../../../src-common/change/modules.contract.js';
import { type Check, type CheckResult, type JournalEvent, type JournalSummary, type PlanStep } from '../../../src-common/change/plan.schema.js';
import type { Observed, Resource } from '../../../src-common/change/resource.schema.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { helperChannels } from '../../../src-common/protocol/helper-api.js';
import type { AuditEntry } from '../audit/audit-log.js';
import type { ChangeStore } from './change-store.js';
import type { ChangeTarget } from './change-target.js';
import type { ChangeModule, HostFacts, InternalPki } from './module.js';
import { preflightHost } from './host-preflight.js';
import { finishApply, recordSettingsOnly, runChecks } from './apply-result.js';
import { hostFacts } from './host-facts.js';
import { streamJournal, type OpenJournal, type StreamOutcome } from './journal-stream.js';
import { desiredState, planSteps, planSummary, planTag, plural, shownPlan, withPortFollowers, type DesiredState, type Wanted } from './planner.js';
import { readModuleSecret } from './module-secrets.js';
import { allJournals, cancelJournal, oneWay, readResources, rootlessHint, whoseJournal } from './as-login.js';

/**
 * The change engine's core side (ARCHITECTURE.md, "Changing a host"): plan (read the host, diff
 * against what the modules want), apply (the host runs the steps with its own journal; progress
 * streams back, every step is audited), verify (checks against the real system, with evidence),
 * rollback and resume (from the host's journal), drift (plan the installed modules again).
 *
 * Plans live in memory for PLAN_TTL_MS and are single-use: apply re-reads the host and refuses a
 * plan whose tag no longer matches (change-conflict), so what runs is what was shown.
 */
export type ModuleRequest = z.infer<typeof moduleRequestSchema>;

export interface ChangeServiceDeps {
  modules: ChangeModule<never>[];
  store: ChangeStore | null;
  /** The internal CA (modules that issue certificates need it). */
  pki?: InternalPki;
  audit(e: AuditEntry): void;
  /** Live progress for the UI (change.onProgress). */
  progress?(e: { hostId: number | null; journalId: string; event: JournalEvent }): void;
}

export interface ApplyOptions {
  onEvent?(e: JournalEvent): void;
  onJournal?(journalId: string): void; // told the journal id before the host starts (to cancel it while it runs)
}

interface StoredPlan {
  plan: ChangePlan;
  /** Every step the login user may take (their own process, their per-user agent): applied by their helper, no sudo. */
  own: boolean;
  key: string;
  desired: DesiredState;
  requests: { id: string; settings: Record<string, unknown> }[];
  expires: number;
}

export const PLAN_TTL_MS = 30 * 60_000;
const MAX_PLANS = 200;

/** A journal id: sortable by time, unique, and what the host's journal directory is named. */
export function newJournalId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}


export class ChangeService {
  private readonly plans = new Map<string, StoredPlan>();
  private readonly byId: Map<string, ChangeModule<never>>;

  constructor(private readonly deps: ChangeServiceDeps) {
    this.byId = new Map(deps.modules.map((m) => [m.info.id, m]));
  }

  modules(): ModuleInfo[] {
    return this.deps.modules.map((m) => m.info);
  }

  /** A password a module keeps on the host, read from its root-only file (module-secrets.ts). */
  secret = (target: ChangeTarget, module: string, key: string) => readModuleSecret(target, this.module(module).info, key, this.deps.audit);

  module(id: string): ChangeModule<never> {
    const m = this.byId.get(id);
    if (!m) throw new FleetdeckError('invalid-input', `There is no module "${id.slice(0, 40)}". Modules: ${[...this.byId.keys()].join(', ')}.`);
    return m;
  }

  /** Settings checked against the module's schema; refused with every problem named, nothing run. */
  validate(req: ModuleRequest): { module: ChangeModule<never>; settings: unknown } {
    const module = this.module(req.id);
    const parsed = module.settings.safeParse({ ...module.info.defaults, ...req.settings });
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
      throw new FleetdeckError('invalid-input', `${module.info.title} settings: ${issues.join('; ')}`, { module: req.id, issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) });
    }
    return { module, settings: parsed.data };
  }

  /** Settings as stored: secret fields left out (they are asked again when needed). */
  private storable(module: ChangeModule<never>, settings: unknown): Record<string, unknown> {
    const secret = new Set(module.info.fields.filter((f) => f.kind === 'secret').map((f) => f.key));
    return Object.fromEntries(Object.entries((settings ?? {}) as Record<string, unknown>).filter(([k]) => !secret.has(k)));
  }

  /** The host's facts, with the accounts the given modules name resolved on the host (their uids). */
  facts(target: ChangeTarget, wanted: readonly { module: ChangeModule<never>; settings: unknown; previous?: unknown }[] = []): Promise<HostFacts> {
    return hostFacts(target, wanted);
  }

  /**
   * A change that is not a module's (a process kill, issue 10's first user of the engine): the
   * resources and checks given, planned, applied with a journal, verified and audited like any
   * other. Nothing is recorded as installed.
   */
  async planChange(target: ChangeTarget, change: { owner: string; resources: Resource[]; checks: Check[]; warnings: string[] }): Promise<ChangePlan> {
    const facts = await this.facts(target);
    const desired: DesiredState = { order: [change.owner], items: change.resources.map((resource) => ({ module: change.owner, resource })), checks: change.checks.map((c) => ({ ...c, module: change.owner })), warnings: change.warnings, network: null };
    const observed = await this.read(target, desired, facts.probe);
    const steps = planSteps(desired, observed);
    const plan: ChangePlan = {
      planId: `plan-${randomBytes(9).toString('base64url')}`,
      hostId: target.hostId ?? 0,
      hostName: target.hostName,
      modules: [change.owner],
      tag: planTag(desired, observed),
      steps,
      checks: change.checks,
      warnings: [...new Set([...change.warnings, ...steps.flatMap((s) => s.warnings)])],
      network: null,
      summary: planSummary(steps, target.hostName),
      createdAt: Date.now(),
    };
    this.remember(plan, target.key, desired, []);
    return plan;
  }

  /**
   * The package backend and service manager a plan's steps use. A host without one Fleetdeck
   * knows can still take what needs neither ('none': files, commands, signals, cgroupfs limits).
   */
  private enginesFor(probe: Probe, hostName: string, steps: readonly { resource: Resource }[]): { backend: Exclude<Probe['packageBackend'], 'unknown'> | 'none'; manager: Probe['serviceManager'] } {
    const packages = steps.some((s) => s.resource.kind === 'package');
    const units = steps.some((s) => s.resource.kind === 'unit');
    if (packages && probe.packageBackend === 'unknown') throw new FleetdeckError('unsupported-os', `Fleetdeck installs with apt, dnf, yum, zypper, pacman or apk; ${hostName} (${probe.os.prettyName ?? probe.os.name}) has none of them.`);
    if (units && probe.serviceManager === 'none') throw new FleetdeckError('unsupported-os', `Fleetdeck manages services with systemd or openrc; ${hostName} runs neither as its init.`);
    return { backend: probe.packageBackend === 'unknown' ? 'none' : probe.packageBackend, manager: probe.serviceManager };
  }

  private installedSet(target: ChangeTarget): { ids: Set<string>; ports: { port: number; proto: 'tcp' | 'udp'; module: string; why: string }[]; list: InstalledModule[] } {
    const list = target.hostId !== null && this.deps.store ? this.deps.store.installed(target.hostId) : [];
    const ports = list.flatMap((i) => {
      const m = this.byId.get(i.module);
      if (!m) return [];
      const parsed = m.settings.safeParse({ ...m.info.defaults, ...i.settings });
      return parsed.success ? m.opens(parsed.data).map((p) => ({ ...p, module: i.module })) : [];
    });
    return { ids: new Set(list.map((i) => i.module)), ports, list };
  }

  /** What the host has for each resource; the login user's own (the per-user agent) read by their own helper, as they are applied. */
  private async read(target: ChangeTarget, desired: DesiredState, probe: Probe): Promise<Observed[]> {
    if (!desired.items.length) return [];
    const { backend, manager } = this.enginesFor(probe, target.hostName, desired.items);
    return readResources(target, backend, manager, desired.items.map((i) => i.resource));
  }

  /** Plans what the modules want on the host; nothing on the host changes. */
  async plan(target: ChangeTarget, requests: ModuleRequest[]): Promise<ChangePlan> {
    if (!requests.length) throw new FleetdeckError('invalid-input', 'Choose at least one module.');
    const seen = new Set<string>();
    for (const r of requests) {
      if (seen.has(r.id)) throw new FleetdeckError('invalid-input', `Module ${r.id} is listed twice: list each module once.`);
      seen.add(r.id);
    }
    const installed = this.installedSet(target);
    const asked = requests.map((r) => this.validate(r));
    let validated = withPortFollowers(asked, installed.list, this.byId);
    const previous = (id: string) => {
      const i = installed.list.find((x) => x.module === id);
      const parsed = i ? this.byId.get(id)?.settings.safeParse({ ...this.byId.get(id)!.info.defaults, ...i.settings }) : undefined;
      return parsed?.success ? parsed.data : undefined;
    };
    const facts = await this.facts(target, validated.map((v) => ({ ...v, previous: previous(v.module.info.id) })));
    const compute = async () => {
      const wanted: Wanted[] = validated.map((v) => ({ module: v.module as ChangeModule, settings: v.settings, previous: previous(v.module.info.id) }));
      const desired = desiredState(wanted, facts, installed.ids, installed.ports, this.deps.pki);
      const observed = await this.read(target, desired, facts.probe);
      return { desired, observed, steps: planSteps(desired, observed) };
    };
    let { desired, observed, steps } = await compute();
    // A firewall re-planned for the new ports that already allows them has nothing to do: leave it out.
    const idle = validated.filter((v) => !asked.includes(v) && !steps.some((s) => s.module === v.module.info.id));
    if (idle.length) {
      validated = validated.filter((v) => !idle.includes(v));
      ({ desired, observed, steps } = await compute());
    }
    const tag = planTag(desired, observed);
    oneWay(steps, target.hostName);
    const warnings = [...new Set([...desired.warnings, ...steps.flatMap((s) => s.warnings)])];
    const plan: ChangePlan = {
      planId: `plan-${randomBytes(9).toString('base64url')}`,
      hostId: target.hostId ?? 0,
      hostName: target.hostName,
      modules: desired.order,
      tag,
      steps,
      checks: desired.checks.map(({ module: _m, ...c }) => c as Check),
      warnings,
      network: steps.some((s) => s.kind === 'package' && s.action === 'install') ? desired.network : null,
      summary: planSummary(steps, target.hostName),
      createdAt: Date.now(),
    };
    this.remember(plan, target.key, desired, validated.map((v) => ({ id: v.module.info.id, settings: this.storable(v.module, v.settings) })));
    return shownPlan(plan);
  }

  private remember(plan: ChangePlan, key: string, desired: DesiredState, requests: StoredPlan['requests']): void {
    const now = Date.now();
    for (const [id, p] of this.plans) if (p.expires < now) this.plans.delete(id);
    while (this.plans.size >= MAX_PLANS) this.plans.delete(this.plans.keys().next().value!);
    const own = plan.steps.length > 0 && plan.steps.every((s) => !s.needsRoot);
    this.plans.set(plan.planId, { plan, own, key, desired, requests, expires: now + PLAN_TTL_MS });
  }

  /** The stored plan (for a task that applies what the user reviewed), as shown: secrets left out. */
  storedPlan(planId: string): ChangePlan | null {
    const p = this.plans.get(planId)?.plan;
    return p ? shownPlan(p) : null;
  }

  /**
   * Applies a plan that was shown: re-reads the host first and refuses a stale plan. The host
   * runs the steps with its journal; progress comes back as events, each step is audited, and a
   * successful apply is verified at once.
   */
  async apply(target: ChangeTarget, planId: string, tag: string, opts: ApplyOptions = {}): Promise<ApplyResult> {
    const stored = this.plans.get(planId);
    if (!stored || stored.key !== target.key || stored.expires < Date.now()) {
      throw new FleetdeckError('not-found', `That plan for ${target.hostName} is gone (a plan is kept for 30 minutes and used once): plan again.`);
    }
    if (stored.plan.tag !== tag) throw new FleetdeckError('change-conflict', `That is not the plan that was shown for ${target.hostName}: plan again and review it.`);
    const { plan, desired, own } = stored;
    const facts = await this.facts(target);
    const observed = await this.read(target, desired, facts.probe);
    if (planTag(desired, observed) !== tag) {
      this.plans.delete(planId);
      throw new FleetdeckError('change-conflict', `${target.hostName} changed since this plan was made (a file, package or service it is about is different now). Nothing was applied: plan again and review the new plan.`);
    }
    this.plans.delete(planId);
    if (!plan.steps.length) {
      const changed = recordSettingsOnly(this.deps, target, stored.requests);
      const verify = await runChecks(target, plan.checks, facts.probe);
      return { journalId: null, status: 'done', stoppedAt: null, message: changed.length ? 'settings saved; nothing to change on the host' : 'nothing to change', verify };
    }
    const { backend, manager } = this.enginesFor(facts.probe, target.hostName, plan.steps);
    const journalId = newJournalId();
    opts.onJournal?.(journalId);
    const settings = Object.fromEntries(stored.requests.map((r) => [r.id, r.settings]));
    const runId = target.hostId !== null ? this.deps.store?.startRun({ hostId: target.hostId, journalId, kind: 'apply', modules: plan.modules, settings, steps: plan.steps.length, startedAt: Date.now() }) : undefined;
    this.deps.audit({ hostId: target.hostId, hostName: target.hostName, operation: 'change.apply', summary: `started applying ${plan.modules.join(', ')} to ${target.hostName}: ${plan.summary} (journal ${journalId})`, result: 'ok' });
    const params = { journalId, planId, modules: plan.modules, backend, manager, steps: plan.steps };
    const hint = rootlessHint(plan.modules.map((id) => this.byId.get(id)));
    const outcome = await this.stream(target, journalId, plan.steps, 'apply', (handlers) => (own ? target.openOwn(helperChannels.changeApply, params, handlers) : target.openRoot(helperChannels.changeApply, params, handlers).catch(hint)), opts);
    // The host changed: what the probe said (Docker there or not, the packages) is read again next time.
    target.forgetProbe?.();
    return finishApply(this.deps, target, journalId, plan.modules, plan.checks, stored.requests, plan.steps, outcome, runId, facts.probe);
  }

  /** Verify on its own: the installed modules' checks (or the named ones'), against the real system. */
  async verify(target: ChangeTarget, modules?: string[]): Promise<{ module: string; results: CheckResult[] }[]> {
    const installed = this.installedSet(target);
    const names = modules?.length ? modules : installed.list.map((i) => i.module);
    if (!names.length) throw new FleetdeckError('not-found', `Fleetdeck has installed no module on ${target.hostName} yet: name the modules to verify.`);
    const chosen = names.map((id) => ({ id, stored: installed.list.find((i) => i.module === id), ...this.validate({ id, settings: installed.list.find((i) => i.module === id)?.settings ?? {} }) }));
    const facts = await this.facts(target, chosen);
    const out: { module: string; results: CheckResult[] }[] = [];
    for (const { id, module: m, stored, settings } of chosen) {
      const ctx = { facts, settings: settings as never, modules: new Set([...installed.ids, ...names]), ports: installed.ports, pki: this.deps.pki };
      const checks = m.checks(ctx);
      const results = await runChecks(target, checks, facts.probe);
      out.push({ module: id, results });
      if (target.hostId !== null && stored) this.deps.store?.recordVerify(target.hostId, id, results);
    }
    const failed = out.flatMap((o) => o.results.filter((r) => !r.ok).map((r) => `${o.module}: ${r.label}`));
    this.deps.audit({ hostId: target.hostId, hostName: target.hostName, operation: 'change.verify', summary: `verified ${names.join(', ')} on ${target.hostName}: ${failed.length ? `${plural(failed.length, 'check')} failed (${failed.join('; ')})` : 'every check passed'}`, result: failed.length ? 'failed' : 'ok', problem: failed.length ? 'step-failed' : null });
    return out;
  }

  /** One module's checks for the given settings (not necessarily the stored ones), against the real system. */
  /** What the host has now for each resource (file contents, accounts…), as a plan would read it. Reads only. */
  async observe(target: ChangeTarget, resources: Resource[]): Promise<Observed[]> {
    if (!resources.length) return [];
    const probe = await target.probe();
    const { backend, manager } = this.enginesFor(probe, target.hostName, []);
    return readResources(target, backend, manager, resources);
  }

  async verifyWith(target: ChangeTarget, id: string, settings: Record<string, unknown>): Promise<CheckResult[]> {
    const v = this.validate({ id, settings });
    const installed = this.installedSet(target);
    const facts = await this.facts(target, [v]);
    return runChecks(target, v.module.checks({ facts, settings: v.settings as never, modules: new Set([...installed.ids, id]), ports: installed.ports, pki: this.deps.pki }), facts.probe);
  }

  /** Drift: the installed modules planned again with their stored settings. Steps = changed outside Fleetdeck. */
  async drift(target: ChangeTarget): Promise<ChangePlan | null> {
    const installed = this.installedSet(target);
    if (!installed.list.length) return null;
    return this.plan(
      target,
      installed.list.filter((i) => this.byId.has(i.module)).map((i) => ({ id: i.module, settings: i.settings })),
    );
  }

  installed(target: ChangeTarget): InstalledModule[] {
    return this.installedSet(target).list;
  }

  /** Root's journals and the login user's own (without root: only those), newest first. */
  journals = (target: ChangeTarget): Promise<JournalSummary[]> => allJournals(target);

  async cancel(target: ChangeTarget, journalId: string): Promise<{ cancelled: boolean }> {
    const r = await cancelJournal(target, journalId);
    if (r.cancelled) this.deps.audit({ hostId: target.hostId, hostName: target.hostName, operation: 'change.cancel', summary: `asked ${target.hostName} to stop journal ${journalId} at the next step boundary`, result: 'ok' });
    return r;
  }

  /** Continues an interrupted or failed apply from the step where it stopped. */
  async resume(target: ChangeTarget, journalId: string, opts: ApplyOptions = {}): Promise<ApplyResult> {
    const { j, own } = await whoseJournal(target, journalId);
    if (j.summary.status === 'running') throw new FleetdeckError('change-conflict', `Journal ${journalId} is still running on ${target.hostName}.`);
    if (j.summary.status === 'done' || j.summary.status === 'rolled-back') throw new FleetdeckError('change-conflict', `Journal ${journalId} already ${j.summary.status === 'done' ? 'finished' : 'was rolled back'}: nothing to resume.`);
    const facts = await this.facts(target);
    const { backend, manager } = this.enginesFor(facts.probe, target.hostName, j.steps);
    const run = target.hostId !== null ? this.deps.store?.runByJournal(target.hostId, journalId) : null;
    // Settings are known only for a change this data dir started: one started elsewhere (another
    // admin's Fleetdeck) is finished on the host, but not recorded as installed with made-up settings.
    const requests = run ? run.modules.map((id) => ({ id, settings: run.settings[id] ?? {} })) : [];
    const runId = target.hostId !== null ? this.deps.store?.startRun({ hostId: target.hostId, journalId, kind: 'resume', modules: j.summary.modules, settings: run?.settings ?? {}, steps: j.steps.length, startedAt: Date.now() }) : undefined;
    this.deps.audit({ hostId: target.hostId, hostName: target.hostName, operation: 'change.resume', summary: `resuming journal ${journalId} on ${target.hostName} at step ${j.summary.stoppedAt ?? j.summary.completed + 1} of ${j.steps.length}`, result: 'ok' });
    const outcome = await this.stream(target, journalId, j.steps, 'apply', (handlers) =>
      (own ? target.openOwn : target.openRoot)(helperChannels.changeApply, { journalId, planId: j.summary.planId, modules: j.summary.modules, backend, manager, steps: j.steps, resume: true }, handlers),
      opts,
    );
    // The checks of the modules it applied, from their stored settings.
    let checks: Check[] = [];
    try {
      const installed = this.installedSet(target);
      const wanted = requests.filter((r) => this.byId.has(r.id)).map((r) => this.validate(r));
      const withAccounts = await this.facts(target, wanted);
      checks = wanted.flatMap(({ module: m, settings }) => m.checks({ facts: withAccounts, settings: settings as never, modules: new Set([...installed.ids, ...j.summary.modules]), ports: installed.ports, pki: this.deps.pki }));
    } catch {
      checks = [];
    }
    return finishApply(this.deps, target, journalId, j.summary.modules, checks, requests, j.steps, outcome, runId, facts.probe);
  }

  /** Walks a journal's steps back on the host (files restored, packages it installed removed, units as before). */
  async rollback(target: ChangeTarget, journalId: string, opts: ApplyOptions = {}): Promise<{ status: 'rolled-back' | 'rollback-failed'; message: string | null }> {
    const probe = await target.probe();
    const { j, own } = await whoseJournal(target, journalId);
    const { backend, manager } = this.enginesFor(probe, target.hostName, j.steps);
    const runId = target.hostId !== null ? this.deps.store?.startRun({ hostId: target.hostId, journalId, kind: 'rollback', modules: j.summary.modules, settings: {}, steps: j.steps.length, startedAt: Date.now() }) : undefined;
    const outcome = await this.stream(target, journalId, j.steps, 'rollback', (handlers) => (own ? target.openOwn : target.openRoot)(helperChannels.changeRollback, { journalId, backend, manager }, handlers), opts);
    target.forgetProbe?.();
    const status = outcome.status === 'rolled-back' ? 'rolled-back' : 'rollback-failed';
    const message = outcome.message;
    if (status === 'rolled-back' && target.hostId !== null) this.deps.store?.forget(target.hostId, j.summary.modules);
    if (runId !== undefined) this.deps.store?.endRun(runId, status, message);
    this.deps.audit({
      hostId: target.hostId,
      hostName: target.hostName,
      operation: 'change.rollback',
      summary: `rolled back ${j.summary.modules.join(', ')} on ${target.hostName} (journal ${journalId}): ${status === 'rolled-back' ? 'done' : 'failed'}${message ? ` — ${message}` : ''}`,
      result: status === 'rolled-back' ? 'ok' : 'failed',
      problem: status === 'rolled-back' ? null : (outcome.problem ?? 'step-failed'),
    });
    return { status, message };
  }

  /** Streams the host's journal events for an apply, resume or rollback (journal-stream.ts). */
  private stream(target: ChangeTarget, journalId: string, steps: PlanStep[], kind: 'apply' | 'rollback', open: OpenJournal, opts: ApplyOptions): Promise<StreamOutcome> {
    return streamJournal({ target, journalId, steps, kind, audit: this.deps.audit, progress: this.deps.progress, onEvent: opts.onEvent }, open);
  }

  /** Preflight per host: what the wizard shows before planning (host-preflight.ts). */
  async preflight(target: ChangeTarget, moduleIds: string[]): Promise<Preflight> {
    const modules = moduleIds.flatMap((id) => this.byId.get(id) ?? []);
    // With their defaults: the sources they fetch from are tried from the host (reach) here too.
    const wanted = modules.flatMap((module) => {
      const parsed = module.settings.safeParse(module.info.defaults);
      return parsed.success && module.sources ? [{ module, settings: parsed.data }] : [];
    });
    return preflightHost(target, await this.facts(target, wanted), modules, this.installedSet(target).ids);
  }
}
