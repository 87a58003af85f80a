import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventorySchema } from '../../src-common/inventory/inventory.schema.js';
import { probeSchema } from '../../src-common/inventory/probe.schema.js';
import type { Fleet } from '../../src-main/core/fleet.js';
import { CAROL_PASSWORD, startDebianHost, startSshdHost, testbedUnavailableReason, type DebianHost, type SshdHost } from '../testbed/index.js';
import { installFakeNvidiaSmi, removeFakeNvidiaSmi } from './fake-nvidia-smi.js';
import { addHost, connect, connectTrusting, expectFailed, newFleet } from './harness.js';

/** A realistic host: Debian 12 with systemd as PID 1, in Docker, without Node. */
const unavailable = await testbedUnavailableReason({ docker: true });
const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');

describe.skipIf(unavailable)('a systemd Debian 12 host', () => {
  let deb: DebianHost;
  let fleet: Fleet;

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-deb' });
    fleet = newFleet();
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  it('pushes the portable Node runtime to a host without Node, once', async () => {
    expect((await deb.exec(['sh', '-c', 'command -v node || echo none'])).stdout.trim()).toBe('none');
    const host = await addHost(fleet, deb, 'admin');
    const t = Date.now();
    expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
    const first = fleet.session(host.id).lastDeploy!;
    expect(first).toMatchObject({ pushedRuntime: true, pushedHelper: true });
    expect(first.nodePath).toMatch(/^\/home\/admin\/\.cache\/fleetdeck\/runtime-node-v20\.[\d.]+-linux-x64\/bin\/node$/);
    console.log(`cold connect incl. runtime push: ${Date.now() - t} ms`);
    await fleet.call('hosts.disconnect', { id: host.id });
    expect((await connect(fleet, host.id)).state).toBe('connected');
    expect(fleet.session(host.id).lastDeploy).toMatchObject({ pushedRuntime: false, pushedHelper: false });
    // Nothing was left in /tmp, and the install dir is content-addressed.
    expect((await deb.exec(['sh', '-c', 'ls -A /tmp | grep -ci fleetdeck || true'])).stdout.trim()).toBe('0');
    const listing = (await deb.exec(['ls', '/home/admin/.cache/fleetdeck'])).stdout;
    expect(listing).toMatch(/^helper-[0-9a-f]{64}$/m);
  });

  it('probe reports debian / 12 / apt / systemd, in a docker container', async () => {
    const host = await addHost(fleet, deb, 'admin');
    await connectTrusting(fleet, host.id);
    const probe = probeSchema.parse(await fleet.call('inventory.probe', { id: host.id }));
    expect(probe.os).toMatchObject({ id: 'debian', versionId: '12', family: 'debian', supported: true });
    expect(probe.packageBackend).toBe('apt');
    expect(probe.serviceManager).toBe('systemd');
    expect(['v1', 'hybrid', 'v2']).toContain(probe.cgroup.mode);
    expect(probe.virtualization.container).toBe(true);
    expect(probe.libc.kind).toBe('glibc');
    expect(probe.arch).toBe('x86_64');
  });

  it('inventory lists users, filesystems, memory and no GPUs, schema-valid', async () => {
    const host = await addHost(fleet, deb, 'admin');
    await connectTrusting(fleet, host.id);
    const inv = inventorySchema.parse(await fleet.call('inventory.snapshot', { id: host.id }));
    const names = inv.users.map((u) => u.name);
    expect(names).toEqual(expect.arrayContaining(['admin', 'carol', 'nox']));
    expect(inv.users.find((u) => u.name === 'admin')!.isAdmin).toBe(true);
    expect(inv.memory.totalBytes).toBeGreaterThan(0);
    expect(inv.filesystems.some((f) => f.mountPoint === '/')).toBe(true);
    expect(inv.gpus).toEqual([]);
    expect(inv.hostname).toBe('it-deb');
  });

  it('who can become root comes from sudo itself, not from group names; without root it says it could not tell', async () => {
    // dave: ALL in sudoers.d, no special group. frank: in groups called wheel and admin, no rule.
    // gina: two commands only.
    await deb.exec(['sh', '-c', [
      'useradd -m dave && echo "dave ALL=(ALL) ALL" > /etc/sudoers.d/dave',
      'groupadd -f wheel && useradd -m -G wheel,admin frank',
      'useradd -m gina && echo "gina ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx, /usr/bin/journalctl" > /etc/sudoers.d/gina',
      'chmod 440 /etc/sudoers.d/dave /etc/sudoers.d/gina',
    ].join(' && ')]);
    try {
      const host = await addHost(fleet, deb, 'admin');
      await connectTrusting(fleet, host.id);
      const inv = inventorySchema.parse(await fleet.call('inventory.snapshot', { id: host.id }));
      const rights = Object.fromEntries(inv.users.filter((u) => ['admin', 'carol', 'nox', 'dave', 'frank', 'gina'].includes(u.name)).map((u) => [u.name, [u.sudo, u.isAdmin]]));
      expect(rights).toEqual({ admin: ['all', true], carol: ['all', true], nox: ['none', false], dave: ['all', true], frank: ['none', false], gina: ['some', false] });
      // nox may not sudo: the helper is not root, so it cannot ask sudo, and says so. (Its home is
      // noexec: the helper goes to the dir an admin makes for it.)
      await deb.exec(['install', '-d', '-o', 'nox', '-m', '700', '/var/lib/fleetdeck/u-1002']);
      const noRoot = await addHost(fleet, deb, 'nox');
      expect((await connectTrusting(fleet, noRoot.id)).state).toBe('connected');
      const mine = inventorySchema.parse(await fleet.call('inventory.snapshot', { id: noRoot.id }));
      expect(mine.users.find((u) => u.name === 'dave')).toMatchObject({ sudo: null, isAdmin: false });
      expect(mine.sections.users?.message).toMatch(/only root may ask/);
    } finally {
      await deb.exec(['sh', '-c', 'userdel -r dave; userdel -r frank; userdel -r gina; rm -rf /etc/sudoers.d/dave /etc/sudoers.d/gina /var/lib/fleetdeck/u-1002']);
    }
  });

  it('GPUs: a recorded dual GTX 1070 sample replayed by nvidia-smi flows through inventory and probe', async () => {
    await installFakeNvidiaSmi(deb, 'dual-gtx1070-drv384-4procs.xml');
    try {
      const host = await addHost(fleet, deb, 'admin');
      await connectTrusting(fleet, host.id);
      const inv = inventorySchema.parse(await fleet.call('inventory.snapshot', { id: host.id }));
      expect(inv.gpus.map((g) => g.name)).toEqual(['GeForce GTX 1070', 'GeForce GTX 1070']);
      expect(inv.gpus[0]!.uuid).toBe('GPU-e511a7b2-f9d5-ba47-9b98-853732ca6c1b');
      expect(inv.gpus.flatMap((g) => g.processes).length).toBe(4);
      expect(inv.gpus[0]!.processes.find((p) => p.pid === 3093)).toMatchObject({ name: './ethminer', usedMemoryBytes: 2283 * 1024 * 1024 });
      expect(inv.sections.gpus?.ok).toBe(true);
      const probe = probeSchema.parse(await fleet.call('inventory.probe', { id: host.id }));
      expect(probe.gpuVendors).toContain('nvidia');
      // No kernel driver in this container: the probe says what is wrong and how to fix it.
      expect(probe.warnings.join('\n')).toMatch(/driver is not loaded/);
    } finally {
      await removeFakeNvidiaSmi(deb);
    }
  });

  it('a noexec home: explains what to do, then works from the dir an admin made', async () => {
    const host = await addHost(fleet, deb, 'nox');
    const failed = expectFailed(await connectTrusting(fleet, host.id));
    expect(failed.problem).toBe('no-exec-dir');
    expect(failed.message).toMatch(/noexec/);
    expect(failed.message).toContain('sudo install -d -o nox -m 700 /var/lib/fleetdeck/u-1002');
    await deb.exec(['install', '-d', '-o', 'nox', '-m', '700', '/var/lib/fleetdeck/u-1002']);
    expect((await connect(fleet, host.id)).state).toBe('connected');
    expect(fleet.session(host.id).lastDeploy!.helperPath).toMatch(/^\/var\/lib\/fleetdeck\/u-1002\/helper-/);
  });

  it('sudo with a password on a real PAM host', async () => {
    const host = await addHost(fleet, deb, 'carol');
    await connectTrusting(fleet, host.id);
    await expect(fleet.session(host.id).helperFor('require')).rejects.toMatchObject({ problem: 'sudo-required' });
    await fleet.call('hosts.disconnect', { id: host.id });
    await connect(fleet, host.id, { sudoPassword: CAROL_PASSWORD });
    expect((await fleet.session(host.id).helperFor('require')).init.uid).toBe(0);
  });

  it('keyboard-interactive login through PAM answers the password prompt', async () => {
    await deb.exec(['sh', '-c', 'echo "KbdInteractiveAuthentication yes" > /etc/ssh/sshd_config.d/50-fleetdeck-test.conf && systemctl reload ssh']);
    // A reload re-executes sshd: wait until it answers with its banner again.
    for (let i = 0; i < 50; i++) {
      const banner = await deb.exec(['timeout', '1', 'bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/22 && head -c 4 <&3']);
      if (banner.stdout.startsWith('SSH-')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const host = await addHost(fleet, deb, 'carol', { auth: 'keyboard-interactive', keyPath: undefined });
    const wrong = expectFailed(await connectTrusting(fleet, host.id, { password: 'not-her-password' }));
    expect(wrong.problem, wrong.message).toBe('authentication-failed');
    expect((await connect(fleet, host.id, { password: CAROL_PASSWORD })).state).toBe('connected');
  });

  describe('through a jump host', () => {
    let jump: SshdHost;
    beforeAll(async () => {
      jump = await startSshdHost({ name: 'it-jump' });
    });
    afterAll(async () => jump?.stop());

    it('verifies each hop against its own name and reaches the target', async () => {
      const j = jump.users.fdtest!;
      const host = await addHost(fleet, deb, 'admin', {
        jump: [{ address: '127.0.0.1', port: jump.port, user: j.name, auth: 'key', keyPath: j.keyPath }],
      });
      // First the jump host's key is unknown, then the target's: two separate decisions.
      const first = expectFailed(await connect(fleet, host.id));
      expect(first.problem).toBe('unknown-hostkey');
      expect((first.details as { hostName: string }).hostName).toBe(`[127.0.0.1]:${jump.port}`);
      expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
      const probe = probeSchema.parse(await fleet.call('inventory.probe', { id: host.id }));
      expect(probe.hostname).toBe('it-deb');
    });
  });

  it('the CLI: probe with --accept-new, then again with the stored key; JSON output', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fd-cli-'));
    const key = deb.users.admin!.keyPath!;
    const argv = [path.join(repo, 'bin/fleetdeck.mjs'), 'probe', `admin@127.0.0.1`, '-p', String(deb.port), '-i', key, '--json', '--data-dir', dataDir];
    const refused = await run(process.execPath, argv).catch((e) => e);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/unknown-hostkey.*SHA256:/);
    const { stdout } = await run(process.execPath, [...argv, '--accept-new'], { timeout: 120_000 });
    expect(probeSchema.parse(JSON.parse(stdout)).os.id).toBe('debian');
    const again = await run(process.execPath, [path.join(repo, 'bin/fleetdeck.mjs'), 'inventory', 'admin@127.0.0.1', '-p', String(deb.port), '-i', key, '--data-dir', dataDir]);
    expect(again.stdout).toMatch(/memory/);
  });
});
