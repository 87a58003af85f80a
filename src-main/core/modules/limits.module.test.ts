import * as zm from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { checkSchema } from '../../../src-common/change/plan.schema.js';
import { resourceSchema, type Observed, type Resource } from '../../../src-common/change/resource.schema.js';
import { effectiveLimits, formatSize, limitsInfo, limitsSettings, parseSize } from '../../../src-common/modules/limits.js';
import { containersConfPath, SYNC_PATH, WRAPPER_PATH } from './limits-containers.js';
import { FAMILY_HOSTS, familyFacts, type FamilyHost } from '../change/family-probes.test-util.js';
import type { ChangeModule, HostFacts } from '../change/module.js';
import { appliedObserved, freshObserved } from '../change/observed.test-util.js';
import { desiredState, planSteps } from '../change/planner.js';
import { showArgv } from '../../../src-common/change/show-argv.js';
import { appliedFile, dropIn, dropInPath, limitsModule, parseApplied } from './limits.module.js';
import { cgroupConf } from './limits-cgroupfs.js';

/**
 * The limits module as pure functions: sizes as people write them, profiles and a user's own
 * values, hostile input refused, the drop-in per user, the reload only when a drop-in changes,
 * nothing planned twice, and what each family gets. Live enforcement (a process killed past its
 * memory, a spinner held to its quota): e2e/integration/modules/limits.test.ts.
 */
const accounts = new Map([
  ['carol', { uid: 1001, source: 'files' as const }],
  ['dave', { uid: 1002, source: 'nss' as const }],
]);
const facts = (name: FamilyHost = 'debian-12', mode: 'v2' | 'v1' | 'hybrid' = 'v2'): HostFacts => ({ ...familyFacts(name, { cgroup: { mode, controllers: [] } }), accounts });
const settings = (over: Record<string, unknown>) => limitsSettings.parse({ ...limitsInfo.defaults, ...over });
const desired = (s: Record<string, unknown>, f = facts()) => desiredState([{ module: limitsModule as ChangeModule, settings: settings(s) }], f, new Set());

describe('limits settings', () => {
  it('reads sizes as people write them, and writes them back short', () => {
    expect(parseSize('512M')).toBe(512 * 1024 ** 2);
    expect(parseSize('4G')).toBe(4 * 1024 ** 3);
    expect(parseSize('1.5T')).toBe(1.5 * 1024 ** 4);
    expect(parseSize('64MiB')).toBe(64 * 1024 ** 2);
    expect(parseSize('1048576')).toBe(1048576);
    for (const bad of ['', 'lots', '-1G', '4 GB extra', '1e9', '4X']) expect(parseSize(bad)).toBeNull();
    expect(formatSize(64 * 1024 ** 2)).toBe('64M');
    expect(formatSize(1.5 * 1024 ** 3)).toBe('1.5G');
  });

  it("takes a profile's values with the user's own on top, and says where each comes from", () => {
    const s = settings({ profiles: { student: { cpu: 2, memory: '8G', tasks: 512 } }, users: [{ user: 'carol', profile: 'student', memory: '4G' }] });
    expect(effectiveLimits(s, 'carol')).toEqual({ spec: { cpu: 2, memory: 4 * 1024 ** 3, tasks: 512 }, from: { cpu: 'profile student', memory: 'own', tasks: 'profile student' } });
    expect(effectiveLimits(s, 'nobody')).toBeNull();
  });

  it.each([
    ['a shell command as a user', { users: [{ user: 'a;rm -rf /', memory: '1G' }] }, /account name/],
    ['a path as a user', { users: [{ user: '../x', memory: '1G' }] }, /account name/],
    ['a look-alike user name', { users: [{ user: 'саrol', memory: '1G' }] }, /account name/],
    ['a newline in a user name', { users: [{ user: 'carol\nroot', memory: '1G' }] }, /account name/],
    ['a size that is not one', { users: [{ user: 'carol', memory: '4 gigs' }] }, /size such as 512M/],
    ['a memory limit too small to log in', { users: [{ user: 'carol', memory: '1M' }] }, /at least 4M/],
    ['no CPU at all', { users: [{ user: 'carol', cpu: 0 }] }, /at least 0.01 cores/],
    ['a device outside /dev', { users: [{ user: 'carol', io: [{ device: '/etc/passwd', read: '10M' }] }] }, /under \/dev/],
    ['a device with ..', { users: [{ user: 'carol', io: [{ device: '/dev/../etc/x', read: '10M' }] }] }, /\.\./],
    ['a user listed twice', { users: [{ user: 'carol', tasks: 64 }, { user: 'carol', tasks: 65 }] }, /listed twice/],
    ['a profile that does not exist', { users: [{ user: 'carol', profile: 'staff' }] }, /no profile "staff"/],
    ['an unknown limit', { users: [{ user: 'carol', nice: 2 }] }, /Unrecognized key/],
  ])('refuses %s, saying what to write', (_what, s, message) => {
    const r = limitsSettings.safeParse(s);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join('; ')).toMatch(message);
  });
});

