import { describe, expect, it } from 'vitest';
import { FleetdeckError } from '../../../src-common/problems.js';
import { helperApi, type HelperRequestDef } from '../../../src-common/protocol/helper-api.js';
import type { AuditEntry } from '../audit/audit-log.js';
import { ProcessControl, type ProcessHost } from './process-control.js';

const carol = { pid: 209, uid: 1001, user: 'carol', command: 'sh -c while :; do :; done', startTime: 5555 };

function setup(opts: { alive?: () => boolean; startTime?: () => number; signalError?: FleetdeckError; loginUid?: number; process?: Partial<typeof carol> & { guard?: string } } = {}) {
  const calls: { method: string; params: unknown; superuser?: string }[] = [];
  const audit: AuditEntry[] = [];
  const host: ProcessHost = {
    facts: { uid: opts.loginUid ?? 1000, user: 'admin' },
    async request(def: HelperRequestDef, params: unknown, o: { superuser?: string } = {}) {
      calls.push({ method: def.method, params, superuser: o.superuser });
      if (def === helperApi.processInspect) {
        return ((opts.alive?.() ?? true) ? { found: true, process: { ...carol, startTime: opts.startTime?.() ?? carol.startTime, ...opts.process } } : { found: false, pid: 209 }) as never;
      }
      if (opts.signalError) throw opts.signalError;
      return { sent: true, pid: 209, startTime: carol.startTime, signal: 'TERM' } as never;
    },
  };
  let t = 0;
  const pc = new ProcessControl({ session: () => host, hostName: () => 'gpu-1', audit: (e) => audit.push(e), now: () => t, sleep: async (ms) => void (t += ms) });
  return { pc, calls, audit };
}

describe('ProcessControl', () => {
  it.each([
    ['init', /init system/],
    ['kernel', /kernel thread/],
    ['fleetdeck', /Fleetdeck helper/],
  ])('refuses to plan a kill of a %s process, saying why (nothing to apply)', async (guard, why) => {
    const { pc, calls } = setup({ process: { guard } });
    await expect(pc.planKill(1, 209, 'TERM')).rejects.toMatchObject({ problem: 'access-denied', message: expect.stringMatching(why) });
    expect(calls.some((c) => c.method === helperApi.processSignal.method)).toBe(false);
  });

  it('plans an sshd kill with a warning that says what ends', async () => {
    const listener = await setup({ process: { guard: 'sshd-listener', command: 'sshd: /usr/sbin/sshd -D [listener]' } }).pc.planKill(1, 209, 'TERM');
    expect(listener.warnings).toEqual([expect.stringMatching(/stops every new SSH login/)]);
    const session = await setup({ process: { guard: 'sshd-session' } }).pc.planKill(1, 209, 'TERM');
    expect(session.warnings).toEqual([expect.stringMatching(/carol's SSH session/)]);
    expect((await setup().pc.planKill(1, 209, 'TERM')).warnings).toEqual([]);
  });

  it('plans with a summary that names the owner, and needs sudo for another user\'s process', async () => {
    const { pc } = setup();
    const plan = await pc.planKill(1, 209, 'TERM');
    expect(plan.summary).toBe('Send SIGTERM to pid 209 (carol: sh -c while :; do :; done) on host gpu-1');
    expect(plan.needsSudo).toBe(true);
    expect((await setup({ loginUid: 0 }).pc.planKill(1, 209, 'TERM')).needsSudo).toBe(false);
    expect((await setup({ loginUid: 1001 }).pc.planKill(1, 209, 'TERM')).needsSudo).toBe(false);
  });

  it('applies with sudo, reads back still-running and audits', async () => {
    const { pc, calls, audit } = setup();
    const plan = await pc.planKill(1, 209, 'TERM');
    const r = await pc.applyKill(1, plan.planId, plan.tag);
    // The fake never dies: still-running after the wait.
    expect(r.result).toBe('still-running');
    expect(calls.find((c) => c.method === helperApi.processSignal.method)).toMatchObject({ superuser: 'require', params: { pid: 209, startTime: 5555, signal: 'TERM' } });
    expect(audit).toEqual([expect.objectContaining({ operation: 'processes.kill', result: 'ok', summary: expect.stringContaining('still running') })]);
    // A plan is used once.
    await expect(pc.applyKill(1, plan.planId, plan.tag)).rejects.toMatchObject({ problem: 'not-found' });
  });

  it('reports gone once the read-back no longer finds it', async () => {
    let n = 0;
    const { pc } = setup({ alive: () => n++ < 2 });
    const plan = await pc.planKill(1, 209, 'KILL');
    expect((await pc.applyKill(1, plan.planId, plan.tag)).result).toBe('gone');
  });

  it('refuses a stale plan with change-conflict and audits the failure', async () => {
    let start = 5555;
    const { pc, calls, audit } = setup({ startTime: () => start });
    const plan = await pc.planKill(1, 209, 'TERM');
    start = 7777;
    await expect(pc.applyKill(1, plan.planId, plan.tag)).rejects.toMatchObject({ problem: 'change-conflict' });
    expect(calls.some((c) => c.method === helperApi.processSignal.method)).toBe(false);
    expect(audit).toEqual([expect.objectContaining({ result: 'failed', problem: 'change-conflict' })]);
    const again = await pc.planKill(1, 209, 'TERM');
    await expect(pc.applyKill(1, again.planId, 'wrong')).rejects.toMatchObject({ problem: 'change-conflict' });
  });

  it('passes sudo-required through, audited', async () => {
    const { pc, audit } = setup({ signalError: new FleetdeckError('sudo-required', 'sudo needs a password on gpu-1') });
    const plan = await pc.planKill(1, 209, 'TERM');
    await expect(pc.applyKill(1, plan.planId, plan.tag)).rejects.toMatchObject({ problem: 'sudo-required' });
    expect(audit[0]).toMatchObject({ result: 'failed', problem: 'sudo-required' });
  });

  it('answers already-gone when it exited before apply, and not-found when planning a missing pid', async () => {
    let alive = true;
    const { pc } = setup({ alive: () => alive });
    const plan = await pc.planKill(1, 209, 'TERM');
    alive = false;
    expect((await pc.applyKill(1, plan.planId, plan.tag)).result).toBe('already-gone');
    await expect(pc.planKill(1, 209, 'TERM')).rejects.toMatchObject({ problem: 'not-found' });
  });
});
