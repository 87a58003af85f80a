import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inventorySchema } from '../../../src-common/inventory/inventory.schema.js';
import { createContext } from '../context.js';
import { fakeContext } from './fake-context.test-util.js';
import { fixturePath, readFixture } from './fixtures.test-util.js';
import { inventorySnapshot } from './snapshot.js';

describe('inventorySnapshot on this machine', () => {
  it('returns a schema-valid inventory with every section reported', async () => {
    const inv = inventorySchema.parse(await inventorySnapshot(createContext('/'), { cpuSampleMs: 100 }));
    expect(Object.keys(inv.sections).sort()).toEqual(['blockDevices', 'containers', 'cpu', 'filesystems', 'gpus', 'load', 'memory', 'network', 'uptime', 'users'].sort());
    expect(inv.memory.totalBytes).toBeGreaterThan(0);
    expect(inv.cpu.threads).toBeGreaterThan(0);
    expect(inv.cpu.perCpuUsagePercent.length).toBeGreaterThan(0);
    expect(inv.filesystems.some((f) => f.mountPoint === '/')).toBe(true);
    expect(inv.uptimeSeconds).toBeGreaterThan(0);
    for (const name of ['cpu', 'memory', 'load', 'uptime', 'filesystems', 'blockDevices', 'users']) expect(inv.sections[name]?.ok, name).toBe(true);
  });
});

describe('inventorySnapshot on a --root directory built from fixtures', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fleetdeck-inv-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const put = (rel: string, content: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  };
  cpSync(fixturePath('proc/stat/procfs-fixture-8cpu'), path.join(root, 'proc/stat'), { recursive: true });
  put('proc/meminfo', readFixture('proc/meminfo/old-kernel-no-memavailable'));
  put('proc/loadavg', readFixture('proc/loadavg/procfs-fixture'));
  put('proc/uptime', '12345.67 98765.43\n');
  put('proc/self/mountinfo', readFixture('cgroup/mountinfo/ubuntu1804-hybrid'));
  put('proc/sys/kernel/hostname', 'fixture-host\n');
  put('etc/passwd', 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n');
  put('etc/group', 'sudo:x:27:alice\nalice:x:1000:\n');

  it('reads the files and skips what needs a live host', async () => {
    const inv = inventorySchema.parse(await inventorySnapshot(createContext(root), { cpuSampleMs: 0 }));
    expect(inv.hostname).toBe('fixture-host');
    expect(inv.uptimeSeconds).toBe(12345.67);
    expect(inv.load).toEqual({ one: 0.02, five: 0.04, fifteen: 0.05, running: 1, total: 497 });
    expect(inv.memory.totalBytes).toBe(61641404 * 1024);
    expect(inv.sections.memory).toEqual({ ok: true, message: expect.stringMatching(/estimated/) });
    // Same /proc/stat twice: topology from the file, no usage.
    expect(inv.cpu).toMatchObject({ threads: 8, usagePercent: null, perCpuUsagePercent: [] });
    // Every account; root can always become root, the others are asked of sudo (not live: unknown).
    expect(inv.users).toEqual([expect.objectContaining({ name: 'root', sudo: 'all', isAdmin: true }), expect.objectContaining({ name: 'alice', isAdmin: false, sudo: null, groups: ['alice', 'sudo'], primaryGroup: 'alice', regular: true })]);
    expect(inv.containers).toEqual([]);
    expect(inv.sections.containers).toMatchObject({ ok: true });
    expect(inv.sections.gpus).toMatchObject({ ok: true, message: expect.stringMatching(/--root/) });
    expect(inv.sections.blockDevices).toMatchObject({ ok: false });
  });
});

