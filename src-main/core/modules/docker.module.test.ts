import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../../src-common/change/plan.schema.js';
import { resourceSchema, type CommandResource, type FileResource, type Observed, type PackageResource, type Resource, type UnitResource } from '../../../src-common/change/resource.schema.js';
import { checkSchema } from '../../../src-common/change/plan.schema.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import { dockerInfo, dockerSettings, type DockerSettings } from '../../../src-common/modules/docker.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { FAMILY_HOSTS, familyFacts, type FamilyHost } from '../change/family-probes.test-util.js';
import type { ChangeModule, HostFacts } from '../change/module.js';
import { desiredState, planSteps, type DesiredState } from '../change/planner.js';
import * as zm from 'zod/mini';
import { DAEMON_JSON, DOCKER_CE_PACKAGES, dockerModule, renderDaemonJson } from './docker.module.js';
import { appliedObserved, freshObserved } from '../change/observed.test-util.js';

/**
 * The docker module as pure functions of the probe: its plan for every distribution family
 * (distribution packages and Docker's repository, with and without an NVIDIA GPU), the
 * daemon.json it renders, its settings refusing hostile input, and its fixed shell scripts run
 * for real with "$1" arguments.
 */
const FAMILIES = Object.keys(FAMILY_HOSTS) as FamilyHost[];
const NVIDIA: Partial<Probe> = { gpuVendors: ['nvidia'] };

function settings(over: Record<string, unknown> = {}): DockerSettings {
  return dockerSettings.parse({ ...dockerInfo.defaults, ...over });
}

function desired(facts: HostFacts, over: Record<string, unknown> = {}): DesiredState {
  return desiredState([{ module: dockerModule as ChangeModule, settings: settings(over) }], facts, new Set());
}

const resources = (d: DesiredState) => d.items.map((i) => i.resource);
const packages = (d: DesiredState) => resources(d).filter((r): r is PackageResource => r.kind === 'package');
const files = (d: DesiredState) => resources(d).filter((r): r is FileResource => r.kind === 'file');
const commands = (d: DesiredState) => resources(d).filter((r): r is CommandResource => r.kind === 'command');
const unit = (d: DesiredState) => resources(d).find((r): r is UnitResource => r.kind === 'unit')!;
const file = (d: DesiredState, p: string) => files(d).find((f) => f.path === p)?.content ?? null;

/** What a fresh host answers: nothing there yet. */
const fresh = (d: DesiredState): Observed[] => resources(d).map(freshObserved);

/** What the host answers once the plan was applied: everything as wanted. */
const applied = (d: DesiredState, edit: (r: Resource, o: Observed) => Observed = (_r, o) => o): Observed[] => resources(d).map((r) => edit(r, appliedObserved(r)));

function unsupportedMessage(facts: HostFacts, over: Record<string, unknown> = {}): string {
  try {
    desired(facts, over);
  } catch (err) {
    expect(err).toBeInstanceOf(FleetdeckError);
    expect((err as FleetdeckError).problem).toBe('unsupported-os');
    return (err as Error).message;
  }
  throw new Error('expected the plan to be refused');
}

