import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyResult, ChangePlan } from '../../../src-common/change/modules.contract.js';
import type { JournalEvent, JournalSummary } from '../../../src-common/change/plan.schema.js';
import { Fleet } from '../../../src-main/core/fleet.js';
import { CAROL_PASSWORD, startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';
import { addHost, connectTrusting } from '../harness.js';

/**
 * The ssh module, live on the systemd Debian testbed host, with its lockout guard proven for
 * real: planned (the drop-in's diff and the guard's steps), applied (trial sshd, confirming
 * logins, reload) and verified with `sshd -T`; a password login is refused afterwards while key
 * logins work; planned again with nothing to change; rolled back. Then settings that lock
 * Fleetdeck out: caught by the trial login (the real sshd never changes), and — with a trap of
 * the host's own that only bites on port 22 — caught by the login after the real reload: the
 * armed revert puts the old configuration back and a new login works again. Last, the app's
 * link is cut right after the guard armed: the host reverts by itself.
 */
const unavailable = await testbedUnavailableReason({ docker: true });
const DROP_IN = '/etc/ssh/sshd_config.d/10-fleetdeck.conf';

describe.skipIf(unavailable)('ssh module on a live Debian host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let id: number;
  let keyPath: string;
  const plan = (settings: Record<string, unknown> = {}): Promise<ChangePlan> => fleet.call('change.plan', { id, modules: [{ id: 'ssh', settings }] }) as Promise<ChangePlan>;
  const apply = (p: ChangePlan): Promise<ApplyResult> => fleet.call('change.apply', { id, planId: p.planId, tag: p.tag }) as Promise<ApplyResult>;
  const journals = () => fleet.call('change.journals', { id }) as Promise<JournalSummary[]>;
  const sshdT = async () => (await deb.exec(['sshd', '-T'])).stdout;
  const exists = async (p: string) => (await deb.exec(['test', '-e', p])).code === 0;

  /** A brand-new SSH login straight to the host's port (no Fleetdeck): 'ok' or why it failed. */
  const login = (user: string, auth: { password: string } | { key: true }): Promise<string> =>
    new Promise((resolve) => {
      const c = new Client();
      const done = (r: string) => {
        c.end();
        resolve(r);
      };
      c.on('ready', () => c.exec('true', (err, ch) => (err ? done(err.message) : ch.on('close', (code: number) => done(code === 0 ? 'ok' : `exit ${code}`)).resume())));
      c.on('error', (e) => done(e.message));
      c.connect({
        host: deb.address,
        port: deb.port,
        username: user,
        readyTimeout: 15_000,
        hostVerifier: () => true,
        ...('password' in auth ? { password: auth.password, tryKeyboard: false } : { privateKey: readFileSync(keyPath) }),
      });
    });
  /** After a reload sshd re-executes itself: wait until it answers with its banner. */
  const sshdAnswers = async () => {
    for (let i = 0; i < 100; i++) {
      const banner = await deb.exec(['timeout', '1', 'bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/22 && head -c 4 <&3']);
      if (banner.stdout.startsWith('SSH-')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('sshd does not answer on port 22');
  };
  const events: JournalEvent[] = [];

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'ssh-mod', apt: true });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fd-ssh-'));
    fleet = new Fleet({ dataDir, knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
    const host = await addHost(fleet, deb, 'admin');
    id = host.id;
    keyPath = deb.users.admin!.keyPath!;
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
    fleet.events.on((name, e) => name === 'change.onProgress' && events.push((e as { event: JournalEvent }).event));
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  let journalId: string;
  it('plans the drop-in with its diff, bracketed by the guard: arm, trial, confirm, reload, confirm, disarm', async () => {
    expect(await login('carol', { password: CAROL_PASSWORD })).toBe('ok'); // passwords work before
    const p = await plan();
    expect(p.steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['guard:arm', 'file:create', 'command:run', 'guard:confirm', 'command:run', 'unit:reload', 'command:run', 'guard:confirm', 'guard:disarm']);
    const file = p.steps.find((s) => s.kind === 'file')!;
    expect(file.summary).toContain(DROP_IN);
    expect(file.diff).toContain('+PasswordAuthentication no');
    expect(file.diff).toContain('+PermitRootLogin no');
    expect(p.steps[0]!.summary).toMatch(/unless a new login confirms the change, .* puts \/etc\/ssh\/sshd_config and .*10-fleetdeck\.conf back and reloads sshd after 120 s/);
    expect(p.steps[3]!.summary).toMatch(/A new login as admin works on the trial sshd \(127\.0\.0\.1:22022\)/);
    expect(p.steps[5]!.summary).toMatch(/Reload ssh .*after \/usr\/sbin\/sshd -t accepts it/);
    expect(p.warnings.join('\n')).toMatch(/puts its old sshd configuration back by itself/);
    expect(p.network).toBeNull();
  }, 120_000);

  it('applies: the trial login and the login after the reload confirm it; verify reads sshd -T', async () => {
    events.length = 0;
    const started = Date.now();
    const r = await apply(await plan());
    expect(r.status, r.message ?? '').toBe('done');
    expect(r.verify.filter((c) => !c.ok), JSON.stringify(r.verify, null, 1)).toEqual([]);
    journalId = r.journalId!;
    const confirmed = events.filter((e) => e.type === 'output' && /^confirmed: a new login as admin/.test(e.line ?? ''));
    expect(confirmed.map((e) => e.line)).toEqual([expect.stringMatching(/port 22022, through this connection/), expect.stringMatching(/worked in \d+ ms, host key checked/)]);
    expect(events.some((e) => e.type === 'output' && /automatic revert armed at step 1 cancelled/.test(e.line ?? ''))).toBe(true);
    const effective = r.verify.find((c) => c.id === 'ssh-effective')!;
    expect(effective.evidence).toMatch(/passwordauthentication no[\s\S]*kbdinteractiveauthentication no[\s\S]*permitrootlogin no/);
    expect(r.verify.find((c) => c.id === 'ssh-algorithms')!.evidence).toMatch(/no weak cipher/);
    expect(await sshdT()).toMatch(/^passwordauthentication no$/m);
    // Nothing of the trial or the timer is left.
    expect((await deb.exec(['sh', '-c', 'systemctl list-units --all --no-legend "fleetdeck-*" | wc -l'])).stdout.trim()).toBe('0');
    console.log(`ssh apply with trial and two confirming logins: ${Date.now() - started} ms`);
  }, 180_000);

  it('a password login is refused now; key logins work', async () => {
    expect(await login('carol', { password: CAROL_PASSWORD })).toMatch(/authentication methods failed/);
    expect(await login('admin', { key: true })).toBe('ok');
    expect(await login('carol', { key: true })).toBe('ok');
  }, 60_000);

  it('plans nothing the second time', async () => {
    const p = await plan();
    expect(p.steps).toEqual([]);
    expect(p.summary).toMatch(/Nothing to change/);
  }, 60_000);

  it('rolls back: the drop-in is gone, sshd runs the old config, passwords work again', async () => {
    const rb = (await fleet.call('change.rollback', { id, journalId })) as { status: string; message: string | null };
    expect(rb.status, rb.message ?? '').toBe('rolled-back');
    expect(await exists(DROP_IN)).toBe(false);
    await sshdAnswers();
    expect(await sshdT()).toMatch(/^passwordauthentication yes$/m);
    expect(await login('carol', { password: CAROL_PASSWORD })).toBe('ok');
    expect(await fleet.call('change.installed', { id })).toEqual([]);
  }, 120_000);

  it('refuses in the plan what would lock Fleetdeck out by its own settings', async () => {
    await expect(plan({ allowUsers: ['carol'] })).rejects.toMatchObject({ problem: 'invalid-input', message: expect.stringMatching(/must include admin/) });
    await expect(plan({ allowUsers: ['admin; PermitRootLogin yes'] })).rejects.toMatchObject({ problem: 'invalid-input' });
  }, 60_000);

  it('LOCKOUT caught by the trial: AllowGroups without any group of admin — the trial login fails, the revert runs at once, the real sshd never changed', async () => {
    const before = await sshdT();
    const p = await plan({ allowGroups: ['nogroup'] });
    expect(p.warnings.join('\n')).toMatch(/admin must be in one of the allowed groups/);
    const r = await apply(p);
    expect(r.status).toBe('failed');
    expect(r.stoppedAt, r.message ?? '').toBe(4); // the trial confirm
    expect(r.message).toMatch(/A new login as admin works on the trial sshd .* failed: /);
    expect(r.message).toMatch(/Reverted automatically \(the guard armed at step 1\):[\s\S]*removed \/etc\/ssh\/sshd_config\.d\/10-fleetdeck\.conf[\s\S]*ran \/bin\/sh -c .*: exit 0/);
    expect(await exists(DROP_IN)).toBe(false);
    await sshdAnswers();
    expect(await sshdT()).toBe(before);
    expect(await login('admin', { key: true })).toBe('ok');
    const j = (await journals())[0]!;
    expect(j).toMatchObject({ id: r.journalId, status: 'rolled-back', stoppedAt: 4 });
  }, 180_000);

  it('LOCKOUT past the trial: a Match rule of the host that only bites on port 22 — the login after the reload fails, the armed revert restores sshd_config, a new login works again', async () => {
    // The host's own trap: a drop-in sshd_config does not read yet (no Include line), which
    // denies admin on port 22 only. sshd -t accepts it; the trial on 22022 does not see it.
    await deb.exec(['sh', '-c', "printf 'Match LocalPort 22\\n  DenyUsers admin\\n' >/etc/ssh/sshd_config.d/50-trap.conf && sed -i 's|^Include /etc/ssh/sshd_config.d/\\*.conf$|#&|' /etc/ssh/sshd_config"]);
    const configBefore = (await deb.exec(['cat', '/etc/ssh/sshd_config'])).stdout;
    expect(configBefore).not.toMatch(/^Include/m);
    try {
      events.length = 0;
      const p = await plan({ x11Forwarding: true });
      expect(p.steps.map((s) => (s.resource as { id?: string }).id ?? s.kind)).toEqual(['ssh-revert', 'ssh-include', 'file', 'ssh-trial', 'ssh-confirm-trial', 'ssh-trial-stop', 'unit', 'ssh-settle', 'ssh-confirm', 'ssh-disarm']);
      const r = await apply(p);
      expect(r.status).toBe('failed');
      expect(r.stoppedAt, r.message ?? '').toBe(9); // the login after the real reload
      // The trial login passed and the real sshd was reloaded: the lockout was real.
      expect(events.filter((e) => e.type === 'step-done').map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(r.message).toMatch(/A new login as admin works through sshd's own port with the new configuration failed: /);
      expect(r.message).toMatch(/Reverted automatically \(the guard armed at step 1\):[\s\S]*restored \/etc\/ssh\/sshd_config[\s\S]*removed \/etc\/ssh\/sshd_config\.d\/10-fleetdeck\.conf[\s\S]*ran .*: exit 0/);
      expect((await deb.exec(['cat', '/etc/ssh/sshd_config'])).stdout).toBe(configBefore);
      expect(await exists(DROP_IN)).toBe(false);
      await sshdAnswers();
      expect(await login('admin', { key: true })).toBe('ok');
      // The journal says so, with the revert's own log as evidence.
      const j = (await journals())[0]!;
      expect(j).toMatchObject({ id: r.journalId, status: 'rolled-back', stoppedAt: 9 });
      const tail = (await deb.exec(['tail', '-n', '2', `/var/lib/fleetdeck/journal/${r.journalId}/events.jsonl`])).stdout;
      expect(tail).toMatch(/"type":"rollback-start".*step 9 failed inside the guard armed at step 1[\s\S]*"type":"rollback-end".*restored \/etc\/ssh\/sshd_config/);
      // And Fleetdeck itself connects anew.
      await fleet.call('hosts.disconnect', { id });
      expect((await connectTrusting(fleet, id)).state).toBe('connected');
    } finally {
      await deb.exec(['sh', '-c', "rm -f /etc/ssh/sshd_config.d/50-trap.conf && sed -i 's|^#\\(Include /etc/ssh/sshd_config.d/\\*.conf\\)$|\\1|' /etc/ssh/sshd_config && systemctl reload ssh"]);
      await sshdAnswers();
    }
  }, 240_000);

  it('the link is cut right after the guard armed: the host reverts by itself', async () => {
    events.length = 0;
    const p = await plan({ revertAfterSeconds: 30 });
    let cut = false;
    const off = fleet.events.on((name, e) => {
      const ev = (e as { event: JournalEvent }).event;
      if (name === 'change.onProgress' && ev.type === 'step-done' && ev.step === 1 && !cut) {
        cut = true;
        void fleet.call('hosts.disconnect', { id });
      }
    });
    const r = await apply(p).catch((err: unknown) => ({ status: 'threw', message: String(err) }) as unknown as ApplyResult);
    off();
    const cutAt = Date.now();
    console.log(`link cut: apply ended ${r.status}: ${(r.message ?? '').split('\n')[0]}`);
    expect(cut).toBe(true);
    expect(['interrupted', 'failed', 'threw']).toContain(r.status);
    // Within the revert time (30 s) plus a margin, the host is back as it was, by itself.
      for (let i = 0; i < 60; i++) {
      const dir = (await deb.exec(['sh', '-c', 'ls -t /var/lib/fleetdeck/journal | head -n 1'])).stdout.trim();
      const ev = (await deb.exec(['cat', `/var/lib/fleetdeck/journal/${dir}/events.jsonl`])).stdout;
      if (/"type":"rollback-end"/.test(ev)) {
        console.log(`link cut: the host was back ${Date.now() - cutAt} ms after the apply ended; journal tail:\n${ev.trim().split('\n').slice(-4).join('\n')}`);
        expect(await exists(DROP_IN)).toBe(false);
        break;
      }
      await new Promise((res) => setTimeout(res, 1000));
    }
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
    const summary = (await journals())[0];
    expect(summary?.status).toBe('rolled-back');
    expect(await exists(DROP_IN)).toBe(false);
    await sshdAnswers();
    expect(await sshdT()).toMatch(/^passwordauthentication yes$/m); // Debian's own default again, not the drop-in's
    expect((await deb.exec(['sh', '-c', 'systemctl list-units --all --no-legend "fleetdeck-*" | grep -v "^$" | wc -l'])).stdout.trim()).toBe('0');
  }, 180_000);
});
