import { describe, expect, it } from 'vitest';
import { sampleSchema } from '../../../src-common/monitor/sample.schema.js';
import { createContext, type HelperContext, type RunResult } from '../context.js';
import { fakeContext } from '../inventory/fake-context.test-util.js';
import { readFixture } from '../inventory/fixtures.test-util.js';
import { PASSWD, procFiles } from './fake-proc.test-util.js';
import { ABSENT_RECHECK_MS, GpuPoller } from './gpu-poller.js';
import { Sampler, iowaitPercent } from './sampler.js';

const cpuLine = (name: string, user: number, system: number, idle: number, iowait: number) => `${name} ${user} 0 ${system} ${idle} ${iowait} 0 0 0 0 0`;
const stat = (t: number) =>
  [cpuLine('cpu', 100 * t, 50 * t, 100 * t, 50 * t), cpuLine('cpu0', 80 * t, 20 * t, 0, 0), cpuLine('cpu1', 20 * t, 30 * t, 100 * t, 50 * t), 'btime 1700000000', ''].join('\n');
const netDev = (rx: number, tx: number) =>
  ['Inter-|   Receive                                                |  Transmit', ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    `    lo: ${rx * 9} 10 0 0 0 0 0 0 ${tx * 9} 10 0 0 0 0 0 0`, `  eth0: ${rx} 100 0 0 0 0 0 0 ${tx} 100 0 0 0 0 0 0`, ''].join('\n');
const diskstats = (sectors: number) => [`   7       0 loop0 5 0 ${sectors} 0 0 0 0 0 0 0 0 0 0 0 0 0 0`, ` 259       0 nvme0n1 5 0 ${sectors} 0 5 0 ${sectors * 2} 0 0 0 0 0 0 0 0 0 0`, ` 259       1 nvme0n1p1 5 0 ${sectors} 0 5 0 ${sectors * 2} 0 0 0 0 0 0 0 0 0 0`, ''].join('\n');

function fakeHost() {
  const files: Record<string, string> = {
    '/etc/passwd': PASSWD,
    '/proc/meminfo': readFixture('proc/meminfo/procfs-fixture-16gb'),
    '/proc/loadavg': readFixture('proc/loadavg/procfs-fixture'),
    '/proc/pressure/cpu': 'some avg10=2.50 avg60=1.00 avg300=0.50 total=1\n',
    '/proc/pressure/memory': 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
    '/proc/self/mountinfo': '29 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw\n22 29 0:21 / /proc rw,relatime - proc proc rw\n',
    '/sys/block/nvme0n1/size': '1000', '/sys/block/loop0/size': '0',
    '/proc/stat': stat(1), '/proc/net/dev': netDev(1000, 500), '/proc/diskstats': diskstats(100),
    ...procFiles([{ pid: 1, uid: 0, argv: ['/sbin/init'], ticks: 10 }, { pid: 7, uid: 1000, argv: ['python3', 'train.py'], ticks: 100, rssPages: 2560 }]),
  };
  return { files, ctx: fakeContext({ files }) };
}

