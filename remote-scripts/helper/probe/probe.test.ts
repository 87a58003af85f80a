import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseOsRelease } from '../../../src-common/inventory/os-release.js';
import { OS_TABLE, classifyOs } from '../../../src-common/inventory/os-table.js';
import { probeSchema } from '../../../src-common/inventory/probe.schema.js';
import { createContext } from '../context.js';
import { fakeContext } from '../inventory/fake-context.test-util.js';
import { readFixture } from '../inventory/fixtures.test-util.js';
import { probe } from './probe.js';
import { detectSelinux } from './security.js';

const ALL_V1 = ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'hugetlb', 'memory', 'net_cls', 'net_prio', 'perf_event', 'pids', 'rdma'];

describe('probe on this machine', () => {
  it('returns a schema-valid probe that agrees with os-release and the kernel', async () => {
    const p = probeSchema.parse(await probe(createContext('/')));
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    expect(p.os).toEqual(classifyOs(parseOsRelease(osRelease)));
    expect(p.kernel).toBe(os.release());
    expect(p.hostname).toBe(os.hostname());
    expect(p.arch).not.toBe('unknown');
    expect(p.libc.kind).not.toBe('unknown');
    expect(p.containerRuntimes.map((r) => r.name)).toEqual(['docker', 'podman']);
  });

  it('classifies the live host as the row the table marks "live" when it is that distribution', async () => {
    const p = await probe(createContext('/'));
    const live = OS_TABLE.find((r) => r.testedBy === 'live')!;
    if (p.os.matchedRow === live.label) expect(p.os).toMatchObject({ family: live.family, supported: live.supported });
    else expect(p.os.matchedRow === null || OS_TABLE.some((r) => r.label === p.os.matchedRow)).toBe(true);
  });
});

