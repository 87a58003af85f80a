import { createHash, randomUUID } from 'node:crypto';
import type { KillPlan, KillResult, KillSignal, ProcessIdentity } from '../../../src-common/processes/processes.contract.js';
import { guardText, NEVER_KILLED } from '../../../src-common/processes/limits.js';
import { FleetdeckError, toProblem } from '../../../src-common/problems.js';
import { helperApi, type HelperParams, type HelperRequestDef, type HelperResult } from '../../../src-common/protocol/helper-api.js';
import type { Superuser } from '../../../src-common/protocol/messages.js';
import { api } from '../../../src-common/api.js';
import type { AuditEntry } from '../audit/audit-log.js';
import { handlersFor, type Capability } from '../capability.js';

/**
 * Killing one process, the plan → apply → verify way: planKill reads who the process is and keeps
 * the plan (in memory, 5 minutes); applyKill signals it only while it is still that process, then
 * reads /proc back until it is gone (or says it is still running, so the UI can offer SIGKILL).
 */

/** What process control needs from a host's session (HostSession fits). */
export interface ProcessHost {
  request<D extends HelperRequestDef>(def: D, params: HelperParams<D>, opts?: { superuser?: Superuser; timeoutMs?: number }): Promise<HelperResult<D>>;
  /** The login user's uid and name, once connected. */
  readonly facts: { uid: number; user: string } | null;
}

export interface ProcessControlDeps {
  session(id: number): ProcessHost;
  hostName(id: number): string;
  audit(e: AuditEntry): void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How long applyKill reads back before answering still-running. */
  verifyTimeoutMs?: { TERM: number; KILL: number };
  planTtlMs?: number;
}

type InspectResult = HelperResult<typeof helperApi.processInspect>;

interface StoredPlan {
  hostId: number;
  plan: KillPlan;
  expiresAt: number;
}

const PLAN_TTL_MS = 5 * 60_000;
const POLL_MS = 150;

export function killTag(p: Pick<ProcessIdentity, 'pid' | 'startTime' | 'uid'>): string {
  return createHash('sha256').update(`${p.pid}:${p.startTime}:${p.uid}`).digest('hex').slice(0, 16);
}

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

  private readonly plans = new Map<string, StoredPlan>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: ProcessControlDeps) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private prune(): void {
    const now = this.now();
    for (const [id, p] of this.plans) if (p.expiresAt <= now) this.plans.delete(id);
  }

  private async inspect(host: ProcessHost, pid: number): Promise<InspectResult> {
    // Root sees every process even under hidepid; without sudo the login user's view will do.
    return host.request(helperApi.processInspect, { pid }, { superuser: 'try', timeoutMs: 15_000 });
  }

  async planKill(id: number, pid: number, signal: KillSignal): Promise<KillPlan> {
    this.prune();
    const host = this.deps.session(id);
    const found = await this.inspect(host, pid);
    const hostName = this.deps.hostName(id);
    if (!found.found) throw new FleetdeckError('not-found', `There is no process ${pid} on ${hostName} (it may have exited already).`, { pid });
    const facts = host.facts;
    const p = found.process;
    const who = p.user ?? `uid ${p.uid}`;
    // What must never be killed is refused here, before anything is offered; sshd only warns.
    if (p.guard && NEVER_KILLED.includes(p.guard)) throw new FleetdeckError('access-denied', `Fleetdeck will not signal pid ${pid} on ${hostName}: ${guardText(p.guard, who)}`, { pid, guard: p.guard });
    const warnings = p.guard ? [guardText(p.guard, who)] : [];
    const needsSudo = !!facts && facts.uid !== 0 && facts.uid !== p.uid;
    const plan: KillPlan = {
      planId: randomUUID(),
      tag: killTag(p),
      summary: describeKill(signal, p, hostName),
      signal,
      process: p,
      needsSudo,
      warnings,
    };
    this.plans.set(plan.planId, { hostId: id, plan, expiresAt: this.now() + (this.deps.planTtlMs ?? PLAN_TTL_MS) });
    return plan;
  }

  async applyKill(id: number, planId: string, tag: string): Promise<KillResult> {
    this.prune();
    const hostName = this.deps.hostName(id);
    const stored = this.plans.get(planId);
    if (!stored || stored.hostId !== id) {
      throw new FleetdeckError('not-found', 'This kill plan has expired or belongs to another host. Plan it again to see what it would do now.');
    }
    const { plan } = stored;
    const audit = (result: 'ok' | 'failed', outcome: string, problem?: string) =>
      this.deps.audit({ hostId: id, hostName, operation: 'processes.kill', summary: `${plan.summary}${plan.needsSudo ? ' (as root through sudo)' : ''}: ${outcome}`, result, problem: problem ?? null });
    try {
      if (tag !== plan.tag) throw new FleetdeckError('change-conflict', 'The confirmed tag is not the plan\'s. Nothing was signalled; plan again.');
      const host = this.deps.session(id);
      // Fresh read: still the process the user saw in the plan?
      const now = await this.inspect(host, plan.process.pid);
      if (!now.found) {
        this.plans.delete(planId);
        const verifiedAt = this.now();
        audit('ok', 'already gone, nothing signalled');
        return { result: 'already-gone', verifiedAt };
      }
      if (killTag(now.process) !== plan.tag) {
        throw new FleetdeckError(
          'change-conflict',
          `pid ${plan.process.pid} on ${hostName} is no longer the process you planned to signal (now ${now.process.user ?? `uid ${now.process.uid}`}: ${shorten(now.process.command)}). Nothing was signalled; plan again.`,
          { pid: plan.process.pid },
        );
      }
      const sent = await host.request(
        helperApi.processSignal,
        { pid: plan.process.pid, startTime: plan.process.startTime, signal: plan.signal },
        { superuser: plan.needsSudo ? 'require' : 'none', timeoutMs: 15_000 },
      );
      this.plans.delete(planId);
      if (!sent.sent) {
        audit('ok', 'already gone, nothing signalled');
        return { result: 'already-gone', verifiedAt: this.now() };
      }
      const result = await this.verifyGone(host, plan);
      audit('ok', result === 'gone' ? 'sent; verified gone' : 'sent; still running');
      return { result, verifiedAt: this.now() };
    } catch (err) {
      const p = toProblem(err);
      audit('failed', `${p.problem}: ${p.message}`, p.problem);
      throw err instanceof FleetdeckError ? err : new FleetdeckError(p.problem, p.message, p.details);
    }
  }

  /** Reads /proc back until the process (this pid with this start time) is gone, or the wait is over. */
  private async verifyGone(host: ProcessHost, plan: KillPlan): Promise<'gone' | 'still-running'> {
    const limits = this.deps.verifyTimeoutMs ?? { TERM: 3000, KILL: 3000 };
    const deadline = this.now() + limits[plan.signal];
    for (;;) {
      const r = await this.inspect(host, plan.process.pid);
      if (!r.found || r.process.startTime !== plan.process.startTime) return 'gone';
      if (this.now() >= deadline) return 'still-running';
      await this.sleep(POLL_MS);
    }
  }
}
