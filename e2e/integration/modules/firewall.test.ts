import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyResult, ChangePlan } from '../../../src-common/change/modules.contract.js';
import type { JournalSummary } from '../../../src-common/change/plan.schema.js';
import { Fleet } from '../../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';
import { attachVeth, probeTcp, vethUnavailableReason, type VethLink } from '../../testbed/network-host.js';
import { addHost, connectTrusting } from '../harness.js';

/**
 * The firewall module, live: a systemd Debian test host with NET_ADMIN and a real network path
 * (a veth pair between this machine and the host, e2e/testbed/network-host.ts). Fleetdeck itself
 * connects through that path, so the rules bite on its own SSH: the plan is applied and verified,
 * an allowed port answers and a blocked one stays silent from this machine, a second plan is
 * empty, drift (a hand edit, a flushed ruleset) is planned back, rules that shut out Fleetdeck's
 * own address fail the confirming login and revert by themselves, and a rollback removes it all.
 */
const unavailable = (await testbedUnavailableReason({ docker: true })) ?? (await vethUnavailableReason());

/** Listens inside the host (a second sshd): 2223 is allowed by the settings, 2222 is not. */
const ALLOWED = 2223;
const BLOCKED = 2222;
/** TEST-NET-2 and IPv6's documentation prefix: no address Fleetdeck connects from. */
const ELSEWHERE = ['198.51.100.0/24', '2001:db8::/32'];