describe('docker settings', () => {
  it('the defaults are valid and are what the form starts with', () => {
    expect(settings()).toEqual({ source: 'distro', cgroupDriver: 'auto', logMaxSize: '10m', logMaxFiles: 3, liveRestore: true, admins: [], nvidiaToolkit: 'auto' });
    expect(dockerInfo.fields.map((f) => f.key).sort()).toEqual(Object.keys(dockerInfo.defaults).sort());
  });

  it('takes admins as a list or as one line of names', () => {
    expect(settings({ admins: 'alice, bob  carol' }).admins).toEqual(['alice', 'bob', 'carol']);
    expect(settings({ admins: [' alice '] }).admins).toEqual(['alice']);
    expect(settings({ logMaxFiles: '5', logMaxSize: '512k' })).toMatchObject({ logMaxFiles: 5, logMaxSize: '512k' });
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['a shell command as an admin', { admins: ['root; rm -rf /'] }, /account name/],
    ['a command substitution', { admins: ['$(reboot)'] }, /account name/],
    ['an option-looking name', { admins: ['-oProxyCommand=x'] }, /account name/],
    ['a path', { admins: ['../etc/passwd'] }, /account name/],
    ['unicode', { admins: ['ålice'] }, /account name/],
    ['a right-to-left override', { admins: ['ali\u202Ece'] }, /account name/],
    ['a newline', { admins: ['alice\nbob'] }, /account name/],
    ['an overlong name', { admins: ['a'.repeat(33)] }, /account name/],
    ['a duplicate', { admins: ['alice', 'alice'] }, /listed twice/],
    ['too many admins', { admins: Array.from({ length: 33 }, (_, i) => `u${i}`) }, /At most 32/],
    ['a non-list', { admins: 42 }, /account names/],
    ['JSON injection in the log size', { logMaxSize: '10m", "hosts": ["tcp://0.0.0.0:2375"], "x": "' }, /log size/],
    ['a log size without unit', { logMaxSize: '10' }, /log size/],
    ['a zero log size', { logMaxSize: '0m' }, /log size/],
    ['an overlong log size', { logMaxSize: `${'9'.repeat(4000)}m` }, /log size/],
    ['no log files', { logMaxFiles: 0 }, /1 to 100/],
    ['too many log files', { logMaxFiles: 101 }, /1 to 100/],
    ['a fraction of a log file', { logMaxFiles: 2.5 }, /whole number/],
    ['words as a number', { logMaxFiles: 'three' }, /1 to 100/],
    ['an unknown source', { source: 'curl https://get.docker.com | sh' }, /distro.*docker-repo/],
    ['an unknown cgroup driver', { cgroupDriver: 'systemd; reboot' }, /auto, systemd or cgroupfs/],
    ['live-restore as a word', { liveRestore: 'yes' }, /true or false/],
    ['an unknown NVIDIA setting', { nvidiaToolkit: 'maybe' }, /auto, on or off/],
    ['an unknown setting', { dataRoot: '/srv/docker' }, /Unrecognized key|dataRoot/],
  ];
  it.each(refused)('refuses %s with a message that says what is expected', (_what, over, message) => {
    const r = dockerSettings.safeParse({ ...dockerInfo.defaults, ...over });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join('; ')).toMatch(message);
  });
});

