import type { KillPlan, KillResult, KillSignal, ProcessIdentity } from '../../../src-common/processes/processes.contract.js';
import { guardText, KILL_OWNER, NEVER_KILLED } from '../../../src-common/processes/limits.js';
import { FleetdeckError, isProblemCode, toProblem } from '../../../src-common/problems.js';
import { helperApi, type HelperResult } from '../../../src-common/protocol/helper-api.js';
import { api } from '../../../src-common/api.js';
import type { AuditEntry } from '../audit/audit-log.js';
import { handlersFor, type Capability } from '../capability.js';
import type { ChangeService } from '../change/change-service.js';
import type { ChangeTarget } from '../change/change-target.js';

/**
 * Killing one process, on the change engine (issue 10: its first user). planKill reads who the
 * process is, refuses what must never be killed, and plans one "process" step (signal pid while
 * it is still the process that started at startTime) with a "process-gone" check. applyKill
 * applies that plan like any change: the host re-reads it first (a pid now held by another
 * process is a change-conflict), runs the step with a journal — through the login user's own
 * helper when it is their process (no sudo), the root helper otherwise — audits it, and verifies
 * by reading /proc back until the process is gone (or says it still runs, so the UI can offer
 * SIGKILL). Planning again after it is gone plans nothing.
 */
export interface ProcessControlDeps {
  change: ChangeService;
  target(id: number): ChangeTarget;
  audit(e: AuditEntry): void;
  /** How long verify reads back before answering still-running. */
  verifyTimeoutMs?: { TERM: number; KILL: number };
}

type InspectResult = HelperResult<typeof helperApi.processInspect>;



function shorten(command: string, max = 60): string {
  return command.length > max ? `${command.slice(0, max - 1)}…` : command;
}

export function describeKill(signal: KillSignal, p: ProcessIdentity, hostName: string): string {
  const who = p.user ?? `uid ${p.uid}`;
  const where = p.container ? `, in container ${p.container}` : '';
  return `Send SIG${signal} to pid ${p.pid} (${who}: ${shorten(p.command)}${where}) on host ${hostName}`;
}

export class ProcessControl implements Capability {
  handlers() {
    return handlersFor(api.processes, {
      planKill: async (p) => this.planKill(p.id, p.pid, p.signal),
      applyKill: async (p) => this.applyKill(p.id, p.planId, p.tag),
    });
  }

  /** What each kill plan was about (for the already-gone and pid-reused answers), by plan id. */
  private readonly planned = new Map<string, { hostId: number; plan: KillPlan; expires: number }>();

  constructor(private readonly deps: ProcessControlDeps) {}

  private inspect(target: ChangeTarget, pid: number): Promise<InspectResult> {
    // Root sees every process even under hidepid; without sudo the login user's view will do.
    return target.request(helperApi.processInspect, { pid }, 'try', 15_000);
  }