describe('Sampler on a fake host', () => {
  it('computes rates against the previous sample and stays schema-valid', async () => {
    const { files, ctx } = fakeHost();
    let now = 10_000;
    const sampler = new Sampler(ctx, { now: () => now });
    const first = sampleSchema.parse(await sampler.sample());
    expect(first.cpu).toEqual({ totalPercent: null, perCorePercent: [], iowaitPercent: null });
    expect(first.disks).toEqual([{ device: 'nvme0n1', readBytesPerSec: 0, writeBytesPerSec: 0 }]);

    now += 2000;
    Object.assign(files, { '/proc/stat': stat(2), '/proc/net/dev': netDev(5000, 2500), '/proc/diskstats': diskstats(300) });
    Object.assign(files, procFiles([{ pid: 7, uid: 1000, argv: ['python3', 'train.py'], ticks: 300, rssPages: 2560 }]));
    const s = sampleSchema.parse(await sampler.sample());
    expect(s.intervalMs).toBe(2000);
    // Between the two /proc/stat readings: busy 150 of 300 ticks, iowait 50 of 300; cpu1 busy 50 of 200 (iowait counts as idle).
    expect(s.cpu).toEqual({ totalPercent: 50, perCorePercent: [100, 25], iowaitPercent: 16.7 });
    expect(s.net).toEqual([{ iface: 'eth0', rxBytesPerSec: 2000, txBytesPerSec: 1000 }]);
    expect(s.disks).toEqual([{ device: 'nvme0n1', readBytesPerSec: (200 * 512) / 2, writeBytesPerSec: (400 * 512) / 2 }]);
    expect(s.load).toEqual([0.02, 0.04, 0.05]);
    expect(s.memory.totalBytes).toBe(15666184 * 1024);
    expect(s.pressure).toEqual({ cpuSome: 2.5, memorySome: 0, memoryFull: 0, ioSome: null, ioFull: null });
    expect(s.filesystems).toEqual([{ mountPoint: '/', usedBytes: 600 * 4096, totalBytes: 1000 * 4096 }]);
    expect(s.processes.find((p) => p.pid === 7)).toMatchObject({ user: 'alice', cpuPercent: 100, rssBytes: 2560 * 4096, kind: 'host' });
    expect(s.users[0]).toMatchObject({ user: 'alice', cpuPercent: 100, processes: 1 });
    expect(s.notes).toEqual(['no NVIDIA GPU tooling (nvidia-smi not installed): GPU usage is not shown']);
  });

  it('walks the processes at most every processEveryMs (the quiet agent): totals every sample, per-user CPU averaged over the walk', async () => {
    const { files, ctx } = fakeHost();
    let now = 10_000;
    const sampler = new Sampler(ctx, { now: () => now, processEveryMs: 5000 });
    await sampler.sample();
    for (const [dt, ticks] of [[1000, 150], [1000, 200], [3000, 600]] as const) {
      now += dt;
      Object.assign(files, { '/proc/stat': stat(now / 1000) }, procFiles([{ pid: 7, uid: 1000, argv: ['python3', 'train.py'], ticks, rssPages: 2560 }]));
      const s = await sampler.sample();
      expect(s.cpu.totalPercent).not.toBeNull(); // totals every second
      // Until the walk is due again the sample repeats the last one (0 %: the first walk has no rate yet).
      expect(s.users.find((u) => u.user === 'alice')?.cpuPercent).toBe(now === 15_000 ? 100 : 0);
    }
    sampler.processEveryMs = 0; // a client streams: every sample walks
    now += 1000;
    Object.assign(files, procFiles([{ pid: 7, uid: 1000, argv: ['python3', 'train.py'], ticks: 650, rssPages: 2560 }]));
    expect((await sampler.sample()).users.find((u) => u.user === 'alice')?.cpuPercent).toBe(50);
  });

  it('reads every core of a real 8-CPU /proc/stat', async () => {
    const { files, ctx } = fakeHost();
    const real = readFixture('proc/stat/procfs-fixture-8cpu');
    // One second later: each cpuN line gained 50 user and 50 idle ticks.
    const later = real.replace(/^(cpu\d+) (\d+) (\d+) (\d+) (\d+)/gm, (_m, name: string, user: string, nice: string, system: string, idle: string) => `${name} ${Number(user) + 50} ${nice} ${system} ${Number(idle) + 50}`);
    let now = 0;
    const sampler = new Sampler(ctx, { now: () => now });
    files['/proc/stat'] = real;
    await sampler.sample();
    now += 1000;
    files['/proc/stat'] = later;
    const s = sampleSchema.parse(await sampler.sample());
    expect(s.cpu.perCorePercent).toEqual(Array(8).fill(50));
  });

  it('asks for nvidia-smi once on a host without it, and says so in every sample', async () => {
    const { ctx } = fakeHost();
    const sampler = new Sampler(ctx);
    for (let i = 0; i < 3; i++) expect((await sampler.sample()).notes.some((n) => n.includes('nvidia-smi not installed'))).toBe(true);
    expect(ctx.ran.filter((argv) => argv[0] === 'nvidia-smi')).toHaveLength(1);
  });

  it('fills GPUs and GPU processes from one nvidia-smi -q -x per sample', async () => {
    const { files } = fakeHost();
    const xml = readFixture('nvidia-smi/xml/tesla-t4-drv515-2procs.xml').replace('<pid>5762</pid>', '<pid>7</pid>');
    const ctx = fakeContext({ files, commands: { 'nvidia-smi -q -x': { stdout: xml } } });
    const sampler = new Sampler(ctx);
    await sampler.sample();
    const s = sampleSchema.parse(await sampler.sample());
    expect(ctx.ran.filter((argv) => argv[0] === 'nvidia-smi')).toEqual([['nvidia-smi', '-q', '-x'], ['nvidia-smi', '-q', '-x']]);
    expect(s.gpus).toHaveLength(1);
    expect(s.gpus[0]).toMatchObject({ name: 'Tesla T4', smClockMHz: 585, memClockMHz: 5000 });
    expect(s.processes.find((p) => p.pid === 7)).toMatchObject({ user: 'alice', gpuMemoryBytes: 1005 * 1024 * 1024, gpus: [0] });
    expect(s.users.find((u) => u.user === 'alice')).toMatchObject({ gpuMemoryBytes: 1005 * 1024 * 1024, gpusTouched: [0] });
    expect(s.notes).toEqual([]);
  });

  it('iowait share', () => {
    const t = (idle: number, iowait: number) => ({ user: 0, nice: 0, system: 0, idle, iowait, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 });
    expect(iowaitPercent(t(0, 0), t(75, 25))).toBe(25);
    expect(iowaitPercent(t(10, 10), t(10, 10))).toBeNull();
  });
});