describe('probe on --root directories built from fixtures', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
  const makeRoot = (files: Record<string, string>): string => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fleetdeck-probe-'));
    roots.push(root);
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), content);
    }
    return root;
  };

  it('Rocky 9 in a Docker container on a cgroup v1 host', async () => {
    const root = makeRoot({
      // Rocky ships os-release in /usr/lib only (etc/os-release is a symlink): exercise the fallback.
      'usr/lib/os-release': readFixture('os-release/rocky-9.3'),
      'proc/self/mountinfo': readFixture('cgroup/mountinfo/in-docker-container-cgroup-v1'),
      'proc/1/cgroup': readFixture('cgroup/proc-pid-cgroup/docker-v1-cgroupfs'),
      'proc/meminfo': readFixture('proc/meminfo/procfs-fixture-16gb'),
      'proc/stat': readFixture('proc/stat/procfs-fixture-8cpu'),
      'proc/loadavg': readFixture('proc/loadavg/procfs-fixture'),
      'proc/sys/kernel/osrelease': '5.14.0-362.8.1.el9_3.x86_64\n',
      'proc/sys/kernel/hostname': 'rocky-box\n',
      'usr/bin/dnf': '',
      'usr/bin/yum': '',
      'usr/lib64/libc.so.6': '',
      'run/systemd/system/.keep': '',
      'sys/fs/selinux/enforce': '1',
    });
    const p = probeSchema.parse(await probe(createContext(root)));
    expect(p.os).toMatchObject({ id: 'rocky', versionId: '9.3', family: 'rhel', matchedRow: 'Rocky Linux 9', supported: true });
    expect(p).toMatchObject({
      kernel: '5.14.0-362.8.1.el9_3.x86_64',
      hostname: 'rocky-box',
      arch: 'unknown',
      libc: { kind: 'glibc', version: null },
      packageBackend: 'dnf',
      serviceManager: 'systemd',
      cgroup: { mode: 'v1', controllers: ALL_V1 },
      virtualization: { kind: 'docker', container: true },
      security: { selinux: 'enforcing', apparmor: 'absent' },
      quotaTools: false,
      gpuVendors: [],
    });
    expect(p.containerRuntimes.every((r) => !r.present)).toBe(true);
    expect(p.warnings).toEqual([expect.stringMatching(/^CPU architecture unknown \(commands are not run/)]);
  });

  it('Alpine with OpenRC, musl and cgroup v2', async () => {
    const root = makeRoot({
      'etc/os-release': readFixture('os-release/alpine-3.23'),
      'proc/self/mountinfo': readFixture('cgroup/mountinfo/in-docker-container-cgroup2'),
      'sys/fs/cgroup/cgroup.controllers': readFixture('cgroup/v2/cgroup.controllers/user-session-cpu-memory-pids'),
      'lib/ld-musl-x86_64.so.1': '',
      'sbin/apk': '',
      'sbin/openrc-run': '',
      'etc/hostname': 'alpine-1\n',
      'usr/sbin/setquota': '',
    });
    const p = probeSchema.parse(await probe(createContext(root)));
    expect(p.os).toMatchObject({ family: 'alpine', matchedRow: 'Alpine 3.18+' });
    expect(p).toMatchObject({
      hostname: 'alpine-1',
      libc: { kind: 'musl', version: null },
      packageBackend: 'apk',
      serviceManager: 'openrc',
      cgroup: { mode: 'v2', controllers: ['cpu', 'memory', 'pids'] },
      // No /.dockerenv or /proc/1/cgroup here: the container shows through its bind-mounted /etc/hostname.
      virtualization: { kind: 'docker', container: true },
      quotaTools: true,
    });
    expect(p.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^Kernel version unknown/)]));
  });

  it('CRI-O pod on an SELinux host, unknown distribution', async () => {
    const root = makeRoot({
      'etc/os-release': readFixture('os-release/coreos-899'),
      'proc/self/mountinfo': readFixture('cgroup/mountinfo/in-crio-container-cgroup2-selinux'),
      'run/.containerenv': '',
    });
    const p = probeSchema.parse(await probe(createContext(root)));
    expect(p.os).toMatchObject({ id: 'coreos', family: 'other', supported: false, matchedRow: null });
    expect(p.virtualization).toEqual({ kind: 'crio', container: true });
    expect(p.packageBackend).toBe('unknown');
    expect(p.serviceManager).toBe('none');
    expect(p.warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/^No supported package manager found/),
      'CoreOS 899.15.0 is not in Fleetdeck\'s OS table: it may work, but is untested',
    ]));
  });

  it('an empty directory gives a valid probe full of warnings, not an exception', async () => {
    const p = probeSchema.parse(await probe(createContext(makeRoot({}))));
    expect(p.os.id).toBe('linux');
    expect(p.cgroup.mode).toBe('none');
    expect(p.warnings.length).toBeGreaterThanOrEqual(6);
    expect(p.warnings[0]).toMatch(/os-release/);
  });
});

