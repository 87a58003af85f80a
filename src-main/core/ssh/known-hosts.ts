/**
 * OpenSSH known_hosts parsing and host key lookup (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT").
 *
 * This decides whether we talk to a server at all, so it follows OpenSSH's hostfile.c wherever
 * the two could disagree, and fails closed where OpenSSH is ambiguous. Parsing never throws:
 * a bad line is skipped with a warning, because one corrupt line must not make every host
 * "unknown" (that would train users to click through key prompts).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type KnownHostsMarker = 'cert-authority' | 'revoked';

export interface KnownHostsPattern {
  /** Lowercased; `*` and `?` are wildcards. */
  glob: string;
  negated: boolean;
}

export type KnownHostsHosts =
  | { kind: 'hashed'; salt: Buffer; hash: Buffer }
  | { kind: 'patterns'; patterns: KnownHostsPattern[] };

export interface KnownHostEntry {
  /** 1-based line number in the parsed text. */
  line: number;
  /** null for a plain key; `@cert-authority` entries are kept but never match plain keys. */
  marker: KnownHostsMarker | null;
  hosts: KnownHostsHosts;
  keyType: string;
  keyBlob: Buffer;
  comment: string;
}

export interface KnownHostsWarning {
  line: number;
  message: string;
}

export type HostKeyStatus = 'match' | 'mismatch' | 'unknown' | 'revoked';

export interface HostKeyLookup {
  status: HostKeyStatus;
  /** SHA256 fingerprints of the plain (non-CA, non-revoked) keys stored for this host. */
  knownFingerprints: string[];
  /** Key types of those keys, in file order, without duplicates. */
  knownKeyTypes: string[];
}

const HASH_MAGIC = '|1|';
const SHA1_LEN = 20;
const KEY_TYPE = /^[A-Za-z0-9][A-Za-z0-9@._+-]{0,127}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function parseKnownHosts(text: string, opts: { warnings?: KnownHostsWarning[] } = {}): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const warn = (line: number, message: string): void => void opts.warnings?.push({ line, message });
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const result = parseLine(raw.replace(/\r$/, ''), i + 1);
    if (result === null) return;
    if (typeof result === 'string') warn(i + 1, result);
    else entries.push(result);
  });
  return entries;
}

/** One line → an entry, null for blank/comment, or a warning message. */
function parseLine(raw: string, line: number): KnownHostEntry | string | null {
  const fields = raw.trim().split(/[ \t]+/);
  if (fields[0] === '' || fields[0]!.startsWith('#')) return null;
  let marker: KnownHostsMarker | null = null;
  if (fields[0]!.startsWith('@')) {
    const m = fields.shift()!;
    if (m === '@cert-authority') marker = 'cert-authority';
    else if (m === '@revoked') marker = 'revoked';
    else return `unknown marker "${m.slice(0, 40)}"; line ignored`;
  }
  const [hostField, keyType, keyB64, ...rest] = fields;
  if (!hostField || !keyType || !keyB64) return 'expected "hosts key-type base64-key"; line ignored';
  if (/^\d+$/.test(keyType)) return 'SSH-1 RSA key lines are not supported; line ignored';
  if (!KEY_TYPE.test(keyType)) return `invalid key type "${keyType.slice(0, 40)}"; line ignored`;
  const keyBlob = decodeBase64Strict(keyB64);
  if (!keyBlob) return 'key is not valid base64; line ignored';
  const blobType = readKeyType(keyBlob);
  // OpenSSH refuses a line whose type field disagrees with the key, so a swapped type can't hide a key.
  if (blobType !== keyType) return `key type "${keyType}" does not match the key data (${blobType ?? 'unreadable'}); line ignored`;
  const hosts = parseHosts(hostField);
  if (typeof hosts === 'string') return hosts;
  return { line, marker, hosts, keyType, keyBlob, comment: rest.join(' ') };
}

function parseHosts(field: string): KnownHostsHosts | string {
  if (field.startsWith('|')) {
    // A hashed name is the whole field (OpenSSH never splits it on commas).
    const parts = field.split('|');
    if (!field.startsWith(HASH_MAGIC) || parts.length !== 4) return 'unsupported hashed host format; line ignored';
    const salt = decodeBase64Strict(parts[2]!);
    const hash = decodeBase64Strict(parts[3]!);
    if (salt?.length !== SHA1_LEN || hash?.length !== SHA1_LEN) return 'bad hashed host (salt or hash is not 20 bytes); line ignored';
    return { kind: 'hashed', salt, hash };
  }
  const patterns: KnownHostsPattern[] = [];
  for (const p of field.toLowerCase().split(',')) {
    const negated = p.startsWith('!');
    const glob = negated ? p.slice(1) : p;
    if (glob === '') continue;
    patterns.push({ glob, negated });
  }
  if (!patterns.some((p) => !p.negated)) return 'no host pattern to match; line ignored';
  return { kind: 'patterns', patterns };
}

/** Base64 that round-trips (Buffer.from silently drops junk characters, which must not pass). */
function decodeBase64Strict(s: string): Buffer | null {
  if (!BASE64.test(s)) return null;
  const buf = Buffer.from(s, 'base64');
  if (buf.length === 0 || buf.toString('base64').replace(/=+$/, '') !== s.replace(/=+$/, '')) return null;
  return buf;
}

/**
 * The name a host's keys are stored under: `host` on port 22, `[host]:port` otherwise
 * (OpenSSH put_host_port). Lowercased like OpenSSH; brackets around an IPv6 literal are dropped first.
 */
export function knownHostsName(host: string, port: number): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return port === 22 ? h : `[${h}]:${port}`;
}

