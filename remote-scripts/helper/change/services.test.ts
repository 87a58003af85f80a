import { describe, expect, it } from 'vitest';
import type { HelperContext, RunResult } from '../context.js';
import { openrc, systemd } from './services.js';

/**
 * The service managers' argv and parsing, on real output (openrc 0.45 on the family test host,
 * e2e/testbed/family-host.ts, where the live run is: e2e/integration/change/families.test.ts).
 */
function fakeCtx(replies: Record<string, Partial<RunResult>>, files: string[] = []) {
  const calls: string[][] = [];
  const ctx = {
    root: '/',
    live: true,
    uid: 0,
    env: {},
    readText: async () => null,
    listDir: async () => null,
    readLink: async () => null,
    exists: async (p: string) => files.includes(p),
    statfs: async () => null,
    run: async (argv: string[]) => {
      calls.push(argv);
      const key = Object.keys(replies)
        .sort((a, b) => b.length - a.length)
        .find((k) => argv.join(' ').startsWith(k));
      return { code: 0, stdout: '', stderr: '', ...(key === undefined ? {} : replies[key]) };
    },
  } as HelperContext;
  return { ctx, calls };
}

const SHOW_DEFAULT = '                 dbus | default\n      fleetdeck-hello | default\n                  ssh | default\n';

describe('openrc', () => {
  it('state: the script in /etc/init.d, the default runlevel, rc-service status', async () => {
    const started = fakeCtx({ 'rc-update show default': { stdout: SHOW_DEFAULT }, 'rc-service fleetdeck-hello status': { stdout: ' * status: started\n' } }, ['/etc/init.d/fleetdeck-hello']);
    expect(await openrc.state(started.ctx, 'fleetdeck-hello')).toEqual({ exists: true, enabled: true, running: true });
    const stopped = fakeCtx({ 'rc-update show default': { stdout: '  dbus | default\n' }, 'rc-service': { code: 3, stdout: ' * status: stopped\n' } }, ['/etc/init.d/fleetdeck-hello']);
    expect(await openrc.state(stopped.ctx, 'fleetdeck-hello')).toEqual({ exists: true, enabled: false, running: false });
    const crashed = fakeCtx({ 'rc-service': { code: 32, stdout: ' * status: crashed\n' } }, ['/etc/init.d/x']);
    expect((await openrc.state(crashed.ctx, 'x')).running).toBe(false);
    const none = fakeCtx({});
    expect(await openrc.state(none.ctx, 'nope')).toEqual({ exists: false, enabled: null, running: null });
    expect(none.calls).toEqual([]);
  });

  it('a prefix of another service name is not that service ("ssh" vs "sshd")', async () => {
    const { ctx } = fakeCtx({ 'rc-update show default': { stdout: '  sshd | default\n' }, 'rc-service': { code: 3 } }, ['/etc/init.d/ssh']);
    expect((await openrc.state(ctx, 'ssh')).enabled).toBe(false);
  });

  it('enable/disable in the default runlevel; disabling what is not there is done already', async () => {
    const { ctx, calls } = fakeCtx({ 'rc-update del': { code: 1, stderr: " * rc-update: service `x' is not in the runlevel `default'\n" } });
    expect((await openrc.act(ctx, 'x', 'enable')).code).toBe(0);
    expect((await openrc.act(ctx, 'x', 'disable')).code).toBe(0);
    expect(calls).toEqual([
      ['rc-update', 'add', 'x', 'default'],
      ['rc-update', 'del', 'x', 'default'],
    ]);
    const other = fakeCtx({ 'rc-update del': { code: 1, stderr: ' * rc-update: some other failure\n' } });
    expect((await openrc.act(other.ctx, 'x', 'disable')).code).toBe(1);
  });

  it('start/stop/restart through rc-service; a script without reload is restarted', async () => {
    const { ctx, calls } = fakeCtx({ 'rc-service x reload': { code: 1, stderr: " * x: unknown function `reload'\n" } });
    await openrc.act(ctx, 'x', 'start');
    const r = await openrc.act(ctx, 'x', 'reload');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no reload: restarted/);
    expect(calls).toEqual([
      ['rc-service', 'x', 'start'],
      ['rc-service', 'x', 'reload'],
      ['rc-service', 'x', 'restart'],
    ]);
    const failing = fakeCtx({ 'rc-service x reload': { code: 1, stderr: ' * ERROR: x failed to reload\n' } });
    expect((await openrc.act(failing.ctx, 'x', 'reload')).code).toBe(1);
    expect(await openrc.reloadDefinitions(ctx)).toBeNull();
  });
});

describe('unit names', () => {
  it('one that would read as an option, or a directory, is refused before anything runs', async () => {
    const { ctx, calls } = fakeCtx({});
    for (const bad of ['-x', '--now', '.', '..']) {
      await expect(openrc.state(ctx, bad)).rejects.toThrow(/not a service name/);
      await expect(systemd.act(ctx, bad, 'start')).rejects.toThrow(/not a service name/);
    }
    expect(calls).toEqual([]);
  });
});

describe('systemd', () => {
  it('state from is-enabled/is-active; a unit that does not exist', async () => {
    const on = fakeCtx({ 'systemctl is-enabled': { stdout: 'enabled\n' }, 'systemctl is-active': { stdout: 'active\n' } });
    expect(await systemd.state(on.ctx, 'nginx.service')).toEqual({ exists: true, enabled: true, running: true });
    const none = fakeCtx({ 'systemctl is-enabled': { code: 1, stderr: 'Failed to get unit file state for nope.service: No such file or directory\n' }, 'systemctl is-active': { code: 3, stdout: 'inactive\n' } });
    expect(await systemd.state(none.ctx, 'nope.service')).toEqual({ exists: false, enabled: null, running: null });
  });
});

describe('systemd state', () => {
  it('a unit waiting to be restarted after a crash (activating, auto-restart) is not running; one starting up is', async () => {
    const crashing = fakeCtx({ 'systemctl is-enabled': { stdout: 'enabled\n' }, 'systemctl is-active': { code: 3, stdout: 'activating\n' }, 'systemctl show -p SubState': { stdout: 'auto-restart\n' } });
    expect(await systemd.state(crashing.ctx, 'jupyterhub')).toEqual({ exists: true, enabled: true, running: false });
    const starting = fakeCtx({ 'systemctl is-enabled': { stdout: 'enabled\n' }, 'systemctl is-active': { code: 3, stdout: 'activating\n' }, 'systemctl show -p SubState': { stdout: 'start\n' } });
    expect(await systemd.state(starting.ctx, 'jupyterhub')).toEqual({ exists: true, enabled: true, running: true });
  });

  it('a start forgets an earlier failure first (the start limit)', async () => {
    const { ctx, calls } = fakeCtx({});
    await systemd.act(ctx, 'prometheus-alertmanager', 'restart');
    expect(calls).toEqual([
      ['systemctl', 'reset-failed', 'prometheus-alertmanager'],
      ['systemctl', 'restart', 'prometheus-alertmanager'],
    ]);
  });
});
