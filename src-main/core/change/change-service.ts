import { createHash, randomBytes } from 'node:crypto';
import * as zm from 'zod/mini';
import type { z } from 'zod';
import type { ApplyResult, ChangePlan, InstalledModule, ModuleInfo, Preflight } from '../../../src-common/change/modules.contract.js';
import type { moduleRequestSchema } from '../../../src-common/change/modules.contract.js';
import { journalEventSchema, type Check, type CheckResult, type JournalEvent, type JournalSummary, type PlanStep } from '../../../src-common/change/plan.schema.js';
import type { Observed } from '../../../src-common/change/resource.schema.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import { FleetdeckError, toProblem } from '../../../src-common/problems.js';
import { helperApi, helperChannels } from '../../../src-common/protocol/helper-api.js';
import type { AuditEntry } from '../audit/audit-log.js';
import { JsonLineSplitter } from '../monitor/json-lines.js';
import type { ChangeStore } from './change-store.js';
import type { ChangeTarget } from './change-target.js';
import type { ChangeModule, HostFacts, InternalPki } from './module.js';
import { desiredState, planSteps, planSummary, planTag, type DesiredState, type Wanted } from './planner.js';

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
  /** Told the journal id before the host starts (to cancel it while it runs). */
  onJournal?(journalId: string): void;
}

