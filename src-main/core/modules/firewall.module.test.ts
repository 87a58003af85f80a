import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as zm from 'zod/mini';
import { checkSchema } from '../../../src-common/change/plan.schema.js';
import { resourceSchema, type CommandResource, type FileResource, type GuardResource, type Observed, type Resource, type UnitResource } from '../../../src-common/change/resource.schema.js';
import { firewallInfo, firewallSettings, parseCidr, type FirewallSettings } from '../../../src-common/modules/firewall.js';
import { checkModuleSettings } from '../../../src-common/modules/index.js';
import { FAMILY_HOSTS, familyFacts, type FamilyHost } from '../change/family-probes.test-util.js';
import type { ChangeModule, HostFacts, ModuleContext } from '../change/module.js';
import { desiredState, planSteps, type DesiredState } from '../change/planner.js';
import { dockerModule } from './docker.module.js';
import { FIREWALLD_HAS_RULES, FIREWALLD_ZONE_FILE, firewallModule, NFT_HAS_RULES, NFT_TABLE_FILE, nftTable, safeComment } from './firewall.module.js';
import { nginxModule } from './nginx.module.js';
import { appliedObserved, freshObserved } from '../change/observed.test-util.js';

/**
 * The firewall module as pure functions of the probe: its plan for every family (nftables or
 * firewalld), the rules it renders (the SSH port always, other modules' ports added and listed,
 * allowed networks, ICMP, logging), the lockout guard around the switch, its settings refusing
 * hostile input, and its fixed shell checks run for real against a stand-in nft/firewall-cmd.
 */
const FAMILIES = Object.keys(FAMILY_HOSTS) as FamilyHost[];
const NFT_FAMILIES: FamilyHost[] = ['debian-12', 'ubuntu-24.04', 'arch-linux', 'alpine-3.23'];

function settings(over: Record<string, unknown> = {}): FirewallSettings {
  return firewallSettings.parse({ ...firewallInfo.defaults, ...over });
}

function desired(facts: HostFacts, over: Record<string, unknown> = {}, installedPorts: ModuleContext<unknown>['ports'] = []): DesiredState {
  return desiredState([{ module: firewallModule as ChangeModule, settings: settings(over) }], facts, new Set(), installedPorts);
}

function ctxFor(facts: HostFacts, over: Record<string, unknown> = {}): ModuleContext<FirewallSettings> {
  return { facts, settings: settings(over), modules: new Set(['firewall']), ports: [] };
}

const resources = (d: DesiredState) => d.items.map((i) => i.resource);
const files = (d: DesiredState) => resources(d).filter((r): r is FileResource => r.kind === 'file');
const file = (d: DesiredState, p: string) => files(d).find((f) => f.path === p)?.content ?? null;
const guards = (d: DesiredState) => resources(d).filter((r): r is GuardResource => r.kind === 'guard');
const commands = (d: DesiredState) => resources(d).filter((r): r is CommandResource => r.kind === 'command');
const unit = (d: DesiredState) => resources(d).find((r): r is UnitResource => r.kind === 'unit')!;

/** What a fresh host answers: nothing there yet. */
const fresh = (d: DesiredState): Observed[] => resources(d).map(freshObserved);

/** What the host answers once the plan was applied: everything as wanted. */
const applied = (d: DesiredState, edit: (r: Resource, o: Observed) => Observed = (_r, o) => o): Observed[] => resources(d).map((r) => edit(r, appliedObserved(r)));