describe('limits plan', () => {
  const two = { profiles: { student: { cpu: 0.5, memory: '2G', tasks: 256 } }, users: [{ user: 'carol', profile: 'student' }, { user: 'dave', memory: '64M', swap: 0, io: [{ device: '/dev/sda', read: '10M', write: '5M' }] }] };

  it('writes one drop-in per user on their slice, then reloads systemd once', () => {
    const d = desired(two);
    const rs = d.items.map((i) => i.resource);
    for (const r of rs) expect(zm.safeParse(resourceSchema, r).success).toBe(true);
    expect(rs.map((r) => (r.kind === 'file' ? r.path : r.kind === 'command' ? r.id : r.kind))).toEqual([dropInPath(1001), dropInPath(1002), 'limits-reload']);
    expect(dropIn('carol', effectiveLimits(settings(two), 'carol')!.spec)).toBe(
      '# Managed by Fleetdeck (per-user limits). Edits here show up as drift and are undone by the next apply.\n# Limits of carol.\n[Slice]\nCPUQuota=50%\nMemoryMax=2147483648\nTasksMax=256\n',
    );
    expect(dropIn('dave', effectiveLimits(settings(two), 'dave')!.spec)).toContain('MemoryMax=67108864\nMemorySwapMax=0\nIOReadBandwidthMax=/dev/sda 10485760\nIOWriteBandwidthMax=/dev/sda 5242880\n');
    const reload = rs.at(-1)!;
    expect(reload).toMatchObject({ kind: 'command', argv: ['systemctl', 'daemon-reload'], when: [`file:${dropInPath(1001)}`, `file:${dropInPath(1002)}`] });
    // Verify reads each user's limits back from systemd and the kernel.
    expect(d.checks.map((c) => ({ ...c, module: undefined }))).toEqual([
      { kind: 'user-limits', id: 'limits-carol', label: 'carol: CPU 0.5 cores, memory 2G, 256 tasks', user: 'carol', uid: 1001, memoryMax: 2147483648, tasksMax: 256, cpuQuotaPercent: 50, module: undefined },
      { kind: 'user-limits', id: 'limits-dave', label: 'dave: memory 64M, swap 0, read 10M/s on /dev/sda, write 5M/s on /dev/sda', user: 'dave', uid: 1002, memoryMax: 67108864, swapMax: 0, module: undefined },
    ]);
    for (const c of d.checks) expect(zm.safeParse(checkSchema, c).success).toBe(true);
  });

  it("on a host with Docker: each user's container conf, the wrapper and the sync, a container check, and the caveat said", () => {
    const withDocker: HostFacts = { ...facts(), probe: { ...facts().probe, containerRuntimes: [{ name: 'docker', present: true, accessible: false, cgroupDriver: null, version: null }] } };
    const s = { users: [{ user: 'carol', memory: '2G', containers: 2, gpus: ['0', '1'] }] };
    const d = desired(s, withDocker);
    const rs = d.items.map((i) => i.resource);
    expect(rs.map((r) => (r.kind === 'file' ? r.path : r.kind === 'command' ? r.id : r.kind))).toEqual([dropInPath(1001), 'limits-reload', containersConfPath(1001), 'limits-docker-client', WRAPPER_PATH, SYNC_PATH, 'limits-containers']);
    expect(rs[2]).toMatchObject({ content: expect.stringContaining('name=carol\nparent_systemd=user-1001.slice\nparent_cgroupfs=/user.slice/user-1001.slice\nmemory=2147483648\ncontainers=2\ngpus=0,1\n') });
    expect(d.checks.find((c) => c.kind === 'user-containers')).toMatchObject({ user: 'carol', uid: 1001, parents: ['user-1001.slice', '/user.slice/user-1001.slice'], memoryMax: 2147483648, maxContainers: 2, gpus: ['0', '1'] });
    for (const c of d.checks) expect(zm.safeParse(checkSchema, c).success).toBe(true);
    expect(d.warnings.join('\n')).toMatch(/docker group is root on any host/);
    // No Docker: nothing for containers, and the plan says the container limits wait for it.
    const none = desired(s);
    expect(none.items.some((i) => i.resource.kind === 'file' && i.resource.path === WRAPPER_PATH)).toBe(false);
    expect(none.warnings.join('\n')).toMatch(/no Docker: the container and GPU limits have nothing to apply to yet/);
  });

  it('plans the files and the reload on a fresh host, nothing once applied, and only the changed file (and the reload) after an edit', () => {
    const d = desired(two);
    expect(planSteps(d, d.items.map((i) => freshObserved(i.resource))).map((s) => `${s.kind}:${s.action}`)).toEqual(['file:create', 'file:create', 'command:run']);
    expect(planSteps(d, d.items.map((i) => appliedObserved(i.resource)))).toEqual([]);
    const edited = d.items.map((i, n): Observed => (n === 0 ? { ...(appliedObserved(i.resource) as Extract<Observed, { kind: 'file' }>), text: 'MemoryMax=infinity\n' } : appliedObserved(i.resource)));
    const steps = planSteps(d, edited);
    expect(steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['file:update', 'command:run']);
    expect(steps[0]!.diff).toContain('+MemoryMax=2147483648');
  });

  it("removes the drop-in of a user limited last time and left out now (and reloads), leaving the others' alone", () => {
    const before = settings(two);
    const d = desiredState([{ module: limitsModule as ChangeModule, settings: settings({ users: [{ user: 'dave', memory: '64M' }] }), previous: before }], facts(), new Set());
    const rs = d.items.map((i) => i.resource);
    expect(rs.map((r) => (r.kind === 'file' ? `${r.path} ${r.content === null ? 'absent' : 'written'}` : r.kind))).toEqual([`${dropInPath(1002)} written`, `${dropInPath(1001)} absent`, 'command']);
    const steps = planSteps(d, d.items.map((i) => appliedObserved(i.resource)).map((o, n) => (n === 1 ? { kind: 'file', exists: true, sha256: null, text: 'old', mode: 0o644, owner: 'root', group: 'root' } as Observed : o)));
    expect(steps.map((s) => `${s.kind}:${s.action}`)).toEqual(['file:delete', 'command:run']);
    expect(limitsModule.accounts!(settings({ users: [] }), before)).toEqual(['carol', 'dave']);
  });

  it("limits every member of a group (the host's member list and primary group), with a user's own values on top", () => {
    const f: HostFacts = { ...facts(), groups: new Map([['students', ['carol', 'dave']]]) };
    const s = { profiles: { student: { cpu: 1, memory: '2G' } }, groups: [{ group: 'students', profile: 'student', tasks: 64 }], users: [{ user: 'dave', memory: '4G' }] };
    const d = desired(s, f);
    expect(d.items.map((i) => (i.resource.kind === 'file' ? i.resource.path : i.resource.kind))).toEqual([dropInPath(1002), dropInPath(1001), 'command']);
    expect(d.checks.map((c) => c.label)).toEqual(['dave: CPU 1 core, memory 4G, 64 tasks', 'carol: CPU 1 core, memory 2G, 64 tasks']);
    expect(effectiveLimits(settings(s), 'dave', ['students'])!.from).toEqual({ cpu: 'group students (profile student)', memory: 'own', tasks: 'group students' });
    expect(limitsModule.groups!(settings(s))).toEqual(['students']);
    expect(() => desired({ groups: [{ group: 'staff', cpu: 1 }] }, { ...facts(), groups: new Map() })).toThrow(/no group "staff" on gpu-1/);
  });

  it('refuses a user the host does not know, naming it and what to do', () => {
    expect(() => desired({ users: [{ user: 'erin', memory: '1G' }] })).toThrow(/no user "erin" on gpu-1: create the account first/);
  });

  it('says swap limits are not enforced on cgroup v1 (systemd cannot), and is quiet on v2', () => {
    expect(desired(two, facts('debian-12', 'hybrid')).warnings).toEqual([expect.stringMatching(/cgroup hybrid: systemd cannot limit swap there/)]);
    expect(desired(two).warnings).toEqual([]);
  });

  it.each(Object.keys(FAMILY_HOSTS) as FamilyHost[])('%s: systemd hosts get the drop-ins; others on cgroup v2 are told why not yet', (name) => {
    const f = facts(name);
    const why = limitsModule.unsupported(f, settings(two));
    if (f.probe.serviceManager === 'systemd') {
      expect(why).toBeNull();
      expect(desired(two, f).items).toHaveLength(3);
    } else {
      expect(why).toMatch(/cgroup v2 without systemd are not built yet/);
      expect(() => desired(two, f)).toThrow(/not built yet/);
    }
  });

  describe('without systemd (cgroup v1: cgroupfs and a PAM hook)', () => {
    const v1 = (): HostFacts => ({ ...familyFacts('debian-12', { serviceManager: 'none', cgroup: { mode: 'hybrid', controllers: ['cpu', 'cpuacct', 'memory', 'pids', 'blkio'] } }), accounts });

    it('plans the hook, a conf per user, the PAM line and the sync; nothing once applied; the sync is undone last', () => {
      const d = desired(two, v1());
      expect(d.items.map((i) => resourceSchema.parse(i.resource)).map((r) => (r.kind === 'file' ? r.path : r.kind === 'command' ? r.id : r.kind))).toEqual([
        '/usr/local/lib/fleetdeck/cgroup-limits',
        '/etc/fleetdeck/limits.d/1001.conf',
        '/etc/fleetdeck/limits.d/1002.conf',
        'limits-pam-hook',
        'limits-cgroups',
      ]);
      const conf = d.items[1]!.resource as Extract<Resource, { kind: 'file' }>;
      expect(conf.content).toContain('memory=2147483648\ncpu_quota_us=50000\ntasks=256\n');
      const sync = d.items[4]!.resource as Extract<Resource, { kind: 'command' }>;
      expect(sync.argv).toEqual(['/usr/local/lib/fleetdeck/cgroup-limits', 'sync-all']);
      // The rollback's re-sync runs once the confs are back, when the hook file may be gone: inline.
      expect(sync.undoLast).toBe(true);
      expect(sync.undo!.slice(0, 2)).toEqual(['/bin/sh', '-c']);
      expect(showArgv(sync.undo!)).toMatch(/^\/bin\/sh -c <fleetdeck-cgroup-limits script, \d+ lines> sync-all$/);
      expect(planSteps(d, d.items.map((i) => appliedObserved(i.resource)))).toEqual([]);
      expect(desired(two, v1()).warnings).toEqual([expect.stringMatching(/no systemd: Fleetdeck limits each user through its own cgroups/)]);
      expect(limitsModule.checks({ facts: v1(), settings: settings(two), modules: new Set(), ports: [] } as never)[0]).toMatchObject({ kind: 'user-limits', via: 'cgroupfs', uid: 1001 });
    });

    it('refuses root, and a host without the memory, cpu or pids controller', () => {
      const withRoot = { ...v1(), accounts: new Map([...accounts, ['root', { uid: 0, source: 'files' as const }]]) };
      expect(() => desired({ users: [{ user: 'root', memory: '1G' }] }, withRoot)).toThrow(/root is never limited/);
      expect(limitsModule.unsupported({ ...v1(), probe: { ...v1().probe, cgroup: { mode: 'v1', controllers: ['cpu', 'memory'] } } }, settings(two))).toMatch(/lacks a cgroup controller .*pids/);
    });
  });

  it('reads back what it applied, from the drop-in or the cgroupfs conf alike', () => {
    const spec = { cpu: 0.5, memory: 512 * 1024 ** 2, swap: 0, tasks: 64, io: [{ device: '/dev/sda', read: 10 * 1024 ** 2, write: 5 * 1024 ** 2 }] };
    expect(parseApplied(dropIn('carol', spec))).toEqual(spec);
    expect(parseApplied(cgroupConf('carol', spec))).toEqual(spec);
    expect(parseApplied('# nothing\nMemoryMax=infinity\nrm -rf /=1\n')).toEqual({});
    expect(appliedFile(facts(), 1001)).toBe(dropInPath(1001));
  });

  it('is not offered by the setup wizard (it has its own page), and names its accounts for the engine to resolve', () => {
    expect(limitsInfo.wizard).toBe(false);
    expect(limitsModule.accounts!(settings(two))).toEqual(['carol', 'dave']);
  });
});
