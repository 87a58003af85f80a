import { describe, expect, it } from 'vitest';
import type { JournalSummary, PlanStep } from '../../../src-common/change/plan.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { ChangeTarget } from './change-target.js';
import { allJournals, cancelJournal, oneWay, readResources, rootlessHint, whoseJournal } from './as-login.js';

/**
 * Whose journal a rollback walks (the login user's own, or root's) and the rule that a plan is
 * applied one way. Live: the per-user agent's apply and rollback in e2e/integration/modules/agent.test.ts.
 */
const summary = (id: string, startedAt: number): JournalSummary => ({ id, planId: 'p', modules: ['agent'], startedAt, endedAt: startedAt + 1, status: 'done', steps: 1, completed: 1, stoppedAt: null, message: null });
const step = (needsRoot: boolean, asLogin?: boolean) => ({ n: 1, kind: 'command', action: 'run', module: asLogin ? 'agent' : 'docker', summary: 's', before: null, after: null, diff: null, needsRoot, reversible: true, warnings: [], resource: { kind: 'command', id: 'x', label: 'x', argv: ['true'], ...(asLogin ? { asLogin } : {}) } }) as PlanStep;

/** A target whose own helper has `mine` and whose root helper has `root` (null: no root). */
function target(mine: Record<string, PlanStep[]>, root: Record<string, PlanStep[]> | null): ChangeTarget {
  const answer = (store: Record<string, PlanStep[]> | null, def: { method: string }, params: { journalId?: string }) => {
    if (!store) throw new FleetdeckError('sudo-required', 'carol may not use sudo here.');
    if (def.method.startsWith('change.journals')) return { journals: Object.keys(store).map((id, i) => summary(id, i * 10 + (store === root ? 5 : 0))) };
    const steps = store[params.journalId!];
    if (!steps) throw new FleetdeckError('not-found', 'no such journal');
    return { summary: summary(params.journalId!, 0), steps };
  };
  return { request: async (def: { method: string }, params: { journalId?: string }, superuser: string) => answer(superuser === 'none' ? mine : root, def, params) } as unknown as ChangeTarget;
}

describe('journal access', () => {
  it('walks the login user’s own journal with their helper, root’s with root’s', async () => {
    const t = target({ 'j-own': [step(false, true)] }, { 'j-root': [step(true)] });
    expect((await whoseJournal(t, 'j-own')).own).toBe(true);
    expect((await whoseJournal(t, 'j-root')).own).toBe(false);
  });

  it('lists both, newest first; without root only the user’s own, and root’s error when there are none', async () => {
    expect((await allJournals(target({ 'j-a': [] }, { 'j-b': [], 'j-c': [] }))).map((j) => j.id)).toEqual(['j-c', 'j-b', 'j-a']);
    expect((await allJournals(target({ 'j-a': [] }, null))).map((j) => j.id)).toEqual(['j-a']);
    await expect(allJournals(target({}, null))).rejects.toMatchObject({ problem: 'sudo-required' });
  });

  it('refuses a plan that mixes the login user’s own steps with root’s, saying what to do', () => {
    expect(() => oneWay([step(false, true), step(false, true)], 'gpu-1')).not.toThrow();
    expect(() => oneWay([step(true), step(true)], 'gpu-1')).not.toThrow();
    expect(() => oneWay([step(false, true), step(true)], 'gpu-1')).toThrow(/agent runs as your own account on gpu-1 .* Plan agent on its own/);
  });

  it('a refused sudo for modules that can run without root says how, in their words; other errors pass as they are', () => {
    const sudo = new FleetdeckError('sudo-required', 'sudo on gpu-1 needs a password for carol.');
    expect(() => rootlessHint([{ withoutRoot: 'Set runAs=login.' }])(sudo)).toThrow('sudo on gpu-1 needs a password for carol. Set runAs=login.');
    expect(() => rootlessHint([{ withoutRoot: 'Set runAs=login.' }, {}])(sudo)).toThrow(/^sudo on gpu-1 needs a password for carol\.$/);
    expect(() => rootlessHint([{ withoutRoot: 'Set runAs=login.' }])(new FleetdeckError('timeout', 'slow'))).toThrow(/^slow$/);
  });

  it('reads the login user’s own resources with their helper, the rest as root where it can, in order', async () => {
    const asked: { superuser: string; paths: string[] }[] = [];
    const t = {
      request: async (_def: unknown, p: { resources: { path: string }[] }, superuser: string) => {
        asked.push({ superuser, paths: p.resources.map((r) => r.path) });
        return { observed: p.resources.map((r) => ({ kind: 'file', path: r.path, by: superuser })) };
      },
    } as unknown as ChangeTarget;
    const file = (path: string, asLogin?: boolean) => ({ kind: 'file' as const, path, content: 'x', ...(asLogin ? { asLogin } : {}) });
    const got = (await readResources(t, 'apt', 'systemd', [file('/etc/a'), file('/home/c/b', true), file('/etc/c')])) as unknown as { path: string; by: string }[];
    expect(got.map((o) => `${o.path} ${o.by}`)).toEqual(['/etc/a try', '/home/c/b none', '/etc/c try']);
    expect(asked).toEqual(expect.arrayContaining([{ superuser: 'none', paths: ['/home/c/b'] }, { superuser: 'try', paths: ['/etc/a', '/etc/c'] }]));
  });

  it('cancels with the helper applying the journal: the user’s own, else root’s; without root the user’s answer stands', async () => {
    const t = (mine: boolean, root: boolean | null) =>
      ({ request: async (_d: unknown, _p: unknown, superuser: string) => (superuser === 'none' ? { cancelled: mine } : root === null ? Promise.reject(new FleetdeckError('sudo-required', 'no')) : { cancelled: root }) }) as unknown as ChangeTarget;
    expect(await cancelJournal(t(true, false), 'j')).toEqual({ cancelled: true });
    expect(await cancelJournal(t(false, true), 'j')).toEqual({ cancelled: true });
    expect(await cancelJournal(t(false, null), 'j')).toEqual({ cancelled: false });
  });
});
