import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { helperApi, helperChannels, type HelperRequestDef } from '../../../src-common/protocol/helper-api.js';
import type { AuditEntry } from '../audit/audit-log.js';
import { ChangeService } from '../change/change-service.js';
import type { ChangeTarget } from '../change/change-target.js';
import { familyFacts } from '../change/family-probes.test-util.js';
import { ProcessControl } from './process-control.js';

/**
 * ProcessControl on the real change engine (ChangeService), over a test double of a host: its
 * /proc is one process (carol's busy loop, pid 209), and its apply channel answers with the
 * journal events the helper sends. The live behaviour is in e2e/integration/process-kill.test.ts.
 */
const carol = { pid: 209, uid: 1001, user: 'carol', command: 'sh -c while :; do :; done', startTime: 5555 };

function setup(opts: { alive?: () => boolean; startTime?: () => number; openError?: FleetdeckError; loginUid?: number; diesOnSignal?: boolean; process?: Partial<typeof carol> & { guard?: string } } = {}) {
  const calls: { method: string; params: unknown; superuser?: string }[] = [];
  const audit: AuditEntry[] = [];
  let signalled = false;
  const facts = familyFacts('debian-12');
  const alive = () => (opts.alive?.() ?? true) && !(signalled && opts.diesOnSignal);
  const current = () => (alive() ? { ...carol, startTime: opts.startTime?.() ?? carol.startTime, ...opts.process } : null);
  const open = (as: 'own' | 'root') => async (def: { method: string }, params: unknown, o: { onData(d: Uint8Array): void }) => {
    calls.push({ method: def.method, params, superuser: as });
    if (opts.openError) throw opts.openError;
    signalled = true;
    const events: Partial<JournalEvent>[] = [{ type: 'begin' }, { type: 'step-start', step: 1 }, { type: 'step-done', step: 1 }, { type: 'end' }];
    for (const e of events) o.onData(new TextEncoder().encode(`${JSON.stringify({ t: 1, ...e })}\n`));
    return { finished: Promise.resolve(), close() {} };
  };
  const target: ChangeTarget = {
    hostId: 1,
    hostName: 'gpu-1',
    key: 'host:1',
    user: async () => ({ user: 'admin', uid: opts.loginUid ?? 1000, auth: 'key' }),
    probe: async () => facts.probe,
    request: (async (def: HelperRequestDef, params: { resources?: Resource[]; checks?: { id: string; label: string }[] }, superuser: string) => {
      calls.push({ method: def.method, params, superuser });
      const p = current();
      if (def === helperApi.processInspect) return p ? { found: true, process: p } : { found: false, pid: 209 };
      if (def === helperApi.changeRead) return { observed: params.resources!.map(() => ({ kind: 'process', current: p ? { startTime: p.startTime, uid: p.uid, command: p.command } : null })) };
      if (def === helperApi.changeVerify) return { results: params.checks!.map((c) => ({ id: c.id, label: c.label, ok: !p, evidence: p ? 'pid 209 still runs 3 s later' : 'pid 209 is gone' })) };
      throw new Error(`unexpected ${def.method}`);
    }) as ChangeTarget['request'],
    openRoot: open('root') as ChangeTarget['openRoot'],
    openOwn: open('own') as ChangeTarget['openOwn'],
    confirmLogin: async () => 'ok',
  };
  const change = new ChangeService({ modules: [], store: null, audit: (e) => audit.push(e) });
  const pc = new ProcessControl({ change, target: () => target, audit: (e) => audit.push(e) });
  const applied = () => calls.filter((c) => c.method === helperChannels.changeApply.method);
  return { pc, calls, audit, applied, kills: () => audit.filter((e) => e.operation === 'processes.kill') };
}

