import type { ApplyResult } from '../../../src-common/change/modules.contract.js';
import type { Check, CheckResult, PlanStep } from '../../../src-common/change/plan.schema.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import { toProblem } from '../../../src-common/problems.js';
import { helperApi } from '../../../src-common/protocol/helper-api.js';
import type { ChangeServiceDeps } from './change-service.js';
import type { ChangeTarget } from './change-target.js';
import type { StreamOutcome } from './journal-stream.js';
import { plural } from './planner.js';

/**
 * What ends an apply or a resume (change-service.ts): the modules it finished recorded as
 * installed, their checks run against the real system, the run and the audit closed with what
 * happened, and the result the UI and the CLI show.
 */
export async function finishApply(
  deps: Pick<ChangeServiceDeps, 'store' | 'audit'>,
  target: ChangeTarget,
  journalId: string,
  modules: string[],
  checks: Check[],
  requests: { id: string; settings: Record<string, unknown> }[],
  steps: PlanStep[],
  outcome: StreamOutcome,
  runId: number | undefined,
  probe: Probe,
): Promise<ApplyResult> {
  let verify: CheckResult[] = [];
  if (outcome.status === 'done') {
    if (target.hostId !== null && deps.store) for (const r of requests) deps.store.markInstalled(target.hostId, r.id, r.settings, journalId);
    try {
      verify = await runChecks(target, checks, probe);
    } catch (err) {
      verify = [{ id: 'verify', label: 'Verify', ok: false, evidence: `Could not run the checks: ${toProblem(err).message}` }];
    }
    recordVerify(deps, target, modules, checks, verify);
  }
  const failedChecks = verify.filter((c) => !c.ok);
  const message =
    outcome.status === 'done'
      ? failedChecks.length
        ? `Applied, but ${plural(failedChecks.length, 'check')} failed: ${failedChecks.map((c) => c.label).join(', ')}.`
        : `Applied and verified (${plural(verify.length, 'check')} passed).`
      : outcome.message;
  if (runId !== undefined) deps.store?.endRun(runId, outcome.status, message);
  const where = outcome.stoppedAt ? ` at step ${outcome.stoppedAt} of ${steps.length} (${steps[outcome.stoppedAt - 1]?.summary ?? ''})` : '';
  deps.audit({
    hostId: target.hostId,
    hostName: target.hostName,
    operation: 'change.apply',
    summary: `${modules.join(', ')} on ${target.hostName}: ${outcome.status}${outcome.status === 'done' ? '' : where}${message ? ` — ${message}` : ''} (journal ${journalId})`,
    result: outcome.status === 'done' && !failedChecks.length ? 'ok' : 'failed',
    problem: outcome.status === 'done' ? (failedChecks.length ? 'step-failed' : null) : (outcome.problem ?? null),
  });
  return { journalId, status: outcome.status as ApplyResult['status'], stoppedAt: outcome.stoppedAt, message, problem: outcome.status === 'done' ? null : (outcome.problem ?? 'step-failed'), verify };
}

function recordVerify(deps: Pick<ChangeServiceDeps, 'store'>, target: ChangeTarget, modules: string[], checks: Check[], results: CheckResult[]): void {
  if (target.hostId === null || !deps.store) return;
  const owner = new Map<string, string>();
  for (const m of modules) {
    // Check ids are prefixed by their module ("nginx-active"), as modules declare them.
    for (const c of checks) if (c.id.startsWith(`${m}-`)) owner.set(c.id, m);
  }
  for (const m of modules) {
    const mine = results.filter((r) => owner.get(r.id) === m);
    deps.store.recordVerify(target.hostId, m, mine);
  }
}

/** Runs checks on the host (as root where it can), the login user's own (asLogin) with their own helper; results in the checks' order. */
export async function runChecks(target: ChangeTarget, checks: Check[], probe: Probe): Promise<CheckResult[]> {
  if (!checks.length) return [];
  const manager = probe.serviceManager;
  const own = (c: Check) => c.kind === 'command' && !!c.asLogin;
  const ask = async (list: Check[], superuser: 'none' | 'try') => (list.length ? (await target.request(helperApi.changeVerify, { manager, checks: list }, superuser, 180_000)).results : []);
  const [mine, rest] = await Promise.all([ask(checks.filter(own), 'none'), ask(checks.filter((c) => !own(c)), 'try')]);
  const byId = new Map([...mine, ...rest].map((r) => [r.id, r]));
  return checks.map((c) => byId.get(c.id)).filter((r): r is CheckResult => !!r);
}


/**
 * An empty plan applied: the host is as wanted already. Settings that changed anyway (a limits
 * profile no user takes yet, a GPU allocation on a host without Docker) are recorded, so what
 * Fleetdeck holds for the host is what was shown. Returns the modules whose settings changed.
 */
export function recordSettingsOnly(deps: Pick<ChangeServiceDeps, 'store' | 'audit'>, target: ChangeTarget, requests: { id: string; settings: unknown }[]): string[] {
  if (target.hostId === null || !deps.store) return [];
  const was = deps.store.installed(target.hostId);
  const changed = requests.filter((r) => JSON.stringify(was.find((i) => i.module === r.id)?.settings) !== JSON.stringify(r.settings));
  for (const r of changed) deps.store.markInstalled(target.hostId, r.id, r.settings as Record<string, unknown>, was.find((i) => i.module === r.id)?.journalId ?? null);
  if (changed.length) deps.audit({ hostId: target.hostId, hostName: target.hostName, operation: 'change.settings', summary: `recorded new settings of ${changed.map((r) => r.id).join(', ')} for ${target.hostName}; the host needed no change`, result: 'ok' });
  return changed.map((r) => r.id);
}
