import { createHash, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * The X.509 and DER pieces of Fleetdeck's internal CA (pki.ts): certificates as RFC 5280 has
 * them, written with a small DER encoder (X.690) and read back with a TLV reader. Node has no API
 * to make certificates.
 */

export const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** keyUsage bit numbers (RFC 5280 4.2.1.3). */
export const KU = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

export interface Tbs {
  serial: Buffer;
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  extensions: Buffer[];
}

export function certificate(t: Tbs, signer: KeyObject): Buffer {
  const algorithm = der.seq(der.oid(OID.ecdsaWithSha256));
  const tbs = der.seq(
    der.explicit(0, der.int(2)),
    der.int(t.serial),
    algorithm,
    t.issuer,
    der.seq(der.time(t.notBefore), der.time(t.notAfter)),
    t.subject,
    t.spki,
    der.explicit(3, der.seq(...t.extensions)),
  );
  const signature = sign('sha256', tbs, signer);
  return der.seq(tbs, algorithm, der.bitString(signature));
}

export function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return critical ? der.seq(der.oid(oid), der.bool(true), der.octet(value)) : der.seq(der.oid(oid), der.octet(value));
}

export function name(rdns: [string, string][]): Buffer {
  return der.seq(...rdns.map(([oid, value]) => der.set(der.seq(der.oid(oid), der.utf8(value)))));
}

/** A named BIT STRING: the given bits set, trailing zero bits left out (X.690 11.2.2). */
export function keyUsage(bits: number[]): Buffer {
  const top = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(top / 8) + 1);
  for (const b of bits) bytes[b >> 3] = (bytes[b >> 3] ?? 0) | (0x80 >> (b & 7));
  return der.bitString(bytes, 7 - (top & 7));
}

/** 16 random bytes, positive and without a leading zero byte: 126 bits of randomness. */
export function serialNumber(): Buffer {
  const s = randomBytes(16);
  s[0] = ((s[0] ?? 0) & 0x7f) | 0x40;
  return s;
}

export function spkiOf(key: KeyObject): Buffer {
  // createPublicKey derives the public half of a private KeyObject.
  return (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits. */
export function keyIdentifier(key: KeyObject): Buffer {
  const spki = spkiOf(key);
  const bits = children(spki, readTlv(spki, 0))[1];
  if (!bits || bits.tag !== 0x03) throw new Error('unexpected SubjectPublicKeyInfo');
  return createHash('sha1')
    .update(spki.subarray(bits.start + bits.header + 1, bits.end))
    .digest();
}

export function extensionValue(raw: Buffer, tbsFields: Tlv[], oid: string): Buffer | null {
  const wrapper = tbsFields.find((f) => f.tag === 0xa3);
  if (!wrapper) return null;
  const list = children(raw, wrapper)[0];
  if (!list) return null;
  const want = der.oid(oid);
  for (const ext of children(raw, list)) {
    const parts = children(raw, ext);
    const id = parts[0];
    const value = parts[parts.length - 1];
    if (id && value && value.tag === 0x04 && raw.subarray(id.start, id.end).equals(want)) return raw.subarray(value.start + value.header, value.end);
  }
  return null;
}

export function pem(label: string, body: Buffer): string {
  const b64 = body.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

export function seconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

// ---------------------------------------------------------------------------------------------
// DER (X.690): just what a certificate needs.

export function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let head: number[];
  if (n < 0x80) head = [tag, n];
  else {
    const len: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) len.unshift(v & 0xff);
    head = [tag, 0x80 | len.length, ...len];
  }
  return Buffer.concat([Buffer.from(head), content]);
}

export const der = {
  seq: (...items: Buffer[]) => tlv(0x30, Buffer.concat(items)),
  /** SET OF: DER sorts the elements by their encodings. */
  set: (...items: Buffer[]) => tlv(0x31, Buffer.concat([...items].sort(Buffer.compare))),
  bool: (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0x00])),
  /** A non-negative INTEGER, in the fewest bytes. */
  int: (v: number | Buffer) => {
    let b = typeof v === 'number' ? bigEndian(v) : Buffer.from(v);
    let i = 0;
    while (i < b.length - 1 && b[i] === 0 && ((b[i + 1] ?? 0) & 0x80) === 0) i++;
    b = b.subarray(i);
    if (b.length === 0) b = Buffer.from([0]);
    if (((b[0] ?? 0) & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
    return tlv(0x02, b);
  },
  oid: (dotted: string) => {
    const arcs = dotted.split('.').map(Number);
    const [a = 0, b = 0, ...rest] = arcs;
    const out: number[] = [];
    for (const arc of [40 * a + b, ...rest]) {
      const chunk = [arc & 0x7f];
      for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
      out.push(...chunk);
    }
    return tlv(0x06, Buffer.from(out));
  },
  bitString: (bytes: Buffer, unusedBits = 0) => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes])),
  octet: (bytes: Buffer) => tlv(0x04, bytes),
  utf8: (s: string) => tlv(0x0c, Buffer.from(s, 'utf8')),
  /** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), to the second, in UTC. */
  time: (d: Date) => {
    const y = d.getUTCFullYear();
    if (y < 0 || y > 9999) throw new Error(`a certificate date must be in years 0 to 9999, not ${y}`);
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
    return y >= 1950 && y < 2050 ? tlv(0x17, Buffer.from(`${p(y % 100)}${rest}`, 'ascii')) : tlv(0x18, Buffer.from(`${p(y, 4)}${rest}`, 'ascii'));
  },
  /** [n] EXPLICIT (constructed). */
  explicit: (n: number, inner: Buffer) => tlv(0xa0 | n, inner),
  /** [n] IMPLICIT of a primitive type (the contents of dNSName, iPAddress, keyIdentifier). */
  ctx: (n: number, content: Buffer) => tlv(0x80 | n, content),
};

export function bigEndian(v: number): Buffer {
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`not a non-negative integer: ${v}`);
  const out: number[] = [];
  for (let x = v; x > 0; x = Math.floor(x / 256)) out.unshift(x & 0xff);
  return Buffer.from(out.length ? out : [0]);
}

export interface Tlv {
  tag: number;
  start: number;
  header: number;
  end: number;
}

/** One DER element at `at` (definite lengths only), its bounds checked. */
export function readTlv(buf: Buffer, at: number): Tlv {
  const tag = buf[at];
  const first = buf[at + 1];
  if (tag === undefined || first === undefined || (tag & 0x1f) === 0x1f) throw new Error('malformed DER');
  let len = first;
  let header = 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new Error('malformed DER length');
    len = 0;
    for (let i = 0; i < n; i++) {
      const b = buf[at + 2 + i];
      if (b === undefined) throw new Error('truncated DER');
      len = len * 256 + b;
    }
    header += n;
  }
  const end = at + header + len;
  if (end > buf.length) throw new Error('truncated DER');
  return { tag, start: at, header, end };
}

export function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start + parent.header; at < parent.end; ) {
    const t = readTlv(buf, at);
    if (t.end > parent.end) throw new Error('malformed DER');
    out.push(t);
    at = t.end;
  }
  return out;
}