describe('ProcessControl (on the change engine)', () => {
  it.each([
    ['init', /init system/],
    ['kernel', /kernel thread/],
    ['fleetdeck', /Fleetdeck helper/],
  ])('refuses to plan a kill of a %s process, saying why (nothing to apply)', async (guard, why) => {
    const { pc, applied } = setup({ process: { guard } });
    await expect(pc.planKill(1, 209, 'TERM')).rejects.toMatchObject({ problem: 'access-denied', message: expect.stringMatching(why) });
    expect(applied()).toEqual([]);
  });

  it('plans an sshd kill with a warning that says what ends', async () => {
    const listener = await setup({ process: { guard: 'sshd-listener', command: 'sshd: /usr/sbin/sshd -D [listener]' } }).pc.planKill(1, 209, 'TERM');
    expect(listener.warnings).toEqual([expect.stringMatching(/stops every new SSH login/)]);
    const session = await setup({ process: { guard: 'sshd-session' } }).pc.planKill(1, 209, 'TERM');
    expect(session.warnings).toEqual([expect.stringMatching(/carol's SSH session/)]);
    expect((await setup().pc.planKill(1, 209, 'TERM')).warnings).toEqual([]);
  });

  it("plans with a summary that names the owner, and needs sudo for another user's process", async () => {
    const { pc } = setup();
    const plan = await pc.planKill(1, 209, 'TERM');
    expect(plan.summary).toBe('Send SIGTERM to pid 209 (carol: sh -c while :; do :; done) on host gpu-1');
    expect(plan.needsSudo).toBe(true);
    expect((await setup({ loginUid: 0 }).pc.planKill(1, 209, 'TERM')).needsSudo).toBe(false);
    expect((await setup({ loginUid: 1001 }).pc.planKill(1, 209, 'TERM')).needsSudo).toBe(false);
  });

  it("applies another user's kill through the root helper with a journal, reads back still-running, audits", async () => {
    const { pc, applied, kills, audit } = setup();
    const plan = await pc.planKill(1, 209, 'TERM');
    const r = await pc.applyKill(1, plan.planId, plan.tag);
    // The fake never dies: still-running after the wait, with what verify saw.
    expect(r).toMatchObject({ result: 'still-running', journalId: expect.any(String), evidence: expect.stringContaining('still runs') });
    expect(applied()).toEqual([expect.objectContaining({ superuser: 'root', params: expect.objectContaining({ modules: ['processes'], steps: [expect.objectContaining({ kind: 'process', needsRoot: true, reversible: false, resource: expect.objectContaining({ pid: 209, startTime: 5555, signal: 'TERM', asRoot: true }) })] }) })]);
    expect(kills()).toEqual([expect.objectContaining({ result: 'ok', summary: expect.stringContaining('still running') })]);
    // The engine audited the step and the apply as any change.
    expect(audit.some((e) => e.operation === 'change.step' && e.result === 'ok')).toBe(true);
    // A plan is used once.
    await expect(pc.applyKill(1, plan.planId, plan.tag)).rejects.toMatchObject({ problem: 'not-found' });
  });

  it("kills the login user's own process through their own helper (no sudo), verified gone", async () => {
    const { pc, applied } = setup({ loginUid: 1001, diesOnSignal: true });
    const plan = await pc.planKill(1, 209, 'KILL');
    expect(plan.needsSudo).toBe(false);
    expect(await pc.applyKill(1, plan.planId, plan.tag)).toMatchObject({ result: 'gone', evidence: 'pid 209 is gone' });
    expect(applied()).toEqual([expect.objectContaining({ superuser: 'own' })]);
    // Second time round there is nothing to plan: it is gone.
    await expect(pc.planKill(1, 209, 'KILL')).rejects.toMatchObject({ problem: 'not-found' });
  });

  it('refuses a stale plan (the pid is another process now) with change-conflict, signals nothing, audits', async () => {
    let start = 5555;
    const { pc, applied, kills } = setup({ startTime: () => start });
    const plan = await pc.planKill(1, 209, 'TERM');
    start = 7777;
    await expect(pc.applyKill(1, plan.planId, plan.tag)).rejects.toMatchObject({ problem: 'change-conflict', message: expect.stringContaining('no longer the process') });
    expect(applied()).toEqual([]);
    expect(kills()).toEqual([expect.objectContaining({ result: 'failed', problem: 'change-conflict' })]);
    const again = await pc.planKill(1, 209, 'TERM');
    await expect(pc.applyKill(1, again.planId, 'wrong')).rejects.toMatchObject({ problem: 'change-conflict', message: expect.stringContaining('not the plan') });
    expect(applied()).toEqual([]);
  });

  it('passes sudo-required through, audited', async () => {
    const { pc, kills } = setup({ openError: new FleetdeckError('sudo-required', 'sudo needs a password on gpu-1') });
    const plan = await pc.planKill(1, 209, 'TERM');
    await expect(pc.applyKill(1, plan.planId, plan.tag)).rejects.toMatchObject({ problem: 'sudo-required' });
    expect(kills()[0]).toMatchObject({ result: 'failed', problem: 'sudo-required' });
  });

  it('answers already-gone when it exited before apply, and not-found when planning a missing pid', async () => {
    let alive = true;
    const { pc, applied } = setup({ alive: () => alive });
    const plan = await pc.planKill(1, 209, 'TERM');
    alive = false;
    expect((await pc.applyKill(1, plan.planId, plan.tag)).result).toBe('already-gone');
    expect(applied()).toEqual([]);
    await expect(pc.planKill(1, 209, 'TERM')).rejects.toMatchObject({ problem: 'not-found' });
  });
});