describe('docker plan per family (distribution packages)', () => {
  const expected: Record<FamilyHost, string[] | null> = {
    'debian-12': ['docker.io'],
    'ubuntu-24.04': ['docker.io'],
    'rocky-9.3': null,
    'centos-7': null,
    'fedora-42': ['moby-engine'],
    'opensuse-leap-15.2': ['docker'],
    'arch-linux': ['docker'],
    'alpine-3.23': ['docker'],
  };
  it.each(FAMILIES)('%s', (name) => {
    const facts = familyFacts(name);
    const want = expected[name];
    if (!want) {
      expect(unsupportedMessage(facts)).toMatch(/ships no Docker Engine.*choose Docker’s repository \(source "docker-repo"\)/);
      return;
    }
    const d = desired(facts, { admins: ['alice'] });
    for (const r of resources(d)) expect(zm.safeParse(resourceSchema, r).success, JSON.stringify(r)).toBe(true);
    for (const c of d.checks) expect(zm.safeParse(checkSchema, c).success, JSON.stringify(c)).toBe(true);
    // Packages, then daemon.json, then the unit that restarts on it, dockerd answering, then the group.
    expect(commands(d).map((c) => c.id)).toEqual(['docker-ready', 'docker-group-alice']);
    expect(commands(d)[0]!.when).toEqual([`package:${want.join(',')}`]);
    expect(resources(d).map((r) => r.kind)).toEqual(['package', 'file', 'unit', 'command', 'command']);
    expect(packages(d)).toEqual([expect.objectContaining({ packages: want, state: 'present', source: expect.stringMatching(/package (mirror|repositories)/) })]);
    expect(files(d).map((f) => f.path)).toEqual([DAEMON_JSON]);
    expect(unit(d)).toMatchObject({ name: 'docker', enabled: true, state: 'running', restartOn: [`file:${DAEMON_JSON}`] });
    expect(unit(d).checkBefore).toEqual(['/bin/sh', '-c', expect.stringContaining('dockerd --validate --config-file "$1"'), 'sh', DAEMON_JSON]);
    expect(d.network).toMatch(/^Docker Engine: .*package (mirror|repositories)/);
    expect(d.network).not.toMatch(/download\.docker\.com|nvidia/);
    // openrc has no systemd cgroups; the others run systemd on cgroup v2 in these probes.
    expect(file(d, DAEMON_JSON)).toContain(`native.cgroupdriver=${name === 'alpine-3.23' ? 'cgroupfs' : 'systemd'}`);
    expect(d.checks.map((c) => c.id)).toEqual(['docker-running', 'docker-socket', 'docker-info', 'docker-daemon-json', 'docker-group-alice']);
    // verify reads daemon.json back: exactly what the plan writes (a hand edit fails it).
    expect(d.checks.find((c) => c.id === 'docker-daemon-json')).toMatchObject({ kind: 'file-contains', path: DAEMON_JSON, contains: file(d, DAEMON_JSON) });
    expect(d.checks.every((c) => c.id.startsWith('docker-'))).toBe(true);
    const group = commands(d).find((c) => c.id === 'docker-group-alice')!;
    if (name === 'alpine-3.23') expect([group.argv, group.undo]).toEqual([['addgroup', 'alice', 'docker'], ['delgroup', 'alice', 'docker']]);
    else expect([group.argv, group.undo]).toEqual([['usermod', '-aG', 'docker', 'alice'], ['gpasswd', '-d', 'alice', 'docker']]);
    expect(group.unless).toEqual(['/bin/sh', '-c', expect.stringContaining('"$1"'), 'sh', 'alice']);
  });

  it('plans every step on a fresh host, and nothing once applied', () => {
    for (const name of FAMILIES.filter((n) => expected[n])) {
      const d = desired(familyFacts(name), { admins: ['alice', 'bob'] });
      const steps = planSteps(d, fresh(d));
      expect(steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['package:install', 'file:create', 'unit:enable', 'command:run', 'command:run', 'command:run']);
      expect(steps.every((s) => s.reversible)).toBe(true);
      expect(steps.find((s) => s.kind === 'file')!.diff).toContain('+  "log-driver": "json-file",');
      expect(planSteps(d, applied(d))).toEqual([]);
    }
  });

  it('restarts dockerd (after its own check) when daemon.json was edited by hand, and shows the diff', () => {
    const d = desired(familyFacts('debian-12'));
    const edited = applied(d, (r, o) => (r.kind === 'file' && o.kind === 'file' ? { ...o, text: o.text!.replace('"max-size": "10m"', '"max-size": "1g"') } : o));
    const steps = planSteps(d, edited);
    expect(steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['file:update', 'unit:restart']);
    expect(steps[0]!.diff).toContain('-    "max-size": "1g"');
    expect(steps[0]!.diff).toContain('+    "max-size": "10m"');
    expect(steps[1]!.summary).toMatch(/^Restart docker \(\/etc\/docker\/daemon\.json changed\), after \/bin\/sh -c/);
  });

  it('waits for dockerd (and, on rollback, stops its containers) only when this plan installs Docker', () => {
    const d = desired(familyFacts('debian-12'));
    // Docker there already, without Fleetdeck's daemon.json: written, dockerd restarted; no wait step.
    const present = applied(d, (r, o) => (r.kind === 'file' ? { kind: 'file', exists: false, sha256: null, text: null, mode: null, owner: null, group: null } : o));
    expect(planSteps(d, present).map((s) => `${s.kind}:${s.action}`)).toEqual(['file:create', 'unit:restart']);
    const ready = planSteps(d, fresh(d)).find((s) => s.resource.kind === 'command' && s.resource.id === 'docker-ready')!;
    expect(ready).toMatchObject({ reversible: true, summary: expect.stringMatching(/rollback of this install stops its running containers/) });
  });

  it('adds only the admins not in the group yet', () => {
    const d = desired(familyFacts('debian-12'), { admins: ['alice', 'bob'] });
    const steps = planSteps(d, applied(d, (r, o) => (r.kind === 'command' && r.id === 'docker-group-bob' ? { kind: 'command', done: false } : o)));
    expect(steps.map((s) => s.summary)).toEqual(['Add bob to the docker group (bob can then become root on this host)']);
    expect(steps[0]!.reversible).toBe(true);
  });
});

