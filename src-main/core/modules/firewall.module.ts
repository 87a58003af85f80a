import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import { firewallInfo, firewallSettings, parseCidr, type Cidr, type FirewallSettings } from '../../../src-common/modules/firewall.js';
import { defineModule, type HostFacts, type ModuleContext } from '../change/module.js';
import { byBackend, mirrorName } from './family.js';

/**
 * A default-deny inbound firewall (see src-common/modules/firewall.ts for what it offers).
 *
 * nftables (apt, pacman, apk): the rules are one table of Fleetdeck's own, `inet fleetdeck`, in
 * /etc/nftables.d/fleetdeck.nft, which replaces itself when loaded (declare, delete, declare: no
 * other table is touched, Docker's included). The distribution's main file (/etc/nftables.conf;
 * Alpine's /etc/nftables.nft) becomes one that includes it, so nftables.service loads it at boot
 * and on reload (`nft -c` checks it first). The old main file is kept by the journal and comes
 * back on rollback.
 *
 * firewalld (dnf, yum, zypper): a zone of Fleetdeck's own, /etc/firewalld/zones/fleetdeck.xml
 * (target DROP), made the default zone with firewall-cmd (checked with `unless`, undone with
 * `undo`), firewalld reloaded after `firewall-offline-cmd --check-config` accepts it.
 *
 * Either way the switch is guarded: an automatic revert is armed before the new rules load
 * (restore the files, then reload the old rules), a brand-new login through Fleetdeck confirms
 * them, and only then is the revert disarmed. Rules that shut out the path Fleetdeck actually
 * uses (allowed networks that miss its address, which no validation can know) revert by
 * themselves.
 */
export const FLEETDECK_TABLE = 'fleetdeck';
export const NFT_DIR = '/etc/nftables.d';
export const NFT_TABLE_FILE = `${NFT_DIR}/fleetdeck.nft`;
export const FIREWALLD_ZONE = 'fleetdeck';
export const FIREWALLD_ZONE_FILE = `/etc/firewalld/zones/${FIREWALLD_ZONE}.xml`;
export const FIREWALLD_CONF = '/etc/firewalld/firewalld.conf';

export type FirewallBackend = 'nftables' | 'firewalld';

export function firewallBackend(probe: Probe): FirewallBackend | null {
  return byBackend<FirewallBackend>(probe, { apt: 'nftables', pacman: 'nftables', apk: 'nftables', dnf: 'firewalld', yum: 'firewalld', zypper: 'firewalld' });
}

/** The file nftables.service (or Alpine's init script) loads. */
export function nftMainFile(probe: Probe): string {
  return byBackend(probe, { apk: '/etc/nftables.nft' }) ?? '/etc/nftables.conf';
}

export interface OpenPort {
  port: number;
  proto: 'tcp' | 'udp';
  /** Who wants it open: the SSH port, the settings, or another module (its id). */
  by: 'ssh' | 'settings' | { module: string };
  /** Why it is open: "SSH", "allowed in the settings", "nginx: HTTPS". */
  why: string;
}