describe('firewall settings', () => {
  it('the defaults are valid (SSH only) and are what the form starts with', () => {
    expect(settings()).toEqual({ sshPort: 22, tcpPorts: [22], udpPorts: [], allowedSources: [], icmp: true, logDropped: false, revertAfterSeconds: 120 });
    expect(firewallInfo.fields.map((f) => f.key).sort()).toEqual(Object.keys(firewallInfo.defaults).sort());
  });

  it('takes ports and networks as lists or as one line, and writes IPv6 in its canonical form', () => {
    expect(settings({ tcpPorts: '22, 80 443', udpPorts: ['51820'] })).toMatchObject({ tcpPorts: [22, 80, 443], udpPorts: [51820] });
    expect(settings({ allowedSources: '10.0.0.0/8, 192.168.1.7  2001:DB8:0:0::/64 ::ffff:1.2.3.4' }).allowedSources).toEqual(['10.0.0.0/8', '192.168.1.7', '2001:db8::/64', '::ffff:102:304']);
    expect(settings({ sshPort: 2200, tcpPorts: [2200] }).sshPort).toBe(2200);
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['a port list without the SSH port', { tcpPorts: [80, 443] }, /SSH port \(22\) must be among the allowed TCP ports/],
    ['a moved SSH port that is not listed', { sshPort: 2200, tcpPorts: [22] }, /SSH port \(2200\) must be among/],
    ['port 0', { tcpPorts: [22, 0] }, /1 to 65535/],
    ['a port past 65535', { udpPorts: [70000] }, /1 to 65535/],
    ['a fraction of a port', { tcpPorts: [22, 80.5] }, /whole number/],
    ['a port range as text', { tcpPorts: '22 8000-9000' }, /1 to 65535/],
    ['a shell command as a port', { tcpPorts: '22; nft flush ruleset' }, /1 to 65535/],
    ['a duplicate port', { tcpPorts: [22, 80, 80] }, /listed twice/],
    ['too many ports', { tcpPorts: Array.from({ length: 65 }, (_, i) => i + 1) }, /At most 64 TCP ports/],
    ['a shell command as a network', { allowedSources: ['10.0.0.0/8; nft flush ruleset'] }, /Not a network/],
    ['an nft injection as a network', { allowedSources: ['10.0.0.0/8 } accept; chain x {'] }, /Not a network/],
    ['a command substitution', { allowedSources: ['$(reboot)'] }, /Not a network/],
    ['a host name', { allowedSources: ['office.example.org'] }, /Not a network/],
    ['an IPv6 zone id', { allowedSources: ['fe80::1%eth0'] }, /Not a network/],
    ['unicode digits', { allowedSources: ['١٠.0.0.0/8'] }, /Not a network/],
    ['a newline', { allowedSources: ['10.0.0.0/8\n0.0.0.0/0'] }, /Not a network/],
    ['an overlong network', { allowedSources: [`10.0.0.0/${'0'.repeat(60)}`] }, /at most 49 characters/],
    ['a huge string', { allowedSources: ['1'.repeat(100_000)] }, /at most 49 characters/],
    ['an octet past 255', { allowedSources: ['10.0.0.256'] }, /Not an IPv4 or IPv6 address/],
    ['leading zeros (octal to some tools)', { allowedSources: ['010.0.0.0/8'] }, /Not an IPv4 or IPv6 address/],
    ['a prefix past 32', { allowedSources: ['10.0.0.0/33'] }, /0 to 32/],
    ['a prefix past 128', { allowedSources: ['2001:db8::/129'] }, /0 to 128/],
    ['two slashes', { allowedSources: ['10.0.0.0/8/8'] }, /one "\/" at most/],
    ['host bits (IPv4)', { allowedSources: ['10.1.2.3/8'] }, /host bits set: the network is 10\.0\.0\.0\/8/],
    ['host bits (IPv6)', { allowedSources: ['2001:db8::1/32'] }, /host bits set: the network is 2001:db8::\/32/],
    ['two "::"', { allowedSources: ['2001::db8::1'] }, /Not an IPv4 or IPv6 address/],
    ['nine IPv6 groups', { allowedSources: ['1:2:3:4:5:6:7:8:9'] }, /Not an IPv4 or IPv6 address/],
    ['a 5-digit IPv6 group', { allowedSources: ['2001:db8::12345'] }, /Not an IPv4 or IPv6 address/],
    ['a duplicate network', { allowedSources: ['10.0.0.0/8', '10.0.0.0/8'] }, /listed twice/],
    ['too many networks', { allowedSources: Array.from({ length: 65 }, (_, i) => `10.0.${i}.0/24`) }, /At most 64 networks/],
    ['ICMP as a word', { icmp: 'yes' }, /true or false/],
    ['a revert after 5 s', { revertAfterSeconds: 5 }, /at least 30 seconds/],
    ['an unknown setting', { policy: 'accept' }, /Unrecognized key|policy/],
  ];
  it.each(refused)('refuses %s with a message that says what is expected', (_what, over, message) => {
    const r = firewallSettings.safeParse({ ...firewallInfo.defaults, ...over });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join('; ')).toMatch(message);
  });

  it('the wizard sees the SSH-port refusal under the TCP ports field', () => {
    expect(checkModuleSettings('firewall', firewallInfo.defaults, { tcpPorts: [80] })).toEqual([{ field: 'tcpPorts', message: expect.stringMatching(/SSH port \(22\)/) }]);
  });

  it('parses networks of both families', () => {
    expect(parseCidr('0.0.0.0/0')).toEqual({ family: 4, text: '0.0.0.0/0', prefix: 0 });
    expect(parseCidr('::/0')).toEqual({ family: 6, text: '::/0', prefix: 0 });
    expect(parseCidr('1:0:0:2:0:0:0:3')).toEqual({ family: 6, text: '1:0:0:2::3', prefix: 128 });
    expect(parseCidr(' 192.168.0.0/16 ')).toEqual({ family: 4, text: '192.168.0.0/16', prefix: 16 });
  });
});

