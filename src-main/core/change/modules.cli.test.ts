import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../cli/command.js';
import { main } from '../cli/main.js';
import { moduleRequests, settingsFile } from './modules.cli.js';
import { allModules } from '../modules/index.js';

const io = (): CliIo & { out: string[]; err: string[] } => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: { write: (s: string | Uint8Array) => out.push(String(s)) }, stderr: { write: (s: string) => err.push(s) } };
};

describe('fleetdeck modules (no host needed)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fd-modules-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ca-cert prints the internal CA (made once, kept in the data dir) and its fingerprint; --out never overwrites', async () => {
    const a = io();
    expect(await main(['modules', 'ca-cert', `--data-dir=${dir}`], a)).toBe(0);
    const pem = a.out.join('');
    const cert = new X509Certificate(pem);
    expect(cert.ca).toBe(true);
    expect(a.err.join('')).toContain(`fingerprint SHA256:${cert.fingerprint256}`);
    expect(statSync(path.join(dir, 'pki', 'ca.key')).mode & 0o077).toBe(0);
    // The same CA the next time.
    const b = io();
    expect(await main(['modules', 'ca-cert', `--data-dir=${dir}`, '--json'], b)).toBe(0);
    expect(JSON.parse(b.out.join('')).pem).toBe(pem);
    const file = path.join(dir, 'ca.crt');
    expect(await main(['modules', 'ca-cert', `--data-dir=${dir}`, `--out=${file}`], io())).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(pem);
    const c = io();
    expect(await main(['modules', 'ca-cert', `--data-dir=${dir}`, `--out=${file}`], c)).toBe(2);
    expect(c.err.join('')).toMatch(/exists already/);
  });

  it('list --verbose names every module with its settings and defaults (lists joined with commas)', async () => {
    const o = io();
    expect(await main(['modules', 'list', '--verbose', `--data-dir=${dir}`], o)).toBe(0);
    const text = o.out.join('');
    for (const m of allModules()) expect(text).toContain(m.info.title);
    expect(text).not.toContain('=[]');
  });

  it('refuses a bad module, setting or journal id before connecting to anything', async () => {
    for (const [line, msg] of [
      [['modules', 'plan', 'nohost', 'nope'], /no module "nope"/],
      [['modules', 'apply', 'nohost', 'nginx', '--set', 'tls=bogus', '--yes'], /TLS is self-signed, internal-ca or acme/],
      [['modules', 'plan', 'nohost', 'nginx', '--set', 'colour=red'], /nginx has no setting "colour"/],
      [['modules', 'rollback', 'nohost', '../etc', '--yes'], /not a journal id/],
    ] as const) {
      const o = io();
      expect(await main([...line, `--data-dir=${dir}`], o), line.join(' ')).toBe(2);
      expect(o.err.join('')).toMatch(msg);
      expect(o.err.join('')).not.toMatch(/stored host|SSH agent|connect/i);
    }
    expect(existsSync(path.join(dir, 'fleetdeck.sqlite'))).toBe(true);
  });

  it('--set types values by the field: numbers, booleans, comma lists; MODULE.KEY when several modules are named', () => {
    const infos = allModules().map((m) => m.info);
    expect(moduleRequests(['nginx'], ['httpsPort=8443', 'serverName=lab.example.org'], infos)).toEqual([{ id: 'nginx', settings: { httpsPort: 8443, serverName: 'lab.example.org' } }]);
    expect(() => moduleRequests(['nginx', 'docker'], ['httpsPort=8443'], infos)).toThrow(/several modules are named; write MODULE.httpsPort=VALUE/);
    expect(moduleRequests(['nginx', 'docker'], ['nginx.httpsPort=8443'], infos)[0]).toEqual({ id: 'nginx', settings: { httpsPort: 8443 } });
  });

  it('--settings-file takes JSON settings (per-user limits have no form fields), checked before connecting', async () => {
    const good = path.join(dir, 'limits.json');
    writeFileSync(good, JSON.stringify({ profiles: { student: { cpu: 2, memory: '8G' } }, users: [{ user: 'alice', profile: 'student' }] }));
    expect(settingsFile({ 'settings-file': good }, ['limits'])).toEqual({ limits: { profiles: { student: { cpu: 2, memory: '8G' } }, users: [{ user: 'alice', profile: 'student' }] } });
    const several = path.join(dir, 'several.json');
    writeFileSync(several, JSON.stringify({ limits: { users: [] }, nginx: { serverName: 'a.lab' } }));
    expect(Object.keys(settingsFile({ 'settings-file': several }, ['nginx', 'limits']))).toEqual(['limits', 'nginx']);
    expect(() => settingsFile({ 'settings-file': several }, ['nginx', 'docker'])).toThrow(/"limits" is not one of the modules named/);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ users: [ }');
    for (const [file, msg] of [
      [bad, /Could not read the settings in .*bad.json: .*It is JSON, e.g./],
      [path.join(dir, 'missing.json'), /Could not read the settings in .*missing.json: ENOENT/],
    ] as const) {
      const o = io();
      expect(await main(['modules', 'plan', 'nohost', 'limits', '--settings-file', file, `--data-dir=${dir}`], o)).toBe(2);
      expect(o.err.join('')).toMatch(msg);
    }
    const hostile = path.join(dir, 'hostile.json');
    writeFileSync(hostile, JSON.stringify({ users: [{ user: 'alice;reboot', memory: '1G' }] }));
    const o = io();
    expect(await main(['modules', 'apply', 'nohost', 'limits', '--settings-file', hostile, '--yes', `--data-dir=${dir}`], o)).toBe(2);
    expect(o.err.join('')).toMatch(/users.0.user: An account name is lowercase letters/);
    expect(o.err.join('')).not.toMatch(/stored host|connect/i);
  });
});