describe('GpuPoller', () => {
  it('never runs a second nvidia-smi while one is still running: slow samples reuse the last reading', async () => {
    const xml = readFixture('nvidia-smi/xml/a10g-drv515-1proc.xml');
    let started = 0;
    let finish: (r: RunResult) => void = () => undefined;
    const ctx: HelperContext = {
      ...fakeContext({}),
      run: () => {
        started++;
        return new Promise<RunResult>((resolve) => (finish = resolve));
      },
    };
    const poller = new GpuPoller(ctx, 20);
    const a = await poller.poll();
    const b = await poller.poll();
    expect(started).toBe(1);
    expect([a.gpus, b.gpus]).toEqual([[], []]);
    expect(b.note).toMatch(/has not answered yet/);
    finish({ code: 0, stdout: xml, stderr: '' });
    await new Promise((r) => setTimeout(r, 0));
    const c = await poller.poll();
    expect(started).toBe(2);
    finish({ code: 0, stdout: xml, stderr: '' });
    // c waited 20 ms for the second run, which had not finished: it carries the first reading.
    expect(c.gpus).toHaveLength(1);
    expect(c.note).toMatch(/slow to answer: GPU figures are from its previous reading/);
  });

  it('reports a failing nvidia-smi with its message', async () => {
    const ctx = fakeContext({ commands: { 'nvidia-smi -q -x': { code: 9, stdout: 'NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.\n' } } });
    const poll = await new GpuPoller(ctx).poll();
    expect(poll.gpus).toEqual([]);
    expect(poll.note).toMatch(/nvidia-smi failed \(exit 9\): NVIDIA-SMI has failed because it couldn't communicate/);
  });

  it('a driver installed while streaming shows up within the re-check interval, without a reconnect', async () => {
    const xml = readFixture('nvidia-smi/xml/a10g-drv515-1proc.xml');
    let installed = false;
    let runs = 0;
    const files: Record<string, string> = {};
    const ctx: HelperContext = {
      ...fakeContext({ files }),
      run: async () => (runs++, installed ? { code: 0, stdout: xml, stderr: '' } : { code: null, stdout: '', stderr: '', missing: true }),
    };
    let t = 0;
    const poller = new GpuPoller(ctx, 50, () => t);
    expect((await poller.poll()).note).toMatch(/nvidia-smi not installed/);
    t = ABSENT_RECHECK_MS;
    await poller.poll();
    expect(runs).toBe(1); // still not there: looked for as a file, no exec
    installed = true;
    files['/usr/bin/nvidia-smi'] = '';
    t = 2 * ABSENT_RECHECK_MS - 1;
    expect(await poller.poll()).toMatchObject({ gpus: [], note: expect.stringMatching(/not installed/) });
    expect(runs).toBe(1); // not asked on every sample
    t = 2 * ABSENT_RECHECK_MS;
    const after = await poller.poll();
    expect(after.gpus).toHaveLength(1);
    expect(after.note).toBeNull();
  });

  it('does not run commands against a --root directory', async () => {
    const ctx = fakeContext({ live: false });
    expect(await new GpuPoller(ctx).poll()).toMatchObject({ gpus: [], note: null });
    expect(ctx.ran).toEqual([]);
  });
});

describe('Sampler on this machine', () => {
  it('takes two schema-valid samples, and sees this test process', async () => {
    const sampler = new Sampler(createContext('/'));
    sampleSchema.parse(await sampler.sample());
    await new Promise((r) => setTimeout(r, 300));
    const s = sampleSchema.parse(await sampler.sample());
    expect(s.cpu.totalPercent).not.toBeNull();
    expect(s.memory.totalBytes).toBeGreaterThan(0);
    expect(s.users.reduce((n, u) => n + u.processes, 0)).toBeGreaterThan(5);
    const me = s.processes.find((p) => p.pid === process.pid);
    expect(me, 'this process is among the heaviest by memory').toBeDefined();
    expect(me!.uid).toBe(process.getuid!());
    expect(me!.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
  });
});
