// Checks that the testbed's hosts behave as the rest of the test suite assumes, using the real
// OpenSSH client (not ssh2), so a testbed bug cannot hide behind an app bug.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from './docker.js';
import { startDebianHost, startSshdHost, testbedUnavailableReason, type DebianHost, type SshdHost, type TestUser } from './index.js';
import { run, type RunResult } from './proc.js';

const unavailable = await testbedUnavailableReason();
if (unavailable) console.warn(`skipping testbed tests: ${unavailable}`);

// SSH_ASKPASS answers password and passphrase prompts without a tty or sshpass.
const askpassDir = mkdtempSync(join(tmpdir(), 'fdtb-askpass-'));
const askpass = join(askpassDir, 'askpass.sh');
writeFileSync(askpass, '#!/bin/sh\nprintf "%s\\n" "$TESTBED_SECRET"\n');
chmodSync(askpass, 0o755);

type Auth = 'key' | 'password';
function ssh(port: number, user: TestUser, command: string, auth: Auth = 'key'): Promise<RunResult> {
  const opts = ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'];
  opts.push('-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=10', '-o', 'IdentityAgent=none', '-o', 'IdentitiesOnly=yes');
  const secret = auth === 'key' ? user.keyPassphrase : user.password;
  if (auth === 'key') opts.push('-i', user.keyPath ?? '', '-o', 'PreferredAuthentications=publickey');
  else opts.push('-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no');
  opts.push('-o', secret ? 'NumberOfPasswordPrompts=1' : 'BatchMode=yes');
  const env = { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', TESTBED_SECRET: secret ?? '' };
  return run('ssh', [...opts, '-p', String(port), `${user.name}@127.0.0.1`, command], { env, timeoutMs: 30_000 });
}

function user(host: { users: Record<string, TestUser> }, name: string): TestUser {
  const u = host.users[name];
  if (!u) throw new Error(`no user ${name}`);
  return u;
}

describe.skipIf(!!unavailable)('testbed', () => {
  let sshd: SshdHost | undefined;
  let deb: DebianHost | undefined;

  beforeAll(async () => {
    [sshd, deb] = await Promise.all([startSshdHost({ name: 'tb-sshd' }), startDebianHost({ name: 'tb-debian' })]);
  });

  afterAll(async () => {
    await Promise.allSettled([sshd?.stop(), deb?.stop()]);
    rmSync(askpassDir, { recursive: true, force: true });
  });

  describe('debian host', () => {
    it('boots systemd and lets admin in with its key', async () => {
      const r = await ssh(deb!.port, user(deb!, 'admin'), 'systemctl is-system-running; id admin; hostname');
      expect(r.stderr).toBe('');
      const [state, id, hostname] = r.stdout.trim().split('\n');
      expect(['running', 'degraded']).toContain(state);
      expect(id).toContain('uid=1000(admin)');
      expect(hostname).toBe('tb-debian');
    });

    it('gives admin passwordless sudo and makes carol need a password', async () => {
      expect((await ssh(deb!.port, user(deb!, 'admin'), 'sudo -n true')).code).toBe(0);
      const carol = await ssh(deb!.port, user(deb!, 'carol'), 'sudo -n true');
      expect(carol.code).not.toBe(0);
      expect(carol.stderr).toMatch(/password is required/);
    });

    it('accepts carol with her password', async () => {
      const r = await ssh(deb!.port, user(deb!, 'carol'), 'id -un', 'password');
      expect(r.stdout.trim()).toBe('carol');
    });

    it('mounts nox home noexec', async () => {
      const r = await ssh(deb!.port, user(deb!, 'nox'), 'grep " /home/nox " /proc/mounts; cp /bin/true ~/t && ~/t; echo "exec=$?"');
      expect(r.stdout).toMatch(/ \/home\/nox tmpfs \S*noexec/);
      expect(r.stdout).toMatch(/exec=126/);
    });

    it('has no node', async () => {
      const r = await ssh(deb!.port, user(deb!, 'admin'), 'command -v node');
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
    });

    it('gives SSH logins their own user slice (libpam-systemd)', async () => {
      const r = await ssh(deb!.port, user(deb!, 'admin'), 'cat /proc/self/cgroup');
      expect(r.stdout).toMatch(/name=systemd:\/user\.slice\/user-1000\.slice\/session-\d+\.scope/);
    });

    it('runs commands through exec()', async () => {
      const r = await deb!.exec(['cat', '/etc/hosts']);
      expect(r.stdout).toContain('127.0.1.1 tb-debian');
    });
  });

  describe('sshd host', () => {
    it('lets fdtest in with its key, with passwordless sudo and a node', async () => {
      const r = await ssh(sshd!.port, user(sshd!, 'fdtest'), 'id -un; sudo -n true && echo sudo-ok; command -v node');
      expect(r.stdout.trim().split('\n')).toEqual(['fdtest', 'sudo-ok', '/usr/bin/node']);
    });

    it('lets fdpass in with its password only; sudo needs the password', async () => {
      const r = await ssh(sshd!.port, user(sshd!, 'fdpass'), 'id -un; sudo -n true', 'password');
      expect(r.stdout.trim()).toBe('fdpass');
      expect(r.stderr).toMatch(/password is required/);
      const wrong = await ssh(sshd!.port, { ...user(sshd!, 'fdpass'), password: 'wrong' }, 'true', 'password');
      expect(wrong.code).toBe(255);
    });

    it('lets fdkeypass in with the passphrase-protected key', async () => {
      const u = user(sshd!, 'fdkeypass');
      expect(u.keyPassphrase).toBe('correct horse');
      expect((await ssh(sshd!.port, u, 'id -un')).stdout.trim()).toBe('fdkeypass');
      const wrong = await ssh(sshd!.port, { ...u, keyPassphrase: 'wrong horse' }, 'true');
      expect(wrong.code).toBe(255);
    });

    it('drops fdclose connections right after login', async () => {
      const started = Date.now();
      const r = await ssh(sshd!.port, user(sshd!, 'fdclose'), 'sleep 5; echo survived');
      expect(r.stdout).not.toContain('survived');
      expect(r.code).not.toBe(0);
      expect(Date.now() - started).toBeLessThan(4000);
    });

    it('regenerates its host key on the same port', async () => {
      const scan = async () => (await run('ssh-keyscan', ['-t', 'ed25519', '-p', String(sshd!.port), '127.0.0.1'])).stdout.trim();
      const before = await scan();
      const port = sshd!.port;
      await sshd!.regenerateHostKey();
      const after = await scan();
      expect(before).toMatch(/ssh-ed25519 /);
      expect(after).toMatch(/ssh-ed25519 /);
      expect(after).not.toBe(before);
      expect(sshd!.port).toBe(port);
    });
  });

  it('stop() leaves no container and no sshd behind', async () => {
    const id = deb!.containerId;
    const port = sshd!.port;
    await Promise.all([sshd!.stop(), deb!.stop()]);
    sshd = undefined;
    deb = undefined;
    expect((await docker(['inspect', id])).code).not.toBe(0);
    const ps = await run('ps', ['-eo', 'args']);
    expect(ps.stdout).not.toContain(`/run/${process.pid}-tb-sshd/`); // other runs' hosts may be up
    const probe = await run('ssh-keyscan', ['-p', String(port), '127.0.0.1'], { timeoutMs: 10_000 });
    expect(probe.stdout).toBe('');
  });
});
