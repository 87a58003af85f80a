import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  entryMatchesHost,
  fingerprintSha256,
  formatKnownHostsLine,
  hostKeyAlgorithmsFor,
  keyTypeOfBlob,
  knownHostsName,
  lookupHostKey,
  matchWildcard,
  parseKnownHosts,
  type KnownHostsWarning,
} from './known-hosts.js';

/** Real keys from ssh-keygen, so fingerprints and blobs are exactly what OpenSSH produces. */
interface Key {
  type: string;
  b64: string;
  blob: Buffer;
  pub: string;
  keygenFingerprint: string;
}

let dir: string;
const keys: Record<string, Key> = {};

function makeKey(name: string, args: string[]): Key {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', `${name}@test`, '-f', file]);
  const pub = `${file}.pub`;
  const [type, b64] = readFileSync(pub, 'utf8').trim().split(' ') as [string, string];
  const keygenFingerprint = execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1]!;
  return { type, b64, blob: Buffer.from(b64, 'base64'), pub, keygenFingerprint };
}

const line = (hosts: string, k: Key, marker = ''): string => `${marker ? `${marker} ` : ''}${hosts} ${k.type} ${k.b64}`;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-known-hosts-'));
  keys.ed = makeKey('ed', ['-t', 'ed25519']);
  keys.ed2 = makeKey('ed2', ['-t', 'ed25519']);
  keys.ec = makeKey('ec', ['-t', 'ecdsa', '-b', '256']);
  keys.rsa = makeKey('rsa', ['-t', 'rsa', '-b', '2048']);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fingerprintSha256 / keyTypeOfBlob', () => {
  it('matches ssh-keygen -lf for ed25519, ecdsa and rsa keys', () => {
    for (const k of [keys.ed!, keys.ec!, keys.rsa!]) {
      expect(fingerprintSha256(k.blob)).toBe(k.keygenFingerprint);
      expect(fingerprintSha256(k.blob)).not.toContain('=');
    }
  });

  it('reads the type from the wire-format blob and refuses garbage', () => {
    expect(keyTypeOfBlob(keys.ed!.blob)).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(keys.ec!.blob)).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOfBlob(keys.rsa!.blob)).toBe('ssh-rsa');
    expect(() => keyTypeOfBlob(Buffer.alloc(0))).toThrow(TypeError);
    expect(() => keyTypeOfBlob(Buffer.from([0, 0, 0, 50, 0x61]))).toThrow(TypeError); // length past the end
    expect(() => keyTypeOfBlob(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x61]))).toThrow(TypeError);
    expect(() => keyTypeOfBlob(Buffer.from([0, 0, 0, 2, 0x0a, 0x20]))).toThrow(TypeError); // not a type name
  });
});