  async planKill(id: number, pid: number, signal: KillSignal): Promise<KillPlan> {
    const target = this.deps.target(id);
    const found = await this.inspect(target, pid);
    const hostName = target.hostName;
    if (!found.found) throw new FleetdeckError('not-found', `There is no process ${pid} on ${hostName} (it may have exited already).`, { pid });
    const p = found.process;
    const who = p.user ?? `uid ${p.uid}`;
    // What must never be killed is refused here, before anything is offered; sshd only warns.
    if (p.guard && NEVER_KILLED.includes(p.guard)) throw new FleetdeckError('access-denied', `Fleetdeck will not signal pid ${pid} on ${hostName}: ${guardText(p.guard, who)}`, { pid, guard: p.guard });
    const login = await target.user();
    const needsSudo = login.uid !== 0 && login.uid !== p.uid;
    const summary = describeKill(signal, p, hostName);
    const waitMs = (this.deps.verifyTimeoutMs ?? { TERM: 3000, KILL: 3000 })[signal];
    const change = await this.deps.change.planChange(target, {
      owner: KILL_OWNER,
      resources: [{ kind: 'process', pid, startTime: p.startTime, signal, label: summary, asRoot: needsSudo }],
      checks: [{ kind: 'process-gone', id: `${KILL_OWNER}-gone-${pid}`, label: `pid ${pid} has exited`, pid, startTime: p.startTime, waitMs }],
      warnings: p.guard ? [guardText(p.guard, who)] : [],
    });
    // Between the two reads it exited, or the pid went to another process: nothing to plan.
    if (!change.steps.length) throw new FleetdeckError('not-found', `Process ${pid} on ${hostName} exited while it was being planned: nothing to signal.`, { pid });
    const plan: KillPlan = { planId: change.planId, tag: change.tag, summary, signal, process: p, needsSudo, warnings: change.warnings };
    const now = Date.now();
    for (const [k, v] of this.planned) if (v.expires < now) this.planned.delete(k);
    this.planned.set(plan.planId, { hostId: id, plan, expires: now + 30 * 60_000 });
    return plan;
  }

  async applyKill(id: number, planId: string, tag: string): Promise<KillResult> {
    const target = this.deps.target(id);
    const known = this.planned.get(planId);
    if (!known || known.hostId !== id) {
      throw new FleetdeckError('not-found', 'This kill plan has expired or belongs to another host. Plan it again to see what it would do now.');
    }
    const { plan } = known;
    this.planned.delete(planId);
    const via = plan.needsSudo ? ' (as root through sudo)' : '';
    try {
      const r = await this.deps.change.apply(target, planId, tag);
      const check = r.verify[0];
      if (r.status !== 'done') throw new FleetdeckError(isProblemCode(r.problem) ? r.problem : 'step-failed', r.message ?? `The signal was not sent (${r.status}).`);
      this.audit(id, target, 'ok', `${plan.summary}${via}: ${r.journalId === null ? 'already gone, nothing signalled' : check?.ok ? 'sent; verified gone' : 'sent; still running'}`);
      if (r.journalId === null) return { result: 'already-gone', verifiedAt: Date.now(), journalId: null };
      return { result: check?.ok ? 'gone' : 'still-running', verifiedAt: Date.now(), journalId: r.journalId, evidence: check?.evidence };
    } catch (err) {
      const p = toProblem(err);
      if (p.problem === 'change-conflict' && tag === plan.tag) {
        // The engine saw the host change since the plan: gone (nothing to do), or the pid is
        // another process now (never signalled).
        const now = await this.inspect(target, plan.process.pid).catch(() => null);
        if (now && (!now.found || now.process.startTime !== plan.process.startTime)) {
          if (!now.found) {
            this.audit(id, target, 'ok', `${plan.summary}${via}: already gone, nothing signalled`);
            return { result: 'already-gone', verifiedAt: Date.now(), journalId: null };
          }
          const msg = `pid ${plan.process.pid} on ${target.hostName} is no longer the process you planned to signal (now ${now.process.user ?? `uid ${now.process.uid}`}: ${shorten(now.process.command)}). Nothing was signalled; plan again.`;
          this.audit(id, target, 'failed', `${plan.summary}${via}: change-conflict: ${msg}`, 'change-conflict');
          throw new FleetdeckError('change-conflict', msg, { pid: plan.process.pid });
        }
      }
      const message = tag !== plan.tag ? "The confirmed tag is not the plan's. Nothing was signalled; plan again." : p.message;
      this.audit(id, target, 'failed', `${plan.summary}${via}: ${p.problem}: ${message}`, p.problem);
      throw new FleetdeckError(p.problem, message, p.details);
    }
  }

  private audit(id: number, target: ChangeTarget, result: 'ok' | 'failed', summary: string, problem?: string): void {
    this.deps.audit({ hostId: id, hostName: target.hostName, operation: 'processes.kill', summary, result, problem: problem ?? null });
  }
}