describe("docker plan per family (Docker's repository)", () => {
  it('Debian: curl, the signing key fetched from download.docker.com, the list for bookworm, docker-ce and its plugins', () => {
    const d = desired(familyFacts('debian-12'), { source: 'docker-repo' });
    expect(resources(d).map((r) => r.kind)).toEqual(['package', 'command', 'file', 'package', 'file', 'unit', 'command']);
    expect(commands(d).find((c) => c.id === 'docker-ready')!.when).toEqual([`package:${DOCKER_CE_PACKAGES.join(',')}`]);
    expect(packages(d).map((p) => p.packages)).toEqual([['ca-certificates', 'curl'], DOCKER_CE_PACKAGES]);
    expect(DOCKER_CE_PACKAGES).toEqual(['docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-buildx-plugin', 'docker-compose-plugin']);
    expect(packages(d)[1]!.source).toBe('Docker’s repository (download.docker.com)');
    const key = commands(d)[0]!;
    expect(key).toMatchObject({ id: 'docker-repo-key', unless: ['test', '-s', '/etc/apt/keyrings/docker.asc'], undo: ['rm', '-f', '/etc/apt/keyrings/docker.asc'] });
    expect(key.argv.slice(3)).toEqual(['sh', 'https://download.docker.com/linux/debian/gpg', '/etc/apt/keyrings/docker.asc']);
    expect(file(d, '/etc/apt/sources.list.d/docker.list')).toMatch(/\ndeb \[arch=amd64 signed-by=\/etc\/apt\/keyrings\/docker\.asc\] https:\/\/download\.docker\.com\/linux\/debian bookworm stable\n$/);
    expect(d.network).toMatch(/download\.docker\.com/);
  });

  it('Ubuntu 24.04: the ubuntu tree, noble; an arm64 host gets arm64', () => {
    const d = desired(familyFacts('ubuntu-24.04', { arch: 'aarch64' }), { source: 'docker-repo' });
    expect(file(d, '/etc/apt/sources.list.d/docker.list')).toContain('deb [arch=arm64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu noble stable');
    expect(commands(d)[0]!.argv).toContain('https://download.docker.com/linux/ubuntu/gpg');
  });

  it.each([
    ['rocky-9.3', 'centos'],
    ['centos-7', 'centos'],
    ['fedora-42', 'fedora'],
  ] as const)('%s: the rpm key imported from download.docker.com/linux/%s, the repo file, docker-ce', (name, tree) => {
    const d = desired(familyFacts(name), { source: 'docker-repo' });
    expect(resources(d).map((r) => r.kind)).toEqual(['command', 'file', 'package', 'file', 'unit', 'command']);
    const key = commands(d)[0]!;
    expect(key.argv).toEqual(['rpm', '--import', `https://download.docker.com/linux/${tree}/gpg`]);
    expect(key.unless).toEqual(['/bin/sh', '-c', expect.any(String), 'sh', '621e9f35']);
    expect(key.undo).toEqual(['/bin/sh', '-c', expect.stringContaining('rpm -e --allmatches'), 'sh', '621e9f35']);
    expect(file(d, '/etc/yum.repos.d/docker-ce.repo')).toContain(`baseurl=https://download.docker.com/linux/${tree}/$releasever/$basearch/stable\nenabled=1\ngpgcheck=1\ngpgkey=https://download.docker.com/linux/${tree}/gpg\n`);
    expect(packages(d)).toEqual([expect.objectContaining({ packages: DOCKER_CE_PACKAGES })]);
    expect(d.network).toMatch(/download\.docker\.com/);
    if (name !== 'fedora-42') expect(d.warnings.join('\n')).toMatch(/podman and runc .* conflict with containerd\.io/);
  });

  it('RHEL itself gets the rhel tree', () => {
    const facts = familyFacts('rocky-9.3');
    facts.probe.os = { ...facts.probe.os, id: 'rhel' };
    expect(commands(desired(facts, { source: 'docker-repo' }))[0]!.argv[2]).toBe('https://download.docker.com/linux/rhel/gpg');
  });

  it.each(['opensuse-leap-15.2', 'arch-linux', 'alpine-3.23'] as const)('%s: Docker has no repository there: refused with the way out', (name) => {
    expect(unsupportedMessage(familyFacts(name), { source: 'docker-repo' })).toMatch(/Docker’s repository has no packages for .*choose the distribution’s package/);
  });

  it('refuses a Debian release or CPU Docker has no packages for', () => {
    const old = familyFacts('debian-12');
    old.probe.os = { ...old.probe.os, versionId: '9' };
    expect(unsupportedMessage(old, { source: 'docker-repo' })).toMatch(/no release Fleetdeck knows/);
    expect(unsupportedMessage(familyFacts('debian-12', { arch: 'mips64' }), { source: 'docker-repo' })).toMatch(/mips64/);
  });
});

