import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KillPlan, KillResult } from '../../src-common/processes/processes.contract.js';
import type { Fleet } from '../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import { addHost, connectTrusting, newFleet } from './harness.js';

/** Killing a process on a real host: plan → apply (sudo when it is another user's) → verify in /proc. */
const unavailable = await testbedUnavailableReason({ docker: true });

describe.skipIf(unavailable)('killing a process on a real host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let admin: number;
  let carol: number;

  /** Starts `argv` in the background as `user`, detached from docker exec; returns its pid. */
  async function spawnAs(user: string, script: string): Promise<number> {
    const r = await deb.exec(['runuser', '-u', user, '--', 'sh', '-c', `${script} </dev/null >/dev/null 2>&1 & echo $!`]);
    const pid = Number(r.stdout.trim());
    expect(pid, r.stderr).toBeGreaterThan(1);
    return pid;
  }

  async function alive(pid: number): Promise<boolean> {
    const r = await deb.exec(['sh', '-c', `s=$(cat /proc/${pid}/stat 2>/dev/null) || exit 1; case "$s" in *") Z "*) exit 1;; esac`]);
    return r.code === 0;
  }

  const plan = (id: number, pid: number, signal: 'TERM' | 'KILL' = 'TERM') => fleet.call('processes.planKill', { id, pid, signal }) as Promise<KillPlan>;
  const apply = (id: number, p: KillPlan) => fleet.call('processes.applyKill', { id, planId: p.planId, tag: p.tag }) as Promise<KillResult>;

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-kill' });
    fleet = newFleet();
    admin = (await addHost(fleet, deb, 'admin')).id;
    expect((await connectTrusting(fleet, admin)).state).toBe('connected');
    carol = (await addHost(fleet, deb, 'carol')).id;
    expect((await connectTrusting(fleet, carol)).state).toBe('connected');
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  it("plans and kills carol's busy loop as admin, through sudo, and verifies it is gone", async () => {
    const pid = await spawnAs('carol', 'while :; do :; done');
    const p = await plan(admin, pid);
    expect(p.summary).toContain(`Send SIGTERM to pid ${pid} (carol: sh -c while :; do :; done`);
    expect(p.warnings).toEqual([]);
    expect(p.process).toMatchObject({ pid, uid: 1001, user: 'carol' });
    expect(p.needsSudo).toBe(true);
    expect(await alive(pid)).toBe(true);
    const r = await apply(admin, p);
    expect(r.result).toBe('gone');
    expect(await alive(pid)).toBe(false);
    const row = fleet.audit.list().find((e) => e.operation === 'processes.kill' && e.summary.includes(`pid ${pid}`));
    expect(row).toMatchObject({ result: 'ok', hostId: admin });
    // It rode on the change engine: a root journal on the host records the signal, and the
    // engine audited the step; planning it again has nothing to signal.
    expect(r.journalId).toEqual(expect.any(String));
    expect(r.evidence).toMatch(new RegExp(`pid ${pid} is gone`));
    const journals = (await fleet.call('change.journals', { id: admin })) as { id: string; modules: string[]; status: string }[];
    expect(journals.find((j) => j.id === r.journalId)).toMatchObject({ modules: ['processes'], status: 'done' });
    expect(fleet.audit.list().some((e) => e.operation === 'change.step' && e.summary.includes(r.journalId!))).toBe(true);
    await expect(plan(admin, pid)).rejects.toMatchObject({ problem: 'not-found' });
  }, 60_000);

  it("lets carol kill her own process without sudo, journaled in her own state dir", async () => {
    const pid = await spawnAs('carol', 'sleep 1000');
    const p = await plan(carol, pid);
    expect(p.needsSudo).toBe(false);
    const r = await apply(carol, p);
    expect(r.result).toBe('gone');
    expect(await alive(pid)).toBe(false);
    const own = await deb.exec(['sh', '-c', `stat -c '%U %a' /home/carol/.local/state/fleetdeck/journal/${r.journalId} && cat /home/carol/.local/state/fleetdeck/journal/${r.journalId}/events.jsonl`]);
    expect(own.stdout).toMatch(/^carol 700\n/);
    expect(own.stdout).toContain('"type":"end"');
    expect(fleet.audit.list().find((e) => e.operation === 'processes.kill' && e.hostId === carol && e.summary.includes(`pid ${pid}`))).toMatchObject({ result: 'ok' });
  }, 60_000);

  it('never plans a kill of pid 1, a kernel thread or Fleetdeck\'s own helpers; warns before sshd', async () => {
    await expect(plan(admin, 1)).rejects.toMatchObject({ problem: 'access-denied', message: expect.stringMatching(/init system/) });
    const kthread = Number((await deb.exec(['sh', '-c', "ps -eo pid=,comm= | awk '$2==\"kthreadd\"{print $1}'"])).stdout.trim());
    if (kthread > 0) await expect(plan(admin, kthread)).rejects.toMatchObject({ problem: 'access-denied', message: expect.stringMatching(/kernel thread/) });
    const ownHelper = fleet.session(admin).lastDeploy!.helper.init.pid;
    await expect(plan(admin, ownHelper)).rejects.toMatchObject({ problem: 'access-denied', message: expect.stringMatching(/Fleetdeck helper/) });
    // carol's helper (another login's) is refused too.
    await expect(plan(admin, fleet.session(carol).lastDeploy!.helper.init.pid)).rejects.toMatchObject({ problem: 'access-denied' });
    const listener = Number((await deb.exec(['sh', '-c', 'cat /run/sshd.pid 2>/dev/null || pgrep -o -x sshd'])).stdout.trim());
    const p = await plan(admin, listener);
    expect(p.warnings).toEqual([expect.stringMatching(/SSH server itself: killing it stops every new SSH login/)]);
  }, 60_000);

  it('offers SIGKILL for a process that ignores SIGTERM', async () => {
    const pid = await spawnAs('carol', "trap '' TERM; while :; do sleep 0.2; done");
    const r = await apply(admin, await plan(admin, pid, 'TERM'));
    expect(r.result).toBe('still-running');
    expect(await alive(pid)).toBe(true);
    expect((await apply(admin, await plan(admin, pid, 'KILL'))).result).toBe('gone');
    expect(await alive(pid)).toBe(false);
  }, 60_000);

  it('refuses a stale plan with change-conflict and signals nothing', async () => {
    const pid = await spawnAs('carol', 'sleep 1000');
    const p = await plan(admin, pid);
    // A forged or outdated tag.
    await expect(fleet.call('processes.applyKill', { id: admin, planId: p.planId, tag: 'ffffffffffffffff' })).rejects.toMatchObject({ problem: 'change-conflict' });
    expect(await alive(pid)).toBe(true);
    // The pid reused by another process: kill it, then make the next fork get the same pid (needs a
    // writable /proc/sys/kernel/ns_last_pid; where it is read-only, as in the testbed container, the
    // pid is not reused and apply must answer already-gone. Pid reuse itself is covered by unit tests).
    await deb.exec(['kill', '-9', String(pid)]);
    await expect.poll(() => alive(pid)).toBe(false);
    const stale = await plan(admin, await spawnAs('carol', 'sleep 1000'));
    const reused = await deb.exec(['bash', '-c', `kill -9 ${stale.process.pid}; sleep 0.2; echo $((${stale.process.pid} - 1)) > /proc/sys/kernel/ns_last_pid && runuser -u carol -- sleep 1000 </dev/null >/dev/null 2>&1 & echo $!`]);
    const newPid = Number(reused.stdout.trim());
    if (newPid === stale.process.pid || (await plan(admin, stale.process.pid).then(() => true, () => false))) {
      await expect(apply(admin, stale)).rejects.toMatchObject({ problem: 'change-conflict', message: expect.stringContaining('no longer the process') });
      expect(await alive(stale.process.pid)).toBe(true);
      await deb.exec(['kill', '-9', String(stale.process.pid)]);
    } else {
      // The pid could not be reused here: the process is simply gone, and apply says so.
      expect((await apply(admin, stale)).result).toBe('already-gone');
    }
    const failed = fleet.audit.list().find((e) => e.operation === 'processes.kill' && e.problem === 'change-conflict');
    expect(failed).toMatchObject({ result: 'failed' });
  }, 60_000);

  it("refuses, as carol without her sudo password, to kill admin's process — saying why", async () => {
    const pid = await spawnAs('admin', 'sleep 1000');
    const p = await plan(carol, pid);
    expect(p.needsSudo).toBe(true);
    expect(p.summary).toContain('admin');
    const err = await apply(carol, p).then(
      () => null,
      (e: { problem: string; message: string }) => e,
    );
    expect(err?.problem).toMatch(/^(sudo-required|access-denied|authentication-failed)$/);
    expect(err?.message.length).toBeGreaterThan(10);
    expect(await alive(pid)).toBe(true);
    expect(fleet.audit.list().find((e) => e.operation === 'processes.kill' && e.hostId === carol)).toMatchObject({ result: 'failed', problem: err?.problem });
    await deb.exec(['kill', '-9', String(pid)]);
  }, 60_000);

  it('rejects bad input with invalid-input', async () => {
    for (const pid of [-3, 0, 4_194_305, 1.5, 'a;rm', '209']) {
      await expect(fleet.call('processes.planKill', { id: admin, pid, signal: 'TERM' })).rejects.toMatchObject({ problem: 'invalid-input' });
    }
    await expect(fleet.call('processes.planKill', { id: admin, pid: 5, signal: 'HUP' })).rejects.toMatchObject({ problem: 'invalid-input' });
    await expect(fleet.call('processes.applyKill', { id: admin, planId: 'nope', tag: 'x' })).rejects.toMatchObject({ problem: 'not-found' });
  });
});
