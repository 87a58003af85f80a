import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSchema } from '../../src-common/inventory/probe.schema.js';
import { helperApi } from '../../src-common/protocol/helper-api.js';
import type { Fleet } from '../../src-main/core/fleet.js';
import { FDPASS_PASSWORD, KEY_PASSPHRASE, startSshdHost, testbedUnavailableReason, type SshdHost } from '../testbed/index.js';
import { addHost, connect, connectTrusting, expectFailed, newFleet } from './harness.js';

/** Connecting to a real OpenSSH server on loopback: host keys, auth methods, sudo, failures. */
const unavailable = await testbedUnavailableReason({ docker: false });

describe.skipIf(unavailable)('connect over real sshd', () => {
  let sshd: SshdHost;
  let fleet: Fleet;

  beforeAll(async () => {
    sshd = await startSshdHost({ name: 'it-sshd' });
    fleet = newFleet({ connectTimeoutMs: 5000 });
  });
  afterAll(async () => {
    fleet?.close();
    await sshd?.stop();
  });

  it('asks about an unknown host key with the same SHA-256 fingerprint as ssh-keygen, sends nothing before', async () => {
    const host = await addHost(fleet, sshd, 'fdtest');
    const failed = expectFailed(await connect(fleet, host.id));
    expect(failed.problem).toBe('unknown-hostkey');
    const details = failed.details as { fingerprint: string; hostName: string };
    expect(details.hostName).toBe(`[127.0.0.1]:${sshd.port}`);
    const scanned = execFileSync('sh', ['-c', `ssh-keyscan -p ${sshd.port} -t ed25519 127.0.0.1 2>/dev/null | ssh-keygen -lf -`], { encoding: 'utf8' });
    expect(scanned).toContain(details.fingerprint);
    // A wrong confirmation trusts nothing.
    await expect(fleet.call('hosts.trustHostKey', { id: host.id, fingerprint: 'SHA256:nope' })).rejects.toMatchObject({ problem: 'invalid-input' });
    const state = await connectTrusting(fleet, host.id);
    expect(state.state).toBe('connected');
    const probe = probeSchema.parse(await fleet.call('inventory.probe', { id: host.id }));
    expect(probe.os.id).toBe('debian');
  });

  it('reuses the pushed helper on the next connect', async () => {
    const host = await addHost(fleet, sshd, 'fdtest');
    expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
    await fleet.call('hosts.disconnect', { id: host.id });
    expect((await connect(fleet, host.id)).state).toBe('connected');
    expect(fleet.session(host.id).lastDeploy).toMatchObject({ pushedHelper: false, pushedRuntime: false });
  });

  it('replaces a tampered helper instead of talking to it', async () => {
    const host = await addHost(fleet, sshd, 'fdtest');
    expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
    const helperPath = fleet.session(host.id).lastDeploy!.helperPath;
    await fleet.call('hosts.disconnect', { id: host.id });
    execFileSync('sh', ['-c', `echo '// tampered' >> '${helperPath}'`]);
    expect((await connect(fleet, host.id)).state).toBe('connected');
    expect(fleet.session(host.id).lastDeploy!.pushedHelper).toBe(true);
    expect(execFileSync('sha256sum', [helperPath], { encoding: 'utf8' })).toContain(fleet.session(host.id).lastDeploy!.helper.init.helperHash);
  });

  it('refuses an install dir other users can write to (a planted helper or runtime would run as you)', async () => {
    const host = await addHost(fleet, sshd, 'fdtest');
    expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
    const dir = path.dirname(path.dirname(fleet.session(host.id).lastDeploy!.helperPath));
    await fleet.call('hosts.disconnect', { id: host.id });
    execFileSync('chmod', ['777', dir]);
    try {
      const failed = expectFailed(await connect(fleet, host.id));
      expect(failed.problem).toBe('no-exec-dir');
      expect(failed.message).toMatch(/writable by other users/);
    } finally {
      execFileSync('chmod', ['700', dir]);
    }
    expect((await connect(fleet, host.id)).state).toBe('connected');
  });

  it('reconnects by itself after the link is lost: lost → reconnecting → connected', async () => {
    const host = await addHost(fleet, sshd, 'fdtest');
    expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
    const states: string[] = [];
    const off = fleet.events.on((name, p) => {
      const e = p as { id: number; connection: { state: string } };
      if (name === 'hosts.onState' && e.id === host.id) states.push(e.connection.state);
    });
    const pid = fleet.session(host.id).lastDeploy!.helper.init.pid;
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => states.at(-1), { timeout: 15_000 }).toBe('connected');
    off();
    expect(states.slice(0, 2)).toEqual(['lost', 'reconnecting']);
    expect(fleet.session(host.id).lastDeploy!.helper.init.pid).not.toBe(pid);
  });

  it('logs numbered steps: tcp, host key, auth, bootstrap, helper init', async () => {
    const host = await addHost(fleet, sshd, 'fdtest');
    const lines: string[] = [];
    const off = fleet.events.on((name, p) => name === 'hosts.onLog' && (p as { id: number }).id === host.id && lines.push((p as { line: string }).line));
    await connectTrusting(fleet, host.id);
    off();
    for (const step of ['1/5 tcp', '2/5 host key', '3/5 auth', '4/5 bootstrap', '5/5 helper init']) expect(lines.some((l) => l.startsWith(step) && /ok \(/.test(l))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/password/i);
  });

  it('wrong password → authentication-failed; right password connects', async () => {
    const host = await addHost(fleet, sshd, 'fdpass', { auth: 'password', keyPath: undefined });
    await connectTrusting(fleet, host.id, { password: 'wrong' }).catch(() => undefined);
    const failed = expectFailed(await connect(fleet, host.id, { password: 'definitely-wrong' }));
    expect(failed.problem).toBe('authentication-failed');
    expect(failed.message).toMatch(/refused/);
    expect((await connect(fleet, host.id, { password: FDPASS_PASSWORD })).state).toBe('connected');
  });

  it('keyboard-interactive login answers the password prompt', async () => {
    const host = await addHost(fleet, sshd, 'fdpass', { auth: 'keyboard-interactive', keyPath: undefined });
    const state = await connectTrusting(fleet, host.id, { password: FDPASS_PASSWORD });
    // sshd here runs with UsePAM no, so it may not offer keyboard-interactive: then the failure must say so clearly.
    if (state.state === 'failed') expect(state.problem).toBe('authentication-failed');
    else expect(state.state).toBe('connected');
  });

  it('a key with a passphrase: asks for it, refuses a wrong one, works with the right one', async () => {
    const host = await addHost(fleet, sshd, 'fdkeypass');
    const noPass = expectFailed(await connect(fleet, host.id));
    expect(noPass.problem).toBe('authentication-failed');
    expect(noPass.details).toMatchObject({ needs: 'passphrase' });
    expect(expectFailed(await connect(fleet, host.id, { passphrase: 'wrong horse' })).problem).toBe('authentication-failed');
    expect((await connectTrusting(fleet, host.id, { passphrase: KEY_PASSPHRASE })).state).toBe('connected');
  });

  it('a missing key file is invalid input that names the file: when adding, and when it went away later', async () => {
    await expect(addHost(fleet, sshd, 'fdtest', { keyPath: '/nonexistent/id_ed25519' })).rejects.toMatchObject({ problem: 'invalid-input', message: expect.stringContaining('/nonexistent/id_ed25519') });
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-key-'));
    const keyPath = path.join(dir, 'id_ed25519');
    copyFileSync(sshd.users.fdtest!.keyPath!, keyPath);
    const host = await addHost(fleet, sshd, 'fdtest', { keyPath });
    rmSync(dir, { recursive: true, force: true });
    const failed = expectFailed(await connect(fleet, host.id));
    expect(failed.problem).toBe('invalid-input');
    expect(failed.message).toContain(keyPath);
  });

  it('a host that closes the connection during bootstrap → disconnected, with a hint', async () => {
    const host = await addHost(fleet, sshd, 'fdclose');
    const failed = expectFailed(await connectTrusting(fleet, host.id));
    expect(['disconnected', 'protocol-error']).toContain(failed.problem);
    expect(failed.message).toMatch(/closed|stopped/);
  });

  it('sudo: NOPASSWD user gets a root helper', async () => {
    const host = await addHost(fleet, sshd, 'fdtest');
    await connectTrusting(fleet, host.id);
    const helper = await fleet.session(host.id).helperFor('require');
    expect(helper.init.uid).toBe(0);
  });

  it('sudo with a password: required, wrong one refused, right one works', async () => {
    const host = await addHost(fleet, sshd, 'fdpass', { auth: 'password', keyPath: undefined });
    expect((await connectTrusting(fleet, host.id, { password: FDPASS_PASSWORD })).state).toBe('connected');
    const session = fleet.session(host.id);
    await expect(session.helperFor('require')).rejects.toMatchObject({ problem: 'sudo-required' });
    expect((await session.helperFor('try')).init.uid).not.toBe(0);
    await fleet.call('hosts.disconnect', { id: host.id });
    await connect(fleet, host.id, { password: FDPASS_PASSWORD, sudoPassword: 'nope' });
    await expect(session.helperFor('require')).rejects.toMatchObject({ problem: 'authentication-failed' });
    await fleet.call('hosts.disconnect', { id: host.id });
    await connect(fleet, host.id, { password: FDPASS_PASSWORD, sudoPassword: FDPASS_PASSWORD });
    expect((await session.helperFor('require')).init.uid).toBe(0);
  });

  it('refuses a changed host key with both fingerprints, and never authenticates', async () => {
    const host = await addHost(fleet, sshd, 'fdtest');
    expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
    await fleet.call('hosts.disconnect', { id: host.id });
    await sshd.regenerateHostKey();
    const failed = expectFailed(await connect(fleet, host.id));
    expect(failed.problem).toBe('hostkey-changed');
    const d = failed.details as { expectedFingerprints: string[]; offeredFingerprint: string };
    expect(d.expectedFingerprints).toHaveLength(1);
    expect(d.offeredFingerprint).not.toBe(d.expectedFingerprints[0]);
    expect(failed.message).toMatch(/man-in-the-middle/);
    // Trusting the new key over the old one is refused as well.
    await expect(fleet.call('hosts.trustHostKey', { id: host.id, fingerprint: d.offeredFingerprint })).rejects.toBeTruthy();
  });

  it('an unreachable port → disconnected at once; a silent server → timeout within the limit', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    let host = (await fleet.call('hosts.add', { name: 'dead', address: '127.0.0.1', port: closed, user: 'x', auth: 'password' })) as { id: number };
    let t = Date.now();
    const refused = expectFailed(await connect(fleet, host.id, { password: 'x' }));
    expect(refused.problem).toBe('disconnected');
    expect(refused.message).toMatch(/refused/);
    expect(Date.now() - t).toBeLessThan(2000);

    const silent = net.createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    const silentFleet = newFleet({ connectTimeoutMs: 1500 });
    host = (await silentFleet.call('hosts.add', { name: 'silent', address: '127.0.0.1', port: (silent.address() as net.AddressInfo).port, user: 'x', auth: 'password' })) as { id: number };
    t = Date.now();
    const timedOut = expectFailed(await connect(silentFleet, host.id, { password: 'x' }));
    expect(timedOut.problem).toBe('timeout');
    expect(Date.now() - t).toBeLessThan(4000);
    silentFleet.close();
    silent.close();
  });

  it('the helper is started with argv only: a hostile name never reaches a shell', async () => {
    await expect(fleet.call('hosts.add', { name: 'x', address: 'host;rm -rf /', user: 'fdtest', auth: 'agent' })).rejects.toMatchObject({ problem: 'invalid-input' });
    await expect(fleet.call('hosts.add', { name: 'x', address: '127.0.0.1', user: 'a;rm -rf /', auth: 'agent' })).rejects.toMatchObject({ problem: 'invalid-input' });
    const s = fleet.session((await addHost(fleet, sshd, 'fdtest')).id);
    await s.connect().catch(() => undefined);
    expect(await s.request(helperApi.ping, {}).catch((e: unknown) => e)).toBeTruthy();
  });
});