describe('daemon.json', () => {
  it('is rendered the same every time: sorted keys, json-file rotation, the cgroup driver, live-restore', () => {
    const probe = familyFacts('debian-12').probe;
    const text = renderDaemonJson(probe, settings({ logMaxSize: '50m', logMaxFiles: 5 }));
    expect(text).toBe(`{
  "exec-opts": [
    "native.cgroupdriver=systemd"
  ],
  "live-restore": true,
  "log-driver": "json-file",
  "log-opts": {
    "max-file": "5",
    "max-size": "50m"
  }
}
`);
    expect(renderDaemonJson(probe, settings({ logMaxSize: '50m', logMaxFiles: 5 }))).toBe(text);
    expect(JSON.parse(text)).toEqual({ 'exec-opts': ['native.cgroupdriver=systemd'], 'live-restore': true, 'log-driver': 'json-file', 'log-opts': { 'max-file': '5', 'max-size': '50m' } });
  });

  it('auto picks systemd only with systemd on cgroup v2; the setting wins otherwise', () => {
    const driver = (over: Partial<Probe>, s: Record<string, unknown> = {}) => JSON.parse(renderDaemonJson(familyFacts('debian-12', over).probe, settings(s)))['exec-opts'][0];
    expect(driver({})).toBe('native.cgroupdriver=systemd');
    expect(driver({ cgroup: { mode: 'hybrid', controllers: ['memory'] } })).toBe('native.cgroupdriver=cgroupfs');
    expect(driver({ cgroup: { mode: 'v1', controllers: ['memory'] } })).toBe('native.cgroupdriver=cgroupfs');
    expect(driver({ cgroup: { mode: 'v1', controllers: ['memory'] } }, { cgroupDriver: 'systemd' })).toBe('native.cgroupdriver=systemd');
    expect(driver({}, { cgroupDriver: 'cgroupfs' })).toBe('native.cgroupdriver=cgroupfs');
    expect(JSON.parse(renderDaemonJson(familyFacts('alpine-3.23').probe, settings()))['exec-opts']).toEqual(['native.cgroupdriver=cgroupfs']);
  });

  it('says live-restore off, and warns what that means', () => {
    const d = desired(familyFacts('debian-12'), { liveRestore: false });
    expect(JSON.parse(file(d, DAEMON_JSON)!)['live-restore']).toBe(false);
    expect(d.warnings.join('\n')).toMatch(/live-restore is off/);
    expect(d.checks.find((c) => c.id === 'docker-info')).toMatchObject({ expectOutput: 'systemd json-file false' });
  });

  it('docker info is checked for exactly what daemon.json says', () => {
    const d = desired(familyFacts('debian-12', { cgroup: { mode: 'hybrid', controllers: [] } }));
    expect(d.checks.find((c) => c.id === 'docker-info')).toEqual(
      expect.objectContaining({ argv: ['docker', 'info', '--format', '{{.CgroupDriver}} {{.LoggingDriver}} {{.LiveRestoreEnabled}}'], expectOutput: 'cgroupfs json-file true' }),
    );
  });
});

