import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetdeckError } from '../../../src-common/problems.js';
import { CA_YEARS, LEAF_DAYS, MAX_NAMES, certNames, der, openPki, pkiPaths } from './pki.js';

/**
 * Fleetdeck's internal CA (issue 10): certificates that Node, OpenSSL and a real TLS handshake
 * accept, with the profile the module promises, kept on disk privately and reused so that
 * planning twice wants the same files.
 */
const repo = path.resolve(import.meta.dirname, '../../..');
const DAY = 86_400_000;
const noOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'openssl is not installed (apt install openssl)';
  }
})();

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetdeck-pki-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const hex = (b: Buffer) => b.toString('hex');

/** openssl verify, strict, as a TLS server certificate for the name given. */
function opensslVerify(caFile: string, leafFile: string, name?: string, extra: string[] = []): { ok: boolean; out: string } {
  const nameArgs = name === undefined ? [] : name.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(name) ? ['-verify_ip', name] : ['-verify_hostname', name];
  try {
    const out = execFileSync('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', ...nameArgs, ...extra, '-CAfile', caFile, leafFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, out };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function writeTemp(dir: string, file: string, content: string): string {
  const p = path.join(dir, file);
  fs.writeFileSync(p, content);
  return p;
}

describe('the DER encoder', () => {
  it('writes INTEGERs in the fewest bytes, positive', () => {
    expect(hex(der.int(0))).toBe('020100');
    expect(hex(der.int(2))).toBe('020102');
    expect(hex(der.int(127))).toBe('02017f');
    expect(hex(der.int(128))).toBe('02020080');
    expect(hex(der.int(256))).toBe('02020100');
    expect(hex(der.int(Buffer.from('0000007f', 'hex')))).toBe('02017f');
    expect(hex(der.int(Buffer.from('000080', 'hex')))).toBe('02020080');
    expect(hex(der.int(Buffer.from('ff', 'hex')))).toBe('020200ff');
  });

  it('writes OIDs, lengths in short and long form, BOOLEAN, BIT STRING', () => {
    expect(hex(der.oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(der.oid('2.5.29.19'))).toBe('0603551d13');
    expect(hex(der.oid('1.3.6.1.5.5.7.3.1'))).toBe('06082b06010505070301');
    expect(hex(der.octet(Buffer.alloc(127))).slice(0, 4)).toBe('047f');
    expect(hex(der.octet(Buffer.alloc(128))).slice(0, 6)).toBe('048180');
    expect(hex(der.octet(Buffer.alloc(256))).slice(0, 8)).toBe('04820100');
    expect(hex(der.octet(Buffer.alloc(65536))).slice(0, 10)).toBe('0483010000');
    expect(hex(der.bool(true))).toBe('0101ff');
    expect(hex(der.bitString(Buffer.from([0x06]), 1))).toBe('03020106');
    expect(hex(der.seq())).toBe('3000');
  });

  it('writes SET OF sorted, context tags, and UTCTime through 2049 then GeneralizedTime', () => {
    expect(hex(der.set(Buffer.from('0201ff', 'hex'), Buffer.from('020101', 'hex')))).toBe('3106020101' + '0201ff');
    expect(hex(der.explicit(3, der.seq()))).toBe('a3023000');
    expect(hex(der.ctx(2, Buffer.from('a')))).toBe('820161');
    expect(der.time(new Date(Date.UTC(2049, 11, 31, 23, 59, 59))).toString('latin1')).toBe('\x17\x0d491231235959Z');
    expect(der.time(new Date(Date.UTC(2050, 0, 1, 0, 0, 0))).toString('latin1')).toBe('\x18\x0f20500101000000Z');
    expect(der.time(new Date(Date.UTC(2026, 1, 3, 4, 5, 6, 789))).toString('latin1')).toBe('\x17\x0d260203040506Z');
  });
});

describe('names a certificate is for', () => {
  it('takes DNS names, IPv4 and IPv6, normalised (lowercase, no trailing dot, RFC 5952), duplicates once', () => {
    expect(certNames(['Gpu-1.Lab.Example.ORG.', '192.0.2.10', '2001:DB8:0:0:0:0:0:5', 'localhost', 'gpu-1.lab.example.org', '2001:db8::5', '::', '::1', '1::', 'fe80:0:0:1:0:0:0:1'])).toEqual([
      { kind: 'dns', value: 'gpu-1.lab.example.org' },
      { kind: 'ip', value: '192.0.2.10', ip: Buffer.from([192, 0, 2, 10]) },
      { kind: 'ip', value: '2001:db8::5', ip: Buffer.from('20010db8000000000000000000000005', 'hex') },
      { kind: 'dns', value: 'localhost' },
      { kind: 'ip', value: '::', ip: Buffer.alloc(16) },
      { kind: 'ip', value: '::1', ip: Buffer.from('00000000000000000000000000000001', 'hex') },
      { kind: 'ip', value: '1::', ip: Buffer.from('00010000000000000000000000000000', 'hex') },
      { kind: 'ip', value: 'fe80:0:0:1::1', ip: Buffer.from('fe800000000000010000000000000001', 'hex') },
    ]);
    expect(certNames(['xn--bcher-kva.example'])[0]?.value).toBe('xn--bcher-kva.example');
  });

  it('refuses an empty list and more than 20 names', () => {
    expect(() => certNames([])).toThrow(expect.objectContaining({ problem: 'invalid-input', message: expect.stringMatching(/at least one name/) }));
    const many = Array.from({ length: MAX_NAMES + 1 }, (_, i) => `h${i}.example`);
    expect(() => certNames(many)).toThrow(expect.objectContaining({ problem: 'invalid-input', message: expect.stringMatching(/at most 20 names; 21 were given/) }));
    expect(certNames(many.slice(0, MAX_NAMES))).toHaveLength(MAX_NAMES);
  });

  it.each([
    ['', /Give a name/],
    [' gpu.example', /no spaces/],
    ['gpu .example', /no spaces/],
    ['gpu\n.example', /no spaces/],
    ['bücher.example', /xn--/],
    ['*.example.org', /Not a valid domain name/],
    ['a..example', /Not a valid domain name/],
    ['-a.example', /Not a valid domain name/],
    ['a_b.example', /Not a valid domain name/],
    ['gpu.example/../x', /Not a valid domain name/],
    ['$(reboot).example', /Not a valid domain name/],
    ['gpu;rm -rf /', /no spaces/],
    [`${'a'.repeat(64)}.example`, /Not a valid domain name/],
    [`${'a.'.repeat(127)}ab`, /at most 253/],
    ['1.2.3.999', /looks like an IPv4 address/],
    ['01.2.3.4', /looks like an IPv4 address/],
    ['10.1', /looks like an IPv4 address/],
    ['2001:db8::1::2', /IPv6/],
    ['fe80::1%eth0', /IPv6/],
    ['::ffff:192.0.2.1', /IPv6/],
    ['1:2:3:4:5:6:7:8:9', /IPv6/],
    ['gpu.example:443', /without a port/],
    ['192.0.2.1:8443', /without a port/],
    ['[::1]', /IPv6/],
  ])('refuses %j, saying what is wrong', (name, why) => {
    let err: unknown;
    try {
      certNames([name]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FleetdeckError);
    expect((err as FleetdeckError).problem).toBe('invalid-input');
    expect((err as FleetdeckError).message).toMatch(why);
    expect((err as FleetdeckError).message).toContain('cannot go in a certificate');
  });

  it('refuses names that are not text', () => {
    expect(() => certNames([42 as unknown as string])).toThrow(expect.objectContaining({ problem: 'invalid-input' }));
    expect(() => certNames('gpu.example' as unknown as string[])).toThrow(expect.objectContaining({ problem: 'invalid-input' }));
  });
});

describe('the certificates', () => {
  let dir: string;
  let ca: X509Certificate;
  let leaf: X509Certificate;
  let issued: { certPem: string; keyPem: string; caPem: string };
  const t0 = new Date();

  beforeAll(() => {
    dir = tempDir();
    const pki = openPki(dir, { hostname: 'laptop-7' });
    issued = pki.issue(['gpu-1.lab.example.org', '192.0.2.10', '2001:db8::5', 'grafana.lab.example.org']);
    ca = new X509Certificate(issued.caPem);
    leaf = new X509Certificate(issued.certPem);
  });

  it('the CA: self-signed, a CA, named after this machine and its day, ten years', () => {
    expect(ca.ca).toBe(true);
    // (Node escapes the comma in its text form of the name.)
    expect(ca.subject).toBe(`O=Fleetdeck\nCN=Fleetdeck internal CA (laptop-7\\, ${t0.toISOString().slice(0, 10)})`);
    expect(ca.issuer).toBe(ca.subject);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const from = new Date(ca.validFrom);
    const to = new Date(ca.validTo);
    expect(Math.abs(from.getTime() - (t0.getTime() - 3_600_000))).toBeLessThan(5_000);
    expect(to.getUTCFullYear() - from.getUTCFullYear()).toBe(CA_YEARS);
    expect(to.getUTCMonth()).toBe(from.getUTCMonth());
    expect(ca.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(issued.caPem).toBe(fs.readFileSync(pkiPaths(dir).caCert, 'utf8'));
  });

  it('the leaf: signed by the CA, for exactly its names, 397 days, a TLS server certificate', () => {
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.subject).toBe('CN=gpu-1.lab.example.org');
    expect(leaf.issuer).toBe(ca.subject);
    expect(leaf.subjectAltName).toBe('DNS:gpu-1.lab.example.org, IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:5, DNS:grafana.lab.example.org');
    expect(leaf.checkHost('gpu-1.lab.example.org')).toBe('gpu-1.lab.example.org');
    expect(leaf.checkHost('GRAFANA.lab.example.org')).toBeTruthy();
    expect(leaf.checkHost('other.lab.example.org')).toBeUndefined();
    expect(leaf.checkHost('lab.example.org')).toBeUndefined();
    expect(leaf.checkIP('192.0.2.10')).toBe('192.0.2.10');
    expect(leaf.checkIP('2001:db8::5')).toBeTruthy();
    expect(leaf.checkIP('192.0.2.11')).toBeUndefined();
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(new Date(leaf.validTo).getTime() - new Date(leaf.validFrom).getTime()).toBe(LEAF_DAYS * DAY);
    expect(leaf.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(leaf.serialNumber).not.toBe(ca.serialNumber);
    expect(leaf.checkPrivateKey(createPrivateKey(issued.keyPem))).toBe(true);
    expect(createPrivateKey(issued.keyPem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(issued.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(issued.certPem).toMatch(/^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/);
  });

  describe.skipIf(noOpenssl)(noOpenssl ? `with OpenSSL (skipped: ${noOpenssl})` : 'with OpenSSL', () => {
    it('openssl verify accepts the leaf, strictly, as a server certificate for each of its names and no other', () => {
      const caFile = writeTemp(dir, 'ca.pem', issued.caPem);
      const leafFile = writeTemp(dir, 'leaf.pem', issued.certPem);
      for (const name of [undefined, 'gpu-1.lab.example.org', '192.0.2.10', '2001:db8::5', 'grafana.lab.example.org']) {
        const r = opensslVerify(caFile, leafFile, name);
        expect(r, name).toEqual({ ok: true, out: `${leafFile}: OK\n` });
      }
      for (const name of ['other.example.org', '192.0.2.11']) expect(opensslVerify(caFile, leafFile, name).ok, name).toBe(false);
      // Another CA does not vouch for it.
      const other = openPki(tempDir()).caPem();
      expect(opensslVerify(writeTemp(dir, 'other-ca.pem', other), leafFile).out).toMatch(/unable to get local issuer certificate/);
    });

    it('openssl x509 -text shows both profiles', () => {
      const caText = execFileSync('openssl', ['x509', '-noout', '-text'], { input: issued.caPem, encoding: 'utf8' });
      expect(caText).toMatch(/Version: 3 \(0x2\)/);
      expect(caText).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
      expect(caText).toMatch(/NIST CURVE: P-256/);
      expect(caText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
      expect(caText).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
      expect(caText).toMatch(/X509v3 Subject Key Identifier: \s*\n\s+([0-9A-F]{2}:){19}[0-9A-F]{2}\n/);
      const ski = /X509v3 Subject Key Identifier: \s*\n\s+(\S+)/.exec(caText)?.[1];

      const leafText = execFileSync('openssl', ['x509', '-noout', '-text'], { input: issued.certPem, encoding: 'utf8' });
      expect(leafText).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
      expect(leafText).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
      expect(leafText).toMatch(/X509v3 Extended Key Usage: \s*\n\s+TLS Web Server Authentication\n/);
      expect(leafText).toMatch(/X509v3 Subject Alternative Name: \s*\n\s+DNS:gpu-1\.lab\.example\.org, IP Address:192\.0\.2\.10, IP Address:2001:DB8:0:0:0:0:0:5, DNS:grafana\.lab\.example\.org\n/);
      expect(leafText).toContain(`X509v3 Authority Key Identifier: \n                ${ski}\n`);
      expect(leafText).not.toMatch(/Subject Alternative Name: critical/);
      // OpenSSL reads the key and it matches the certificate.
      const keyPub = execFileSync('openssl', ['pkey', '-pubout'], { input: issued.keyPem, encoding: 'utf8' });
      const certPub = execFileSync('openssl', ['x509', '-noout', '-pubkey'], { input: issued.certPem, encoding: 'utf8' });
      expect(keyPub).toBe(certPub);
    });

    it('a first name too long for a CN: an empty subject and a critical SAN', () => {
      const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.example`;
      const r = openPki(dir).issue([long, 'short.example']);
      const cert = new X509Certificate(r.certPem);
      expect(cert.subject ?? '').toBe('');
      expect(cert.checkHost(long)).toBe(long);
      const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: r.certPem, encoding: 'utf8' });
      expect(text).toMatch(/X509v3 Subject Alternative Name: critical/);
      expect(opensslVerify(writeTemp(dir, 'ca.pem', r.caPem), writeTemp(dir, 'long.pem', r.certPem), long).ok).toBe(true);
    });

    it('dates from 2050 on are GeneralizedTime, and OpenSSL reads them', () => {
      const now = new Date('2045-03-01T12:00:00Z');
      const pki = openPki(tempDir(), { now: () => now, hostname: 'h' });
      const r = pki.issue(['future.example']);
      const caCert = new X509Certificate(r.caPem);
      expect(new Date(caCert.validTo).toISOString()).toBe('2055-03-01T11:00:00.000Z');
      expect(caCert.raw.includes(Buffer.from('\x18\x0f20550301110000Z', 'latin1'))).toBe(true);
      expect(caCert.raw.includes(Buffer.from('\x17\x0d450301110000Z', 'latin1'))).toBe(true);
      const at = String(Math.floor(now.getTime() / 1000));
      expect(opensslVerify(writeTemp(dir, 'f-ca.pem', r.caPem), writeTemp(dir, 'f.pem', r.certPem), 'future.example', ['-attime', at]).ok).toBe(true);
    });
  });

  it('a real TLS handshake: trusted for its names with only the CA trusted, refused for another name or another CA', async () => {
    const server = https.createServer({ key: issued.keyPem, cert: issued.certPem }, (_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const get = (opts: { servername?: string; ca: string }) =>
      new Promise<string>((resolve, reject) => {
        const req = https.get({ host: '127.0.0.1', port, path: '/', agent: false, ...opts }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
      });
    try {
      await expect(get({ servername: 'gpu-1.lab.example.org', ca: issued.caPem })).resolves.toBe('hello');
      await expect(get({ servername: 'grafana.lab.example.org', ca: issued.caPem })).resolves.toBe('hello');
      await expect(get({ servername: 'other.lab.example.org', ca: issued.caPem })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      // By address: 127.0.0.1 is not among its names.
      await expect(get({ ca: issued.caPem })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      await expect(get({ servername: 'gpu-1.lab.example.org', ca: openPki(tempDir()).caPem() })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a real TLS handshake by IP address', async () => {
    const r = openPki(dir).issue(['127.0.0.1', 'fleet.test']);
    const server = https.createServer({ key: r.keyPem, cert: r.certPem }, (_req, res) => res.end('by ip'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, path: '/', agent: false, ca: r.caPem }, (res) => {
            let b = '';
            res.on('data', (c: Buffer) => (b += c.toString()));
            res.on('end', () => resolve(b));
          })
          .on('error', reject);
      });
      expect(body).toBe('by ip');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('on disk', () => {
  it('keeps the CA and the leaves private: 0700 directories, 0600 keys', () => {
    const dir = tempDir();
    const p = pkiPaths(dir);
    expect(fs.existsSync(p.dir)).toBe(false);
    openPki(dir).issue(['gpu.example']);
    expect(mode(p.dir)).toBe(0o700);
    expect(mode(p.issued)).toBe(0o700);
    expect(mode(p.caKey)).toBe(0o600);
    const files = fs.readdirSync(p.issued).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.crt$/);
    expect(files[1]).toBe(files[0]?.replace(/\.crt$/, '.key'));
    expect(mode(path.join(p.issued, files[1] ?? ''))).toBe(0o600);
    expect(fs.readdirSync(p.dir).sort()).toEqual(['ca.crt', 'ca.key', 'issued']);
    expect(fs.readFileSync(p.caKey, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('tightens a loosened directory or key back', () => {
    const dir = tempDir();
    const p = pkiPaths(dir);
    const pki = openPki(dir);
    pki.issue(['gpu.example']);
    fs.chmodSync(p.dir, 0o755);
    fs.chmodSync(p.caKey, 0o644);
    pki.caPem();
    expect(mode(p.dir)).toBe(0o700);
    expect(mode(p.caKey)).toBe(0o600);
  });

  it('makes the CA only when it is first needed, and caPem alone makes it', () => {
    const dir = tempDir();
    const pki = openPki(dir);
    expect(fs.existsSync(pkiPaths(dir).dir)).toBe(false);
    const pem = pki.caPem();
    expect(new X509Certificate(pem).ca).toBe(true);
    expect(openPki(dir).caPem()).toBe(pem);
  });

  it('reuses a leaf: the same names (in any order, any case) give the same PEMs, from this or another instance', () => {
    const dir = tempDir();
    const a = openPki(dir).issue(['gpu.example', '192.0.2.1']);
    const b = openPki(dir).issue(['gpu.example', '192.0.2.1']);
    expect(b).toEqual(a);
    expect(openPki(dir).issue(['GPU.example.', '192.0.2.1', 'gpu.example'])).toEqual(a);
    // Another set of names is another leaf, from the same CA.
    const c = openPki(dir).issue(['gpu.example']);
    expect(c.certPem).not.toBe(a.certPem);
    expect(c.caPem).toBe(a.caPem);
    expect(fs.readdirSync(pkiPaths(dir).issued)).toHaveLength(4);
    // The first name is the subject: the other order is a leaf with the other CN, in the same files.
    const d = openPki(dir).issue(['192.0.2.1', 'gpu.example']);
    expect(new X509Certificate(d.certPem).subject).toBe('CN=192.0.2.1');
    expect(openPki(dir).issue(['192.0.2.1', 'gpu.example'])).toEqual(d);
    expect(fs.readdirSync(pkiPaths(dir).issued)).toHaveLength(4);
  });

  it('renews a leaf within 30 days of its end, and not before', () => {
    const dir = tempDir();
    const t0 = new Date('2030-01-10T08:00:00Z');
    const first = openPki(dir, { now: () => t0 }).issue(['gpu.example']);
    const end = new Date(new X509Certificate(first.certPem).validTo).getTime();
    expect(openPki(dir, { now: () => new Date(end - 31 * DAY) }).issue(['gpu.example'])).toEqual(first);
    const at = new Date(end - 29 * DAY);
    const renewed = openPki(dir, { now: () => at }).issue(['gpu.example']);
    expect(renewed.certPem).not.toBe(first.certPem);
    expect(renewed.keyPem).not.toBe(first.keyPem);
    expect(renewed.caPem).toBe(first.caPem);
    expect(new Date(new X509Certificate(renewed.certPem).validTo).getTime()).toBe(at.getTime() - 3_600_000 + LEAF_DAYS * DAY);
    // And the renewed one is reused in turn.
    expect(openPki(dir, { now: () => new Date(at.getTime() + DAY) }).issue(['gpu.example'])).toEqual(renewed);
  });

  it('replaces a leaf that is damaged, not ours, or not yet valid (a clock set back)', () => {
    const dir = tempDir();
    const p = pkiPaths(dir);
    const t0 = new Date('2031-05-05T00:00:00Z');
    const pki = openPki(dir, { now: () => t0 });
    const first = pki.issue(['gpu.example']);
    const [crt, key] = fs.readdirSync(p.issued).sort().map((f) => path.join(p.issued, f)) as [string, string];
    fs.writeFileSync(crt, 'garbage');
    const second = pki.issue(['gpu.example']);
    expect(second.certPem).not.toBe(first.certPem);
    expect(new X509Certificate(second.certPem).checkPrivateKey(createPrivateKey(second.keyPem))).toBe(true);
    // A key that does not match the certificate.
    fs.writeFileSync(key, first.keyPem);
    const third = pki.issue(['gpu.example']);
    expect(third.certPem).not.toBe(second.certPem);
    // A leaf of another CA under this name.
    const foreign = openPki(tempDir(), { now: () => t0 }).issue(['gpu.example']);
    fs.writeFileSync(crt, foreign.certPem);
    fs.writeFileSync(key, foreign.keyPem);
    const fourth = pki.issue(['gpu.example']);
    expect(fourth.certPem).not.toBe(foreign.certPem);
    expect(new X509Certificate(fourth.certPem).verify(new X509Certificate(fourth.caPem).publicKey)).toBe(true);
    // The clock set back before the leaf began.
    const earlier = openPki(dir, { now: () => new Date(t0.getTime() - 2 * DAY) }).issue(['gpu.example']);
    expect(earlier.certPem).not.toBe(fourth.certPem);
  });

  it('a corrupt ca.key: a clear error saying what to do, and the CA is never replaced', () => {
    const dir = tempDir();
    const p = pkiPaths(dir);
    const caPem = openPki(dir).caPem();
    fs.writeFileSync(p.caKey, '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');
    const before = { key: fs.readFileSync(p.caKey), crt: fs.readFileSync(p.caCert) };
    for (const call of [() => openPki(dir).issue(['gpu.example']), () => openPki(dir).caPem()]) {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FleetdeckError);
      const msg = (err as FleetdeckError).message;
      expect(msg).toContain(`its key ${p.caKey} cannot be read`);
      expect(msg).toContain('does not replace it by itself');
      expect(msg).toContain(`Restore ${p.dir} from a backup`);
      expect(msg).toContain(`To start a new CA, move ${p.dir} away`);
    }
    expect(fs.readFileSync(p.caKey)).toEqual(before.key);
    expect(fs.readFileSync(p.caCert)).toEqual(before.crt);
    expect(fs.readFileSync(p.caCert, 'utf8')).toBe(caPem);
    expect(fs.existsSync(p.issued) ? fs.readdirSync(p.issued) : []).toEqual([]);
    // An empty key, another curve's key, and a key that is not the certificate's.
    for (const [content, why] of [
      ['', /cannot be read/],
      [generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, /not an EC P-256 key/],
      [generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, /not an EC P-256 key/],
    ] as const) {
      fs.writeFileSync(p.caKey, content);
      expect(() => openPki(dir).caPem()).toThrow(expect.objectContaining({ problem: 'step-failed', message: expect.stringMatching(why) }));
    }
    fs.writeFileSync(p.caKey, openPki(tempDir()).issue(['x.example']).keyPem);
    expect(() => openPki(dir).caPem()).toThrow(expect.objectContaining({ message: expect.stringContaining('does not belong to the key') }));
    expect(fs.readFileSync(p.caCert)).toEqual(before.crt);
  });

  it('a CA certificate without its key is an error, not a new CA', () => {
    const dir = tempDir();
    const p = pkiPaths(dir);
    const pem = openPki(dir).caPem();
    fs.rmSync(p.caKey);
    expect(() => openPki(dir).issue(['gpu.example'])).toThrow(expect.objectContaining({ problem: 'step-failed', message: expect.stringContaining(`its key ${p.caKey} is missing`) }));
    expect(fs.existsSync(p.caKey)).toBe(false);
    expect(fs.readFileSync(p.caCert, 'utf8')).toBe(pem);
    fs.writeFileSync(p.caCert, 'not a certificate');
    expect(() => openPki(dir).caPem()).toThrow(expect.objectContaining({ message: expect.stringContaining('is missing') }));
  });

  it('a garbled ca.crt is an error too', () => {
    const dir = tempDir();
    const p = pkiPaths(dir);
    openPki(dir).caPem();
    fs.writeFileSync(p.caCert, 'not a certificate');
    expect(() => openPki(dir).caPem()).toThrow(expect.objectContaining({ problem: 'step-failed', message: expect.stringContaining(`${p.caCert} is not a certificate`) }));
    // A leaf (not a CA) in its place.
    fs.writeFileSync(p.caCert, openPki(tempDir()).issue(['x.example']).certPem);
    expect(() => openPki(dir).caPem()).toThrow(expect.objectContaining({ problem: 'step-failed' }));
  });

  it('a creation interrupted after the key: the certificate is made from the key that is there', () => {
    const dir = tempDir();
    const p = pkiPaths(dir);
    openPki(dir).caPem();
    const key = fs.readFileSync(p.caKey);
    fs.rmSync(p.caCert);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(p.caKey, old, old);
    const pem = openPki(dir).caPem();
    expect(fs.readFileSync(p.caKey)).toEqual(key);
    expect(new X509Certificate(pem).checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(openPki(dir).caPem()).toBe(pem);
  });

  it('refuses symlinks where its files are', () => {
    const dir = tempDir();
    const p = pkiPaths(dir);
    const elsewhere = path.join(tempDir(), 'stolen.key');
    fs.mkdirSync(p.dir, { mode: 0o700 });
    fs.symlinkSync(elsewhere, p.caKey);
    expect(() => openPki(dir).caPem()).toThrow(expect.objectContaining({ problem: 'step-failed', message: expect.stringMatching(/is a symbolic link/) }));
    expect(fs.existsSync(elsewhere)).toBe(false);
  });

  it('a CA near its end is an error saying how to start a new one; leaves never outlive the CA', () => {
    const dir = tempDir();
    const t0 = new Date('2030-01-01T00:00:00Z');
    const ca = new X509Certificate(openPki(dir, { now: () => t0 }).caPem());
    const caEnd = new Date(ca.validTo).getTime();
    const late = openPki(dir, { now: () => new Date(caEnd - 200 * DAY) }).issue(['gpu.example']);
    expect(new Date(new X509Certificate(late.certPem).validTo).getTime()).toBe(caEnd);
    expect(() => openPki(dir, { now: () => new Date(caEnd - 10 * DAY) }).issue(['gpu.example'])).toThrow(
      expect.objectContaining({ problem: 'step-failed', message: expect.stringMatching(/certificate expires on 2039-12-31.*move .* away/) }),
    );
    expect(() => openPki(dir, { now: () => new Date(caEnd + DAY) }).caPem()).toThrow(expect.objectContaining({ message: expect.stringMatching(/expired on/) }));
  });

  it('a long or odd host name still gives a CN of at most 64 characters', () => {
    const ca = new X509Certificate(openPki(tempDir(), { hostname: `${'h'.repeat(100)}\u0007` }).caPem());
    const cn = (/CN=(.*)$/.exec(ca.subject)?.[1] ?? '').replace('\\,', ',');
    expect(Array.from(cn).length).toBeLessThanOrEqual(64);
    expect(cn).toMatch(/^Fleetdeck internal CA \(h+…, \d{4}-\d\d-\d\d\)$/);
  });

  it('processes racing to make the CA end up with one CA', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const script = path.join(dir, 'race.ts');
    // Each process loads the module, says it is ready, and waits for the others: then all at once.
    fs.writeFileSync(
      script,
      [
        `import fs from 'node:fs';`,
        `import { openPki } from ${JSON.stringify(path.join(repo, 'src-main/core/change/pki.ts'))};`,
        `const [dir, n] = process.argv.slice(2) as [string, string];`,
        `fs.writeFileSync(dir + '/ready-' + n, '');`,
        `while (!fs.existsSync(dir + '/go')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);`,
        `process.stdout.write(openPki(dir).issue(['race.example']).caPem);`,
      ].join('\n'),
    );
    const run = promisify(execFile);
    const procs = Array.from({ length: 4 }, (_, n) => run(process.execPath, ['--import', 'tsx', script, dir, String(n)], { cwd: repo }));
    const deadline = Date.now() + 50_000;
    while (fs.readdirSync(dir).filter((f) => f.startsWith('ready-')).length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    fs.writeFileSync(path.join(dir, 'go'), '');
    const outs = await Promise.all(procs);
    const pem = fs.readFileSync(pkiPaths(dir).caCert, 'utf8');
    for (const o of outs) expect(o.stdout).toBe(pem);
    expect(fs.readdirSync(pkiPaths(dir).dir).sort()).toEqual(['ca.crt', 'ca.key', 'issued']);
    expect(fs.readdirSync(pkiPaths(dir).issued)).toHaveLength(2);
  });
});

describe.skipIf(noOpenssl)(noOpenssl ? `any valid names (skipped: ${noOpenssl})` : 'any valid names', () => {
  it('give certificates that OpenSSL and Node accept for each name', () => {
    const dir = tempDir();
    const pki = openPki(dir);
    const caFile = writeTemp(dir, 'ca.pem', pki.caPem());
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
    const ipv6 = fc.ipV6().filter((v) => !v.includes('.'));
    const dns = fc.oneof(
      fc.domain(),
      fc.tuple(fc.array(label, { minLength: 0, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,6}$/), fc.boolean(), fc.boolean()).map(([ls, tld, upper, dot]) => {
        const n = [...ls, tld].join('.');
        return `${upper ? n.toUpperCase() : n}${dot ? '.' : ''}`;
      }),
    );
    const name = fc.oneof(dns, fc.ipV4(), ipv6);
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: MAX_NAMES }), (names) => {
        const r = pki.issue(names);
        const leaf = new X509Certificate(r.certPem);
        expect(leaf.verify(new X509Certificate(r.caPem).publicKey)).toBe(true);
        for (const n of certNames(names)) expect(n.kind === 'ip' ? leaf.checkIP(n.value) : leaf.checkHost(n.value), n.value).toBeTruthy();
        const first = certNames(names)[0]?.value ?? '';
        const v = opensslVerify(caFile, writeTemp(dir, 'leaf.pem', r.certPem), first);
        expect(v.ok, v.out).toBe(true);
        expect(pki.issue(names)).toEqual(r);
      }),
      { numRuns: 20 },
    );
  });
});