describe('parseKnownHosts + lookupHostKey', () => {
  it('matches an ssh-keyscan style line, comma lists and names case-insensitively', () => {
    const entries = parseKnownHosts(`${line('GPU-1.lab.example.org,10.0.0.5', keys.ed!)} comment here\n`);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.comment).toBe('comment here');
    for (const host of ['gpu-1.lab.example.org', '10.0.0.5', 'GPU-1.LAB.example.org']) {
      expect(lookupHostKey(entries, host, 22, 'ssh-ed25519', keys.ed!.blob).status).toBe('match');
    }
    expect(lookupHostKey(entries, '10.0.0.6', 22, 'ssh-ed25519', keys.ed!.blob)).toEqual({
      status: 'unknown',
      knownFingerprints: [],
      knownKeyTypes: [],
    });
  });

  it('matches entries hashed by ssh-keygen -H, including the [host]:port form', () => {
    const file = path.join(dir, 'hashed_known_hosts');
    writeFileSync(file, [line('gpu-1.lab', keys.ed!), line('[127.0.0.1]:2222', keys.ec!), ''].join('\n'));
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('gpu-1.lab');
    const warnings: KnownHostsWarning[] = [];
    const entries = parseKnownHosts(text, { warnings });
    expect(warnings).toEqual([]);
    expect(entries.map((e) => e.hosts.kind)).toEqual(['hashed', 'hashed']);
    expect(lookupHostKey(entries, 'gpu-1.lab', 22, 'ssh-ed25519', keys.ed!.blob).status).toBe('match');
    expect(lookupHostKey(entries, '127.0.0.1', 2222, 'ecdsa-sha2-nistp256', keys.ec!.blob).status).toBe('match');
    // Same address on the default port is a different name in known_hosts.
    expect(lookupHostKey(entries, '127.0.0.1', 22, 'ecdsa-sha2-nistp256', keys.ec!.blob).status).toBe('unknown');
    const changed = lookupHostKey(entries, 'gpu-1.lab', 22, 'ssh-ed25519', keys.ed2!.blob);
    expect(changed).toEqual({ status: 'mismatch', knownFingerprints: [keys.ed!.keygenFingerprint], knownKeyTypes: ['ssh-ed25519'] });
  });

  it('keeps [host]:port and plain names apart, and drops brackets around IPv6 literals', () => {
    const entries = parseKnownHosts([line('[127.0.0.1]:2222', keys.ed!), line('[::1]:2200', keys.ec!)].join('\n'));
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
    expect(knownHostsName('[::1]', 22)).toBe('::1');
    expect(lookupHostKey(entries, '127.0.0.1', 2222, 'ssh-ed25519', keys.ed!.blob).status).toBe('match');
    expect(lookupHostKey(entries, '127.0.0.1', 22, 'ssh-ed25519', keys.ed!.blob).status).toBe('unknown');
    expect(lookupHostKey(entries, '127.0.0.1', 2223, 'ssh-ed25519', keys.ed!.blob).status).toBe('unknown');
    expect(lookupHostKey(entries, '[::1]', 2200, 'ecdsa-sha2-nistp256', keys.ec!.blob).status).toBe('match');
  });

  it('applies * and ? wildcards, and a negated pattern vetoes the line', () => {
    const entries = parseKnownHosts(
      [line('*.lab.example.org,!bastion.lab.example.org', keys.ed!), line('10.0.0.?', keys.ec!), line('[10.1.*]:2222', keys.rsa!)].join('\n'),
    );
    const ed = (host: string, port = 22): string => lookupHostKey(entries, host, port, 'ssh-ed25519', keys.ed!.blob).status;
    expect(ed('gpu-7.lab.example.org')).toBe('match');
    expect(ed('bastion.lab.example.org')).toBe('unknown');
    expect(ed('lab.example.org')).toBe('unknown');
    expect(lookupHostKey(entries, '10.0.0.9', 22, 'ecdsa-sha2-nistp256', keys.ec!.blob).status).toBe('match');
    expect(lookupHostKey(entries, '10.0.0.10', 22, 'ecdsa-sha2-nistp256', keys.ec!.blob).status).toBe('unknown');
    expect(lookupHostKey(entries, '10.1.2.3', 2222, 'rsa-sha2-512', keys.rsa!.blob).status).toBe('match');
  });

  it('reports a revoked key even when a plain line trusts it, and whatever hosts the revocation names', () => {
    const entries = parseKnownHosts(
      [line('gpu-1', keys.ed!), line('other-host', keys.ed!, '@revoked'), line('gpu-2', keys.ec!)].join('\n'),
    );
    expect(entries[1]!.marker).toBe('revoked');
    const r = lookupHostKey(entries, 'gpu-1', 22, 'ssh-ed25519', keys.ed!.blob);
    expect(r.status).toBe('revoked');
    expect(lookupHostKey(entries, 'new-host', 22, 'ssh-ed25519', keys.ed!.blob).status).toBe('revoked');
    expect(lookupHostKey(entries, 'gpu-2', 22, 'ecdsa-sha2-nistp256', keys.ec!.blob).status).toBe('match');
  });

  it('treats a key of another type as a changed key, as OpenSSH does', () => {
    const entries = parseKnownHosts(line('gpu-1', keys.ec!));
    const r = lookupHostKey(entries, 'gpu-1', 22, 'ssh-ed25519', keys.ed!.blob);
    expect(r).toEqual({ status: 'mismatch', knownFingerprints: [keys.ec!.keygenFingerprint], knownKeyTypes: ['ecdsa-sha2-nistp256'] });
  });

  it('matches when any one of several stored keys is offered', () => {
    const entries = parseKnownHosts([line('gpu-1', keys.ec!), line('gpu-1', keys.ed!)].join('\n'));
    expect(lookupHostKey(entries, 'gpu-1', 22, 'ssh-ed25519', keys.ed!.blob).status).toBe('match');
    expect(lookupHostKey(entries, 'gpu-1', 22, 'ssh-ed25519', keys.ed2!.blob).knownFingerprints).toHaveLength(2);
  });

  it('keeps @cert-authority lines but never uses them for plain keys', () => {
    const entries = parseKnownHosts([line('*.lab', keys.ed!, '@cert-authority'), line('gpu-2.lab', keys.ec!)].join('\n'));
    expect(entries.map((e) => e.marker)).toEqual(['cert-authority', null]);
    expect(lookupHostKey(entries, 'gpu-1.lab', 22, 'ssh-ed25519', keys.ed!.blob).status).toBe('unknown');
    expect(lookupHostKey(entries, 'gpu-2.lab', 22, 'ssh-ed25519', keys.ed!.blob).status).toBe('mismatch');
  });

  it('skips malformed lines with warnings carrying line numbers, and keeps the good ones', () => {
    const ed = keys.ed!;
    const text = [
      '# comment',
      '',
      '   ',
      line('good-1', ed),
      'only-a-host',
      `bad-b64 ssh-ed25519 AAAA!!notbase64`,
      `type-lie ssh-rsa ${ed.b64}`,
      line('marked', ed, '@trusted'),
      'old-rsa1 2048 65537 1234567890',
      `|1|c2FsdA==|aGFzaA== ssh-ed25519 ${ed.b64}`,
      `!only,!negated ssh-ed25519 ${ed.b64}`,
      `   ${line('good-2', ed)}`,
      `ssh-ed25519 ${ed.b64}`,
    ].join('\n');
    const warnings: KnownHostsWarning[] = [];
    const entries = parseKnownHosts(text, { warnings });
    expect(entries.map((e) => e.line)).toEqual([4, 12]);
    expect(warnings.map((w) => w.line)).toEqual([5, 6, 7, 8, 9, 10, 11, 13]);
    expect(warnings[2]!.message).toContain('does not match');
    expect(warnings[4]!.message).toContain('SSH-1');
    expect(parseKnownHosts(text)).toHaveLength(2); // warnings are optional
  });

  it('reads CRLF files', () => {
    const text = `# hosts\r\n${line('gpu-1', keys.ed!)}\r\n${line('[gpu-2]:2222', keys.ec!)} c\r\n`;
    const warnings: KnownHostsWarning[] = [];
    const entries = parseKnownHosts(text, { warnings });
    expect(warnings).toEqual([]);
    expect(entries[1]!.comment).toBe('c');
    expect(lookupHostKey(entries, 'gpu-1', 22, 'ssh-ed25519', keys.ed!.blob).status).toBe('match');
    expect(lookupHostKey(entries, 'gpu-2', 2222, 'ecdsa-sha2-nistp256', keys.ec!.blob).status).toBe('match');
  });

  it('refuses a keyType that does not describe the blob, but accepts RSA signature algorithm names', () => {
    const entries = parseKnownHosts(line('gpu-1', keys.rsa!));
    expect(() => lookupHostKey(entries, 'gpu-1', 22, 'ssh-ed25519', keys.rsa!.blob)).toThrow(TypeError);
    expect(lookupHostKey(entries, 'gpu-1', 22, 'rsa-sha2-256', keys.rsa!.blob).status).toBe('match');
  });
});

