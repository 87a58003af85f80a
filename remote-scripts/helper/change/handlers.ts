import type { JournalEvent, PlanStep } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { homedir } from 'node:os';
import path from 'node:path';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { ChannelSink } from '../../../src-common/protocol/endpoint.js';
import type { HelperContext } from '../context.js';
import { rollback, runSteps, type RunnerDeps } from './apply.js';
import { Journal, JOURNAL_ROOT, listJournals, summarize } from './journal.js';
import { BACKENDS, type BackendName } from './packages.js';
import { readResources, resolveAccounts } from './read-state.js';
import { MANAGERS, type ManagerName } from './services.js';
import { runChecks } from './verify.js';

/**
 * The helper's change.* methods. Applying and rolling back change the host, so they run only in a
 * root helper on the live host; reading and verifying run for anyone (and say what they could not
 * read). Work in progress keeps the helper alive after the link is gone until the current step
 * ends (see main.ts: busyUntilIdle), so a host stops at a step boundary, never mid-write.
 */
export interface ChangeRuntime {
  /** Set by main.ts when the link to the app is gone (stdin closed). */
  linkLost: boolean;
  /** Applies and rollbacks running now, by journal id: their stop flag. */
  running: Map<string, { cancel: boolean }>;
  /** Resolves when no apply or rollback runs (main.ts waits on it before exiting). */
  idle(): Promise<void>;
  /** Confirm steps waiting for the app's answer, by "journalId:step". */
  confirms: Map<string, (answer: { ok: boolean; evidence: string }) => void>;
}

export function createChangeRuntime(): ChangeRuntime & { track<T>(id: string, work: Promise<T>): Promise<T> } {
  const pending = new Set<Promise<unknown>>();
  const rt = {
    linkLost: false,
    running: new Map<string, { cancel: boolean }>(),
    confirms: new Map<string, (answer: { ok: boolean; evidence: string }) => void>(),
    async idle() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    track<T>(id: string, work: Promise<T>): Promise<T> {
      pending.add(work);
      return work.finally(() => {
        pending.delete(work);
        rt.running.delete(id);
      });
    },
  };
  return rt;
}

/**
 * Changes need root, except a plan whose every step the login user may take (signalling their own
 * process, the files and commands of their own per-user agent): the login user's helper applies
 * that, with its journal in the user's own state dir. Root never takes a step meant for the login
 * user: it would run or write, as root, what that account can change.
 */
function requireRootLive(ctx: HelperContext, what: string, steps: PlanStep[]): void {
  if (!ctx.live) throw new FleetdeckError('invalid-input', `This helper reads ${ctx.root}, not the live host: it ${what} nothing.`);
  const ownOnly = steps.length > 0 && steps.every((s) => !s.needsRoot);
  if (ctx.uid !== 0 && !ownOnly) throw new FleetdeckError('sudo-required', `Changing the host needs root: Fleetdeck ${what}s through its root helper (sudo).`);
  if (ctx.uid === 0 && steps.some((s) => 'asLogin' in s.resource && s.resource.asLogin)) throw new FleetdeckError('invalid-input', `These steps are for the login user's own helper, not root's: nothing was ${what === 'change' ? 'changed' : 'done'}. Log in as that user (not root) to ${what} them.`);
}

/** Root's journals live in JOURNAL_ROOT; a login user's (their own kills) in their state dir. */
export function journalRootFor(ctx: Pick<HelperContext, 'uid' | 'env'>): string {
  if (ctx.uid === 0) return JOURNAL_ROOT;
  const home = ctx.env.HOME || homedir();
  const state = ctx.env.XDG_STATE_HOME?.startsWith('/') ? ctx.env.XDG_STATE_HOME : path.join(home, '.local', 'state');
  return path.join(state, 'fleetdeck', 'journal');
}

/**
 * Waits for a helper still working the journal — one whose link to the app was lost finishes its
 * current step, then stops — and claims the journal for this one. Without the wait, a rollback
 * could undo a step that the other helper then completes behind it.
 */