describe('probe container runtimes and GPUs on a fake live host', () => {
  // The fake host has no /proc, so kernel, cgroup and friends warn too; these tests look at Docker's.
  const dockerWarnings = (warnings: string[]) => warnings.filter((w) => w.includes('Docker'));
  const base = { '/etc/os-release': readFixture('os-release/ubuntu-22.04'), '/etc/passwd': 'bob:x:1000:1000::/home/bob:/bin/bash\n', '/usr/bin/docker': '' };

  it('reads version and cgroup driver from GET /info', async () => {
    const ctx = fakeContext({
      files: { ...base, '/var/run/docker.sock': '' },
      http: (_s, p) => (p === '/info' ? { ok: true, status: 200, body: JSON.stringify({ ServerVersion: '27.3.1', CgroupDriver: 'systemd', CgroupVersion: '2' }) } : { ok: false, code: 'ENOENT', message: '' }),
    });
    const p = await probe(ctx);
    expect(p.containerRuntimes[0]).toEqual({ name: 'docker', present: true, accessible: true, cgroupDriver: 'systemd', version: '27.3.1' });
    expect(dockerWarnings(p.warnings)).toEqual([]);
  });

  it('explains a socket the user may not open', async () => {
    const ctx = fakeContext({ files: { ...base, '/var/run/docker.sock': '' }, http: () => ({ ok: false, code: 'EACCES', message: 'permission denied' }) });
    const p = await probe(ctx);
    expect(p.containerRuntimes[0]).toMatchObject({ present: true, accessible: false });
    expect(p.warnings).toContain('Docker is installed but /var/run/docker.sock is not accessible to user bob: add bob to the docker group (sudo usermod -aG docker bob, then reconnect) or connect with sudo');
  });

  it('explains a stopped daemon and a hung one', async () => {
    const stopped = await probe(fakeContext({ files: base }));
    expect(dockerWarnings(stopped.warnings)).toEqual([expect.stringMatching(/socket \/var\/run\/docker.sock is missing: start the daemon/)]);
    const hung = await probe(fakeContext({ files: { ...base, '/var/run/docker.sock': '' }, http: () => ({ ok: false, code: 'ETIMEDOUT', message: '' }) }));
    expect(dockerWarnings(hung.warnings)).toEqual([expect.stringMatching(/did not answer .* within the time limit/)]);
  });

  it('asks the podman CLI when there is no podman socket', async () => {
    const ctx = fakeContext({
      files: { '/etc/os-release': readFixture('os-release/fedora-42'), '/usr/bin/podman': '' },
      commands: { 'podman version --format {{.Client.Version}}': { stdout: '5.4.1\n' }, 'podman info --format {{.Host.CgroupManager}}': { stdout: 'systemd\n' } },
    });
    const p = await probe(ctx);
    expect(p.containerRuntimes[1]).toEqual({ name: 'podman', present: true, accessible: true, cgroupDriver: 'systemd', version: '5.4.1' });
  });

  it('finds an NVIDIA GPU without its driver and says so', async () => {
    const ctx = fakeContext({
      files: {
        ...base,
        '/sys/bus/pci/devices/0000:01:00.0/class': '0x030200\n', '/sys/bus/pci/devices/0000:01:00.0/vendor': '0x10de\n',
        '/sys/bus/pci/devices/0000:00:02.0/class': '0x030000\n', '/sys/bus/pci/devices/0000:00:02.0/vendor': '0x8086\n',
        '/sys/bus/pci/devices/0000:00:1f.0/class': '0x060100\n', '/sys/bus/pci/devices/0000:00:1f.0/vendor': '0x1002\n',
        '/sys/class/drm/card0/device/vendor': '0x8086\n', '/sys/class/drm/card0-HDMI-A-1/status': 'connected\n',
      },
    });
    const p = await probe(ctx);
    expect(p.gpuVendors).toEqual(['nvidia', 'intel']);
    expect(p.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/NVIDIA kernel driver is not loaded/)]));
  });

  it('uses systemd-detect-virt when it is installed', async () => {
    const ctx = fakeContext({ files: { ...base, '/usr/bin/systemd-detect-virt': '' }, commands: { 'systemd-detect-virt': { code: 1, stdout: 'none\n' } } });
    expect((await probe(ctx)).virtualization).toEqual({ kind: 'none', container: false });
  });
});

describe('SELinux config from a hostile host', () => {
  it('reads a config of 32,000 blank lines in under 100 ms (^\\s* under the m flag rescanned them from every line)', async () => {
    const ctx = fakeContext({ files: { '/etc/selinux/config': `${'\n'.repeat(32_000)}x` } });
    const start = performance.now();
    expect(await detectSelinux(ctx)).toBe('absent');
    expect(performance.now() - start).toBeLessThan(100);
    expect(await detectSelinux(fakeContext({ files: { '/etc/selinux/config': '# c\n  SELINUX = disabled\n' } }))).toBe('disabled');
  });
});
