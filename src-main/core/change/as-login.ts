import type { JournalSummary, PlanStep } from '../../../src-common/change/plan.schema.js';
import type { Observed, Resource } from '../../../src-common/change/resource.schema.js';
import { FleetdeckError, toProblem } from '../../../src-common/problems.js';
import { helperApi, type HelperParams } from '../../../src-common/protocol/helper-api.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import type { ChangeTarget } from './change-target.js';

/**
 * What the login user's own helper does, not root's: the per-user agent's files and commands
 * (asLogin) are read, applied, journaled and walked back with it, so root never reads through or
 * runs what that account controls.
 */

/** Reads resources from the host: the login user's own (asLogin) with their helper, the rest as root where it can; in their order. */
export async function readResources(target: ChangeTarget, backend: HelperParams<typeof helperApi.changeRead>['backend'], manager: Probe['serviceManager'], resources: Resource[]): Promise<Observed[]> {
  const own = (r: Resource) => 'asLogin' in r && !!r.asLogin;
  const ask = async (list: Resource[], superuser: 'none' | 'try') => (list.length ? (await target.request(helperApi.changeRead, { backend, manager, resources: list }, superuser)).observed : []);
  const [mine, rest] = await Promise.all([ask(resources.filter(own), 'none'), ask(resources.filter((r) => !own(r)), 'try')]);
  return resources.map((r) => (own(r) ? mine.shift()! : rest.shift()!));
}

/**
 * Whose journal: root's (JOURNAL_ROOT, through sudo) or the login user's own (their state dir:
 * a change that needed no root — their own processes, their per-user agent). The login user's
 * own helper is asked first; it never finds root's, so a journal is walked back as it was applied.
 */
export async function whoseJournal(target: ChangeTarget, journalId: string) {
  const mine = await target.request(helperApi.changeJournal, { journalId }, 'none').catch(() => null);
  if (mine && mine.steps.every((s) => !s.needsRoot)) return { j: mine, own: true };
  return { j: await target.request(helperApi.changeJournal, { journalId }, 'require'), own: false };
}

/** Root's journals and the login user's own, newest first; without root, only the user's own (root's error when there are none). */
export async function allJournals(target: ChangeTarget): Promise<JournalSummary[]> {
  const [mine, root] = await Promise.all([target.request(helperApi.changeJournals, {}, 'none').catch(() => null), target.request(helperApi.changeJournals, {}, 'require').catch((e: unknown) => ({ error: e }))]);
  if ('error' in root) {
    if (!mine?.journals.length) throw root.error;
    return mine.journals;
  }
  // Root's entry wins an id both have (the login's own state dir is theirs to write).
  const all = new Map([...(mine?.journals ?? []), ...root.journals].map((j) => [j.id, j]));
  return [...all.values()].sort((a, b) => b.startedAt - a.startedAt);
}

/** A plan is applied one way: all of it by the login user's own helper (no root), or all by root's. */
export function oneWay(steps: readonly PlanStep[], hostName: string): void {
  const mine = steps.filter((s) => 'asLogin' in s.resource && s.resource.asLogin);
  if (!mine.length || !steps.some((s) => s.needsRoot)) return;
  const who = [...new Set(mine.map((s) => s.module))].join(', ');
  throw new FleetdeckError('invalid-input', `${who} runs as your own account on ${hostName} and the other modules need root: one plan is applied one way. Plan ${who} on its own, then the rest.`);
}

/** No root for a plan of modules that can also run without it (the agent): the refusal says how, in the module's words. */
export function rootlessHint(modules: readonly ({ withoutRoot?: string } | undefined)[]): (err: unknown) => never {
  return (err) => {
    const p = toProblem(err);
    if (p.problem !== 'sudo-required' || !modules.length || !modules.every((m) => m?.withoutRoot)) throw err;
    throw new FleetdeckError('sudo-required', `${p.message} ${modules.map((m) => m!.withoutRoot).join(' ')}`, p.details);
  };
}

/** Asks the helper applying a journal to stop at the next step: the login user's own, or root's (where it can be had). */
export async function cancelJournal(target: ChangeTarget, journalId: string): Promise<{ cancelled: boolean }> {
  const mine = await target.request(helperApi.changeCancel, { journalId }, 'none').catch(() => ({ cancelled: false }));
  if (mine.cancelled) return mine;
  return target.request(helperApi.changeCancel, { journalId }, 'require').catch(() => mine);
}