/** Whether an entry's host field names `hostName` (as produced by knownHostsName). */
export function entryMatchesHost(entry: KnownHostEntry, hostName: string): boolean {
  const name = hostName.toLowerCase();
  if (entry.hosts.kind === 'hashed') {
    const mac = createHmac('sha1', entry.hosts.salt).update(name).digest();
    return timingSafeEqual(mac, entry.hosts.hash);
  }
  // Like OpenSSH match_hostname: any negated match vetoes the line, else one positive match is needed.
  let positive = false;
  for (const p of entry.hosts.patterns) {
    if (!matchWildcard(p.glob, name)) continue;
    if (p.negated) return false;
    positive = true;
  }
  return positive;
}

/**
 * Checks the key a server offered. Decisions (OpenSSH 9.2 behaviour, verified against `ssh`):
 * - Any `@revoked` line with this key refuses it, whichever hosts the line names. OpenSSH only
 *   honours revocations whose pattern matches, but a revoked key is compromised everywhere, so we
 *   fail closed.
 * - A plain line for this host with the same blob → 'match', even if other lines differ.
 * - Otherwise any plain key stored for this host → 'mismatch', whatever its type. OpenSSH reports
 *   "REMOTE HOST IDENTIFICATION HAS CHANGED" for an ed25519 key when only an ecdsa key is known;
 *   treating it as 'unknown' would let a man in the middle get a trust-on-first-use prompt just
 *   by offering another key type. OpenSSH avoids false alarms by asking the server for the types
 *   it already knows first; callers do the same with hostKeyAlgorithmsFor().
 * - `@cert-authority` lines are ignored (we don't accept host certificates).
 * `keyType` must name the blob's own type (or an RSA signature algorithm for an ssh-rsa key).
 */
export function lookupHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
): HostKeyLookup {
  const blobType = readKeyType(keyBlob);
  if (blobType === null || normaliseKeyType(keyType) !== blobType) {
    throw new TypeError(`host key type "${keyType}" does not match the offered key (${blobType ?? 'unreadable blob'})`);
  }
  const name = knownHostsName(host, port);
  const known = entries.filter((e) => e.marker === null && entryMatchesHost(e, name));
  const knownFingerprints = unique(known.map((e) => fingerprintSha256(e.keyBlob)));
  const knownKeyTypes = unique(known.map((e) => e.keyType));
  const result = (status: HostKeyStatus): HostKeyLookup => ({ status, knownFingerprints, knownKeyTypes });
  if (entries.some((e) => e.marker === 'revoked' && e.keyBlob.equals(keyBlob))) return result('revoked');
  if (known.some((e) => e.keyBlob.equals(keyBlob))) return result('match');
  return result(known.length > 0 ? 'mismatch' : 'unknown');
}

/** ssh2's default host key algorithms (lib/protocol/constants.js), in its order. */
export const DEFAULT_HOST_KEY_ALGORITHMS: readonly string[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * Host key algorithms for ssh2's `algorithms.serverHostKey`, with the types already stored for
 * this host first (OpenSSH order_hostkeyalgs). Without this, ssh2 asks for ed25519 first and a
 * host known only by its ecdsa key (common in older known_hosts) would look changed.
 */
export function hostKeyAlgorithmsFor(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const knownTypes = new Set(entries.filter((e) => e.marker === null && entryMatchesHost(e, name)).map((e) => e.keyType));
  const isKnown = (alg: string): boolean => knownTypes.has(normaliseKeyType(alg));
  return [...DEFAULT_HOST_KEY_ALGORITHMS.filter(isKnown), ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !isKnown(a))];
}

/** RSA keys are stored as ssh-rsa but negotiated as rsa-sha2-256/512. */
function normaliseKeyType(t: string): string {
  return t === 'rsa-sha2-256' || t === 'rsa-sha2-512' ? 'ssh-rsa' : t;
}

/** `SHA256:` + unpadded base64 of the blob's SHA-256, exactly as `ssh-keygen -lf` prints it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The type name at the start of an SSH wire-format public key blob (e.g. "ssh-ed25519").
 * Throws on an unreadable blob: a key we can't even read must never reach a trust decision.
 */
export function keyTypeOfBlob(blob: Buffer): string {
  const type = readKeyType(blob);
  if (type === null) throw new TypeError('unreadable SSH public key blob');
  return type;
}

function readKeyType(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 128 || 4 + len > blob.length) return null;
  const type = blob.subarray(4, 4 + len).toString('latin1');
  return KEY_TYPE.test(type) ? type : null;
}

/**
 * One known_hosts line (with trailing newline) for `hostName` as knownHostsName() builds it.
 * Refuses names that would turn into patterns or extra fields (`,`, `*`, `?`, `!`, spaces,
 * newlines) so a hostile host name can't widen what the line trusts.
 */
export function formatKnownHostsLine(hostName: string, keyType: string, blob: Buffer, opts: { hash?: boolean } = {}): string {
  const name = hostName.toLowerCase();
  if (!/^(\[[^\s,*?!#@|[\]]+\]:\d{1,5}|[^\s,*?!#@|[\]]+)$/.test(name)) throw new TypeError(`cannot store a key for host name "${hostName}"`);
  if (readKeyType(blob) !== keyType) throw new TypeError(`key type "${keyType}" does not match the key data`);
  let field = name;
  if (opts.hash) {
    const salt = randomBytes(SHA1_LEN);
    field = `${HASH_MAGIC}${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  return `${field} ${keyType} ${blob.toString('base64')}\n`;
}

/**
 * Glob match with `*` (any run) and `?` (one character), as OpenSSH match_pattern. Iterative with
 * one backtrack point, so hostile patterns can't blow up the way a generated RegExp could.
 */
export function matchWildcard(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (pattern[p] === '*') {
      starP = p++;
      starT = t;
    } else if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