describe('formatKnownHostsLine', () => {
  it('writes lines that we and ssh-keygen -F both find', () => {
    const file = path.join(dir, 'written_known_hosts');
    const plain = formatKnownHostsLine(knownHostsName('127.0.0.1', 2222), 'ssh-ed25519', keys.ed!.blob);
    expect(plain).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${keys.ed!.b64}\n`);
    const hashed = formatKnownHostsLine('gpu-1.lab', 'ecdsa-sha2-nistp256', keys.ec!.blob, { hash: true });
    expect(hashed.startsWith('|1|')).toBe(true);
    writeFileSync(file, plain + hashed);
    const entries = parseKnownHosts(plain + hashed);
    expect(lookupHostKey(entries, '127.0.0.1', 2222, 'ssh-ed25519', keys.ed!.blob).status).toBe('match');
    expect(lookupHostKey(entries, 'gpu-1.lab', 22, 'ecdsa-sha2-nistp256', keys.ec!.blob).status).toBe('match');
    for (const host of ['[127.0.0.1]:2222', 'gpu-1.lab']) {
      expect(execFileSync('ssh-keygen', ['-F', host, '-f', file], { encoding: 'utf8' })).toContain('found: line');
    }
  });

  it('refuses host names that would become patterns or extra lines', () => {
    for (const bad of ['evil,*', '*', 'a b', 'host\n* ssh-ed25519 AAAA', '!x', '|1|x|y', '']) {
      expect(() => formatKnownHostsLine(bad, 'ssh-ed25519', keys.ed!.blob)).toThrow(TypeError);
    }
    expect(() => formatKnownHostsLine('gpu-1', 'ssh-rsa', keys.ed!.blob)).toThrow(TypeError);
  });
});

describe('hostKeyAlgorithmsFor', () => {
  it('asks for the key types already known for the host first', () => {
    const entries = parseKnownHosts([line('gpu-1', keys.ec!), line('gpu-2', keys.rsa!)].join('\n'));
    expect(hostKeyAlgorithmsFor(entries, 'gpu-1', 22).slice(0, 2)).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
    expect(hostKeyAlgorithmsFor(entries, 'gpu-2', 22).slice(0, 4)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
    expect(hostKeyAlgorithmsFor(entries, 'gpu-3', 22)[0]).toBe('ssh-ed25519');
    expect(hostKeyAlgorithmsFor(entries, 'gpu-1', 22)).toHaveLength(7);
  });
});

describe('matchWildcard / entryMatchesHost', () => {
  it('handles stars, question marks and literal text', () => {
    expect(matchWildcard('*', '')).toBe(true);
    expect(matchWildcard('*', '*x')).toBe(true);
    expect(matchWildcard('a*b*c', 'axxbyyc')).toBe(true);
    expect(matchWildcard('a*b*c', 'axxbyy')).toBe(false);
    expect(matchWildcard('?', '')).toBe(false);
    expect(matchWildcard('h?st', 'host')).toBe(true);
    expect(matchWildcard('host', 'hostx')).toBe(false);
    expect(matchWildcard('*'.repeat(50) + 'x', 'a'.repeat(5000))).toBe(false); // no blow-up
  });

  it('matches hashed entries only for the exact name', () => {
    const [entry] = parseKnownHosts(formatKnownHostsLine('gpu-1', 'ssh-ed25519', keys.ed!.blob, { hash: true }));
    expect(entryMatchesHost(entry!, 'gpu-1')).toBe(true);
    expect(entryMatchesHost(entry!, 'GPU-1')).toBe(true);
    expect(entryMatchesHost(entry!, 'gpu-10')).toBe(false);
  });
});
