import { randomBytes } from 'node:crypto';
import type { ApplyResult, ChangeTask } from '../../../src-common/change/modules.contract.js';
import { FleetdeckError, isRetryable, toProblem, type ProblemCode } from '../../../src-common/problems.js';
import type { ChangeService, ModuleRequest } from './change-service.js';
import type { ChangeTarget } from './change-target.js';

/**
 * Fleet tasks: one module set applied to many hosts, each host a task (queued → planning →
 * running → done / failed / cancelled), up to `concurrency` at once. A transient failure (apt's
 * lock held, a mirror timeout, a dropped link) is retried with exponential backoff and the task
 * says so; an interrupted apply is resumed from its journal, not started over. One failed host
 * never holds up the others.
 */
export interface TaskItem {
  hostId: number;
  modules: ModuleRequest[];
  /** The plan the user reviewed: applied as shown (a host that changed since fails with change-conflict). */
  planId?: string;
  tag?: string;
}

export interface TaskRunnerDeps {
  change: ChangeService;
  target(hostId: number): ChangeTarget;
  onTask(t: ChangeTask): void;
  /** First retry delay; doubles each time (2 s, 4 s, 8 s …). */
  baseDelayMs?: number;
  maxAttempts?: number;
}

interface Running {
  task: ChangeTask;
  item: TaskItem;
  cancel: boolean;
  timer: ReturnType<typeof setTimeout> | null;
  /** Resolves when the task ends (for tests and the CLI). */
  done: Promise<void>;
  finish(): void;
}

const ENDED = new Set<ChangeTask['state']>(['done', 'failed', 'cancelled']);
const MAX_KEPT = 500;

export class TaskRunner {
  private readonly tasks = new Map<string, Running>();
  private readonly queue: Running[] = [];
  private active = 0;
  private concurrency = 4;
  private disposed = false;

  constructor(private readonly deps: TaskRunnerDeps) {}

  start(items: TaskItem[], concurrency = 4): ChangeTask[] {
    this.concurrency = Math.max(1, Math.min(16, concurrency));
    const out: ChangeTask[] = [];
    for (const item of items) {
      const already = [...this.tasks.values()].find((r) => r.task.hostId === item.hostId && !ENDED.has(r.task.state));
      if (already) throw new FleetdeckError('change-conflict', `${already.task.hostName} already has a change task (${already.task.state}): wait for it or cancel it first.`);
    }
    for (const item of items) {
      const target = this.deps.target(item.hostId);
      let finish!: () => void;
      const done = new Promise<void>((r) => (finish = r));
      const task: ChangeTask = {
        id: `task-${randomBytes(6).toString('hex')}`,
        hostId: item.hostId,
        hostName: target.hostName,
        modules: item.modules.map((m) => m.id),
        state: 'queued',
        attempt: 0,
        retryAt: null,
        message: null,
        journalId: null,
        stepsDone: 0,
        steps: 0,
        startedAt: null,
        endedAt: null,
        verify: [],
      };
      const r: Running = { task, item, cancel: false, timer: null, done, finish };
      this.tasks.set(task.id, r);
      this.queue.push(r);
      this.emit(r);
      out.push({ ...task });
    }
    this.prune();
    this.pump();
    return out;
  }

  list(): ChangeTask[] {
    return [...this.tasks.values()].map((r) => ({ ...r.task })).sort((a, b) => (b.startedAt ?? Infinity) - (a.startedAt ?? Infinity));
  }

  /** Waits for a task to end (the CLI and tests). */
  async wait(taskId: string): Promise<ChangeTask> {
    const r = this.get(taskId);
    await r.done;
    return { ...r.task };
  }

  async cancel(taskId: string): Promise<{ cancelled: boolean }> {
    const r = this.get(taskId);
    if (ENDED.has(r.task.state)) return { cancelled: false };
    r.cancel = true;
    if (r.timer || r.task.state === 'queued') {
      if (r.timer) clearTimeout(r.timer);
      r.timer = null;
      const i = this.queue.indexOf(r);
      if (i >= 0) this.queue.splice(i, 1);
      this.end(r, 'cancelled', r.task.state === 'queued' ? 'cancelled before it started' : 'cancelled while waiting to retry');
      return { cancelled: true };
    }
    // Running: the host stops at the next step boundary (its journal says where).
    if (r.task.journalId) {
      try {
        await this.deps.change.cancel(this.deps.target(r.task.hostId), r.task.journalId);
      } catch {
        /* the apply ends by itself; the flag stops a retry */
      }
    }
    r.task.message = 'cancelling: the host stops after the step it is on';
    this.emit(r);
    return { cancelled: true };
  }

  /** Runs a failed or cancelled task again: resumes its journal where it stopped, else plans again. */
  retry(taskId: string): ChangeTask {
    const r = this.get(taskId);
    if (!ENDED.has(r.task.state) || r.task.state === 'done') throw new FleetdeckError('change-conflict', `The task on ${r.task.hostName} is ${r.task.state}: only a failed or cancelled task can be retried.`);
    r.cancel = false;
    let finish!: () => void;
    r.done = new Promise<void>((res) => (finish = res));
    r.finish = finish;
    // A reviewed plan was used once already: a retry plans again (or resumes the journal).
    delete r.item.planId;
    delete r.item.tag;
    Object.assign(r.task, { state: 'queued', retryAt: null, message: 'queued again', endedAt: null, attempt: 0 });
    this.queue.push(r);
    this.emit(r);
    this.pump();
    return { ...r.task };
  }