describe('NVIDIA container toolkit (GPU probes)', () => {
  const nvidiaFiles: Record<FamilyHost, string | null> = {
    'debian-12': '/etc/apt/sources.list.d/nvidia-container-toolkit.list',
    'ubuntu-24.04': '/etc/apt/sources.list.d/nvidia-container-toolkit.list',
    'rocky-9.3': '/etc/yum.repos.d/nvidia-container-toolkit.repo',
    'centos-7': '/etc/yum.repos.d/nvidia-container-toolkit.repo',
    'fedora-42': '/etc/yum.repos.d/nvidia-container-toolkit.repo',
    'opensuse-leap-15.2': '/etc/zypp/repos.d/nvidia-container-toolkit.repo',
    'arch-linux': null,
    'alpine-3.23': null,
  };
  it.each(FAMILIES)('%s with an NVIDIA GPU', (name) => {
    const source = name === 'rocky-9.3' || name === 'centos-7' ? 'docker-repo' : 'distro';
    const d = desired(familyFacts(name, NVIDIA), { source });
    const daemon = JSON.parse(file(d, DAEMON_JSON)!);
    if (name === 'alpine-3.23') {
      expect(daemon.runtimes).toBeUndefined();
      expect(packages(d).flatMap((p) => p.packages)).not.toContain('nvidia-container-toolkit');
      expect(d.warnings.join('\n')).toMatch(/NVIDIA GPU, but NVIDIA’s container toolkit is not packaged for Alpine/);
      return;
    }
    expect(daemon.runtimes).toEqual({ nvidia: { path: 'nvidia-container-runtime' } });
    const toolkit = packages(d).find((p) => p.packages.includes('nvidia-container-toolkit'))!;
    expect(toolkit.source).toMatch(name === 'arch-linux' ? /package mirror/ : /nvidia\.github\.io/);
    // The toolkit comes before daemon.json names its runtime and dockerd restarts.
    const kinds = resources(d);
    expect(kinds.indexOf(toolkit)).toBeLessThan(kinds.findIndex((r) => r.kind === 'file' && r.path === DAEMON_JSON));
    const repo = nvidiaFiles[name];
    if (repo) {
      expect(file(d, repo)).toMatch(/https:\/\/nvidia\.github\.io\/libnvidia-container\/stable\/(deb\/\$\(ARCH\) \/|rpm\/\$basearch)/);
      expect(d.network).toMatch(/nvidia\.github\.io/);
    } else {
      expect(files(d).map((f) => f.path)).toEqual([DAEMON_JSON]);
      expect(d.network).not.toMatch(/nvidia\.github\.io/);
    }
    expect(d.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['docker-nvidia-toolkit', 'docker-nvidia-runtime']));
    expect(d.warnings.join('\n')).toMatch(/systemd cgroup driver, running containers can lose their GPUs/);
    const steps = planSteps(d, fresh(d));
    expect(steps.some((s) => s.kind === 'package' && s.summary.includes('NVIDIA container toolkit'))).toBe(true);
    expect(planSteps(d, applied(d))).toEqual([]);
  });

  it('apt: NVIDIA’s key fetched with curl to its own keyring, the list signed by it', () => {
    const d = desired(familyFacts('debian-12', NVIDIA));
    expect(packages(d).map((p) => p.packages)).toEqual([['ca-certificates', 'curl'], ['docker.io'], ['nvidia-container-toolkit']]);
    const key = commands(d).find((c) => c.id === 'docker-nvidia-repo-key')!;
    expect(key.argv.slice(3)).toEqual(['sh', 'https://nvidia.github.io/libnvidia-container/gpgkey', '/etc/apt/keyrings/nvidia-container-toolkit.asc']);
    expect(file(d, '/etc/apt/sources.list.d/nvidia-container-toolkit.list')).toContain('deb [signed-by=/etc/apt/keyrings/nvidia-container-toolkit.asc] https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH) /\n');
  });

  it('zypper: the repository key is trusted once, right after the repo file is written', () => {
    const d = desired(familyFacts('opensuse-leap-15.2', NVIDIA));
    const refresh = commands(d).find((c) => c.id === 'docker-nvidia-repo-refresh')!;
    expect(refresh).toMatchObject({ argv: ['zypper', '--non-interactive', '--gpg-auto-import-keys', 'refresh', 'nvidia-container-toolkit'], when: ['file:/etc/zypp/repos.d/nvidia-container-toolkit.repo'] });
    expect(planSteps(d, fresh(d)).some((s) => s.resource === refresh || (s.resource.kind === 'command' && s.resource.id === refresh.id))).toBe(true);
  });

  it('off: nothing of NVIDIA even with a GPU; on: installed without one, with a warning; on Alpine: refused', () => {
    const off = desired(familyFacts('debian-12', NVIDIA), { nvidiaToolkit: 'off' });
    expect(JSON.stringify(resources(off))).not.toMatch(/nvidia/);
    expect(off.checks.map((c) => c.id)).not.toContain('docker-nvidia-runtime');
    const on = desired(familyFacts('debian-12'), { nvidiaToolkit: 'on' });
    expect(JSON.parse(file(on, DAEMON_JSON)!).runtimes.nvidia.path).toBe('nvidia-container-runtime');
    expect(on.warnings.join('\n')).toMatch(/No NVIDIA GPU was seen/);
    expect(unsupportedMessage(familyFacts('alpine-3.23'), { nvidiaToolkit: 'on' })).toMatch(/not packaged for Alpine/);
  });

  it('without a GPU, auto installs no toolkit', () => {
    for (const name of FAMILIES.filter((n) => n !== 'rocky-9.3' && n !== 'centos-7')) {
      expect(JSON.stringify(resources(desired(familyFacts(name))))).not.toMatch(/nvidia/);
    }
    const amd = desired(familyFacts('debian-12', { gpuVendors: ['amd'] }));
    expect(JSON.stringify(resources(amd))).not.toMatch(/nvidia/);
  });
});