describe.skipIf(unavailable)('firewall module on a live Debian host, probed over a veth', () => {
  let deb: DebianHost;
  let link: VethLink;
  let fleet: Fleet;
  let id: number;
  let dataDir: string;
  const settings = { tcpPorts: [22, ALLOWED], icmp: true, logDropped: true };
  const plan = (s: Record<string, unknown> = settings): Promise<ChangePlan> => fleet.call('change.plan', { id, modules: [{ id: 'firewall', settings: s }] }) as Promise<ChangePlan>;
  const apply = (p: ChangePlan): Promise<ApplyResult> => fleet.call('change.apply', { id, planId: p.planId, tag: p.tag }) as Promise<ApplyResult>;
  const ruleset = async () => (await deb.exec(['nft', 'list', 'ruleset'])).stdout;

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'fw-mod', apt: true, caps: ['NET_ADMIN'] });
    link = await attachVeth(deb.containerId);
    const extra = await deb.exec(['/usr/sbin/sshd', '-p', String(BLOCKED), '-p', String(ALLOWED), '-o', 'PidFile=/run/sshd-extra.pid']);
    expect(extra.code, extra.stderr).toBe(0);
    dataDir = mkdtempSync(path.join(tmpdir(), 'fd-firewall-'));
    fleet = new Fleet({ dataDir, knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
    // Fleetdeck reaches the host over the veth, as it would a server on a LAN: through its firewall.
    const host = await addHost(fleet, { ...deb, address: link.hostAddress, port: 22 }, 'admin');
    id = host.id;
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await link?.close();
    await deb?.stop();
  });

  it('before: every port that listens answers from this machine', async () => {
    expect(await probeTcp(link.hostAddress, 22)).toBe('open');
    expect(await probeTcp(link.hostAddress, BLOCKED)).toBe('open');
    expect(await probeTcp(link.hostAddress, ALLOWED)).toBe('open');
  });

  it('refuses settings without the SSH port, and hostile networks, before anything runs', async () => {
    await expect(plan({ tcpPorts: [80, 443] })).rejects.toThrow(/SSH port \(22\) must be among the allowed TCP ports/);
    await expect(plan({ allowedSources: ['10.0.0.0/8; nft flush ruleset'] })).rejects.toThrow(/Not a network/);
    await expect(plan({ allowedSources: ['10.0.0.1/8'] })).rejects.toThrow(/host bits set: the network is 10\.0\.0\.0\/8/);
  });

  let journalId: string;
  it('plans nftables: the package, the guard around the switch, the table file with its rules, the unit', async () => {
    const p = await plan();
    const kinds = p.steps.map((s) => `${s.kind}:${s.action}`);
    expect(kinds).toEqual(expect.arrayContaining(['package:install', 'guard:arm', 'file:create', 'unit:enable', 'guard:confirm', 'guard:disarm']));
    expect(kinds.indexOf('guard:arm')).toBeLessThan(kinds.indexOf('file:create'));
    expect(kinds.indexOf('guard:confirm')).toBeGreaterThan(kinds.indexOf('unit:enable'));
    const table = p.steps.find((s) => s.kind === 'file' && s.summary.includes('fleetdeck.nft'))!;
    expect(table.diff).toContain('+\t\ttcp dport 22 accept comment "SSH"');
    expect(table.diff).toContain(`+\t\ttcp dport ${ALLOWED} accept`);
    expect(table.diff).toContain('policy drop;');
    expect(p.checks.map((c) => c.id)).toEqual(['firewall-rules', 'firewall-enabled', 'firewall-ssh']);
  }, 120_000);

  it('applies (the confirming login passes the new rules), verifies, and the rules bite from this machine', async () => {
    const started = Date.now();
    const r = await apply(await plan());
    expect(r.status, r.message ?? '').toBe('done');
    expect(r.verify.filter((c) => !c.ok)).toEqual([]);
    console.log(`firewall apply + verify: ${Date.now() - started} ms`);
    journalId = r.journalId!;
    const rules = await ruleset();
    expect(rules).toContain('table inet fleetdeck');
    expect(rules).toMatch(/policy drop;/);
    expect(rules).toContain(`tcp dport ${ALLOWED} accept`);
    expect(rules).toContain('log prefix "fleetdeck-drop: "');
    expect((await deb.exec(['systemctl', 'is-enabled', 'nftables'])).stdout.trim()).toBe('enabled');
    expect(await probeTcp(link.hostAddress, 22)).toBe('open');
    expect(await probeTcp(link.hostAddress, ALLOWED)).toBe('open');
    // Dropped, not refused: no answer at all.
    expect(await probeTcp(link.hostAddress, BLOCKED)).toBe('timeout');
    // Loopback stays open (the testbed's own socket forwarding rides on it).
    expect((await deb.exec(['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${BLOCKED} && echo open`])).stdout.trim()).toBe('open');
  }, 300_000);

  it('plans nothing the second time', async () => {
    const p = await plan();
    expect(p.steps).toEqual([]);
  }, 120_000);

  it('shows drift for a hand edit of the rules file and for a flushed live ruleset, and applies them back', async () => {
    await deb.exec(['sh', '-c', 'echo "# edited by hand" >> /etc/nftables.d/fleetdeck.nft']);
    let drift = (await fleet.call('change.drift', { id })) as ChangePlan;
    expect(drift.steps.find((s) => s.kind === 'file')?.diff).toContain('-# edited by hand');
    expect(drift.steps.map((s) => s.kind)).toContain('guard');
    let r = await apply(drift);
    expect(r.status, r.message ?? '').toBe('done');

    await deb.exec(['nft', 'delete', 'table', 'inet', 'fleetdeck']);
    expect(await probeTcp(link.hostAddress, BLOCKED)).toBe('open');
    drift = (await fleet.call('change.drift', { id })) as ChangePlan;
    expect(drift.steps.map((s) => s.resource.kind === 'command' && s.resource.id)).toContain('firewall-load');
    r = await apply(drift);
    expect(r.status, r.message ?? '').toBe('done');
    expect(r.verify.filter((c) => !c.ok)).toEqual([]);
    expect(await probeTcp(link.hostAddress, BLOCKED)).toBe('timeout');
    expect(((await fleet.call('change.drift', { id })) as ChangePlan | null)?.steps ?? []).toEqual([]);
  }, 300_000);

  it('lockout: allowed networks that miss Fleetdeck’s own address fail the confirming login, and the host reverts by itself', async () => {
    const p = await plan({ ...settings, allowedSources: ELSEWHERE });
    expect(p.warnings.join('\n')).toMatch(/Only 198\.51\.100\.0\/24, 2001:db8::\/32 reach the allowed ports, SSH included/);
    const started = Date.now();
    const r = await apply(p);
    const took = Date.now() - started;
    console.log(`lockout apply ended after ${took} ms: ${r.status} at step ${r.stoppedAt}: ${r.message?.split('\n')[0]}`);
    expect(r.status).toBe('failed');
    const confirm = p.steps.find((s) => s.kind === 'guard' && s.action === 'confirm')!;
    expect(r.stoppedAt).toBe(confirm.n);
    // The revert runs a few seconds after the failed confirm: the new rules go, the old ones come back.
    const deadline = Date.now() + 60_000;
    let rules = await ruleset();
    while (rules.includes('198.51.100.0/24') && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 1000));
      rules = await ruleset();
    }
    console.log(`reverted ${Date.now() - started} ms after the apply started`);
    expect(rules).not.toContain('198.51.100.0/24');
    expect(rules).toContain(`tcp dport ${ALLOWED} accept`);
    expect(await probeTcp(link.hostAddress, 22)).toBe('open');
    expect(await probeTcp(link.hostAddress, BLOCKED)).toBe('timeout');
    const file = await deb.exec(['cat', '/etc/nftables.d/fleetdeck.nft']);
    expect(file.stdout).not.toContain('198.51.100.0/24');
    // A brand-new connection works again, and the host's journal says what happened.
    fleet.close();
    fleet = new Fleet({ dataDir, knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
    const journals = (await fleet.call('change.journals', { id })) as JournalSummary[];
    const locked = journals.find((j) => j.id === r.journalId)!;
    expect(locked.status).toBe('rolled-back');
    // What is installed is still the confirmed settings: nothing drifted.
    expect(((await fleet.call('change.drift', { id })) as ChangePlan | null)?.steps ?? []).toEqual([]);
  }, 300_000);

  it('rolls back: rules gone, every port answers again, nftables removed', async () => {
    const rb = (await fleet.call('change.rollback', { id, journalId })) as { status: string; message: string | null };
    expect(rb.status, rb.message ?? '').toBe('rolled-back');
    expect(await probeTcp(link.hostAddress, BLOCKED)).toBe('open');
    // Removed, not purged: dpkg keeps its conffiles ("deinstall ok config-files").
    expect((await deb.exec(['dpkg-query', '-W', '-f=${db:Status-Status}', 'nftables'])).stdout.trim()).toBe('config-files');
    expect((await deb.exec(['test', '-e', '/etc/nftables.d/fleetdeck.nft'])).code).not.toBe(0);
    expect(await fleet.call('change.installed', { id })).toEqual([]);
  }, 300_000);

  it("on a host that has nftables already, rolling back leaves other programs' rules (Docker's) loaded", async () => {
    // nftables.service's stop runs `nft flush ruleset`: a rollback that stopped it would drop them.
    const install = await deb.exec(['sh', '-c', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q nftables >/dev/null 2>&1; nft add table ip dockerish && nft add chain ip dockerish DOCKER && systemctl is-enabled nftables; true']);
    const enabledBefore = install.stdout.trim();
    expect(await ruleset()).toContain('table ip dockerish');
    const r = await apply(await plan());
    expect(r.status, r.message ?? '').toBe('done');
    expect(await ruleset()).toMatch(/table ip dockerish[\s\S]*table inet fleetdeck|table inet fleetdeck[\s\S]*table ip dockerish/);
    const rb = (await fleet.call('change.rollback', { id, journalId: r.journalId })) as { status: string; message: string | null };
    expect(rb.status, rb.message ?? '').toBe('rolled-back');
    const after = await ruleset();
    expect(after).toContain('table ip dockerish');
    expect(after).not.toContain('table inet fleetdeck');
    expect(await probeTcp(link.hostAddress, BLOCKED)).toBe('open');
    // What was there before stays: the package, and whether it starts at boot.
    expect((await deb.exec(['dpkg-query', '-W', '-f=${db:Status-Status}', 'nftables'])).stdout.trim()).toBe('installed');
    expect((await deb.exec(['systemctl', 'is-enabled', 'nftables'])).stdout.trim()).toBe(enabledBefore);
  }, 300_000);
});