describe('firewall plan per family', () => {
  it.each(FAMILIES)('%s', (name) => {
    const facts = familyFacts(name);
    const d = desired(facts, { tcpPorts: [22, 443], udpPorts: [51820] });
    for (const r of resources(d)) expect(zm.safeParse(resourceSchema, r).success, JSON.stringify(r)).toBe(true);
    for (const c of d.checks) expect(zm.safeParse(checkSchema, c).success, JSON.stringify(c)).toBe(true);
    expect(d.checks.every((c) => c.id.startsWith('firewall-'))).toBe(true);
    // The guard brackets the switch: armed before the files, confirmed and disarmed after the unit.
    const kinds = resources(d).map((r) => (r.kind === 'guard' ? `guard:${r.op}` : r.kind));
    expect(kinds[0]).toBe('package');
    expect(kinds[1]).toBe('guard:arm-revert');
    expect(kinds.slice(-2)).toEqual(['guard:confirm', 'guard:disarm']);
    expect(kinds.indexOf('unit')).toBeLessThan(kinds.indexOf('guard:confirm'));
    const [arm, confirm] = guards(d);
    expect(arm).toMatchObject({ seconds: 120 });
    expect(confirm).toMatchObject({ op: 'confirm', port: 0 });
    expect(d.network).toMatch(/package (mirror|repositories)/);
    if (NFT_FAMILIES.includes(name)) {
      const main = name === 'alpine-3.23' ? '/etc/nftables.nft' : '/etc/nftables.conf';
      expect(resources(d)[0]).toMatchObject({ kind: 'package', packages: ['nftables'] });
      expect(files(d).map((f) => f.path)).toEqual([NFT_TABLE_FILE, main]);
      expect(file(d, main)).toContain(`include "${NFT_TABLE_FILE}"`);
      expect(file(d, main)).not.toContain('flush ruleset');
      expect(unit(d)).toMatchObject({ name: 'nftables', enabled: true, state: 'running', reloadOn: [`file:${NFT_TABLE_FILE}`, `file:${main}`], checkBefore: ['nft', '-c', '-f', main], rollbackWith: ['/bin/sh', '-c', expect.stringContaining('nft delete table inet "$1"'), 'sh', 'fleetdeck', NFT_TABLE_FILE] });
      expect(arm!.restore).toEqual([main, NFT_TABLE_FILE]);
      expect(arm!.then).toEqual(['/bin/sh', '-c', expect.stringContaining('nft delete table inet "$1"'), 'sh', 'fleetdeck', NFT_TABLE_FILE]);
      const table = file(d, NFT_TABLE_FILE)!;
      expect(table).toContain('tcp dport 22 accept comment "SSH"');
      expect(table).toContain('tcp dport 443 accept comment "allowed in the settings"');
      expect(table).toContain('udp dport 51820 accept');
      expect(d.checks.map((c) => c.id)).toEqual(['firewall-rules', 'firewall-enabled', 'firewall-ssh']);
      expect(d.checks.find((c) => c.id === 'firewall-rules')).toMatchObject({ argv: ['/bin/sh', '-c', NFT_HAS_RULES, 'sh', 'fleetdeck', 'tcp dport 22 accept', 'tcp dport 443 accept', 'udp dport 51820 accept'] });
    } else {
      expect(resources(d)[0]).toMatchObject({ kind: 'package', packages: ['firewalld'] });
      expect(files(d).map((f) => f.path)).toEqual([FIREWALLD_ZONE_FILE]);
      const zone = file(d, FIREWALLD_ZONE_FILE)!;
      expect(zone).toContain('<zone target="DROP">');
      expect(zone).toContain('<port protocol="tcp" port="22"/>');
      expect(zone).toContain('<port protocol="udp" port="51820"/>');
      expect(unit(d)).toMatchObject({ name: 'firewalld', enabled: true, state: 'running', reloadOn: [`file:${FIREWALLD_ZONE_FILE}`], checkBefore: ['firewall-offline-cmd', '--check-config'] });
      expect(arm!.restore).toEqual([FIREWALLD_ZONE_FILE, '/etc/firewalld/firewalld.conf']);
      expect(arm!.then).toEqual(['firewall-cmd', '--reload']);
      const zoneCmd = commands(d).find((c) => c.id === 'firewall-default-zone')!;
      expect(zoneCmd).toMatchObject({ argv: ['firewall-cmd', '--set-default-zone=fleetdeck'], undo: ['firewall-cmd', '--set-default-zone=public'] });
      expect(zoneCmd.unless).toEqual(['/bin/sh', '-c', expect.stringContaining('--get-default-zone'), 'sh', 'fleetdeck']);
      expect(d.checks.map((c) => c.id)).toEqual(['firewall-rules', 'firewall-default-zone', 'firewall-running', 'firewall-enabled', 'firewall-ssh']);
    }
  });

  it('plans every step on a fresh host (guarded), and nothing once applied', () => {
    for (const name of FAMILIES) {
      const d = desired(familyFacts(name));
      const steps = planSteps(d, fresh(d));
      const kinds = steps.map((s) => `${s.kind}:${s.action}`);
      expect(kinds[0]).toBe('package:install');
      expect(kinds[1]).toBe('guard:arm');
      expect(kinds.slice(-2)).toEqual(['guard:confirm', 'guard:disarm']);
      expect(kinds).toContain('unit:enable');
      expect(steps.every((s) => s.reversible)).toBe(true);
      expect(planSteps(d, applied(d))).toEqual([]);
    }
  });

  it('a hand edit of the rules is drift: the file back, nftables reloaded after nft -c, all inside the guard', () => {
    const d = desired(familyFacts('debian-12'));
    const edited = applied(d, (r, o) => (r.kind === 'file' && r.path === NFT_TABLE_FILE && o.kind === 'file' ? { ...o, text: `${o.text}tcp dport 3306 accept\n` } : o));
    const steps = planSteps(d, edited);
    expect(steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['guard:arm', 'file:update', 'unit:reload', 'guard:confirm', 'guard:disarm']);
    expect(steps[1]!.diff).toContain('-tcp dport 3306 accept');
    expect(steps[2]!.summary).toMatch(/^Reload nftables \(\/etc\/nftables\.d\/fleetdeck\.nft changed\), after nft -c -f \/etc\/nftables\.conf accepts it/);
  });

  it('a flushed live ruleset is drift too: the rules loaded again, guarded', () => {
    const d = desired(familyFacts('debian-12'));
    const flushed = applied(d, (r, o) => (r.kind === 'command' && r.id === 'firewall-load' ? { kind: 'command', done: false } : o));
    const steps = planSteps(d, flushed);
    expect(steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['guard:arm', 'command:run', 'guard:confirm', 'guard:disarm']);
    expect(steps[1]!.resource).toMatchObject({ argv: ['nft', '-f', NFT_TABLE_FILE] });
  });

  it('refuses hosts without a known package manager or init', () => {
    expect(() => desired(familyFacts('debian-12', { packageBackend: 'unknown' }))).toThrow(/no package manager Fleetdeck knows/);
    expect(() => desired(familyFacts('debian-12', { serviceManager: 'none' }))).toThrow(/neither systemd nor openrc/);
  });
});

