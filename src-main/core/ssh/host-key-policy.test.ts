import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { HostKeyPolicy, hostKeyName, hostKeyProblem } from './host-key-policy.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fd-hk-'));
function key(name: string, type = 'ed25519'): { line: string; blob: Buffer } {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim();
  return { line, blob: Buffer.from(line.split(' ')[1]!, 'base64') };
}
const a = key('a');
const b = key('b');
const e = key('e', 'ecdsa');

function policy(...knownHosts: string[]) {
  const files = knownHosts.map((text, i) => {
    const f = path.join(dir, `known_hosts_${Math.random()}_${i}`);
    writeFileSync(f, text);
    return f;
  });
  return new HostKeyPolicy(openDatabase(':memory:'), files);
}

describe('HostKeyPolicy', () => {
  it('names keys like OpenSSH', () => {
    expect(hostKeyName('Gpu-1.Lab', 22)).toBe('gpu-1.lab');
    expect(hostKeyName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
    expect(hostKeyName('[::1]', 2222)).toBe('[::1]:2222');
  });

  it('unknown → trusted after the user accepts it; a different key is then a hard stop', () => {
    const p = policy();
    const first = p.verify('127.0.0.1', 2222, a.blob);
    expect(first.status).toBe('unknown');
    expect(first.fingerprint).toMatch(/^SHA256:/);
    p.trust(first.hostName, a.blob);
    expect(p.verify('127.0.0.1', 2222, a.blob).status).toBe('trusted');
    const changed = p.verify('127.0.0.1', 2222, b.blob);
    expect(changed).toMatchObject({ status: 'changed', expected: [first.fingerprint] });
    const problem = hostKeyProblem(changed as never);
    expect(problem.problem).toBe('hostkey-changed');
    expect(problem.message).toContain(first.fingerprint);
    expect(problem.message).toContain(changed.fingerprint);
    // Trusting over an existing key is refused too.
    expect(() => p.trust(first.hostName, b.blob)).toThrow(/already trusted/);
  });

  it('reads known_hosts: match, mismatch, and revocation in any file', () => {
    const kh1 = `[127.0.0.1]:2222 ${a.line}\n`;
    expect(policy(kh1).verify('127.0.0.1', 2222, a.blob).status).toBe('trusted');
    expect(policy(kh1).verify('127.0.0.1', 2222, b.blob).status).toBe('changed');
    expect(policy(kh1, `@revoked * ${a.line}\n`).verify('127.0.0.1', 2222, a.blob).status).toBe('revoked');
  });

  it('offers known key types first so an ecdsa-only host does not look changed', () => {
    const p = policy(`[127.0.0.1]:2222 ${e.line}\n`);
    expect(p.preferredAlgorithms('127.0.0.1', 2222)[0]).toMatch(/^ecdsa-sha2-/);
    expect(p.preferredAlgorithms('127.0.0.1', 2223)[0]).toBe('ssh-ed25519');
  });
});

describe('HostKeyPolicy: both sources must agree', () => {
  it('a known_hosts mismatch is a hard stop even when Fleetdeck trusted the key', () => {
    const p = policy(`[127.0.0.1]:2222 ${b.line}\n`);
    p.trust('[127.0.0.1]:2222', a.blob);
    expect(p.verify('127.0.0.1', 2222, a.blob).status).toBe('changed');
  });
});