async function claimWhenFree(journal: Journal, waitMs = 90_000): Promise<void> {
  const until = Date.now() + waitMs;
  for (;;) {
    const pid = journal.owner();
    if (pid === null) return journal.claim();
    if (Date.now() > until) {
      throw new FleetdeckError('change-conflict', `This change is still running on the host (Fleetdeck helper, process ${pid}): it finishes its current step, then stops. Try again once the change reads as interrupted.`, { pid });
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function send(sink: ChannelSink, e: JournalEvent): Promise<void> {
  try {
    await sink.send(`${JSON.stringify(e)}\n`);
  } catch {
    // The app is gone: the journal has every event, the next connect reads it.
  }
}

/** Where a resume starts: the step that was running (or failed) runs again — every step makes a state so, and doing so twice is harmless. */
function resumeFrom(journal: Journal): number {
  const s = journal.summary();
  if (s.status === 'done' || s.status === 'rolled-back') throw new FleetdeckError('change-conflict', `This change already ${s.status === 'done' ? 'finished' : 'was rolled back'}: plan again.`);
  return (s.stoppedAt ?? s.completed + 1) || 1;
}

export function changeHandlers(ctx: HelperContext, rt: ReturnType<typeof createChangeRuntime>, journalRoot = journalRootFor(ctx)) {
  const deps = (id: string, sink: ChannelSink, backend: BackendName, manager: ManagerName): RunnerDeps & { sent(): Promise<void> } => {
    const flag = { cancel: false };
    rt.running.set(id, flag);
    // Events go out in order; one slow send never blocks a step.
    let chain = Promise.resolve();
    return {
      ctx,
      backend: BACKENDS[backend],
      manager: MANAGERS[manager],
      emit: (e) => {
        chain = chain.then(() => send(sink, e));
      },
      stopRequested: () => (rt.linkLost ? 'interrupt' : flag.cancel ? 'cancel' : null),
      sent: () => chain,
      awaitConfirm: (step, waitMs) =>
        new Promise((resolve) => {
          const key = `${id}:${step}`;
          const finish = (a: { ok: boolean; evidence: string }) => {
            clearInterval(poll);
            clearTimeout(timer);
            rt.confirms.delete(key);
            resolve(a);
          };
          rt.confirms.set(key, finish);
          const timer = setTimeout(() => finish({ ok: false, evidence: `no confirmation from the app within ${Math.round(waitMs / 1000)} s` }), waitMs);
          // The app is gone: nobody will confirm (an armed revert takes the host back).
          const poll = setInterval(() => rt.linkLost && finish({ ok: false, evidence: 'the link to the app was lost before it could confirm' }), 500);
        }),
    };
  };

  return {
    read: async (p: { backend: BackendName; manager: ManagerName; resources: Resource[] }) => ({
      observed: await readResources(ctx, BACKENDS[p.backend], MANAGERS[p.manager], p.resources),
    }),
    accounts: async (p: { names: string[]; groups?: string[] }) => resolveAccounts(ctx, p.names, p.groups),
    journals: async () => ({ journals: listJournals(journalRoot, new Set(rt.running.keys())) }),
    journal: async (p: { journalId: string }) => {
      const j = Journal.open(journalRoot, p.journalId);
      const events = j.events();
      const summary = summarize(j.meta, events);
      if (summary.status === 'running' && !rt.running.has(p.journalId) && j.owner() === null) summary.status = 'interrupted';
      return { summary, steps: j.meta.steps, events: events.slice(-5000) };
    },
    resolve: async (p: { journalId: string; step: number; ok: boolean; evidence: string }) => {
      const waiting = rt.confirms.get(`${p.journalId}:${p.step}`);
      waiting?.({ ok: p.ok, evidence: p.evidence });
      return { resolved: !!waiting };
    },
    cancel: async (p: { journalId: string }) => {
      const flag = rt.running.get(p.journalId);
      if (flag) flag.cancel = true;
      return { cancelled: !!flag };
    },
    verify: async (p: { manager: ManagerName; checks: Parameters<typeof runChecks>[2] }) => ({ results: await runChecks(ctx, MANAGERS[p.manager], p.checks) }),

    apply: async (p: { journalId: string; planId: string; modules: string[]; backend: BackendName; manager: ManagerName; steps: PlanStep[]; resume?: boolean }, sink: ChannelSink) => {
      requireRootLive(ctx, 'change', p.steps);
      if (rt.running.has(p.journalId)) throw new FleetdeckError('change-conflict', `Journal ${p.journalId} is being applied right now.`);
      let journal: Journal;
      let from = 1;
      if (p.resume) {
        journal = Journal.open(journalRoot, p.journalId);
      } else {
        journal = Journal.create(journalRoot, { id: p.journalId, planId: p.planId, modules: p.modules, backend: p.backend, manager: p.manager, steps: p.steps, startedAt: Date.now() });
      }
      await claimWhenFree(journal);
      if (p.resume) from = resumeFrom(journal);
      const d = deps(p.journalId, sink, p.backend, p.manager);
      try {
        await rt.track(p.journalId, runSteps(journal, d, from));
        await d.sent();
      } finally {
        journal.release();
        journal.close();
      }
    },

    rollback: async (p: { journalId: string; backend: BackendName; manager: ManagerName }, sink: ChannelSink) => {
      if (rt.running.has(p.journalId)) throw new FleetdeckError('change-conflict', `Journal ${p.journalId} is being applied right now: cancel it first.`);
      const journal = Journal.open(journalRoot, p.journalId);
      requireRootLive(ctx, 'change', journal.meta.steps);
      await claimWhenFree(journal);
      const d = deps(p.journalId, sink, p.backend, p.manager);
      try {
        await rt.track(p.journalId, rollback(journal, d));
        await d.sent();
      } finally {
        journal.release();
        journal.close();
      }
    },
  };
}
