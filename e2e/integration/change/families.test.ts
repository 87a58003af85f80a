import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { helperApi } from '../../../src-common/protocol/helper-api.js';
import { ChangeService } from '../../../src-main/core/change/change-service.js';
import { sessionTarget, type ChangeTarget } from '../../../src-main/core/change/change-target.js';
import { defineModule, type ChangeModule } from '../../../src-main/core/change/module.js';
import { agentModule } from '../../../src-main/core/modules/agent.module.js';
import { Fleet } from '../../../src-main/core/fleet.js';
import { startFamilyHost, TEST_PACKAGE, type FamilyHost, type PackageFamily } from '../../testbed/family-host.js';
import { testbedUnavailableReason } from '../../testbed/index.js';
import { addHost, connect, connectTrusting } from '../harness.js';

/**
 * The change engine's package backends and openrc, for real, on one systemd Debian test host
 * that carries dnf, zypper, pacman and openrc (e2e/testbed/family-host.ts). For each family the
 * host's /etc/os-release is the family's own, so Fleetdeck's probe picks that backend; then a
 * module wanting one package is planned (the helper's read-state: installed? the tool's own dry
 * run), applied (the tool installs from a local repository built in the host), planned again
 * (installed: nothing to do), and rolled back (the tool removes it). The package tool itself
 * confirms each state. openrc is not PID 1 here: the engine is told the host's manager is
 * openrc (as the probe says on an openrc-booted host), and rc-update/rc-service do the work.
 * apk is not in Debian: its argv and parsing are unit-tested (packages.test.ts).
 */
const unavailable = await testbedUnavailableReason({ docker: true });

const helloModule = defineModule<Record<string, never>>({
  info: { id: 'family-hello', title: 'Test package', summary: 'One tiny package from the host\'s local repository.', needs: [], notes: [], fields: [], defaults: {} },
  settings: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  unsupported: () => null,
  network: () => 'the local test repository',
  opens: () => [],
  resources: () => [{ kind: 'package', label: 'Fleetdeck test package', packages: [TEST_PACKAGE.name], state: 'present' }],
  checks: () => [{ kind: 'file-contains', id: 'family-hello-file', label: 'the package\'s file is in place', path: TEST_PACKAGE.file, contains: TEST_PACKAGE.content }],
  warnings: () => [],
});

const INIT_SCRIPT = `#!/sbin/openrc-run
description="Fleetdeck openrc test service"
command=/bin/sleep
command_args=86400
command_background=yes
pidfile=/run/fleetdeck-sleeper.pid
`;

const openrcModule = defineModule<Record<string, never>>({
  info: { id: 'family-openrc', title: 'Test service', summary: 'An openrc service that sleeps.', needs: [], notes: [], fields: [], defaults: {} },
  settings: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  unsupported: () => null,
  network: () => null,
  opens: () => [],
  resources: () => [
    { kind: 'file', path: '/etc/init.d/fleetdeck-sleeper', content: INIT_SCRIPT, mode: 0o755 },
    { kind: 'unit', name: 'fleetdeck-sleeper', enabled: true, state: 'running' },
  ],
  checks: () => [{ kind: 'unit-running', id: 'family-openrc-running', label: 'fleetdeck-sleeper runs', unit: 'fleetdeck-sleeper' }],
  warnings: () => [],
});

const FAMILIES: { family: PackageFamily; backend: 'dnf' | 'zypper' | 'pacman'; query: string[]; notFound: RegExp }[] = [
  { family: 'rocky-9.3', backend: 'dnf', query: ['rpm', '-q', TEST_PACKAGE.name], notFound: /Unable to find a match|No match for argument/ },
  { family: 'opensuse-tumbleweed', backend: 'zypper', query: ['rpm', '-q', TEST_PACKAGE.name], notFound: /No provider of 'fleetdeck-nosuch' found/ },
  { family: 'arch-linux', backend: 'pacman', query: ['pacman', '-Q', TEST_PACKAGE.name], notFound: /target not found: fleetdeck-nosuch/ },
];

