import * as zm from 'zod/mini';
import { journalEventSchema, type JournalEvent, type PlanStep } from '../../../src-common/change/plan.schema.js';
import { toProblem } from '../../../src-common/problems.js';
import { helperApi } from '../../../src-common/protocol/helper-api.js';
import type { AuditEntry } from '../audit/audit-log.js';
import { JsonLineSplitter } from '../monitor/json-lines.js';
import type { ChangeTarget } from './change-target.js';

export interface StreamOutcome {
  status: 'done' | 'failed' | 'cancelled' | 'interrupted' | 'rolled-back' | 'rollback-failed';
  stoppedAt: number | null;
  message: string | null;
  problem: string | undefined;
}

/** Opens the host's apply or rollback channel; its data is the journal's events, one JSON line each. */
export type OpenJournal = (handlers: { onData(d: Uint8Array): void }) => Promise<{ finished: Promise<void>; close(): void }>;

export interface JournalRun {
  target: ChangeTarget;
  journalId: string;
  steps: PlanStep[];
  kind: 'apply' | 'rollback';
  audit(e: AuditEntry): void;
  progress?(e: { hostId: number | null; journalId: string; event: JournalEvent }): void;
  onEvent?(e: JournalEvent): void;
}

/**
 * Runs an apply or rollback channel to its end: each journal event goes to the caller and the
 * UI; steps are audited as they end; a confirm step (the lockout guard) is answered with a new
 * login. A lost link ends it as interrupted: the host stops at the next step boundary and its
 * journal says where.
 */
export async function streamJournal(run: JournalRun, open: OpenJournal): Promise<StreamOutcome> {
  const { target, journalId, steps, kind } = run;
  const splitter = new JsonLineSplitter();
  const outcome: StreamOutcome = { status: 'interrupted', stoppedAt: null, message: null, problem: undefined };
  let sawEnd = false;
  let current: number | null = null;
  let rejected = 0;
  const pendingConfirms: Promise<void>[] = [];
  const emit = (e: JournalEvent) => {
    run.onEvent?.(e);
    run.progress?.({ hostId: target.hostId, journalId, event: e });
  };
  const stepAudit = (n: number, result: 'ok' | 'failed', how: string, problem?: string) => {
    const s = steps[n - 1];
    run.audit({ hostId: target.hostId, hostName: target.hostName, operation: kind === 'apply' ? 'change.step' : 'change.rollback-step', summary: `${target.hostName} step ${n}/${steps.length}${s ? ` (${s.module}): ${s.summary}` : ''} — ${how} (journal ${journalId})`.slice(0, 2000), result, problem: problem ?? null });
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
        if (step?.resource.kind === 'guard' && step.resource.op === 'confirm' && e.step) pendingConfirms.push(confirm(target, journalId, e.step, step.resource.port ?? 0, emit));
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
async function confirm(target: ChangeTarget, journalId: string, step: number, port: number, emit: (e: JournalEvent) => void): Promise<void> {
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