describe('firewall rules', () => {
  it('opens the ports other modules of the plan open, and lists them in the plan', () => {
    const facts = familyFacts('debian-12');
    const d = desiredState(
      [
        { module: firewallModule as ChangeModule, settings: settings() },
        { module: nginxModule as ChangeModule, settings: { serverName: '', tls: 'self-signed', httpPort: 80, httpsPort: 8443, acmeDirectory: '', acmeEmail: '', acmeCaBundle: '' } },
      ],
      facts,
      new Set(),
    );
    const table = file(d, NFT_TABLE_FILE)!;
    expect(table).toContain('tcp dport 80 accept comment "nginx: HTTP (redirect to HTTPS, ACME challenge)"');
    expect(table).toContain('tcp dport 8443 accept comment "nginx: HTTPS"');
    expect(d.warnings.join('\n')).toMatch(/Also opened for the other modules: 80\/tcp \(nginx: HTTP .*\), 8443\/tcp \(nginx: HTTPS\)/);
  });

  it('opens the ports of modules installed earlier, each port once', () => {
    const d = desired(familyFacts('rocky-9.3'), { tcpPorts: [22, 443] }, [
      { port: 443, proto: 'tcp', module: 'nginx', why: 'HTTPS' },
      { port: 9100, proto: 'tcp', module: 'node-exporter', why: 'metrics' },
    ]);
    const zone = file(d, FIREWALLD_ZONE_FILE)!;
    expect(zone.match(/port="443"/g)).toHaveLength(1);
    expect(zone).toContain('<port protocol="tcp" port="9100"/> <!-- node-exporter: metrics -->');
  });

  it('limits every port to the allowed networks, per address family', () => {
    const d = desired(familyFacts('debian-12'), { tcpPorts: [22, 443], allowedSources: ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32'] });
    const table = file(d, NFT_TABLE_FILE)!;
    expect(table).toContain('set sources4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n\t\telements = { 10.0.0.0/8, 192.168.1.7 }');
    expect(table).toContain('elements = { 2001:db8::/32 }');
    expect(table).toContain('ip saddr @sources4 tcp dport 22 accept comment "SSH"');
    expect(table).toContain('ip6 saddr @sources6 tcp dport 443 accept');
    expect(table).not.toMatch(/^\t\ttcp dport/m);
    expect(d.warnings.join('\n')).toMatch(/Only 10\.0\.0\.0\/8, 192\.168\.1\.7, 2001:db8::\/32 reach the allowed ports, SSH included/);
    const v4only = desired(familyFacts('debian-12'), { allowedSources: ['10.0.0.0/8'] });
    expect(file(v4only, NFT_TABLE_FILE)).not.toContain('sources6');
    expect(v4only.warnings.join('\n')).toMatch(/inbound IPv6 connections are dropped/);
    const zone = file(desired(familyFacts('fedora-42'), { allowedSources: ['10.0.0.0/8'] }), FIREWALLD_ZONE_FILE)!;
    expect(zone).toContain('<rule family="ipv4"><source address="10.0.0.0/8"/><port protocol="tcp" port="22"/><accept/></rule>');
    expect(zone).not.toContain('<port protocol="tcp" port="22"/> ');
  });

  it('ICMP and logging on and off', () => {
    const ctx = ctxFor(familyFacts('debian-12'), { icmp: false, logDropped: false });
    const quiet = nftTable(ctx);
    expect(quiet).not.toContain('ip protocol icmp accept');
    // IPv6 needs neighbour discovery whatever the setting.
    expect(quiet).toContain('icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, packet-too-big } accept');
    expect(quiet).not.toContain(' log ');
    const loud = nftTable(ctxFor(familyFacts('debian-12'), { icmp: true, logDropped: true }));
    expect(loud).toContain('ip protocol icmp accept');
    expect(loud).toContain('meta l4proto 58 accept');
    expect(loud).toMatch(/limit rate 10\/minute burst 20 packets log prefix "fleetdeck-drop: " level info\n\t}/);
    const d = desired(familyFacts('rocky-9.3'), { logDropped: true });
    expect(commands(d).find((c) => c.id === 'firewall-log-denied')).toMatchObject({ argv: ['firewall-cmd', '--set-log-denied=all'], undo: ['firewall-cmd', '--set-log-denied=off'] });
  });

  it('the table replaces itself and nothing else, and never flushes the whole ruleset', () => {
    const table = nftTable(ctxFor(familyFacts('debian-12')));
    expect(table).toMatch(/^table inet fleetdeck\ndelete table inet fleetdeck\n\ntable inet fleetdeck \{$/m);
    expect(table).not.toContain('flush');
    expect(table).toContain('type filter hook input priority filter; policy drop;');
    expect(table.indexOf('iif "lo" accept')).toBeLessThan(table.indexOf('tcp dport 22'));
    expect(table.indexOf('ct state established,related accept')).toBeLessThan(table.indexOf('tcp dport 22'));
  });

  it('comments from other modules cannot break out of the rules', () => {
    expect(safeComment('HTTP" accept; flush ruleset; "\n<x>&')).toBe('HTTP accept; flush ruleset; x');
    const d = desired(familyFacts('debian-12'), {}, [{ port: 81, proto: 'tcp', module: 'evil', why: 'x" ; flush ruleset ; comment "' }]);
    expect(file(d, NFT_TABLE_FILE)).toContain('tcp dport 81 accept comment "evil: x ; flush ruleset ; comment"');
    expect(file(d, NFT_TABLE_FILE)!.match(/"/g)!.length % 2).toBe(0);
  });

  it('warns that Docker’s published ports are not filtered when Docker is there', () => {
    const d = desiredState([{ module: firewallModule as ChangeModule, settings: settings() }, { module: dockerModule as ChangeModule, settings: { source: 'distro', cgroupDriver: 'auto', logMaxSize: '10m', logMaxFiles: 3, liveRestore: true, admins: [], nvidiaToolkit: 'auto' } }], familyFacts('debian-12'), new Set());
    expect(d.warnings.join('\n')).toMatch(/Docker’s published container ports are forwarded/);
  });
});

describe('firewall checks, run for real against a stand-in nft and firewall-cmd', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fd-fw-'));
  const stub = (name: string, output: string, code = 0) => {
    const p = path.join(dir, name);
    writeFileSync(p, `#!/bin/sh\ncat <<'EOF'\n${output}\nEOF\nexit ${code}\n`);
    chmodSync(p, 0o755);
  };
  const sh = (script: string, ...args: string[]) => spawnSync('/bin/sh', ['-c', script, 'sh', ...args], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } });
  const LIVE = 'table inet fleetdeck {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\ttcp dport 22 accept comment "SSH"\n\t\ttcp dport 2222 accept\n\t}\n}';

  it('passes when the live table has the drop policy and every port; says what is missing otherwise', () => {
    stub('nft', LIVE);
    const ok = sh(NFT_HAS_RULES, 'fleetdeck', 'tcp dport 22 accept', 'tcp dport 2222 accept');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/loaded \(policy drop\) and accepts: tcp dport 22 accept tcp dport 2222 accept/);
    // 2222 is there, 222 is not: a port is matched whole.
    const missing = sh(NFT_HAS_RULES, 'fleetdeck', 'tcp dport 222 accept');
    expect(missing.status).toBe(1);
    expect(missing.stdout).toMatch(/lacks: tcp dport 222 accept/);
    stub('nft', LIVE.replace('policy drop', 'policy accept'));
    expect(sh(NFT_HAS_RULES, 'fleetdeck').stdout).toMatch(/lacks: policy drop;/);
    stub('nft', 'Error: No such file or directory\nlist table inet fleetdeck', 1);
    const absent = sh(NFT_HAS_RULES, 'fleetdeck', 'tcp dport 22 accept');
    expect(absent.status).toBe(1);
    expect(absent.stdout).toMatch(/No such file/);
    // A fragment is data, never code.
    stub('nft', LIVE);
    expect(sh(NFT_HAS_RULES, 'fleetdeck', '$(touch /tmp/fd-fw-pwned)', '*').status).toBe(1);
  });

  it('firewalld: the zone must drop by default and list each port', () => {
    stub('firewall-cmd', 'fleetdeck (active)\n  target: DROP\n  ports: 22/tcp 443/tcp\n  protocols: icmp ipv6-icmp');
    expect(sh(FIREWALLD_HAS_RULES, 'fleetdeck', '22/tcp', '443/tcp').status).toBe(0);
    expect(sh(FIREWALLD_HAS_RULES, 'fleetdeck', '8080/tcp').stdout).toMatch(/lacks: 8080\/tcp/);
    stub('firewall-cmd', 'fleetdeck\n  target: default\n  ports: 22/tcp');
    expect(sh(FIREWALLD_HAS_RULES, 'fleetdeck', '22/tcp').stdout).toMatch(/lacks: target: DROP/);
  });
});
