import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyResult, ChangePlan } from '../../../src-common/change/modules.contract.js';
import type { HostWithState } from '../../../src-common/hosts/hosts.contract.js';
import { loadAssets } from '../../../src-main/core/agent/assets.js';
import { Fleet } from '../../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';
import { addHost, connectTrusting, runCli } from '../harness.js';

/**
 * The agent module, live on the systemd Debian testbed host: installed through the engine and
 * verified (unit active, socket 0660 root:fleetdeck-agent, a user outside the group refused);
 * Fleetdeck then reaches it through the SSH connection (stream-local forwarding) instead of
 * starting its helper; a gap while Fleetdeck was away is backfilled (samples counted); the host
 * container restarted → the agent is back; a changed helper on the host → the per-connection
 * helper with a note, and a re-apply puts this build back; forwarding refused by sshd → the
 * per-connection helper with a note; rollback → nothing left.
 */
const unavailable = await testbedUnavailableReason({ docker: true });

describe.skipIf(unavailable)('agent module on a live Debian host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let dataDir: string;
  let id: number;
  let journalId: string;
  let upgradeJournal: string;
  const plan = (settings: Record<string, unknown> = {}): Promise<ChangePlan> => fleet.call('change.plan', { id, modules: [{ id: 'agent', settings }] }) as Promise<ChangePlan>;
  const apply = (p: ChangePlan): Promise<ApplyResult> => fleet.call('change.apply', { id, planId: p.planId, tag: p.tag }) as Promise<ApplyResult>;
  const sh = async (script: string, user?: string) => {
    const r = await deb.exec(['sh', '-c', script], user ? { user } : {});
    return `${r.stdout}${r.stderr}`.trim();
  };
  const state = async () => ((await fleet.call('hosts.get', { id })) as HostWithState).connection;
  const reconnect = async () => {
    await fleet.call('hosts.disconnect', { id });
    const s = await connectTrusting(fleet, id);
    expect(s.state, JSON.stringify(s)).toBe('connected');
    return state();
  };
  /** The host-clock times of this host's raw samples in [from, to]. */
  const times = (from: number, to: number) => (fleet.db.prepare('SELECT t FROM metric_raw WHERE host_id = ? AND t BETWEEN ? AND ? ORDER BY t').pluck().all(id, from, to) as number[]);

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'agent-mod' });
    dataDir = mkdtempSync(path.join(tmpdir(), 'fd-agent-'));
    fleet = new Fleet({ dataDir, knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
    id = (await addHost(fleet, deb, 'admin')).id;
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  it('without it: the per-connection helper, no note', async () => {
    expect(await state()).toMatchObject({ state: 'connected', helper: 'per-connection' });
    expect((await state()) as { note?: string }).not.toHaveProperty('note');
  });

  it('installs through the engine and verifies: unit active, socket 0660 root:fleetdeck-agent, a user outside the group refused; nothing planned the second time', async () => {
    const p = await plan();
    expect(p.warnings.join('\n')).toMatch(/reconnect to .* once/);
    const r = await apply(p);
    expect(r.status, r.message ?? '').toBe('done');
    expect(r.verify.filter((c) => !c.ok)).toEqual([]);
    journalId = r.journalId!;
    expect(await sh('systemctl is-active fleetdeck-agent; stat -c "%a %U:%G" /run/fleetdeck-agent/agent.sock')).toBe('active\n660 root:fleetdeck-agent');
    expect(await sh('test -w /run/fleetdeck-agent/agent.sock && echo can || echo cannot', 'nox')).toBe('cannot');
    expect(await sh('id -nG admin')).toMatch(/\bfleetdeck-agent\b/);
    expect((await plan()).steps).toEqual([]);
  }, 300_000);

  it('after a reconnect Fleetdeck reaches the agent through SSH and starts nothing on the host', async () => {
    expect(await reconnect()).toMatchObject({ state: 'connected', helper: 'agent' });
    const inv = (await fleet.call('inventory.snapshot', { id })) as { os?: unknown };
    expect(inv).toBeTruthy();
    // No per-connection helper for admin: only the agent's node runs helper.cjs.
    expect(await sh('ps -eo user:20,args | grep "[h]elper.cjs" | awk "{print \\$1}" | sort -u')).toBe('root');
  }, 120_000);

  it('the agent crashing while Fleetdeck uses it: the per-connection helper takes over with a note, changes still work, a reconnect reaches the restarted agent', async () => {
    await sh('kill -9 $(systemctl show -p MainPID --value fleetdeck-agent)');
    // sshd only half-closes the forwarded channel (EOF): the session must notice that by itself.
    await expect.poll(() => fleet.session(id).state, { timeout: 10_000 }).toMatchObject({ state: 'connected', helper: 'per-connection', note: expect.stringMatching(/stopped answering/) });
    await expect.poll(() => sh('systemctl is-active fleetdeck-agent'), { timeout: 10_000 }).toBe('active'); // Restart=always
    expect((await plan()).steps).toEqual([]); // through the per-connection root helper
    expect(await reconnect()).toMatchObject({ state: 'connected', helper: 'agent' });
  }, 120_000);

  it('fills the gap in history while Fleetdeck was away (samples counted, no hole)', async () => {
    await fleet.call('monitor.start', { id });
    await expect.poll(() => times(0, Number.MAX_SAFE_INTEGER).length, { timeout: 20_000 }).toBeGreaterThan(2);
    await fleet.call('hosts.disconnect', { id });
    const away = Number(await sh('date +%s%3N'));
    await new Promise((r) => setTimeout(r, 15_000));
    const back = Number(await sh('date +%s%3N'));
    expect(times(away + 1500, back - 1500)).toEqual([]); // the hole, before
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
    await fleet.call('monitor.start', { id });
    await expect.poll(() => times(away, back).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(13);
    const t = times(away - 3000, back);
    const gaps = t.slice(1).map((x, i) => x - t[i]!);
    expect(Math.max(...gaps)).toBeLessThan(2500);
  }, 120_000);

  it('comes back after the host restarts', async () => {
    execFileSync('docker', ['restart', '-t', '5', deb.containerId], { stdio: 'ignore' });
    await expect.poll(async () => (await sh('systemctl is-active fleetdeck-agent').catch(() => '')), { timeout: 90_000, interval: 1000 }).toBe('active');
    await fleet.call('hosts.disconnect', { id });
    await expect.poll(async () => (await connectTrusting(fleet, id).catch(() => ({ state: 'failed' }))).state, { timeout: 60_000, interval: 2000 }).toBe('connected');
    expect(await state()).toMatchObject({ helper: 'agent' });
  }, 240_000);

  it('another helper build on the host: the per-connection helper with a note; a re-apply puts this build back and restarts it', async () => {
    await sh('echo "// changed" >> /usr/local/lib/fleetdeck-agent/helper.cjs && systemctl restart fleetdeck-agent && sleep 1');
    const s = await reconnect();
    expect(s).toMatchObject({ helper: 'per-connection', note: expect.stringMatching(/another build of the helper .* re-apply the agent module/) });
    const p = await plan();
    expect(p.steps.map((x) => x.summary)).toEqual(expect.arrayContaining([expect.stringMatching(/Update \/usr\/local\/lib\/fleetdeck-agent\/helper\.cjs/), expect.stringMatching(/fleetdeck-agent/)]));
    const r = await apply(p);
    expect(r.status, r.message ?? '').toBe('done');
    expect(await reconnect()).toMatchObject({ helper: 'agent' });
    expect(await sh('sha256sum < /usr/local/lib/fleetdeck-agent/helper.cjs | cut -d" " -f1')).toBe(loadAssets().helperHash);
    upgradeJournal = r.journalId!;
  }, 240_000);

  it('forwarding refused by sshd: the per-connection helper, and the host page says why', async () => {
    await sh('echo "AllowStreamLocalForwarding no" >> /etc/ssh/sshd_config && systemctl reload ssh && sleep 1');
    try {
      await fleet.call('hosts.disconnect', { id });
      await expect.poll(async () => (await connectTrusting(fleet, id).catch(() => ({ state: 'failed' }))).state, { timeout: 30_000, interval: 1000 }).toBe('connected');
      expect(await state()).toMatchObject({ helper: 'per-connection', note: expect.stringMatching(/refuses stream-local forwarding \(AllowStreamLocalForwarding no/) });
    } finally {
      await sh('sed -i "/^AllowStreamLocalForwarding no$/d" /etc/ssh/sshd_config && systemctl reload ssh && sleep 1');
    }
  }, 120_000);

  it('rolls back: unit, socket, files, group and buffer gone', async () => {
    for (const j of [upgradeJournal, journalId]) {
      const rb = (await fleet.call('change.rollback', { id, journalId: j })) as { status: string; message: string | null };
      expect(rb.status, rb.message ?? '').toBe('rolled-back');
    }
    expect(await sh('for p in /etc/systemd/system/fleetdeck-agent.service /usr/local/lib/fleetdeck-agent /var/lib/fleetdeck-agent /run/fleetdeck-agent/agent.sock; do test -e $p && echo "$p left"; done; getent group fleetdeck-agent; systemctl is-active fleetdeck-agent; true')).toMatch(/^(inactive|unknown)$/);
    expect(await reconnect()).toMatchObject({ helper: 'per-connection' });
  }, 120_000);

  /**
   * Without root (carol; Fleetdeck has no sudo password for her): the per-user agent, a detached
   * process of carol's own in ~/.cache/fleetdeck/agent — every step carol's own, her journal.
   */
  describe('the per-user agent, without root', () => {
    const dir = '/home/carol/.cache/fleetdeck/agent';
    let cid: number;
    const journals: string[] = [];
    const cplan = (settings: Record<string, unknown> = {}): Promise<ChangePlan> => fleet.call('change.plan', { id: cid, modules: [{ id: 'agent', settings: { runAs: 'login', ...settings } }] }) as Promise<ChangePlan>;
    const capply = async (p: ChangePlan) => {
      const r = (await fleet.call('change.apply', { id: cid, planId: p.planId, tag: p.tag })) as ApplyResult;
      expect(r.status, r.message ?? '').toBe('done');
      expect(r.verify.filter((c) => !c.ok)).toEqual([]);
      journals.push(r.journalId!);
      return r;
    };
    const creconnect = async () => {
      await fleet.call('hosts.disconnect', { id: cid });
      expect((await connectTrusting(fleet, cid)).state).toBe('connected');
      return ((await fleet.call('hosts.get', { id: cid })) as HostWithState).connection;
    };
    const agentPid = () => sh(`cat ${dir}/pid`);

    beforeAll(async () => {
      cid = (await addHost(fleet, deb, 'carol')).id;
      expect((await connectTrusting(fleet, cid)).state).toBe('connected');
    }, 120_000);

    it('plans every step as carol, says plainly what it sees and that a reboot stops it; installs and verifies; nothing planned the second time', async () => {
      const p = await cplan();
      expect(p.steps.length).toBeGreaterThan(0);
      expect(p.steps.filter((x) => x.needsRoot)).toEqual([]);
      expect(p.warnings.join('\n')).toMatch(/runs as carol, without root: it sees only what carol may see/);
      expect(p.warnings.join('\n')).toMatch(/a reboot of .* stops it/);
      await capply(p);
      expect(await sh(`stat -c "%a %U" ${dir} ${dir}/agent.sock; ps -o user= -p $(cat ${dir}/pid)`)).toBe('700 carol\n600 carol\ncarol');
      expect(await sh(`test -w ${dir}/agent.sock && echo can || echo cannot`, 'admin')).toBe('cannot');
      // Carol's own journal, in her state dir: root's has nothing of it.
      expect(await sh(`test -d /home/carol/.local/state/fleetdeck/journal/${journals[0]} && echo hers; test -e /var/lib/fleetdeck/journal/${journals[0]} && echo root; true`)).toBe('hers');
      expect((await cplan()).steps).toEqual([]);
    }, 180_000);

    it('a reconnect reaches it through SSH: nothing started on the host, reads answered by carol\'s agent', async () => {
      expect(await creconnect()).toMatchObject({ state: 'connected', helper: 'agent', agentPerUser: true });
      expect(await fleet.call('inventory.snapshot', { id: cid })).toBeTruthy();
      expect(await sh('ps -u carol -o args= | grep -c "[h]elper.cjs"')).toBe('1');
    }, 120_000);

    it('a reboot of the host stops it: the connect says so, and the next plan starts it again', async () => {
      execFileSync('docker', ['restart', '-t', '5', deb.containerId], { stdio: 'ignore' });
      await expect.poll(async () => (await sh('systemctl is-system-running --wait').catch(() => '')), { timeout: 90_000, interval: 1000 }).toMatch(/running|degraded/);
      await fleet.call('hosts.disconnect', { id: cid });
      await expect.poll(async () => (await connectTrusting(fleet, cid).catch(() => ({ state: 'failed' }))).state, { timeout: 60_000, interval: 2000 }).toBe('connected');
      const s = ((await fleet.call('hosts.get', { id: cid })) as HostWithState).connection;
      expect(s).toMatchObject({ helper: 'per-connection', note: expect.stringMatching(/per-user agent is not running .* Apply the agent again/) });
      const p = await cplan();
      expect(p.steps.map((x) => x.summary)).toEqual([expect.stringMatching(/^Start the agent as carol, detached/)]);
      await capply(p);
      expect(await creconnect()).toMatchObject({ helper: 'agent', agentPerUser: true });
    }, 240_000);

    it('a changed setting restarts it with that setting (as a new helper build would)', async () => {
      const before = await agentPid();
      await capply(await cplan({ keepHours: 24 }));
      expect(await agentPid()).not.toBe(before);
      expect(await sh(`cat ${dir}/running`)).toBe(`${loadAssets().helperHash} 24`);
      expect((await cplan({ keepHours: 24 })).steps).toEqual([]);
    }, 180_000);

    it('rolls back as carol: the process stopped, its directory gone', async () => {
      const pid = await agentPid();
      for (const j of journals.reverse()) {
        const rb = (await fleet.call('change.rollback', { id: cid, journalId: j })) as { status: string; message: string | null };
        expect(rb.status, rb.message ?? '').toBe('rolled-back');
      }
      expect(await sh(`test -e ${dir} && echo left; test -e /proc/${pid} && echo running; true`)).toBe('');
    }, 180_000);

    it('from the CLI: as a service the refusal says how to run it without root; with runAs=login it applies, answers, and rolls back as carol', async () => {
      const host = ((await fleet.call('hosts.get', { id: cid })) as HostWithState).name;
      const service = await runCli(dataDir, ['modules', 'apply', host, 'agent', '--yes']);
      expect(service.code).not.toBe(0);
      expect(service.out + service.err).toMatch(/Without root the agent can still run as your own process: .*--set agent\.runAs=login/);
      const mine = await runCli(dataDir, ['modules', 'apply', host, 'agent', '--set', 'agent.runAs=login', '--yes']);
      expect(mine.code, mine.out + mine.err).toBe(0);
      expect(mine.out).toMatch(/Applied and verified \(4 checks passed\)/);
      expect((await runCli(dataDir, ['inventory', host, '--verbose'])).err).toMatch(/agent: connected through \/home\/carol\/\.cache\/fleetdeck\/agent\/agent\.sock/);
      const back = await runCli(dataDir, ['modules', 'rollback', host, '--yes']);
      expect(back.code, back.out + back.err).toBe(0);
      expect(await sh(`test -e ${dir} && echo left; true`)).toBe('');
    }, 240_000);

    it('the footprint lists a per-user agent and removing it stops it first', async () => {
      await capply(await cplan());
      const pid = await agentPid();
      const fp = (await fleet.call('footprint.plan', { id: cid })) as { planId: string; tag: string; items: { kind: string; path: string }[] };
      expect(fp.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'agent', path: dir })]));
      const rm = (await fleet.call('footprint.remove', { id: cid, planId: fp.planId, tag: fp.tag })) as { removed: string[]; verified: boolean };
      expect(rm.removed).toContain(dir);
      expect(await sh(`test -e ${dir} && echo left; test -e /proc/${pid} && echo running; true`)).toBe('');
    }, 180_000);
  });
});