/** Text safe inside an nft comment or an XML attribute: printable ASCII without quotes, at most 100 characters. */
export function safeComment(s: string): string {
  return s
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/["'\\<>&`$]/g, '')
    .trim()
    .slice(0, 100);
}

/** Every port the firewall opens, in order: SSH, the settings' own, then other modules' (each once). */
export function openPorts(ctx: ModuleContext<FirewallSettings>): OpenPort[] {
  const s = ctx.settings;
  const out: OpenPort[] = [{ port: s.sshPort, proto: 'tcp', by: 'ssh', why: 'SSH' }];
  const seen = new Set([`tcp/${s.sshPort}`]);
  const add = (p: OpenPort) => {
    const key = `${p.proto}/${p.port}`;
    if (seen.has(key) || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) return;
    seen.add(key);
    out.push(p);
  };
  for (const port of s.tcpPorts) add({ port, proto: 'tcp', by: 'settings', why: 'allowed in the settings' });
  for (const port of s.udpPorts) add({ port, proto: 'udp', by: 'settings', why: 'allowed in the settings' });
  for (const p of ctx.ports) if (p.module !== firewallInfo.id && (p.proto === 'tcp' || p.proto === 'udp')) add({ port: p.port, proto: p.proto, by: { module: p.module }, why: `${p.module}: ${p.why}` });
  return out;
}

/** The ports other modules asked for that the settings did not list: what the plan mentions. */
export function portsForOtherModules(ctx: ModuleContext<FirewallSettings>): OpenPort[] {
  return openPorts(ctx).filter((p) => typeof p.by === 'object');
}

function sources(s: FirewallSettings): { v4: string[]; v6: string[] } {
  const parsed = s.allowedSources.map((x) => parseCidr(x)).filter((x): x is Cidr => typeof x !== 'string');
  return { v4: parsed.filter((c) => c.family === 4).map((c) => c.text), v6: parsed.filter((c) => c.family === 6).map((c) => c.text) };
}

const HEADER = '# Managed by Fleetdeck (firewall module). Edits here show up as drift and are undone by the next apply.\n';

/** The fragment `nft list table inet fleetdeck` shows for an open port. */
export function nftPortRule(p: OpenPort): string {
  return `${p.proto} dport ${p.port} accept`;
}

/** /etc/nftables.d/fleetdeck.nft: Fleetdeck's table, replacing itself when loaded. */
export function nftTable(ctx: ModuleContext<FirewallSettings>): string {
  const s = ctx.settings;
  const { v4, v6 } = sources(s);
  const limited = v4.length + v6.length > 0;
  const lines: string[] = [];
  const rule = (l: string) => lines.push(`\t\t${l}`);
  rule('iif "lo" accept');
  rule('ct state established,related accept');
  rule('ct state invalid drop');
  rule('# IPv6 does not work without neighbour discovery; path MTU needs "packet too big".');
  rule('icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, packet-too-big } accept');
  if (s.icmp) {
    rule('ip protocol icmp accept');
    // By number: the name needs /etc/protocols, which minimal systems lack.
    rule('meta l4proto 58 accept comment "ICMPv6"');
  }
  for (const p of openPorts(ctx)) {
    const tail = `${nftPortRule(p)} comment "${safeComment(p.why)}"`;
    if (!limited) rule(tail);
    else {
      if (v4.length) rule(`ip saddr @sources4 ${tail}`);
      if (v6.length) rule(`ip6 saddr @sources6 ${tail}`);
    }
  }
  if (s.logDropped) rule('limit rate 10/minute burst 20 packets log prefix "fleetdeck-drop: " level info');
  const set = (name: string, type: string, elems: string[]) => (elems.length ? `\tset ${name} {\n\t\ttype ${type}\n\t\tflags interval\n\t\tauto-merge\n\t\telements = { ${elems.join(', ')} }\n\t}\n\n` : '');
  return `${HEADER}# Default deny inbound: what no rule below accepts is dropped. Outbound and forwarded traffic are not filtered.
# Declared, deleted and declared again: loading this file replaces this table only, never another one.
table inet ${FLEETDECK_TABLE}
delete table inet ${FLEETDECK_TABLE}

table inet ${FLEETDECK_TABLE} {
${set('sources4', 'ipv4_addr', v4)}${set('sources6', 'ipv6_addr', v6)}\tchain input {
\t\ttype filter hook input priority filter; policy drop;
${lines.join('\n')}
\t}
}
`;
}

export function nftMain(): string {
  return `#!/usr/sbin/nft -f
${HEADER}# The firewall rules are in ${NFT_TABLE_FILE} (Fleetdeck's own table); this file was the distribution's before
# (a rollback of the change brings it back).
include "${NFT_TABLE_FILE}"
`;
}

/** /etc/firewalld/zones/fleetdeck.xml. */
export function firewalldZone(ctx: ModuleContext<FirewallSettings>): string {
  const s = ctx.settings;
  const { v4, v6 } = sources(s);
  const limited = v4.length + v6.length > 0;
  const lines: string[] = [];
  for (const p of openPorts(ctx)) {
    const c = `<!-- ${safeComment(p.why).replace(/--/g, '-')} -->`;
    if (!limited) lines.push(`  <port protocol="${p.proto}" port="${p.port}"/> ${c}`);
    else {
      for (const src of v4) lines.push(`  <rule family="ipv4"><source address="${src}"/><port protocol="${p.proto}" port="${p.port}"/><accept/></rule> ${c}`);
      for (const src of v6) lines.push(`  <rule family="ipv6"><source address="${src}"/><port protocol="${p.proto}" port="${p.port}"/><accept/></rule> ${c}`);
    }
  }
  if (s.icmp) lines.push('  <protocol value="icmp"/>', '  <protocol value="ipv6-icmp"/>');
  else lines.push('  <rule family="ipv6"><icmp-type name="neighbour-solicitation"/><accept/></rule>', '  <rule family="ipv6"><icmp-type name="neighbour-advertisement"/><accept/></rule>', '  <rule family="ipv6"><icmp-type name="router-advertisement"/><accept/></rule>', '  <rule family="ipv6"><icmp-type name="packet-too-big"/><accept/></rule>');
  return `<?xml version="1.0" encoding="utf-8"?>
<!-- Managed by Fleetdeck (firewall module). Edits here show up as drift and are undone by the next apply. -->
<zone target="DROP">
  <short>Fleetdeck</short>
  <description>Default deny inbound: only the ports below are open${limited ? ', and only from the allowed networks' : ''}.</description>
${lines.join('\n')}
</zone>
`;
}

/**
 * Exit 0 when `nft list table inet fleetdeck` (the live ruleset) has the drop policy and every
 * fragment given; else says what is missing.
 */
export const NFT_HAS_RULES = 'out=$(nft list table inet "$1" 2>&1) || { echo "$out"; exit 1; }; shift; for want in "policy drop;" "$@"; do case "$out" in *"$want"*) ;; *) echo "the live table lacks: $want"; exit 1;; esac; done; echo "table inet fleetdeck is loaded (policy drop) and accepts: $*"';
/** The same for firewalld: `firewall-cmd --info-zone` of the zone. */
export const FIREWALLD_HAS_RULES = 'out=$(firewall-cmd --info-zone="$1" 2>&1) || { echo "$out"; exit 1; }; shift; for want in "target: DROP" "$@"; do case "$out" in *"$want"*) ;; *) echo "the live zone lacks: $want"; exit 1;; esac; done; echo "zone fleetdeck is active (target DROP) and has: $*"';
const DEFAULT_ZONE_IS = 'test "$(firewall-cmd --get-default-zone 2>/dev/null)" = "$1"';
const LOG_DENIED_IS = 'test "$(firewall-cmd --get-log-denied 2>/dev/null)" = "$1"';

/**
 * Loading the rules again is undone by what the rollback does to the files and the unit anyway
 * (the old files back, the service reloaded or stopped): nothing of its own to undo.
 */
const ROLLED_BACK_WITH_FILES = 'the rules go back with the firewall files and unit';

/** What the live rules must show for each open port (nft list table / firewall-cmd --info-zone). */
export function liveFragments(ctx: ModuleContext<FirewallSettings>): string[] {
  const ports = openPorts(ctx);
  if (firewallBackend(ctx.facts.probe) === 'firewalld') {
    const limited = ctx.settings.allowedSources.length > 0;
    return ports.map((p) => (limited ? `port port="${p.port}" protocol="${p.proto}" accept` : `${p.port}/${p.proto}`));
  }
  const { v4, v6 } = sources(ctx.settings);
  // Set elements are not listed one by one: nft merges overlapping networks when it prints them.
  return [...(v4.length ? ['ip saddr @sources4'] : []), ...(v6.length ? ['ip6 saddr @sources6'] : []), ...ports.map(nftPortRule)];
}

/** The lockout guard around the switch: armed before, confirmed and disarmed after. */
function guard(ctx: ModuleContext<FirewallSettings>, restore: string[], then: string[]): { arm: Resource; after: Resource[] } {
  const s = ctx.settings;
  return {
    arm: {
      kind: 'guard',
      id: 'firewall-arm',
      op: 'arm-revert',
      label: `Arm the automatic revert: in ${s.revertAfterSeconds} s the old firewall rules come back unless a new login confirms the new ones`,
      seconds: s.revertAfterSeconds,
      restore,
      then,
    },
    after: [
      { kind: 'guard', id: 'firewall-confirm', op: 'confirm', label: 'A new login through Fleetdeck passes the new firewall rules', port: 0, waitSeconds: Math.min(90, Math.max(20, s.revertAfterSeconds - 10)) },
      { kind: 'guard', id: 'firewall-disarm', op: 'disarm', label: 'Disarm the automatic revert: the new firewall rules are confirmed' },
    ],
  };
}

function nftResources(ctx: ModuleContext<FirewallSettings>): Resource[] {
  const { probe } = ctx.facts;
  const main = nftMainFile(probe);
  // After the files are restored: this table goes, and an older one (an earlier Fleetdeck apply) comes back.
  const then = ['/bin/sh', '-c', 'nft delete table inet "$1" 2>/dev/null; if [ -e "$2" ]; then nft -f "$2"; fi; exit 0', 'sh', FLEETDECK_TABLE, NFT_TABLE_FILE];
  const g = guard(ctx, [main, NFT_TABLE_FILE], then);
  return [
    { kind: 'package', label: 'nftables', packages: ['nftables'], state: 'present', source: mirrorName(probe) },
    g.arm,
    { kind: 'file', path: NFT_TABLE_FILE, content: nftTable(ctx), mode: 0o600, owner: 'root', group: 'root' },
    { kind: 'file', path: main, content: nftMain(), mode: 0o755, owner: 'root', group: 'root' },
    // Stopping nftables.service runs `nft flush ruleset`: Docker's (and anyone's) rules would go too.
    { kind: 'unit', name: 'nftables', enabled: true, state: 'running', reloadOn: [`file:${NFT_TABLE_FILE}`, `file:${main}`], checkBefore: ['nft', '-c', '-f', main], rollbackWith: then },
    {
      kind: 'command',
      id: 'firewall-load',
      label: `Load Fleetdeck's rules into the live ruleset (they are missing or differ: flushed, or changed by hand)`,
      argv: ['nft', '-f', NFT_TABLE_FILE],
      unless: ['/bin/sh', '-c', NFT_HAS_RULES, 'sh', FLEETDECK_TABLE, ...liveFragments(ctx)],
      undoneWith: ROLLED_BACK_WITH_FILES,
    },
    ...g.after,
  ];
}

function firewalldResources(ctx: ModuleContext<FirewallSettings>): Resource[] {
  const { probe } = ctx.facts;
  const s = ctx.settings;
  const g = guard(ctx, [FIREWALLD_ZONE_FILE, FIREWALLD_CONF], ['firewall-cmd', '--reload']);
  const out: Resource[] = [
    { kind: 'package', label: 'firewalld', packages: ['firewalld'], state: 'present', source: mirrorName(probe) },
    g.arm,
    { kind: 'file', path: FIREWALLD_ZONE_FILE, content: firewalldZone(ctx), mode: 0o644, owner: 'root', group: 'root' },
    { kind: 'unit', name: 'firewalld', enabled: true, state: 'running', reloadOn: [`file:${FIREWALLD_ZONE_FILE}`], checkBefore: ['firewall-offline-cmd', '--check-config'] },
    {
      kind: 'command',
      id: 'firewall-load',
      label: `Reload firewalld: the live zone ${FIREWALLD_ZONE} is missing rules or differs from its file`,
      argv: ['firewall-cmd', '--reload'],
      unless: ['/bin/sh', '-c', FIREWALLD_HAS_RULES, 'sh', FIREWALLD_ZONE, ...liveFragments(ctx)],
      undoneWith: ROLLED_BACK_WITH_FILES,
    },
    {
      kind: 'command',
      id: 'firewall-default-zone',
      label: `Make ${FIREWALLD_ZONE} firewalld's default zone (interfaces without a zone of their own use it)`,
      argv: ['firewall-cmd', `--set-default-zone=${FIREWALLD_ZONE}`],
      unless: ['/bin/sh', '-c', DEFAULT_ZONE_IS, 'sh', FIREWALLD_ZONE],
      undo: ['firewall-cmd', '--set-default-zone=public'],
    },
  ];
  if (s.logDropped) {
    out.push({
      kind: 'command',
      id: 'firewall-log-denied',
      label: 'Log the packets firewalld drops (firewall-cmd --set-log-denied=all)',
      argv: ['firewall-cmd', '--set-log-denied=all'],
      unless: ['/bin/sh', '-c', LOG_DENIED_IS, 'sh', 'all'],
      undo: ['firewall-cmd', '--set-log-denied=off'],
    });
  }
  out.push(...g.after);
  return out;
}

export const firewallModule = defineModule<FirewallSettings>({
  info: firewallInfo,
  settings: firewallSettings as never,
  followsPorts: true,
  unsupported(facts: HostFacts) {
    if (facts.probe.packageBackend === 'unknown') return 'no package manager Fleetdeck knows (apt, dnf, yum, zypper, pacman, apk)';
    if (facts.probe.serviceManager === 'none') return 'neither systemd nor openrc runs as init';
    if (firewallBackend(facts.probe) === 'firewalld' && facts.probe.serviceManager !== 'systemd') return 'firewalld needs systemd';
    return null;
  },
  network: (ctx) => `${mirrorName(ctx.facts.probe)} for ${firewallBackend(ctx.facts.probe) ?? 'the firewall'}`,
  // Its own ports are its settings; it opens nothing for itself.
  opens: () => [],
  resources(ctx) {
    return firewallBackend(ctx.facts.probe) === 'firewalld' ? firewalldResources(ctx) : nftResources(ctx);
  },
  checks(ctx) {
    const s = ctx.settings;
    const { probe } = ctx.facts;
    const ports = openPorts(ctx);
    const list = ports.map((p) => `${p.port}/${p.proto}`).join(', ');
    const ssh: Check = { kind: 'port', id: 'firewall-ssh', label: `sshd answers on port ${s.sshPort}`, port: s.sshPort };
    if (firewallBackend(probe) === 'firewalld') {
      return [
        { kind: 'command', id: 'firewall-rules', label: `firewalld's zone ${FIREWALLD_ZONE} drops by default and allows ${list}`, argv: ['/bin/sh', '-c', FIREWALLD_HAS_RULES, 'sh', FIREWALLD_ZONE, ...liveFragments(ctx)] },
        { kind: 'command', id: 'firewall-default-zone', label: `${FIREWALLD_ZONE} is firewalld's default zone`, argv: ['/bin/sh', '-c', DEFAULT_ZONE_IS, 'sh', FIREWALLD_ZONE] },
        { kind: 'unit-running', id: 'firewall-running', label: 'firewalld is running', unit: 'firewalld' },
        { kind: 'command', id: 'firewall-enabled', label: 'firewalld starts at boot', argv: ['systemctl', 'is-enabled', 'firewalld'], expectOutput: 'enabled' },
        ssh,
      ];
    }
    return [
      { kind: 'command', id: 'firewall-rules', label: `The live nftables ruleset has Fleetdeck's table: drop by default, allow ${list}`, argv: ['/bin/sh', '-c', NFT_HAS_RULES, 'sh', FLEETDECK_TABLE, ...liveFragments(ctx)] },
      probe.serviceManager === 'openrc'
        ? { kind: 'command', id: 'firewall-enabled', label: 'nftables loads the rules at boot', argv: ['/bin/sh', '-c', 'rc-update show default | grep -qw nftables'] }
        : { kind: 'command', id: 'firewall-enabled', label: 'nftables loads the rules at boot', argv: ['systemctl', 'is-enabled', 'nftables'], expectOutput: 'enabled' },
      ssh,
    ];
  },
  warnings(ctx) {
    const s = ctx.settings;
    const { probe } = ctx.facts;
    const w: string[] = [];
    const others = portsForOtherModules(ctx);
    if (others.length) w.push(`Also opened for the other modules: ${others.map((p) => `${p.port}/${p.proto} (${p.why})`).join(', ')}.`);
    if (s.allowedSources.length) {
      w.push(`Only ${s.allowedSources.join(', ')} reach the allowed ports, SSH included. If Fleetdeck reaches this host from another address (NAT, a VPN, a jump host), the confirming login fails and the old rules come back by themselves after a few seconds.`);
      const { v4, v6 } = sources(s);
      if (!v6.length) w.push('No IPv6 network is allowed: inbound IPv6 connections are dropped.');
      else if (!v4.length) w.push('No IPv4 network is allowed: inbound IPv4 connections are dropped.');
    }
    if (firewallBackend(probe) === 'nftables') {
      if (probe.packageBackend === 'pacman' || probe.packageBackend === 'apk') {
        w.push(`${nftMainFile(probe)} is replaced by one that includes Fleetdeck's table. If nftables already runs with the distribution's default rules, their own table (inet filter, which drops all but SSH) stays loaded until the next reboot: remove it with \`nft delete table inet filter\` once the change is confirmed.`);
      } else {
        w.push(`${nftMainFile(probe)} is replaced by one that includes Fleetdeck's table (the old one is kept and comes back on rollback).`);
      }
    } else {
      w.push(`Interfaces that NetworkManager or firewalld binds to another zone explicitly stay in that zone: check \`firewall-cmd --get-active-zones\`.`);
    }
    if (ctx.modules.has('docker')) w.push('Docker’s published container ports are forwarded, not delivered to the host: this firewall does not filter them (Docker’s own rules do).');
    return w;
  },
});
