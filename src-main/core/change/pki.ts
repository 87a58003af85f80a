import { X509Certificate, createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { domainName, isIp } from '../../../src-common/modules/settings-fields.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { InternalPki } from './module.js';
import { ensurePrivateDir, publishExclusive, readOwnFile, sleep, syncDir, writeReplacing } from './pki-files.js';
import { KU, OID, certificate, children, der, extension, extensionValue, keyIdentifier, keyUsage, name, pem, readTlv, seconds, serialNumber, spkiOf } from './pki-x509.js';

export { der } from './pki-x509.js';

/**
 * Fleetdeck's internal CA (issue 10): one CA per data dir, for hosts whose web UIs sit behind
 * nginx with `tls: internal-ca`. The user trusts its certificate once per browser; Fleetdeck
 * issues the hosts' certificates from it.
 *
 * On disk, `<dataDir>/pki/` (0700):
 *   ca.key   the CA's key, PKCS#8 PEM, 0600; published once, never replaced (O_EXCL / link(2))
 *   ca.crt   the CA certificate, PEM (what browsers import)
 *   issued/  (0700) `<sha256 of the sorted names>.key` (0600) and `.crt`: leaves, reused until
 *            they are within 30 days of expiry, so planning twice wants the same files.
 *
 * Profiles (ECDSA P-256, ecdsa-with-SHA256, X.509 v3, 16-byte random positive serials):
 *   CA    subject O=Fleetdeck, CN="Fleetdeck internal CA (<hostname>, <YYYY-MM-DD>)", 10 years;
 *         basicConstraints critical CA:TRUE pathlen:0; keyUsage critical keyCertSign cRLSign;
 *         subjectKeyIdentifier (SHA-1 of the public key, RFC 5280 method 1).
 *   Leaf  subject CN=<first name> (empty subject and a critical SAN when the name is longer than
 *         a CN may be, 64); 397 days (the browsers' limit is 398), never past the CA's end;
 *         basicConstraints critical CA:FALSE; keyUsage critical digitalSignature; extKeyUsage
 *         serverAuth; subjectAltName DNS/IP per name; authorityKeyIdentifier = the CA's key id.
 *
 * Node has no API to make certificates, so the DER is written here (a small encoder, pki-x509.ts) and
 * the TBSCertificate signed with crypto.sign (ECDSA signatures come out DER already).
 */

export const LEAF_DAYS = 397;
export const RENEW_DAYS = 30;
export const CA_YEARS = 10;
export const MAX_NAMES = 20;

const DAY_MS = 86_400_000;
/** Certificates start an hour early: a host whose clock lags a little still accepts them. */
const BACKDATE_MS = 3_600_000;
/** ub-common-name (RFC 5280). */
const CN_MAX = 64;

export interface PkiOptions {
  /** The clock (tests move it forward to see a leaf renewed). */
  now?: () => Date;
  /** The machine named in the CA's subject; os.hostname() by default. */
  hostname?: string;
}

export interface PkiPaths {
  dir: string;
  caKey: string;
  caCert: string;
  issued: string;
}

export function pkiPaths(dataDir: string): PkiPaths {
  const dir = path.join(dataDir, 'pki');
  return { dir, caKey: path.join(dir, 'ca.key'), caCert: path.join(dir, 'ca.crt'), issued: path.join(dir, 'issued') };
}

export function openPki(dataDir: string, options: PkiOptions = {}): InternalPki {
  const paths = pkiPaths(dataDir);
  const now = options.now ?? (() => new Date());
  const hostname = options.hostname ?? os.hostname();
  return {
    caPem: () => loadOrCreateCa(paths, now(), hostname).pem,
    issue: (names: string[]) => {
      const wanted = certNames(names);
      const ca = loadOrCreateCa(paths, now(), hostname);
      const leaf = issueLeaf(paths, ca, wanted, now());
      return { ...leaf, caPem: ca.pem };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Names

export interface CertName {
  kind: 'dns' | 'ip';
  /** Lowercase DNS name without a trailing dot, or the address in its canonical text form. */
  value: string;
  /** The address (4 or 16 bytes) for an IP name. */
  ip?: Buffer;
}

/**
 * The names a leaf is for, checked with the settings' rules (DNS names in their ASCII form, IPv4,
 * IPv6): hostile or malformed input is refused with what is wrong and what would be right.
 */
export function certNames(names: readonly string[]): CertName[] {
  if (!Array.isArray(names) || names.length === 0) throw new FleetdeckError('invalid-input', 'A certificate needs at least one name (a DNS name or an IP address).');
  if (names.length > MAX_NAMES) throw new FleetdeckError('invalid-input', `A certificate from the internal CA has at most ${MAX_NAMES} names; ${names.length} were given.`);
  const out: CertName[] = [];
  const seen = new Set<string>();
  for (const raw of names) {
    const n = certName(raw);
    if (seen.has(n.value)) continue;
    seen.add(n.value);
    out.push(n);
  }
  return out;
}

function certName(raw: unknown): CertName {
  if (typeof raw !== 'string') throw new FleetdeckError('invalid-input', 'A certificate name is a DNS name or an IP address (text).');
  const bad = (why: string) => new FleetdeckError('invalid-input', `${show(raw)} cannot go in a certificate: ${why}`);
  if (/\s/.test(raw)) throw bad('a name has no spaces or line breaks.');
  if (raw.includes(':')) {
    if (/^[^:]+:\d+$/.test(raw)) throw bad('give the name without a port (the port is set elsewhere).');
    if (!isIp(raw) || !net.isIPv6(raw)) throw bad('not a valid IPv6 address (hex groups between colons, e.g. 2001:db8::5).');
    const ip = ipv6Bytes(raw);
    return { kind: 'ip', value: ipv6Text(ip), ip };
  }
  if (isIp(raw) && net.isIPv4(raw)) return { kind: 'ip', value: raw, ip: Buffer.from(raw.split('.').map(Number)) };
  const parsed = domainName().safeParse(raw);
  if (!parsed.success) throw bad(parsed.error.issues[0]?.message ?? 'not a valid domain name.');
  const value = parsed.data.replace(/\.$/, '').toLowerCase();
  if (value === '') throw bad('not a valid domain name.');
  if (value.length > 253) throw bad('a domain name has at most 253 characters.');
  if (/^\d+$/.test(value.slice(value.lastIndexOf('.') + 1))) throw bad('it looks like an IPv4 address but is not one (four numbers from 0 to 255, e.g. 192.0.2.10).');
  return { kind: 'dns', value };
}

function show(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
}

function ipv6Bytes(text: string): Buffer {
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** RFC 5952: lowercase, no leading zeros, the longest run of two or more zero groups as "::". */
function ipv6Text(ip: Buffer): string {
  const g = Array.from({ length: 8 }, (_, i) => ip.readUInt16BE(i * 2));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

// ---------------------------------------------------------------------------------------------
// The CA

interface Ca {
  key: KeyObject;
  cert: X509Certificate;
  pem: string;
  /** The CA's subject Name, DER, as it is in its certificate (the leaves' issuer). */
  subject: Buffer;
  keyId: Buffer;
  notAfter: Date;
}

function loadOrCreateCa(paths: PkiPaths, now: Date, hostname: string): Ca {
  ensurePrivateDir(paths.dir, (what) => caTrouble(paths, what));
  let key = readOwnFile(paths.caKey);
  let crt = readOwnFile(paths.caCert);
  if (key === null && crt === null) {
    createCa(paths, now, hostname);
    key = readOwnFile(paths.caKey);
    crt = readOwnFile(paths.caCert);
  }
  if (key === null) throw caTrouble(paths, `${paths.caCert} is there but its key ${paths.caKey} is missing`);
  if (crt === null) {
    // Another process made the key and is writing the certificate: give it a moment.
    if (Date.now() - fs.statSync(paths.caKey).mtimeMs < 10_000) {
      for (let i = 0; i < 60 && crt === null; i++) {
        sleep(50);
        crt = readOwnFile(paths.caCert);
      }
    }
  }
  const caKey = parseCaKey(paths, key);
  if (crt === null) {
    // A creation interrupted between the key and its certificate: nothing can trust a
    // certificate that was never written, so make it from the key that is there.
    const der = caCertificate(caKey, now, hostname);
    publishExclusive(paths.caCert, pem('CERTIFICATE', der), 0o644);
    crt = readOwnFile(paths.caCert);
    if (crt === null) throw caTrouble(paths, `${paths.caCert} could not be written`);
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(crt);
  } catch (err) {
    throw caTrouble(paths, `${paths.caCert} is not a certificate (${(err as Error).message})`);
  }
  if (!cert.checkPrivateKey(caKey)) throw caTrouble(paths, `${paths.caCert} does not belong to the key ${paths.caKey}`);
  if (!cert.ca) throw caTrouble(paths, `${paths.caCert} is not a CA certificate`);
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() - now.getTime() < RENEW_DAYS * DAY_MS) {
    throw caTrouble(paths, `its certificate ${notAfter.getTime() <= now.getTime() ? 'expired' : 'expires'} on ${notAfter.toISOString().slice(0, 10)}`, true);
  }
  const raw = cert.raw;
  const tbs = children(raw, readTlv(raw, 0))[0];
  if (!tbs) throw caTrouble(paths, `${paths.caCert} is not a certificate`);
  const fields = children(raw, tbs);
  const off = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[off + 4];
  if (!subject || subject.tag !== 0x30) throw caTrouble(paths, `${paths.caCert} is not a certificate`);
  return { key: caKey, cert, pem: crt.toString('utf8'), subject: raw.subarray(subject.start, subject.end), keyId: keyIdentifier(caKey), notAfter };
}

function parseCaKey(paths: PkiPaths, key: Buffer): KeyObject {
  try {
    const k = createPrivateKey(key);
    if (k.asymmetricKeyType !== 'ec' || k.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not an EC P-256 key');
    return k;
  } catch (err) {
    throw caTrouble(paths, `its key ${paths.caKey} cannot be read (${(err as Error).message})`);
  }
}

function caTrouble(paths: PkiPaths, what: string, expired = false): FleetdeckError {
  const keep = expired
    ? ''
    : ` Fleetdeck does not replace it by itself: hosts and browsers that trust this CA would stop trusting what it issued. Restore ${paths.dir} from a backup if you have one.`;
  return new FleetdeckError(
    'step-failed',
    `Fleetdeck's internal CA in ${paths.dir} cannot be used: ${what}.${keep} To start a new CA, move ${paths.dir} away; Fleetdeck makes a new one the next time it is needed, and browsers must then trust the new CA certificate (export it again).`,
    { pkiDir: paths.dir },
  );
}

function createCa(paths: PkiPaths, now: Date, hostname: string): void {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = caCertificate(privateKey, now, hostname);
  // The key first, exclusively: whoever publishes it owns the CA. A loser reads the winner's.
  if (!publishExclusive(paths.caKey, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600)) return;
  publishExclusive(paths.caCert, pem('CERTIFICATE', der), 0o644);
  syncDir(paths.dir);
}

function caCertificate(key: KeyObject, now: Date, hostname: string): Buffer {
  const notBefore = seconds(now.getTime() - BACKDATE_MS);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_YEARS);
  const subject = name([
    [OID.organization, 'Fleetdeck'],
    [OID.commonName, caCommonName(hostname, now)],
  ]);
  const spki = spkiOf(key);
  const extensions = [
    extension(OID.basicConstraints, true, der.seq(der.bool(true), der.int(0))),
    extension(OID.keyUsage, true, keyUsage([KU.keyCertSign, KU.cRLSign])),
    extension(OID.subjectKeyIdentifier, false, der.octet(keyIdentifier(key))),
  ];
  return certificate({ serial: serialNumber(), issuer: subject, subject, notBefore, notAfter, spki, extensions }, key);
}

function caCommonName(hostname: string, now: Date): string {
  const date = now.toISOString().slice(0, 10);
  const fixed = `Fleetdeck internal CA (, ${date})`;
  let host = Array.from(hostname.replace(/[\p{C}]/gu, '?').trim() || 'unknown host');
  const room = CN_MAX - fixed.length;
  if (host.length > room) host = [...host.slice(0, room - 1), '…'];
  return `Fleetdeck internal CA (${host.join('')}, ${date})`;
}

// ---------------------------------------------------------------------------------------------
// Leaves

function issueLeaf(paths: PkiPaths, ca: Ca, names: CertName[], now: Date): { certPem: string; keyPem: string } {
  ensurePrivateDir(paths.issued, (what) => caTrouble(paths, what));
  const id = createHash('sha256')
    .update(names.map((n) => n.value).sort().join('\n'))
    .digest('hex');
  const keyFile = path.join(paths.issued, `${id}.key`);
  const crtFile = path.join(paths.issued, `${id}.crt`);
  const subject = leafSubject(names);
  const san = subjectAltName(names);
  const reused = reusable(keyFile, crtFile, ca, subject, san, now);
  if (reused) return reused;

  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const notBefore = seconds(now.getTime() - BACKDATE_MS);
  const notAfter = new Date(Math.min(notBefore.getTime() + LEAF_DAYS * DAY_MS, ca.notAfter.getTime()));
  const extensions = [
    extension(OID.basicConstraints, true, der.seq()),
    extension(OID.keyUsage, true, keyUsage([KU.digitalSignature])),
    extension(OID.extKeyUsage, false, der.seq(der.oid(OID.serverAuth))),
    // No subject (a first name too long for a CN): the SAN must be critical (RFC 5280 4.2.1.6).
    extension(OID.subjectAltName, subject.length === 2, san),
    extension(OID.authorityKeyIdentifier, false, der.seq(der.ctx(0, ca.keyId))),
  ];
  const certDer = certificate({ serial: serialNumber(), issuer: ca.subject, subject, notBefore, notAfter, spki: spkiOf(privateKey), extensions }, ca.key);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const certPem = pem('CERTIFICATE', certDer);
  writeReplacing(keyFile, keyPem, 0o600);
  writeReplacing(crtFile, certPem, 0o644);
  return { certPem, keyPem };
}

/** The leaf on disk, if it is ours, for exactly these names, and good for more than 30 days. */
function reusable(keyFile: string, crtFile: string, ca: Ca, subject: Buffer, san: Buffer, now: Date): { certPem: string; keyPem: string } | null {
  const keyPem = readOwnFile(keyFile);
  const certPem = readOwnFile(crtFile);
  if (keyPem === null || certPem === null) return null;
  try {
    const cert = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    if (!cert.checkIssued(ca.cert) || !cert.verify(ca.cert.publicKey) || !cert.checkPrivateKey(key)) return null;
    if (new Date(cert.validFrom).getTime() > now.getTime()) return null;
    if (new Date(cert.validTo).getTime() - now.getTime() <= RENEW_DAYS * DAY_MS) return null;
    const raw = cert.raw;
    const tbs = children(raw, readTlv(raw, 0))[0];
    if (!tbs) return null;
    const fields = children(raw, tbs);
    const off = fields[0]?.tag === 0xa0 ? 1 : 0;
    const subj = fields[off + 4];
    if (!subj || !raw.subarray(subj.start, subj.end).equals(subject)) return null;
    if (!extensionValue(raw, fields, OID.subjectAltName)?.equals(san)) return null;
    return { certPem: certPem.toString('utf8'), keyPem: keyPem.toString('utf8') };
  } catch {
    return null;
  }
}

function leafSubject(names: CertName[]): Buffer {
  const first = names[0];
  if (!first || first.value.length > CN_MAX) return der.seq();
  return name([[OID.commonName, first.value]]);
}

function subjectAltName(names: CertName[]): Buffer {
  return der.seq(...names.map((n) => (n.kind === 'ip' && n.ip ? der.ctx(7, n.ip) : der.ctx(2, Buffer.from(n.value, 'ascii')))));
}
