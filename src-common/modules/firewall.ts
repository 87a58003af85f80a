import { z } from 'zod';
import type { ModuleInfo } from '../change/modules.contract.js';
import { port } from './settings-fields.js';

/**
 * A default-deny inbound firewall: nftables (a Fleetdeck-owned table) on Debian, Ubuntu, Arch
 * and Alpine, firewalld (a Fleetdeck zone) on the RHEL family, Fedora and openSUSE. What is not
 * allowed here is dropped; outbound traffic is not filtered. The SSH port is always open (a list
 * without it is refused), the ports other modules open are added by themselves, and the switch
 * reverts by itself unless a new login through Fleetdeck confirms it.
 */
export const MAX_FIREWALL_PORTS = 64;
export const MAX_FIREWALL_SOURCES = 64;
/** The longest network text: a full IPv6 address with an IPv4 tail and /128. */
export const MAX_CIDR_LENGTH = 49;

export interface Cidr {
  family: 4 | 6;
  /** As given (IPv4), or in canonical form (IPv6). */
  text: string;
  prefix: number;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function v4Bytes(s: string): number[] | null {
  const m = V4.exec(s);
  if (!m) return null;
  const bytes = m.slice(1).map(Number);
  // No leading zeros: "010" is octal to some tools and decimal to others.
  if (!m.slice(1).every((o, i) => String(bytes[i]) === o) || bytes.some((b) => b > 255)) return null;
  return bytes;
}

function v6Bytes(s: string): number[] | null {
  if (!/^[0-9a-f:.]+$/.test(s) || s.split('::').length > 2) return null;
  let tail: number[] = [];
  let head = s;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    const v4 = v4Bytes(s.slice(lastColon + 1));
    if (!v4) return null;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    head = s.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const [left, right] = head.includes('::') ? head.split('::').map(parse) : [parse(head), null];
  const groups = [...left!, ...(right ?? [])];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  const words = groups.map((g) => parseInt(g, 16));
  const have = words.length + tail.length;
  let all: number[];
  if (right === null) {
    if (have !== 8) return null;
    all = [...words, ...tail];
  } else {
    if (have > 7) return null;
    all = [...left!.map((g) => parseInt(g, 16)), ...new Array<number>(8 - have).fill(0), ...right.map((g) => parseInt(g, 16)), ...tail];
  }
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

/** Whether the bits past the prefix are all zero. */
function hostBitsZero(bytes: number[], prefix: number): boolean {
  return bytes.every((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return (b & (0xff >> keep)) === 0;
  });
}

function networkOf(bytes: number[], prefix: number): number[] {
  return bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
}

function formatV6(bytes: number[]): string {
  const words = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  // The longest run of zero words (two or more) becomes "::".
  let best = [-1, 0];
  for (let i = 0; i < 8; ) {
    if (words[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > best[1]! && j - i > 1) best = [i, j - i];
    i = j;
  }
  if (best[0]! < 0) return words.join(':');
  return `${words.slice(0, best[0]).join(':')}::${words.slice(best[0]! + best[1]!).join(':')}`;
}

/** Parses "10.0.0.0/8", "192.168.1.7", "2001:db8::/32"; a message saying what is wrong otherwise. */
export function parseCidr(input: string): Cidr | string {
  const v = input.trim().toLowerCase();
  const example = 'Give a network such as 10.0.0.0/8, 192.168.1.7 or 2001:db8::/32.';
  if (!v) return `An empty network. ${example}`;
  if (v.length > MAX_CIDR_LENGTH) return `A network has at most ${MAX_CIDR_LENGTH} characters. ${example}`;
  if (!/^[0-9a-f:./]+$/.test(v)) return `Not a network: only digits, a-f, ".", ":" and one "/" belong in one. ${example}`;
  const parts = v.split('/');
  if (parts.length > 2) return `Not a network: one "/" at most. ${example}`;
  const [addr, pfx] = parts as [string, string | undefined];
  const v4 = v4Bytes(addr);
  const v6 = v4 ? null : addr.includes(':') ? v6Bytes(addr) : null;
  if (!v4 && !v6) return `Not an IPv4 or IPv6 address: ${JSON.stringify(addr)}. ${example}`;
  const max = v4 ? 32 : 128;
  if (pfx !== undefined && !/^\d{1,3}$/.test(pfx)) return `The prefix length after "/" is a number from 0 to ${max}.`;
  const prefix = pfx === undefined ? max : Number(pfx);
  if (prefix > max) return `The prefix length after "/" is a number from 0 to ${max}.`;
  const bytes = (v4 ?? v6)!;
  if (!hostBitsZero(bytes, prefix)) {
    const net = networkOf(bytes, prefix);
    return `${v} has host bits set: the network is ${v4 ? net.join('.') : formatV6(net)}/${prefix} (or give the single address without a prefix).`;
  }
  // IPv6 in its canonical form (RFC 5952), as nft and firewall-cmd print it.
  const shown = v4 ? addr : formatV6(bytes);
  return { family: v4 ? 4 : 6, text: pfx === undefined ? shown : `${shown}/${prefix}`, prefix };
}

/** A form list: an array, or one line separated by commas or spaces. */
const splitList = (v: unknown) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v);

const portList = (what: string) =>
  z.preprocess(
    splitList,
    z
      .array(port(`${what} port`), { message: `Give the ${what} ports as a list of numbers, e.g. [22, 443].` })
      .max(MAX_FIREWALL_PORTS, `At most ${MAX_FIREWALL_PORTS} ${what} ports.`)
      .refine((ports) => new Set(ports).size === ports.length, `A ${what} port is listed twice: list each once.`),
  );

const cidr = () =>
  z
    .string({ message: 'A network is text such as 10.0.0.0/8.' })
    .max(256, `A network has at most ${MAX_CIDR_LENGTH} characters.`)
    .superRefine((v, ctx) => {
      const r = parseCidr(v);
      if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
    })
    .transform((v) => {
      const r = parseCidr(v);
      return typeof r === 'string' ? v : r.text;
    });

const seconds = (what: string, min: number, max: number) =>
  z.coerce
    .number({ message: `${what} is a number of seconds from ${min} to ${max}.` })
    .int(`${what} is a whole number of seconds.`)
    .min(min, `${what} is at least ${min} seconds.`)
    .max(max, `${what} is at most ${max} seconds.`);

export const firewallSettings = z
  .object({
    /** The port sshd listens on, on the host (Fleetdeck's way in): always open. */
    sshPort: port('SSH port').default(22),
    tcpPorts: portList('TCP').default([22]),
    udpPorts: portList('UDP').default([]),
    /** Only these networks reach the allowed ports (SSH included); empty: any address. */
    allowedSources: z
      .preprocess(
        splitList,
        z
          .array(cidr(), { message: 'Give the allowed networks as a list, e.g. ["10.0.0.0/8", "2001:db8::/32"].' })
          .max(MAX_FIREWALL_SOURCES, `At most ${MAX_FIREWALL_SOURCES} networks.`)
          .refine((l) => new Set(l).size === l.length, 'A network is listed twice: list each once.'),
      )
      .default([]),
    /** Ping and the other ICMP queries answered (errors for existing connections always pass). */
    icmp: z.boolean({ message: 'ICMP is true or false.' }).default(true),
    /** Dropped packets logged (rate-limited) to the kernel log. */
    logDropped: z.boolean({ message: 'Logging dropped packets is true or false.' }).default(false),
    /** The switch reverts by itself after this long unless a new login confirms it. */
    revertAfterSeconds: seconds('The automatic revert', 30, 600).default(120),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.tcpPorts.includes(s.sshPort)) {
      ctx.addIssue({ code: 'custom', path: ['tcpPorts'], message: `The SSH port (${s.sshPort}) must be among the allowed TCP ports: without it the firewall would lock Fleetdeck (and you) out.` });
    }
  });
export type FirewallSettings = z.infer<typeof firewallSettings>;

export const firewallInfo: ModuleInfo = {
  id: 'firewall',
  title: 'Firewall (default deny inbound)',
  summary:
    'Drops every inbound connection except to the ports you allow (the SSH port always), optionally only from the networks you list. nftables on Debian, Ubuntu, Arch and Alpine; firewalld on Rocky, Alma, RHEL, CentOS, Fedora and openSUSE. Ports the other modules need are opened by themselves. The switch reverts by itself unless a new login through Fleetdeck works afterwards.',
  needs: [],
  notes: [
    'the SSH port is always allowed: a list without it is refused',
    'ports the other modules of the plan (or installed ones) open are added and listed in the plan',
    'allowed networks limit SSH too: if Fleetdeck reaches the host from outside them, the new login fails and the host reverts by itself',
    'outbound traffic and Docker’s published container ports (forwarded, not inbound) are not filtered',
  ],
  fields: [
    { key: 'sshPort', label: 'SSH port', kind: 'number', help: 'The port sshd listens on on this host. Always open.' },
    { key: 'tcpPorts', label: 'Allowed TCP ports', kind: 'list', help: 'Must include the SSH port. Ports other modules open are added by themselves.' },
    { key: 'udpPorts', label: 'Allowed UDP ports', kind: 'list' },
    { key: 'allowedSources', label: 'Allowed source networks', kind: 'list', placeholder: 'any address', help: 'IPv4 or IPv6 networks, e.g. 10.0.0.0/8, 2001:db8::/32. Empty: any address. SSH is limited too.' },
    { key: 'icmp', label: 'Answer ping (ICMP)', kind: 'boolean' },
    { key: 'logDropped', label: 'Log dropped packets', kind: 'boolean', help: 'Rate-limited, to the kernel log (journalctl -k, dmesg).' },
    { key: 'revertAfterSeconds', label: 'Revert after (seconds)', kind: 'number', help: 'Without a confirming login, the host goes back to its old firewall after this long.' },
  ],
  defaults: { sshPort: 22, tcpPorts: [22], udpPorts: [], allowedSources: [], icmp: true, logDropped: false, revertAfterSeconds: 120 },
};