describe('warnings and refusals', () => {
  it('every plan that adds an admin says the docker group is root', () => {
    for (const name of FAMILIES.filter((n) => n !== 'rocky-9.3' && n !== 'centos-7')) {
      expect(desired(familyFacts(name), { admins: ['alice'] }).warnings.join('\n')).toMatch(/members of the docker group can become root on this host/i);
      expect(desired(familyFacts(name)).warnings.join('\n')).not.toMatch(/become root/);
    }
    expect(dockerInfo.notes.join('\n')).toMatch(/members of the docker group can become root on this host/);
  });

  it('says when the cgroup driver of a running Docker changes, and when daemon.json is taken over', () => {
    const running = (driver: string): Partial<Probe> => ({ containerRuntimes: [{ name: 'docker', present: true, accessible: true, cgroupDriver: driver, version: '20.10.24' }] });
    const switched = desired(familyFacts('debian-12', running('cgroupfs')));
    expect(switched.warnings.join('\n')).toMatch(/runs with the cgroupfs cgroup driver; this plan switches it to systemd/);
    expect(switched.warnings.join('\n')).toMatch(/writes all of \/etc\/docker\/daemon\.json/);
    expect(desired(familyFacts('debian-12', running('systemd'))).warnings.join('\n')).not.toMatch(/switches it/);
    expect(desired(familyFacts('debian-12', running('cgroupfs')), { source: 'docker-repo' }).warnings.join('\n')).toMatch(/Docker’s packages replace it/);
    expect(desired(familyFacts('debian-12')).warnings).toEqual([]);
  });

  it('refuses the systemd driver without systemd, and hosts Fleetdeck cannot install on', () => {
    expect(unsupportedMessage(familyFacts('alpine-3.23'), { cgroupDriver: 'systemd' })).toMatch(/systemd cgroup driver needs systemd/);
    expect(unsupportedMessage(familyFacts('debian-12', { packageBackend: 'unknown' }))).toMatch(/no package manager/);
    expect(unsupportedMessage(familyFacts('debian-12', { serviceManager: 'none' }))).toMatch(/neither systemd nor openrc/);
  });
});