describe('inventorySnapshot sections with a fake host', () => {
  const docker = (urlPath: string) => {
    if (urlPath === '/containers/json?all=1') return { ok: true as const, status: 200, body: readFixture('docker/containers-list/compose-node-exporter-etc.json') };
    if (urlPath.startsWith('/containers/f9ade4b83199')) return { ok: false as const, code: 'ETIMEDOUT', message: 'slow' };
    return { ok: true as const, status: 200, body: readFixture('docker/inspect/runc-nanocpus16-mem48g-devices.json') };
  };

  it('lists Docker containers and inspects each for limits', async () => {
    const ctx = fakeContext({ files: { '/var/run/docker.sock': '' }, http: (_s, p) => docker(p) });
    const inv = inventorySchema.parse(await inventorySnapshot(ctx, { cpuSampleMs: 0 }));
    expect(inv.containers).toHaveLength(6);
    expect(inv.containers[0]!.limits).toEqual({ nanoCpus: 16_000_000_000, memoryBytes: 50_331_648_000, gpus: ['3', '2', '1', '0'] });
    expect(inv.containers.find((c) => c.name === 'dockersd_mysql')!.limits.nanoCpus).toBeNull();
    expect(inv.sections.containers).toEqual({ ok: true, message: '1 of 6 containers could not be inspected: their limits are shown as unlimited' });
    expect(ctx.requested.filter((r) => r.includes('/json')).length).toBe(7);
  });

  it('says how to fix a permission problem on the socket', async () => {
    const ctx = fakeContext({
      files: { '/var/run/docker.sock': '', '/etc/passwd': 'bob:x:1000:1000::/home/bob:/bin/bash\n' },
      http: () => ({ ok: false, code: 'EACCES', message: 'permission denied' }),
    });
    const inv = await inventorySnapshot(ctx, { cpuSampleMs: 0 });
    expect(inv.containers).toEqual([]);
    expect(inv.sections.containers).toEqual({ ok: false, message: expect.stringContaining('not accessible to user bob: add bob to the docker group') });
  });

  it('reports "Docker not installed" as a fine, empty section, but a missing socket with Docker installed as a problem', async () => {
    const none = await inventorySnapshot(fakeContext({}), { cpuSampleMs: 0 });
    expect(none.sections.containers).toEqual({ ok: true, message: 'Docker not installed' });
    const stopped = await inventorySnapshot(fakeContext({ files: { '/usr/bin/dockerd': '' } }), { cpuSampleMs: 0 });
    expect(stopped.sections.containers).toEqual({ ok: false, message: expect.stringMatching(/start the daemon/) });
  });

  it('reads GPUs from nvidia-smi -q -x, and explains a failing nvidia-smi', async () => {
    const withGpu = fakeContext({ commands: { 'nvidia-smi -q -x': { stdout: readFixture('nvidia-smi/xml/tesla-t4-drv515-2procs.xml') } } });
    const inv = inventorySchema.parse(await inventorySnapshot(withGpu, { cpuSampleMs: 0 }));
    expect(inv.gpus.map((g) => [g.name, g.processes.length])).toEqual([['Tesla T4', 2]]);
    expect(inv.sections.gpus).toEqual({ ok: true });

    const broken = fakeContext({ commands: { 'nvidia-smi -q -x': { code: 9, stdout: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n" } } });
    const failed = await inventorySnapshot(broken, { cpuSampleMs: 0 });
    expect(failed.gpus).toEqual([]);
    expect(failed.sections.gpus).toEqual({ ok: false, message: expect.stringMatching(/^nvidia-smi failed \(exit 9\): NVIDIA-SMI has failed/) });
  });

  it('never fails as a whole when every file is missing', async () => {
    const inv = inventorySchema.parse(await inventorySnapshot(fakeContext({ live: false }), { cpuSampleMs: 0 }));
    expect(inv.hostname).toBe('unknown');
    for (const name of ['cpu', 'memory', 'load', 'uptime', 'filesystems', 'blockDevices', 'network', 'users']) expect(inv.sections[name]?.ok, name).toBe(false);
  });

  it('collects block devices, filesystems and interfaces from sysfs and procfs', async () => {
    const ctx = fakeContext({
      live: false,
      files: {
        '/proc/self/mountinfo': readFixture('cgroup/mountinfo/ubuntu1804-hybrid'),
        '/dev/shm/.keep': '', '/vagrant/.keep': '', '/x': '',
        '/sys/block/sda/size': '2097152\n', '/sys/block/sda/queue/rotational': '1\n', '/sys/block/sda/removable': '0\n', '/sys/block/sda/device/model': 'VBOX HARDDISK   \n',
        '/sys/block/sda/sda1/partition': '1\n', '/sys/block/sda/sda1/size': '2095104\n',
        '/sys/block/loop0/size': '0\n', '/sys/block/loop1/size': '8\n',
        '/sys/class/net/eth0/address': '08:00:27:aa:bb:cc\n', '/sys/class/net/eth0/operstate': 'up\n', '/sys/class/net/eth0/mtu': '1500\n', '/sys/class/net/eth0/speed': '1000\n',
        '/sys/class/net/lo/mtu': '65536\n', '/sys/class/net/veth12ab/mtu': '1500\n',
        '/proc/net/dev': 'Inter-|\n face |\n  eth0: 10 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0\n',
      },
    });
    const inv = inventorySchema.parse(await inventorySnapshot(ctx, { cpuSampleMs: 0 }));
    expect(inv.blockDevices).toEqual([
      { name: 'loop1', sizeBytes: 4096, rotational: null, removable: false, model: null, type: 'loop' },
      { name: 'sda', sizeBytes: 1024 ** 3, rotational: true, removable: false, model: 'VBOX HARDDISK', type: 'disk' },
      { name: 'sda1', sizeBytes: 2095104 * 512, rotational: true, removable: false, model: null, type: 'partition' },
    ]);
    // The fake statfs knows only paths that exist in the map: "/" (implied) and the two others.
    expect(inv.filesystems.map((f) => f.mountPoint)).toEqual(['/', '/dev/shm', '/vagrant']);
    expect(inv.filesystems[0]).toMatchObject({ totalBytes: 4096 * 1000, usedBytes: 4096 * 600, availableBytes: 4096 * 300, inodesTotal: 100, inodesFree: 60 });
    expect(inv.network).toEqual([{ name: 'eth0', mac: '08:00:27:aa:bb:cc', state: 'up', mtu: 1500, speedMbps: 1000, addresses: [], rxBytes: 10, txBytes: 20 }]);
    expect(inv.sections.network).toMatchObject({ ok: true, message: expect.stringMatching(/addresses not read/) });
  });
});
