import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyResult, ChangePlan } from '../../../src-common/change/modules.contract.js';
import type { CheckResult } from '../../../src-common/change/plan.schema.js';
import type { Fleet } from '../../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';
import { main } from '../../../src-main/core/cli/main.js';
import { connectedFleet } from '../harness.js';

/**
 * Per-user limits, live on the systemd Debian testbed host (cgroup v1 hybrid, like many lab
 * servers): enforcement is proven on carol's own SSH logins, never by reading files — a
 * process that allocates past her memory limit is killed, a spinner gets her CPU quota (its own
 * CPU time over wall time, as a ratio), forks stop at her task limit. Verify reads systemd and
 * the kernel back; a hand edit is drift that verify fails and apply repairs; a rollback lifts
 * the limits (the same allocation then succeeds).
 */
const unavailable = await testbedUnavailableReason({ docker: true });

describe.skipIf(unavailable)('limits module on a live Debian host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let id: number;
  let journalId: string;
  const settings = { profiles: { student: { cpu: 0.2, memory: '64M', tasks: 40 } }, users: [{ user: 'carol', profile: 'student' }] };
  const plan = (s: Record<string, unknown> = settings): Promise<ChangePlan> => fleet.call('change.plan', { id, modules: [{ id: 'limits', settings: s }] }) as Promise<ChangePlan>;
  const apply = (p: ChangePlan): Promise<ApplyResult> => fleet.call('change.apply', { id, planId: p.planId, tag: p.tag }) as Promise<ApplyResult>;
  const verify = async () => ((await fleet.call('change.verify', { id, modules: ['limits'] })) as { module: string; results: CheckResult[] }[])[0]!.results;

  /** Runs a command in a real SSH login of carol's (so in her user slice), as a user would. */
  function asCarol(script: string, timeoutMs = 30_000): Promise<{ code: number | null; out: string }> {
    const carol = deb.users.carol!;
    return new Promise((resolve) => {
      const args = ['-i', carol.keyPath!, '-p', String(deb.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', `carol@${deb.address}`, script];
      const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
  }

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'limits-mod' });
    ({ fleet, id } = await connectedFleet(deb, 'admin'));
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  /** A busy loop of carol's for 3 s: its own CPU time (utime + stime) over wall time. */
  async function spinner(): Promise<number> {
    const cpu = await asCarol('sh -c "while :; do :; done" & p=$!; sleep 3; t=$(cut -d" " -f14,15 /proc/$p/stat); kill $p; echo ticks=$t');
    const [utime, stime] = /ticks=(\d+) (\d+)/.exec(cpu.out)!.slice(1).map(Number);
    return (utime! + stime!) / 100 / 3;
  }
  let unlimited = 0;

  it('before: carol can allocate 300 MB, and her spinner takes most of a core', async () => {
    const r = await asCarol('dd if=/dev/zero of=/dev/null bs=300M count=1 2>&1; echo rc=$?');
    expect(r.out).toContain('rc=0');
    unlimited = await spinner();
    expect(unlimited).toBeGreaterThan(0.5);
  }, 60_000);

  it('refuses a user the host does not have, and hostile names, before anything runs', async () => {
    await expect(plan({ users: [{ user: 'nobody-here', memory: '1G' }] })).rejects.toMatchObject({ problem: 'invalid-input', message: expect.stringMatching(/no user "nobody-here"/) });
    await expect(plan({ users: [{ user: 'carol;reboot', memory: '1G' }] })).rejects.toMatchObject({ problem: 'invalid-input' });
  });

  it("plans carol's drop-in and the reload, applies, and verify says configured (no session yet)", async () => {
    const p = await plan();
    expect(p.steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['file:create', 'command:run']);
    expect(p.steps[0]!.diff).toContain('+MemoryMax=67108864');
    const r = await apply(p);
    expect(r.status, r.message ?? '').toBe('done');
    journalId = r.journalId!;
    expect(r.verify).toEqual([expect.objectContaining({ id: 'limits-carol', ok: true })]);
    expect((await deb.exec(['systemctl', 'show', 'user-1001.slice', '-p', 'MemoryMax', '-p', 'TasksMax'])).stdout).toMatch(/MemoryMax=67108864\nTasksMax=40/);
    expect((await plan()).steps).toEqual([]);
  }, 120_000);

  it("enforces them on carol's SSH logins: memory, CPU and tasks, and verify reads the kernel's values", async () => {
    // A login that stays, so the slice is active while verify reads it.
    const staying = asCarol('sleep 40', 60_000);
    await expect.poll(async () => (await deb.exec(['systemctl', 'is-active', 'user-1001.slice'])).stdout.trim(), { timeout: 15_000 }).toBe('active');
    const checked = (await verify())[0]!;
    expect(checked.ok, checked.evidence).toBe(true);
    console.log(`verify: ${checked.evidence}`);
    expect(checked.evidence).toMatch(/^Enforced for carol's session: .*memory.limit_in_bytes = 67108864|memory.max = 67108864/);

    const mem = await asCarol('dd if=/dev/zero of=/dev/null bs=300M count=1 2>&1; echo rc=$?');
    expect(mem.out).toMatch(/rc=137|Killed/);

    const ratio = await spinner();
    console.log(`carol's spinner got ${ratio.toFixed(2)} of a CPU over 3 s with CPU 0.2 (${unlimited.toFixed(2)} before the limits)`);
    expect(ratio).toBeGreaterThan(0.05);
    expect(ratio).toBeLessThan(0.35);

    const tasks = await asCarol('i=0; while [ $i -lt 80 ]; do sleep 5 & i=$((i+1)); done 2>&1 | tail -1; echo started=$(jobs -p | wc -l)');
    expect(tasks.out).toMatch(/fork|Resource temporarily unavailable|retry/i);
    await deb.exec(['pkill', '-u', 'carol', '-x', 'sleep']);
    await staying;
  }, 120_000);

  it('a hand edit of the drop-in is drift: verify fails, the plan shows it, apply puts it back', async () => {
    await deb.exec(['sh', '-c', 'sed -i s/^MemoryMax=.*/MemoryMax=infinity/ /etc/systemd/system/user-1001.slice.d/50-fleetdeck-limits.conf && systemctl daemon-reload']);
    const drifted = (await verify())[0]!;
    expect(drifted.ok).toBe(false);
    expect(drifted.evidence).toMatch(/Not enforced for carol: MemoryMax: systemd has infinity loaded, 67108864 wanted/);
    const p = await plan();
    expect(p.steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['file:update', 'command:run']);
    expect(p.steps[0]!.diff).toMatch(/-MemoryMax=infinity\n\+MemoryMax=67108864/);
    const r = await apply(p);
    expect(r.status).toBe('done');
    expect(r.verify.every((c) => c.ok)).toBe(true);
  }, 120_000);

  it('rolls back: the drop-in gone, systemd reloaded, carol unlimited again', async () => {
    const rb = (await fleet.call('change.rollback', { id, journalId })) as { status: string; message: string | null };
    expect(rb.status, rb.message ?? '').toBe('rolled-back');
    expect((await deb.exec(['test', '-e', '/etc/systemd/system/user-1001.slice.d/50-fleetdeck-limits.conf'])).code).not.toBe(0);
    expect((await deb.exec(['systemctl', 'show', 'user-1001.slice', '-p', 'MemoryMax'])).stdout.trim()).toBe('MemoryMax=infinity');
    expect((await asCarol('dd if=/dev/zero of=/dev/null bs=300M count=1 2>&1; echo rc=$?')).out).toContain('rc=0');
  }, 120_000);

  it("GPU device permissions: carol's GPU 1 node is hers alone (group, mode 0660), verified; turned off, the node is everyone's again", async () => {
    // The host has no GPU: its device nodes are made as the NVIDIA driver makes them (char 195:N, root, 0666).
    await deb.exec(['sh', '-c', 'for n in 0 1; do [ -c /dev/nvidia$n ] || mknod -m 0666 /dev/nvidia$n c 195 $n; done']);
    const gpus = { gpuDevices: true, users: [{ user: 'carol', gpus: ['1'] }] };
    const p = await plan(gpus);
    expect(p.warnings.join('\n')).toMatch(/GPU device permissions: GPU 1 for carol/);
    const r = await apply(p);
    expect(r.status, r.message ?? '').toBe('done');
    expect(r.verify.find((c) => c.id === 'gpu-device-1')).toMatchObject({ ok: true });
    expect((await deb.exec(['stat', '-c', '%G %a', '/dev/nvidia1', '/dev/nvidia0'])).stdout).toBe('fleetdeck-gpu1 660\nroot 666\n');
    // A new login of carol's is in the node's group, nox's is not: with mode 0660 the kernel lets only
    // carol open it. (The test host's device cgroup refuses opening any GPU node at all, so the
    // open itself cannot be tried here: the permission bits and the groups are what decide it.)
    expect((await asCarol('id -nG')).out.trim().split(/\s+/)).toContain('fleetdeck-gpu1');
    expect((await deb.exec(['runuser', '-u', 'nox', '--', 'id', '-nG'])).stdout).not.toContain('fleetdeck-gpu1');
    expect((await deb.exec(['cat', '/etc/udev/rules.d/70-fleetdeck-gpus.rules'])).stdout).toContain('KERNEL=="nvidia1", GROUP="fleetdeck-gpu1", MODE="0660"');
    expect((await plan(gpus)).steps).toEqual([]);
    // Drift: the driver (or an admin) resets the mode; verify says so, apply puts it back.
    await deb.exec(['chmod', '0666', '/dev/nvidia1']);
    expect((await verify()).find((c) => c.id === 'gpu-device-1')).toMatchObject({ ok: false });
    expect((await apply(await plan(gpus))).status).toBe('done');
    const off = await apply(await plan({ users: [{ user: 'carol', gpus: ['1'] }] }));
    expect(off.status, off.message ?? '').toBe('done');
    expect((await deb.exec(['sh', '-c', 'stat -c "%G %a" /dev/nvidia1; getent group fleetdeck-gpu1 || echo no-group; test -e /etc/udev/rules.d/70-fleetdeck-gpus.rules || echo no-rule'])).stdout).toBe('root 666\nno-group\nno-rule\n');
    expect((await apply(await plan({ users: [] }))).status).toBe('done');
  }, 180_000);

  it('from the CLI: fleetdeck limits apply/verify/show merge one user at a time into the host\'s policy; --clear takes one out', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-limits-cli-'));
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main([...args, `--data-dir=${dir}`], { stdout: { write: (s: string | Uint8Array) => out.push(String(s)) }, stderr: { write: (s: string) => err.push(s) } });
      return { code, out: out.join(''), err: err.join('') };
    };
    expect((await run('hosts', 'add', `admin@${deb.address}`, '-p', String(deb.port), '-i', deb.users.admin!.keyPath!, '--name', 'lab')).code).toBe(0);
    const carol = await run('limits', 'apply', 'lab', '--user', 'carol', '--memory', '64M', '--yes', '--accept-new');
    expect(carol.code, carol.err).toBe(0);
    expect(carol.out).toMatch(/lab: done — Applied and verified/);
    const nox = await run('limits', 'apply', 'lab', '--user', 'nox', '--tasks', '64', '--yes');
    expect(nox.code, nox.err).toBe(0);
    // carol's drop-in was not touched by nox's apply: the plan had one file and the reload.
    expect(nox.out).toMatch(/^2 steps on lab/m);
    expect((await run('limits', 'show', 'lab')).out).toMatch(/carol: memory 64M\nnox: 64 tasks/);
    // A group: every member gets its limits, a member's own values go on top.
    await deb.exec(['sh', '-c', 'groupadd -f students && usermod -aG students carol']);
    const group = await run('limits', 'apply', 'lab', '--group', 'students', '--tasks', '30', '--memory', '1G', '--yes');
    expect(group.code, group.err + group.out).toBe(0);
    const carolsFile = (await deb.exec(['cat', '/etc/systemd/system/user-1001.slice.d/50-fleetdeck-limits.conf'])).stdout;
    expect(carolsFile).toContain('MemoryMax=67108864'); // her own 64M over the group's 1G
    expect(carolsFile).toContain('TasksMax=30');
    expect((await run('limits', 'show', 'lab')).out).toMatch(/^group students: memory 1G, 30 tasks$/m);
    expect((await run('limits', 'apply', 'lab', '--group', 'nobody-such', '--tasks', '30', '--yes')).err).toMatch(/no group "nobody-such" on lab/);
    const ungrouped = await run('limits', 'apply', 'lab', '--group', 'students', '--clear', '--yes');
    expect(ungrouped.code, ungrouped.err + ungrouped.out).toBe(0);
    expect((await deb.exec(['cat', '/etc/systemd/system/user-1001.slice.d/50-fleetdeck-limits.conf'])).stdout).not.toContain('TasksMax');
    const verified = await run('limits', 'verify', 'lab');
    expect(verified.code, verified.out).toBe(0);
    expect(verified.out.match(/ok {3}/g)).toHaveLength(2);
    const cleared = await run('limits', 'apply', 'lab', '--user', 'carol', '--clear', '--yes');
    expect(cleared.code, cleared.err).toBe(0);
    expect(cleared.out).toMatch(/Remove \/etc\/systemd\/system\/user-1001.slice.d\/50-fleetdeck-limits.conf/);
    expect((await deb.exec(['test', '-e', '/etc/systemd/system/user-1001.slice.d/50-fleetdeck-limits.conf'])).code).not.toBe(0);
    expect((await run('limits', 'show', 'lab')).out).toBe('nox: 64 tasks\n');
    expect((await run('limits', 'apply', 'lab', '--user', 'nox', '--clear', '--yes')).code).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);
});