/** The fixed shell scripts, run for real with their "$1" arguments (never built from input). */
describe('the fixed scripts', () => {
  const bin = mkdtempSync(path.join(tmpdir(), 'fd-docker-bin-'));
  const sh = (argv: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, ...env } });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const d = desired(familyFacts('debian-12'), { admins: ['root'] });

  it('the group check: root is not in a docker group; a hostile name is only ever an argument', () => {
    const unless = commands(d).find((c) => c.id === 'docker-group-root')!.unless!;
    expect(sh(unless).code).toBe(1);
    const marker = path.join(bin, 'pwned');
    expect(sh([...unless.slice(0, 4), `$(touch ${marker}); root`]).code).toBe(1);
    expect(existsSync(marker)).toBe(false);
    const check = d.checks.find((c) => c.id === 'docker-group-root') as Extract<Check, { kind: 'command' }>;
    expect(check.argv).toEqual(unless);
  });

  it('the readiness wait retries until dockerd answers; the rollback stops exactly the running containers', () => {
    const ready = commands(d).find((c) => c.id === 'docker-ready')!;
    const docker = path.join(bin, 'docker');
    const count = path.join(bin, 'count');
    writeFileSync(count, '');
    // Answers on the third try.
    writeFileSync(docker, `#!/bin/sh\necho x >> ${count}\n[ "$(wc -l < ${count})" -ge 3 ]\n`);
    chmodSync(docker, 0o755);
    expect(sh(ready.argv).code).toBe(0);
    expect(sh(['wc', '-l', count]).out).toMatch(/^3 /);

    const undo = ready.undo!;
    // Two containers (and a glob in the output is never expanded): docker stop gets exactly them.
    writeFileSync(docker, '#!/bin/sh\nif [ "$1" = ps ]; then printf "3d34c1f7215f\\n*\\n"; exit 0; fi\necho "args: $*"\n');
    expect(sh(undo)).toEqual({ code: 0, out: 'args: stop -t 10 3d34c1f7215f *\n' });
    // Nothing running, dockerd gone, or no docker at all: nothing to stop, not a failure.
    writeFileSync(docker, '#!/bin/sh\n[ "$1" = ps ] && exit 0\necho "should not run"; exit 1\n');
    expect(sh(undo)).toEqual({ code: 0, out: '' });
    writeFileSync(docker, '#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2; exit 1\n');
    expect(sh(undo)).toEqual({ code: 0, out: '' });
    rmSync(docker);
    expect(sh(undo, { PATH: bin })).toEqual({ code: 0, out: '' });
  });

  it('dockerd --validate runs only where dockerd has it, and its verdict counts', () => {
    const validate = unit(d).checkBefore!;
    const dockerd = path.join(bin, 'dockerd');
    writeFileSync(dockerd, '#!/bin/sh\nif [ "$1" = --help ]; then echo "  --tls  Use TLS"; exit 0; fi\necho "should not run"; exit 3\n');
    chmodSync(dockerd, 0o755);
    expect(sh(validate)).toEqual({ code: 0, out: '' });
    writeFileSync(dockerd, '#!/bin/sh\nif [ "$1" = --help ]; then echo "      --validate   Validate daemon configuration and exit"; exit 0; fi\necho "args: $*"; [ "$3" = /etc/docker/daemon.json ] && exit 1\n');
    expect(sh(validate)).toEqual({ code: 1, out: 'args: --validate --config-file /etc/docker/daemon.json\n' });
  });
});