  dispose(): void {
    this.disposed = true;
    for (const r of this.tasks.values()) if (r.timer) clearTimeout(r.timer);
  }

  private get(taskId: string): Running {
    const r = this.tasks.get(taskId);
    if (!r) throw new FleetdeckError('not-found', `There is no task ${taskId.slice(0, 40)} (tasks are kept until the app restarts).`);
    return r;
  }

  private pump(): void {
    while (!this.disposed && this.active < this.concurrency && this.queue.length) {
      const r = this.queue.shift()!;
      this.active++;
      void this.run(r).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async run(r: Running): Promise<void> {
    const { change } = this.deps;
    const t = r.task;
    t.attempt++;
    t.retryAt = null;
    t.startedAt ??= Date.now();
    let result: ApplyResult | null = null;
    let problem: { problem: ProblemCode; message: string } | null = null;
    try {
      const target = this.deps.target(t.hostId);
      const onEvent = (e: { type: string; step?: number }) => {
        if (e.type === 'step-done' || e.type === 'step-skipped') {
          t.stepsDone++;
          this.emit(r);
        } else if (e.type === 'step-start' && e.step) {
          t.message = `step ${e.step} of ${t.steps}`;
          this.emit(r);
        }
      };
      // An apply that stopped part-way (link lost, apt busy) continues from its journal.
      const journal = t.journalId ? (await change.journals(target)).find((j) => j.id === t.journalId) : undefined;
      if (journal && (journal.status === 'interrupted' || journal.status === 'failed' || journal.status === 'cancelled')) {
        Object.assign(t, { state: 'running', message: `resuming at step ${journal.stoppedAt ?? journal.completed + 1} (attempt ${t.attempt})`, steps: journal.steps, stepsDone: journal.completed });
        this.emit(r);
        result = await change.resume(target, t.journalId!, { onEvent });
      } else {
        let planId = r.item.planId;
        let tag = r.item.tag;
        let steps = planId ? (change.storedPlan(planId)?.steps.length ?? 0) : 0;
        if (!planId || !tag) {
          Object.assign(t, { state: 'planning', message: 'planning' });
          this.emit(r);
          const plan = await change.plan(target, r.item.modules);
          planId = plan.planId;
          tag = plan.tag;
          steps = plan.steps.length;
        }
        if (r.cancel) throw new FleetdeckError('cancelled', 'cancelled before applying');
        Object.assign(t, { state: 'running', steps, stepsDone: 0, message: steps ? `applying ${steps} steps` : 'nothing to change; verifying' });
        this.emit(r);
        result = await change.apply(target, planId, tag, {
          onEvent,
          onJournal: (id) => {
            t.journalId = id;
            this.emit(r);
          },
        });
        t.journalId = result.journalId ?? t.journalId;
      }
    } catch (err) {
      problem = toProblem(err);
    }
    if (result) {
      t.journalId = result.journalId ?? t.journalId;
      if (result.status === 'done') {
        t.verify = result.verify;
        const failed = result.verify.filter((c) => !c.ok);
        return this.end(r, failed.length ? 'failed' : 'done', result.message);
      }
      if (result.status === 'cancelled' || r.cancel) return this.end(r, 'cancelled', result.message);
      // interrupted = the link dropped; a busy step (apt lock) is transient too.
      const transient = result.status === 'interrupted' || /\b(lock|timed out|temporar)/i.test(result.message ?? '');
      problem = { problem: transient ? 'busy' : 'step-failed', message: result.message ?? result.status };
    }
    if (!problem) return this.end(r, 'failed', 'ended without a result');
    if (r.cancel || problem.problem === 'cancelled') return this.end(r, 'cancelled', problem.message);
    const max = this.deps.maxAttempts ?? 4;
    if (isRetryable(problem.problem) && t.attempt < max && !this.disposed) {
      const delay = (this.deps.baseDelayMs ?? 2000) * 2 ** (t.attempt - 1);
      t.retryAt = Date.now() + delay;
      t.state = 'queued';
      t.message = `${problem.message.split('\n')[0]} — retrying in ${Math.round(delay / 1000)} s (attempt ${t.attempt + 1} of ${max})`;
      this.emit(r);
      r.timer = setTimeout(() => {
        r.timer = null;
        this.queue.push(r);
        this.pump();
      }, delay);
      return;
    }
    this.end(r, 'failed', problem.message);
  }

  private end(r: Running, state: 'done' | 'failed' | 'cancelled', message: string | null): void {
    Object.assign(r.task, { state, message, endedAt: Date.now(), retryAt: null });
    this.emit(r);
    r.finish();
  }

  private emit(r: Running): void {
    this.deps.onTask({ ...r.task });
  }

  private prune(): void {
    if (this.tasks.size <= MAX_KEPT) return;
    for (const [id, r] of this.tasks) {
      if (this.tasks.size <= MAX_KEPT) break;
      if (ENDED.has(r.task.state)) this.tasks.delete(id);
    }
  }
}