interface StoredPlan {
  plan: ChangePlan;
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

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export class ChangeService {
  private readonly plans = new Map<string, StoredPlan>();
  private readonly byId: Map<string, ChangeModule<never>>;

  constructor(private readonly deps: ChangeServiceDeps) {
    this.byId = new Map(deps.modules.map((m) => [m.info.id, m]));
  }

  modules(): ModuleInfo[] {
    return this.deps.modules.map((m) => m.info);
  }

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

  async facts(target: ChangeTarget): Promise<HostFacts> {
    const [probe, who] = await Promise.all([target.probe(), target.user()]);
    return { probe, user: who.user, uid: who.uid, auth: who.auth ?? null, hostName: target.hostName };
  }

  private backendOf(probe: Probe, hostName: string): { backend: Exclude<Probe['packageBackend'], 'unknown'>; manager: Exclude<Probe['serviceManager'], 'none'> } {
    if (probe.packageBackend === 'unknown') throw new FleetdeckError('unsupported-os', `Fleetdeck installs with apt, dnf, yum, zypper, pacman or apk; ${hostName} (${probe.os.prettyName ?? probe.os.name}) has none of them.`);
    if (probe.serviceManager === 'none') throw new FleetdeckError('unsupported-os', `Fleetdeck manages services with systemd or openrc; ${hostName} runs neither as its init.`);
    return { backend: probe.packageBackend, manager: probe.serviceManager };
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

  private async read(target: ChangeTarget, desired: DesiredState, probe: Probe): Promise<Observed[]> {
    if (!desired.items.length) return [];
    const { backend, manager } = this.backendOf(probe, target.hostName);
    const r = await target.request(helperApi.changeRead, { backend, manager, resources: desired.items.map((i) => i.resource) }, 'try');
    return r.observed;
  }

  /**
   * A plan that adds ports (nginx after the firewall) also re-plans the installed modules built
   * from the others' ports, with their stored settings: the new ports open in the same change.
   */
  private withPortFollowers(validated: { module: ChangeModule<never>; settings: unknown }[], installed: InstalledModule[]): { module: ChangeModule<never>; settings: unknown }[] {
    const opensPorts = validated.some((v) => v.module.opens(v.settings as never).length > 0);
    if (!opensPorts) return validated;
    const out = [...validated];
    for (const i of installed) {
      const m = this.byId.get(i.module);
      if (!m?.followsPorts || out.some((v) => v.module.info.id === i.module)) continue;
      const parsed = m.settings.safeParse({ ...m.info.defaults, ...i.settings });
      if (parsed.success) out.push({ module: m, settings: parsed.data });
    }
    return out;
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
    let validated = this.withPortFollowers(asked, installed.list);
    const facts = await this.facts(target);
    const compute = async () => {
      const wanted: Wanted[] = validated.map((v) => ({ module: v.module as ChangeModule, settings: v.settings }));
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
    this.plans.set(plan.planId, { plan, key, desired, requests, expires: now + PLAN_TTL_MS });
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
    const { plan, desired } = stored;
    const facts = await this.facts(target);
    const observed = await this.read(target, desired, facts.probe);
    if (planTag(desired, observed) !== tag) {
      this.plans.delete(planId);
      throw new FleetdeckError('change-conflict', `${target.hostName} changed since this plan was made (a file, package or service it is about is different now). Nothing was applied: plan again and review the new plan.`);
    }
    this.plans.delete(planId);
    if (!plan.steps.length) {
      const verify = await this.runChecks(target, plan.checks, facts.probe);
      return { journalId: null, status: 'done', stoppedAt: null, message: 'nothing to change', verify };
    }
    const { backend, manager } = this.backendOf(facts.probe, target.hostName);
    const journalId = newJournalId();
    opts.onJournal?.(journalId);
    const settings = Object.fromEntries(stored.requests.map((r) => [r.id, r.settings]));
    const runId = target.hostId !== null ? this.deps.store?.startRun({ hostId: target.hostId, journalId, kind: 'apply', modules: plan.modules, settings, steps: plan.steps.length, startedAt: Date.now() }) : undefined;
    this.deps.audit({ hostId: target.hostId, hostName: target.hostName, operation: 'change.apply', summary: `started applying ${plan.modules.join(', ')} to ${target.hostName}: ${plan.summary} (journal ${journalId})`, result: 'ok' });
    const outcome = await this.stream(target, journalId, plan.steps, 'apply', (handlers) =>
      target.openRoot(helperChannels.changeApply, { journalId, planId, modules: plan.modules, backend, manager, steps: plan.steps }, handlers),
      opts,
    );
    return this.finishApply(target, journalId, plan.modules, plan.checks, stored.requests, plan.steps, outcome, runId, facts.probe);
  }

  private async finishApply(
    target: ChangeTarget,
    journalId: string,
    modules: string[],
    checks: Check[],
    requests: StoredPlan['requests'],
    steps: PlanStep[],
    outcome: StreamOutcome,
    runId: number | undefined,
    probe: Probe,
  ): Promise<ApplyResult> {
    let verify: CheckResult[] = [];
    if (outcome.status === 'done') {
      if (target.hostId !== null && this.deps.store) for (const r of requests) this.deps.store.markInstalled(target.hostId, r.id, r.settings, journalId);
      try {
        verify = await this.runChecks(target, checks, probe);
      } catch (err) {
        verify = [{ id: 'verify', label: 'Verify', ok: false, evidence: `Could not run the checks: ${toProblem(err).message}` }];
      }
      this.recordVerify(target, modules, checks, verify);
    }
    const failedChecks = verify.filter((c) => !c.ok);
    const message =
      outcome.status === 'done'
        ? failedChecks.length
          ? `Applied, but ${plural(failedChecks.length, 'check')} failed: ${failedChecks.map((c) => c.label).join(', ')}.`
          : `Applied and verified (${plural(verify.length, 'check')} passed).`
        : outcome.message;
    if (runId !== undefined) this.deps.store?.endRun(runId, outcome.status, message);
    const where = outcome.stoppedAt ? ` at step ${outcome.stoppedAt} of ${steps.length} (${steps[outcome.stoppedAt - 1]?.summary ?? ''})` : '';
    this.deps.audit({
      hostId: target.hostId,
      hostName: target.hostName,
      operation: 'change.apply',
      summary: `${modules.join(', ')} on ${target.hostName}: ${outcome.status}${outcome.status === 'done' ? '' : where}${message ? ` — ${message}` : ''} (journal ${journalId})`,
      result: outcome.status === 'done' && !failedChecks.length ? 'ok' : 'failed',
      problem: outcome.status === 'done' ? (failedChecks.length ? 'step-failed' : null) : (outcome.problem ?? null),
    });
    return { journalId, status: outcome.status as ApplyResult['status'], stoppedAt: outcome.stoppedAt, message, verify };
  }

  private recordVerify(target: ChangeTarget, modules: string[], checks: Check[], results: CheckResult[]): void {
    if (target.hostId === null || !this.deps.store) return;
    const owner = new Map<string, string>();
    for (const m of modules) {
      // Check ids are prefixed by their module ("nginx-active"), as modules declare them.
      for (const c of checks) if (c.id.startsWith(`${m}-`)) owner.set(c.id, m);
    }
    for (const m of modules) {
      const mine = results.filter((r) => owner.get(r.id) === m);
      this.deps.store.recordVerify(target.hostId, m, mine.every((r) => r.ok), mine.filter((r) => !r.ok).map((r) => r.label));
    }
  }

  private async runChecks(target: ChangeTarget, checks: Check[], probe: Probe): Promise<CheckResult[]> {
    if (!checks.length) return [];
    const manager = probe.serviceManager === 'none' ? 'systemd' : probe.serviceManager;
    const r = await target.request(helperApi.changeVerify, { manager, checks }, 'try', 180_000);
    return r.results;
  }

  /** Verify on its own: the installed modules' checks (or the named ones'), against the real system. */
  async verify(target: ChangeTarget, modules?: string[]): Promise<{ module: string; results: CheckResult[] }[]> {
    const installed = this.installedSet(target);
    const names = modules?.length ? modules : installed.list.map((i) => i.module);
    if (!names.length) throw new FleetdeckError('not-found', `Fleetdeck has installed no module on ${target.hostName} yet: name the modules to verify.`);
    const facts = await this.facts(target);
    const out: { module: string; results: CheckResult[] }[] = [];
    for (const id of names) {
      const m = this.module(id);
      const stored = installed.list.find((i) => i.module === id);
      const { settings } = this.validate({ id, settings: stored?.settings ?? {} });
      const ctx = { facts, settings: settings as never, modules: new Set([...installed.ids, ...names]), ports: installed.ports, pki: this.deps.pki };
      const checks = m.checks(ctx);
      const results = await this.runChecks(target, checks, facts.probe);
      out.push({ module: id, results });
      if (target.hostId !== null && stored) this.deps.store?.recordVerify(target.hostId, id, results.every((r) => r.ok), results.filter((r) => !r.ok).map((r) => r.label));
    }
    const failed = out.flatMap((o) => o.results.filter((r) => !r.ok).map((r) => `${o.module}: ${r.label}`));
    this.deps.audit({ hostId: target.hostId, hostName: target.hostName, operation: 'change.verify', summary: `verified ${names.join(', ')} on ${target.hostName}: ${failed.length ? `${plural(failed.length, 'check')} failed (${failed.join('; ')})` : 'every check passed'}`, result: failed.length ? 'failed' : 'ok', problem: failed.length ? 'step-failed' : null });
    return out;
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

  async journals(target: ChangeTarget): Promise<JournalSummary[]> {
    return (await target.request(helperApi.changeJournals, {}, 'require')).journals;
  }

  async cancel(target: ChangeTarget, journalId: string): Promise<{ cancelled: boolean }> {
    const r = await target.request(helperApi.changeCancel, { journalId }, 'require');
    if (r.cancelled) this.deps.audit({ hostId: target.hostId, hostName: target.hostName, operation: 'change.cancel', summary: `asked ${target.hostName} to stop journal ${journalId} at the next step boundary`, result: 'ok' });
    return r;
  }

  /** Continues an interrupted or failed apply from the step where it stopped. */
  async resume(target: ChangeTarget, journalId: string, opts: ApplyOptions = {}): Promise<ApplyResult> {
    const j = await target.request(helperApi.changeJournal, { journalId }, 'require');
    if (j.summary.status === 'running') throw new FleetdeckError('change-conflict', `Journal ${journalId} is still running on ${target.hostName}.`);
    if (j.summary.status === 'done' || j.summary.status === 'rolled-back') throw new FleetdeckError('change-conflict', `Journal ${journalId} already ${j.summary.status === 'done' ? 'finished' : 'was rolled back'}: nothing to resume.`);
    const facts = await this.facts(target);
    const { backend, manager } = this.backendOf(facts.probe, target.hostName);
    const run = target.hostId !== null ? this.deps.store?.runByJournal(target.hostId, journalId) : null;
    const requests = run ? run.modules.map((id) => ({ id, settings: run.settings[id] ?? {} })) : j.summary.modules.map((id) => ({ id, settings: {} }));
    const runId = target.hostId !== null ? this.deps.store?.startRun({ hostId: target.hostId, journalId, kind: 'resume', modules: j.summary.modules, settings: run?.settings ?? {}, steps: j.steps.length, startedAt: Date.now() }) : undefined;
    this.deps.audit({ hostId: target.hostId, hostName: target.hostName, operation: 'change.resume', summary: `resuming journal ${journalId} on ${target.hostName} at step ${j.summary.stoppedAt ?? j.summary.completed + 1} of ${j.steps.length}`, result: 'ok' });
    const outcome = await this.stream(target, journalId, j.steps, 'apply', (handlers) =>
      target.openRoot(helperChannels.changeApply, { journalId, planId: j.summary.planId, modules: j.summary.modules, backend, manager, steps: j.steps, resume: true }, handlers),
      opts,
    );
    // The checks of the modules it applied, from their stored settings.
    let checks: Check[] = [];
    try {
      const installed = this.installedSet(target);
      checks = requests.flatMap((r) => {
        const m = this.byId.get(r.id);
        if (!m) return [];
        const { settings } = this.validate(r);
        return m.checks({ facts, settings: settings as never, modules: new Set([...installed.ids, ...j.summary.modules]), ports: installed.ports, pki: this.deps.pki });
      });
    } catch {
      checks = [];
    }
    return this.finishApply(target, journalId, j.summary.modules, checks, requests, j.steps, outcome, runId, facts.probe);
  }

  /** Walks a journal's steps back on the host (files restored, packages it installed removed, units as before). */
  async rollback(target: ChangeTarget, journalId: string, opts: ApplyOptions = {}): Promise<{ status: 'rolled-back' | 'rollback-failed'; message: string | null }> {
    const probe = await target.probe();
    const { backend, manager } = this.backendOf(probe, target.hostName);
    const j = await target.request(helperApi.changeJournal, { journalId }, 'require');
    const runId = target.hostId !== null ? this.deps.store?.startRun({ hostId: target.hostId, journalId, kind: 'rollback', modules: j.summary.modules, settings: {}, steps: j.steps.length, startedAt: Date.now() }) : undefined;
    const outcome = await this.stream(target, journalId, j.steps, 'rollback', (handlers) => target.openRoot(helperChannels.changeRollback, { journalId, backend, manager }, handlers), opts);
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

  /**
   * Runs an apply or rollback channel to its end: each journal event goes to the caller and the
   * UI; steps are audited as they end; a confirm step (the lockout guard) is answered with a new
   * login. A lost link ends it as interrupted: the host stops at the next step boundary and its
   * journal says where.
   */
  private async stream(
    target: ChangeTarget,
    journalId: string,
    steps: PlanStep[],
    kind: 'apply' | 'rollback',
    open: (handlers: { onData(d: Uint8Array): void }) => Promise<{ finished: Promise<void>; close(): void }>,
    opts: ApplyOptions,
  ): Promise<StreamOutcome> {
    const splitter = new JsonLineSplitter();
    const outcome: StreamOutcome = { status: 'interrupted', stoppedAt: null, message: null, problem: undefined };
    let sawEnd = false;
    let current: number | null = null;
    let rejected = 0;
    const pendingConfirms: Promise<void>[] = [];
    const emit = (e: JournalEvent) => {
      opts.onEvent?.(e);
      this.deps.progress?.({ hostId: target.hostId, journalId, event: e });
    };
    const stepAudit = (n: number, result: 'ok' | 'failed', how: string, problem?: string) => {
      const s = steps[n - 1];
      this.deps.audit({ hostId: target.hostId, hostName: target.hostName, operation: kind === 'apply' ? 'change.step' : 'change.rollback-step', summary: `${target.hostName} step ${n}/${steps.length}${s ? ` (${s.module}): ${s.summary}` : ''} — ${how} (journal ${journalId})`.slice(0, 2000), result, problem: problem ?? null });
    };
    const onEvent = (e: JournalEvent) => {
      emit(e);
      switch (e.type) {
        case 'step-start':
          current = e.step ?? null;
          break;
        case 'step-done':
          if (e.step) stepAudit(e.step, 'ok', 'done');
          break;
        case 'step-skipped':
          if (e.step) stepAudit(e.step, 'ok', `skipped: ${e.message ?? 'already done'}`);
          break;
        case 'step-failed':
          Object.assign(outcome, { status: 'failed', stoppedAt: e.step ?? current, message: e.message ?? 'a step failed', problem: e.problem });
          if (e.step) stepAudit(e.step, 'failed', `failed: ${(e.message ?? '').split('\n')[0]}`, e.problem);
          sawEnd = true;
          break;
        case 'cancelled':
        case 'interrupted':
          Object.assign(outcome, { status: e.type, stoppedAt: e.step ?? null, message: e.message ?? e.type, problem: e.type === 'cancelled' ? 'cancelled' : 'disconnected' });
          sawEnd = true;
          break;
        case 'end':
          Object.assign(outcome, { status: 'done', stoppedAt: null, message: null });
          sawEnd = true;
          break;
        case 'rollback-step':
          if (e.step) stepAudit(e.step, 'ok', e.message ?? 'undone');
          break;
        case 'rollback-failed':
          Object.assign(outcome, { status: 'rollback-failed', stoppedAt: e.step ?? null, message: e.message ?? 'the rollback failed', problem: e.problem });
          if (e.step) stepAudit(e.step, 'failed', `could not be undone: ${e.message ?? ''}`, e.problem);
          sawEnd = true;
          break;
        case 'rollback-end':
          Object.assign(outcome, { status: 'rolled-back', stoppedAt: null, message: e.message ?? null });
          sawEnd = true;
          break;
        case 'waiting': {
          const step = e.step ? steps[e.step - 1] : undefined;
          if (step?.resource.kind === 'guard' && step.resource.op === 'confirm' && e.step) pendingConfirms.push(this.confirm(target, journalId, e.step, step.resource.port ?? 0, emit));
          break;
        }
        default:
          break;
      }
    };
    let handle: { finished: Promise<void>; close(): void };
    try {
      handle = await open({
        onData: (data) => {
          for (const line of splitter.push(data)) {
            let parsed;
            try {
              parsed = zm.safeParse(journalEventSchema, JSON.parse(line));
            } catch {
              parsed = null;
            }
            if (!parsed?.success) {
              rejected++;
              continue;
            }
            onEvent(parsed.data);
          }
        },
      });
    } catch (err) {
      const p = toProblem(err);
      return { status: 'failed', stoppedAt: null, message: p.message, problem: p.problem };
    }
    try {
      await handle.finished;
    } catch (err) {
      const p = toProblem(err);
      if (!sawEnd) {
        // The channel refused to start (sudo, a running journal) or the link went away mid-apply.
        const started = current !== null;
        Object.assign(outcome, {
          status: started ? 'interrupted' : 'failed',
          stoppedAt: current,
          problem: p.problem,
          message: started
            ? `The link to ${target.hostName} was lost during step ${current} (${p.message}). The host finishes that step and stops; reconnect to resume or roll back (journal ${journalId}).`
            : p.message,
        });
      }
    }
    await Promise.allSettled(pendingConfirms);
    if (!sawEnd && outcome.status === 'interrupted' && current === null && !outcome.message) {
      outcome.message = `${target.hostName} ended the change without saying how${rejected ? ` (${rejected} unreadable progress lines)` : ''}: check its journal ${journalId}.`;
    }
    return outcome;
  }

  /** The lockout guard's confirm: a brand-new login, its result sent to the waiting host. */
  private async confirm(target: ChangeTarget, journalId: string, step: number, port: number, emit: (e: JournalEvent) => void): Promise<void> {
    let answer: { ok: boolean; evidence: string };
    try {
      answer = { ok: true, evidence: await target.confirmLogin(port) };
    } catch (err) {
      answer = { ok: false, evidence: toProblem(err).message };
    }
    emit({ t: Date.now(), type: 'output', step, line: `${answer.ok ? 'confirmed' : 'not confirmed'}: ${answer.evidence}`.slice(0, 4096) });
    try {
      await target.request(helperApi.changeResolve, { journalId, step, ok: answer.ok, evidence: answer.evidence.slice(0, 3990) }, 'require');
    } catch {
      // The host waits until its own timeout and treats silence as "not confirmed".
    }
  }

  /** Preflight per host: what the wizard shows before planning. */
  async preflight(target: ChangeTarget, moduleIds: string[]): Promise<Preflight> {
    const checks: Preflight['checks'] = [];
    const facts = await this.facts(target);
    const { probe } = facts;
    const os = probe.os.prettyName ?? probe.os.name;
    const family = FAMILY_SUPPORT[probe.os.family];
    checks.push({ id: 'family', label: 'Distribution', state: family.state, detail: `${os}: ${family.detail}` });
    checks.push(
      probe.serviceManager === 'none'
        ? { id: 'init', label: 'Service manager', state: 'fail', detail: 'Neither systemd nor openrc runs as init: Fleetdeck cannot install services here.' }
        : { id: 'init', label: 'Service manager', state: 'ok', detail: probe.serviceManager },
    );
    checks.push(
      probe.packageBackend === 'unknown'
        ? { id: 'packages', label: 'Package manager', state: 'fail', detail: 'No apt, dnf, yum, zypper, pacman or apk found.' }
        : { id: 'packages', label: 'Package manager', state: 'ok', detail: probe.packageBackend },
    );
    // Root: a root login, or a sudo that Fleetdeck may run.
    let rootCheck: Preflight['checks'][number];
    if (facts.uid === 0) rootCheck = { id: 'sudo', label: 'Root', state: 'ok', detail: `logged in as ${facts.user}` };
    else {
      try {
        await target.request(helperApi.ping, {}, 'require', 60_000);
        rootCheck = { id: 'sudo', label: 'Root', state: 'ok', detail: `${facts.user} can use sudo` };
      } catch (err) {
        const p = toProblem(err);
        rootCheck = { id: 'sudo', label: 'Root', state: 'fail', detail: p.problem === 'sudo-required' || p.problem === 'authentication-failed' ? `${p.message} Changes need root: give ${facts.user} sudo, or enter the sudo password when asked.` : p.message };
      }
    }
    checks.push(rootCheck);
    try {
      const pf = await target.request(helperApi.changePreflight, {}, 'none');
      const low = pf.disk.filter((d) => d.freeBytes !== null && d.freeBytes < 1024 ** 3);
      checks.push(
        low.length
          ? { id: 'disk', label: 'Disk space', state: low.some((d) => (d.freeBytes ?? 0) < 200 * 1024 ** 2) ? 'fail' : 'warn', detail: low.map((d) => `${d.path}: ${((d.freeBytes ?? 0) / 1024 ** 2).toFixed(0)} MiB free`).join(', ') + ' (packages need room)' }
          : { id: 'disk', label: 'Disk space', state: 'ok', detail: pf.disk.filter((d) => d.freeBytes !== null).map((d) => `${d.path}: ${((d.freeBytes ?? 0) / 1024 ** 3).toFixed(1)} GiB free`).join(', ') || 'not measured' },
      );
      const installed = this.installedSet(target);
      const wanted = moduleIds.filter((id) => this.byId.has(id));
      const busy: string[] = [];
      for (const id of wanted) {
        const m = this.byId.get(id)!;
        const parsed = m.settings.safeParse(m.info.defaults);
        if (!parsed.success) continue;
        for (const p of m.opens(parsed.data)) {
          if (p.proto === 'tcp' && pf.listening.includes(p.port) && !installed.ids.has(id) && !(m.ownsPort?.(p.port, probe) ?? false)) busy.push(`${p.port} (${m.info.title}: ${p.why})`);
        }
      }
      checks.push(busy.length ? { id: 'ports', label: 'Ports', state: 'warn', detail: `In use already: ${busy.join(', ')}. Fine if it is this service itself; otherwise change the port in the settings.` } : { id: 'ports', label: 'Ports', state: 'ok', detail: wanted.length ? 'the ports the chosen modules open are free' : 'no module chosen yet' });
    } catch (err) {
      checks.push({ id: 'disk', label: 'Disk and ports', state: 'warn', detail: `Could not read: ${toProblem(err).message}` });
    }
    for (const id of moduleIds) {
      const m = this.byId.get(id);
      if (!m) continue;
      const parsed = m.settings.safeParse(m.info.defaults);
      const why = parsed.success ? m.unsupported(facts, parsed.data) : null;
      if (why) checks.push({ id: `module-${id}`, label: m.info.title, state: 'fail', detail: why });
    }
    return {
      hostId: target.hostId ?? 0,
      hostName: target.hostName,
      os,
      checks,
      needsConfirmation: family.state !== 'ok',
      ok: !checks.some((c) => c.state === 'fail'),
    };
  }
}

interface StreamOutcome {
  status: 'done' | 'failed' | 'cancelled' | 'interrupted' | 'rolled-back' | 'rollback-failed';
  stoppedAt: number | null;
  message: string | null;
  problem: string | undefined;
}

/** What each family is tested on (README, "Changing hosts"): only Debian/Ubuntu runs live here. */
export const FAMILY_SUPPORT: Record<Probe['os']['family'], { state: 'ok' | 'warn' | 'fail'; detail: string }> = {
  debian: { state: 'ok', detail: 'tested live (Debian 12 with systemd)' },
  rhel: { state: 'warn', detail: 'plans tested on RHEL-family probes and dnf run for real in a test host; not tested on a real RHEL host' },
  suse: { state: 'warn', detail: 'plans tested on openSUSE probes and zypper run for real in a test host; not tested on a real openSUSE host' },
  arch: { state: 'warn', detail: 'plans tested on Arch probes and pacman run for real in a test host; not tested on a real Arch host' },
  alpine: { state: 'warn', detail: 'plans tested on Alpine probes and openrc run for real in a test host; apk itself was not run' },
  other: { state: 'warn', detail: 'not a family Fleetdeck knows: nothing was tested there' },
};

/**
 * A plan as it leaves the core (to the UI, the CLI's --json, a task's record): a secret file's
 * content (a private key) is replaced by its size and hash. The core keeps the full plan, and
 * only the helper that writes the file receives the content.
 */
export function shownPlan(plan: ChangePlan): ChangePlan {
  if (!plan.steps.some((s) => s.resource.kind === 'file' && s.resource.secret && s.resource.content !== null)) return plan;
  return {
    ...plan,
    steps: plan.steps.map((s) =>
      s.resource.kind === 'file' && s.resource.secret && s.resource.content !== null
        ? { ...s, resource: { ...s.resource, content: `(secret, ${Buffer.byteLength(s.resource.content)} bytes, sha256 ${createHash('sha256').update(s.resource.content).digest('hex').slice(0, 12)}…)` } }
        : s,
    ),
  };
}