describe.skipIf(unavailable)('package backends and openrc for real (dnf, zypper, pacman, openrc)', () => {
  let host: FamilyHost;
  let fleet: Fleet;
  let id: number;
  const service = new ChangeService({ modules: [helloModule, openrcModule] as ChangeModule<never>[], store: null, audit: () => {} });
  /** A fresh target per family: its probe reads the os-release written for it. */
  const target = (family: string): ChangeTarget => sessionTarget(fleet.session(id), { id: null, name: `${host.name} as ${family}`, key: `family:${family}` });
  const sh = async (argv: string[]) => {
    const r = await host.exec(argv);
    return { code: r.code, out: (r.stdout + r.stderr).trim() };
  };

  beforeAll(async () => {
    const started = Date.now();
    host = await startFamilyHost({ name: 'families' });
    console.log(`family host ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    fleet = new Fleet({ dataDir: mkdtempSync(path.join(tmpdir(), 'fd-families-')), knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
    id = (await addHost(fleet, host, 'admin')).id;
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await host?.stop();
  });

  for (const f of FAMILIES) {
    it(`${f.backend} (${f.family}): the probe picks it; plan, install, nothing planned twice, rollback removes`, async () => {
      const started = Date.now();
      await host.setOsRelease(f.family);
      const t = target(f.family);
      const probe = await t.probe();
      expect(probe.packageBackend).toBe(f.backend);
      expect(probe.serviceManager).toBe('systemd');
      expect((await sh(f.query)).code).not.toBe(0);

      // read-state: not installed, what the tool's dry run would add, and a package no repository has.
      const missing: Resource = { kind: 'package', label: 'missing', packages: ['fleetdeck-nosuch'], state: 'present' };
      const read = await t.request(helperApi.changeRead, { backend: f.backend, manager: 'systemd', resources: [missing] }, 'try');
      expect(read.observed[0]).toMatchObject({ kind: 'package', installed: { 'fleetdeck-nosuch': null } });
      expect((read.observed[0] as { dryRunProblem: string }).dryRunProblem).toMatch(f.notFound);

      const plan = await service.plan(t, [{ id: 'family-hello', settings: {} }]);
      expect(plan.steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['package:install']);
      expect(plan.steps[0]!.after).toBe(`${TEST_PACKAGE.name} ${TEST_PACKAGE.version}`);
      expect(plan.steps[0]!.warnings).toEqual([]);

      const applied = await service.apply(t, plan.planId, plan.tag);
      expect(applied.status, applied.message ?? '').toBe('done');
      expect(applied.verify.filter((c) => !c.ok)).toEqual([]);
      expect((await sh(f.query)).out).toContain(TEST_PACKAGE.name);

      const seen = await t.request(helperApi.changeRead, { backend: f.backend, manager: 'systemd', resources: [helloModule.resources(null as never)[0]!] }, 'try');
      expect(seen.observed[0]).toMatchObject({ installed: { [TEST_PACKAGE.name]: TEST_PACKAGE.version }, wouldInstall: null, dryRunProblem: null });
      const again = await service.plan(t, [{ id: 'family-hello', settings: {} }]);
      expect(again.steps).toEqual([]);

      const rb = await service.rollback(t, applied.journalId!);
      expect(rb.status, rb.message ?? '').toBe('rolled-back');
      expect((await sh(f.query)).code).not.toBe(0);
      expect((await sh(['test', '-e', TEST_PACKAGE.file])).code).not.toBe(0);
      // Rolled back twice (the package is gone already): nothing to remove, no failure.
      expect((await service.rollback(t, applied.journalId!)).status).toBe('rolled-back');
      console.log(`${f.backend}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }, 180_000);
  }

  it('openrc: the init script written, rc-update adds it, rc-service starts it; nothing planned twice; rollback stops it', async () => {
    const started = Date.now();
    await host.setOsRelease('debian-12');
    const real = target('openrc');
    const t: ChangeTarget = { ...real, probe: async () => ({ ...(await real.probe()), serviceManager: 'openrc' }) };
    const plan = await service.plan(t, [{ id: 'family-openrc', settings: {} }]);
    expect(plan.steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['file:create', 'unit:enable']);
    const applied = await service.apply(t, plan.planId, plan.tag);
    expect(applied.status, applied.message ?? '').toBe('done');
    expect(applied.verify).toEqual([expect.objectContaining({ ok: true, evidence: expect.stringMatching(/running and enabled/) })]);
    expect((await sh(['rc-update', 'show', 'default'])).out).toMatch(/fleetdeck-sleeper \| default/);
    expect((await sh(['rc-service', 'fleetdeck-sleeper', 'status'])).out).toMatch(/status: started/);
    expect((await sh(['pgrep', '-f', 'sleep 86400'])).code).toBe(0);

    expect((await service.plan(t, [{ id: 'family-openrc', settings: {} }])).steps).toEqual([]);

    const rb = await service.rollback(t, applied.journalId!);
    expect(rb.status, rb.message ?? '').toBe('rolled-back');
    expect((await sh(['pgrep', '-f', 'sleep 86400'])).code).not.toBe(0);
    expect((await sh(['test', '-e', '/etc/init.d/fleetdeck-sleeper'])).code).not.toBe(0);
    expect((await sh(['rc-update', 'show', 'default'])).out).not.toMatch(/fleetdeck-sleeper/);
    expect((await sh(['test', '-L', '/etc/runlevels/default/fleetdeck-sleeper'])).code).not.toBe(0);
    console.log(`openrc: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 120_000);

  it('the resident agent under openrc: supervise-daemon runs it and restarts it, its socket admits only root and the group; rollback leaves nothing', async () => {
    // The session's target as the probe of an openrc-booted host describes it (again after a reconnect: a new session).
    const openrcTarget = (): ChangeTarget => {
      const real = target('openrc');
      return { ...real, probe: async () => ({ ...(await real.probe()), serviceManager: 'openrc' }) };
    };
    let t = openrcTarget();
    const agents = new ChangeService({ modules: [agentModule] as ChangeModule<never>[], store: null, audit: () => {} });
    const plan = await agents.plan(t, [{ id: 'agent', settings: {} }]);
    expect(plan.steps.map((s) => s.resource.kind === 'file' ? s.resource.path : `${s.resource.kind}`)).toContain('/etc/init.d/fleetdeck-agent');
    expect(plan.warnings.join('\n')).toMatch(/no service sandbox/);
    const applied = await agents.apply(t, plan.planId, plan.tag);
    expect(applied.status, applied.message ?? '').toBe('done');
    expect(applied.verify.filter((v) => !v.ok)).toEqual([]);
    expect((await sh(['rc-service', 'fleetdeck-agent', 'status'])).out).toMatch(/status: started/);
    expect((await sh(['stat', '-c', '%a %U %G', '/run/fleetdeck-agent/agent.sock'])).out).toBe('660 root fleetdeck-agent');
    // A crash: supervise-daemon starts it again (respawn_delay 2 s).
    const pid = (await sh(['pgrep', '-f', '^/usr/local/lib/fleetdeck-agent/node '])).out;
    await sh(['kill', '-9', pid]);
    let again = '';
    for (let i = 0; i < 50 && (!again || again === pid); i++) {
      await new Promise((r) => setTimeout(r, 200));
      again = (await sh(['pgrep', '-f', '^/usr/local/lib/fleetdeck-agent/node '])).out;
    }
    expect(again).toMatch(/^\d+$/);
    expect(again).not.toBe(pid);
    // A new login (now in the group) reaches it through SSH, as under systemd.
    await fleet.call('hosts.disconnect', { id });
    expect(await connect(fleet, id)).toMatchObject({ state: 'connected', helper: 'agent' });
    t = openrcTarget();
    expect((await agents.plan(t, [{ id: 'agent', settings: {} }])).steps).toEqual([]);

    const rb = await agents.rollback(t, applied.journalId!);
    expect(rb.status, rb.message ?? '').toBe('rolled-back');
    expect((await sh(['pgrep', '-f', '^/usr/local/lib/fleetdeck-agent/node '])).code).not.toBe(0);
    for (const p of ['/etc/init.d/fleetdeck-agent', '/usr/local/lib/fleetdeck-agent', '/var/lib/fleetdeck-agent', '/run/fleetdeck-agent/agent.sock']) expect((await sh(['test', '-e', p])).code, p).not.toBe(0);
    expect((await sh(['getent', 'group', 'fleetdeck-agent'])).code).not.toBe(0);
  }, 120_000);
});
