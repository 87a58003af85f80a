import { describe, expect, it } from 'vitest';
import { processSampleSchema, userUsageSchema } from '../../../src-common/monitor/sample.schema.js';
import type { HelperContext } from '../context.js';
import { fakeContext, type FakeHost } from '../inventory/fake-context.test-util.js';
import { listFixtures, readFixture } from '../inventory/fixtures.test-util.js';
import { HIDDEN_PROCESSES_NOTE, ProcessAttributor, procHidesPids } from './attribution.js';
import { PASSWD, dockerList, procFiles, type FakeProcess } from './fake-proc.test-util.js';
import { gpuReadingFromXml } from './gpu-sample.js';
import { MiB, NVIDIA_XML_EXPECTED } from './nvidia-xml-expected.test-util.js';

const SOCKET = '/var/run/docker.sock';
const cgroupFixture = (name: string) => readFixture('cgroup/proc-pid-cgroup', name);

/** A fake host: /proc from `processes`, /etc/passwd, and a Docker socket listing `containers`. */
function host(processes: FakeProcess[], opts: { containers?: Parameters<typeof dockerList>[0]; uid?: number; extraFiles?: Record<string, string>; http?: FakeHost['http'] } = {}) {
  const files: Record<string, string> = { '/etc/passwd': PASSWD, [SOCKET]: '', ...procFiles(processes), ...opts.extraFiles };
  const ctx = fakeContext({
    files,
    uid: opts.uid ?? 0,
    http: opts.http ?? ((_s, url) => (url === '/containers/json' ? { ok: true, status: 200, body: dockerList(opts.containers ?? []) } : { ok: true, status: 404, body: '{}' })),
  });
  return { ctx, files };
}

/** Two walks one second apart, the second with each process's ticks advanced by `busy` (ticks per second). */
async function twoSamples(ctx: HelperContext, files: Record<string, string>, processes: FakeProcess[], busy: Record<number, number>, gpu = new Map()) {
  let now = 1_000_000;
  const attributor = new ProcessAttributor(ctx, () => now);
  await attributor.sample(gpu);
  now += 1000;
  Object.assign(files, procFiles(processes.map((p) => ({ ...p, ticks: (p.ticks ?? 0) + (busy[p.pid] ?? 0) }))));
  const out = await attributor.sample(gpu);
  for (const p of out.processes) processSampleSchema.parse(p);
  for (const u of out.users) userUsageSchema.parse(u);
  return out;
}

/** Container ids in the shared /proc/PID/cgroup fixtures (see inventory/proc-pid-cgroup.test.ts). */
const IDS = {
  docker13: '47cbd16b77c50cbf71401c069cd2189f0e659af17d5a2daca3bddf59d8a870b2',
  dockerV1: 'b29faf21b7eff959f64b4192c34d5d67a707fe8561e9eaa608cb27693fba4242',
  dockerV1Systemd: '67f98c9e6188f9c1818672a15dbe46237b6ee7e77f834d40d41c5fb3c2f84a2f',
  dockerV2: '1c8fa019edd4b9d4b2856f4932c55929c5c118c808ed5faee9a135ca6e84b039',
};

/** One busy process per cgroup fixture, with what attribution must say about it. */
const CGROUP_CASES: Record<string, { uid: number; kind: string; container: Record<string, unknown> | null; user: string; account: string; managed: boolean }> = {
  'docker-1.3-v1-cgroupfs': {
    uid: 1001, kind: 'container', user: 'bob', account: 'dana', managed: true,
    container: { id: IDS.docker13, name: 'train-dana', runtime: 'docker', owner: 'dana', ownerSource: 'label' },
  },
  'docker-v1-cgroupfs': {
    uid: 1001, kind: 'container', user: 'bob', account: 'bob', managed: false,
    container: { id: IDS.dockerV1, name: 'notebook', runtime: 'docker', owner: 'bob', ownerSource: 'inferred' },
  },
  'docker-v1-systemd-driver-scope': {
    uid: 0, kind: 'container', user: 'root', account: 'root', managed: false,
    container: { id: IDS.dockerV1Systemd, name: 'db', runtime: 'docker', owner: null, ownerSource: null },
  },
  // Not in Docker's list (another runtime's socket, or it just exited): no name, owner still inferred.
  'docker-v2-systemd-scope': {
    uid: 1000, kind: 'container', user: 'alice', account: 'alice', managed: false,
    container: { id: IDS.dockerV2, name: null, runtime: 'docker', owner: 'alice', ownerSource: 'inferred' },
  },
  'host-v1-user-session-scope': { uid: 1000, kind: 'host', user: 'alice', account: 'alice', managed: false, container: null },
  'ubuntu1804-hybrid-systemd-service': { uid: 0, kind: 'host', user: 'root', account: 'root', managed: false, container: null },
};

describe('attribution over every /proc/PID/cgroup fixture', () => {
  const names = Object.keys(CGROUP_CASES);
  const processes: FakeProcess[] = names.map((name, i) => ({ pid: 100 + i, uid: CGROUP_CASES[name]!.uid, argv: ['/usr/bin/worker', name], cgroup: cgroupFixture(name), ticks: 5000, rssPages: 1000 * (i + 1) }));
  const containers: Parameters<typeof dockerList>[0] = [
    { id: IDS.docker13, name: 'train-dana', labels: { 'fleetdeck.owner': 'dana', 'fleetdeck.managed': '1' } },
    { id: IDS.dockerV1, name: 'notebook', labels: { 'com.docker.compose.project': 'lab' } },
    { id: IDS.dockerV1Systemd, name: 'db' },
  ];

  it('covers every fixture', () => {
    expect(listFixtures('cgroup/proc-pid-cgroup')).toEqual(names.sort());
  });

  it.each(names)('%s', async (name) => {
    const { ctx, files } = host(processes, { containers });
    const busy = Object.fromEntries(processes.map((p) => [p.pid, 50]));
    const out = await twoSamples(ctx, files, processes, busy);
    const want = CGROUP_CASES[name]!;
    const p = out.processes.find((x) => x.command === `/usr/bin/worker ${name}`)!;
    expect(p).toMatchObject({ uid: want.uid, user: want.user, kind: want.kind, managed: want.managed, cpuPercent: 50, container: want.container });
    const account = out.users.find((u) => u.user === want.account)!;
    expect(account.cpuPercent).toBeGreaterThanOrEqual(50);
    expect(out.notes).toEqual([]);
  });

  it('totals every process per accountable user (a labelled container counts for its owner)', async () => {
    const { ctx, files } = host(processes, { containers });
    const out = await twoSamples(ctx, files, processes, { 100: 80, 101: 40, 104: 10 });
    const byUser = Object.fromEntries(out.users.map((u) => [u.user, u]));
    expect(byUser.dana).toMatchObject({ uid: null, cpuPercent: 80, processes: 1, memoryBytes: 1000 * 4096 });
    expect(byUser.bob).toMatchObject({ uid: 1001, cpuPercent: 40, processes: 1 });
    expect(byUser.alice).toMatchObject({ uid: 1000, cpuPercent: 10, processes: 2 });
    expect(byUser.root).toMatchObject({ uid: 0, processes: 2 });
    expect(out.users.map((u) => u.user)).toEqual(['dana', 'bob', 'alice', 'root']);
  });
});

describe('GPU processes from every recorded nvidia-smi -q -x', () => {
  const cgroups = listFixtures('cgroup/proc-pid-cgroup');

  it.each(Object.keys(NVIDIA_XML_EXPECTED))('%s', async (file) => {
    const want = NVIDIA_XML_EXPECTED[file]!;
    const gpuPids = Object.keys(want.processes).map(Number);
    // Every GPU process but the last is alive in /proc, each in another cgroup fixture and as another user;
    // the last one is gone by the time /proc is read and must still be counted.
    const live = gpuPids.slice(0, Math.max(0, gpuPids.length - 1));
    const processes: FakeProcess[] = [
      ...live.map((pid, i) => ({ pid, uid: [1000, 1001, 1002][i % 3]!, argv: ['/usr/bin/python3', `job-${pid}.py`], cgroup: cgroupFixture(cgroups[i % cgroups.length]!), rssPages: 10 })),
      // Many busy non-GPU processes: GPU processes are listed however idle they are.
      ...Array.from({ length: 60 }, (_, i) => ({ pid: 50_000 + i, uid: 0, argv: ['/usr/sbin/busy', String(i)], rssPages: 100_000 })),
    ];
    const { ctx, files } = host(processes);
    const reading = gpuReadingFromXml(readFixture('nvidia-smi/xml', file));
    const busy = Object.fromEntries(processes.filter((p) => p.pid >= 50_000).map((p) => [p.pid, 30]));
    const out = await twoSamples(ctx, files, processes, busy, reading.processes);

    const gpuRows = out.processes.filter((p) => p.gpuMemoryBytes > 0 || p.gpus.length > 0);
    expect(gpuRows.map((p) => p.pid).sort((a, b) => a - b)).toEqual(gpuPids.sort((a, b) => a - b));
    live.forEach((pid, i) => {
      const p = gpuRows.find((x) => x.pid === pid)!;
      const cgroup = cgroups[i % cgroups.length]!;
      expect(p).toMatchObject({ uid: [1000, 1001, 1002][i % 3], user: ['alice', 'bob', 'carol'][i % 3], command: `/usr/bin/python3 job-${pid}.py`, gpuMemoryBytes: want.processes[pid]!.MiB * MiB, gpus: want.processes[pid]!.gpus });
      expect(p.container?.id ?? null).toBe(CGROUP_CASES[cgroup]!.container?.id ?? null);
      expect(p.kind).toBe(p.container ? 'container' : 'host');
    });
    const gone = gpuPids.at(-1);
    if (gone !== undefined) {
      expect(gpuRows.find((p) => p.pid === gone)).toMatchObject({ uid: null, user: null, container: null, command: expect.stringContaining(want.processes[gone]!.name.split(' ')[0]!) });
    }
    // Per-user totals account for all GPU memory and the GPUs touched.
    const totalGpuMemory = Object.values(want.processes).reduce((s, p) => s + p.MiB * MiB, 0);
    expect(out.users.reduce((s, u) => s + u.gpuMemoryBytes, 0)).toBe(totalGpuMemory);
    const touched = new Set(Object.values(want.processes).flatMap((p) => p.gpus));
    expect(new Set(out.users.flatMap((u) => u.gpusTouched))).toEqual(touched);
    // Top 25 by CPU and top 25 by memory are the same busy processes here: 25 of them, plus every GPU process.
    expect(out.processes.length).toBe(25 + gpuPids.length);
    expect(out.users.find((u) => u.user === 'root')!.processes).toBe(60);
  });
});

describe('what attribution cannot see, and says so', () => {
  const processes: FakeProcess[] = [{ pid: 10, uid: 1000, argv: ['bash'] }];

  it("asks for sudo when /proc hides other users' processes (hidepid)", async () => {
    const mountinfo = '22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw,hidepid=invisible\n';
    const { ctx } = host(processes, { uid: 1000, extraFiles: { '/proc/self/mountinfo': mountinfo } });
    const out = await new ProcessAttributor(ctx).sample(new Map());
    expect(out.notes).toContain(HIDDEN_PROCESSES_NOTE);
    expect(HIDDEN_PROCESSES_NOTE).toMatch(/run with sudo to see other users' processes/);
    // Root sees through hidepid.
    const root = host(processes, { uid: 0, extraFiles: { '/proc/self/mountinfo': mountinfo } });
    expect((await new ProcessAttributor(root.ctx).sample(new Map())).notes).toEqual([]);
  });

  it('also notices hidepid=1 (entries listed, files unreadable) without the mount table', async () => {
    const { ctx, files } = host([...processes, ...Array.from({ length: 6 }, (_, i) => ({ pid: 900 + i, uid: 0, argv: ['x'] }))], { uid: 1000 });
    for (let i = 0; i < 6; i++) for (const f of ['stat', 'status', 'cmdline', 'cgroup', 'loginuid']) delete files[`/proc/${900 + i}/${f}`];
    for (let i = 0; i < 6; i++) files[`/proc/${900 + i}/.listed`] = '';
    expect((await new ProcessAttributor(ctx).sample(new Map())).notes).toContain(HIDDEN_PROCESSES_NOTE);
  });

  it('reads the hidepid mount options of every kernel generation', () => {
    expect(procHidesPids(['rw', 'hidepid=2'])).toBe(true);
    expect(procHidesPids(['rw', 'hidepid=noaccess', 'subset=pid'])).toBe(true);
    expect(procHidesPids(['rw', 'hidepid=0'])).toBe(false);
    expect(procHidesPids(['rw', 'hidepid=off'])).toBe(false);
    expect(procHidesPids(['rw'])).toBe(false);
  });

  it('names the fix when the Docker socket is not accessible, and still attributes the container', async () => {
    const inContainer: FakeProcess[] = [{ pid: 20, uid: 1001, argv: ['sleep', '1'], cgroup: cgroupFixture('docker-v1-cgroupfs') }];
    const { ctx } = host(inContainer, { uid: 1000, http: () => ({ ok: false, code: 'EACCES', message: 'permission denied' }) });
    const out = await new ProcessAttributor(ctx).sample(new Map());
    expect(out.notes.join('\n')).toMatch(/not accessible to user alice: add alice to the docker group \(sudo usermod -aG docker alice/);
    expect(out.processes[0]!.container).toEqual({ id: IDS.dockerV1, name: null, runtime: 'docker', owner: 'bob', ownerSource: 'inferred' });
  });

  it('stays quiet about Docker for Kubernetes pods whose runtime the cgroup path does not name', async () => {
    const pod = `0::/kubepods/burstable/pod1234/${'a'.repeat(64)}\n`;
    const { ctx } = host([{ pid: 21, uid: 1001, argv: ['python3', 'serve.py'], cgroup: pod }], { http: () => ({ ok: false, code: 'ENOENT', message: 'no socket' }) });
    const out = await new ProcessAttributor(ctx).sample(new Map());
    expect(out.notes).toEqual([]);
    expect(out.processes[0]!.container).toEqual({ id: 'a'.repeat(64), name: null, runtime: 'unknown', owner: 'bob', ownerSource: 'inferred' });
  });

  it('does not ask Docker at all when no process runs in a container', async () => {
    const { ctx } = host(processes);
    await new ProcessAttributor(ctx).sample(new Map());
    expect((ctx as unknown as { requested: string[] }).requested).toEqual([]);
  });
});

describe('kinds and the cost of a walk', () => {
  it('marks Jupyter kernels, on the host and in containers', async () => {
    const kernel = ['/opt/conda/bin/python', '-m', 'ipykernel_launcher', '-f', '/root/.local/share/jupyter/runtime/kernel-1.json'];
    const { ctx } = host([
      { pid: 30, uid: 1000, argv: kernel },
      { pid: 31, uid: 1001, argv: kernel, cgroup: cgroupFixture('docker-v2-systemd-scope') },
      { pid: 32, uid: 1000, argv: ['/opt/conda/bin/python', '-m', 'jupyterlab'] },
      { pid: 2, uid: 0, argv: [], comm: 'kthreadd', kernelThread: true },
    ]);
    const out = await new ProcessAttributor(ctx).sample(new Map());
    const kind = Object.fromEntries(out.processes.map((p) => [p.pid, p.kind]));
    expect(kind).toEqual({ 30: 'jupyter-kernel', 31: 'jupyter-kernel', 32: 'host', 2: 'host' });
    expect(out.processes.find((p) => p.pid === 31)!.container?.id).toBe(IDS.dockerV2);
    expect(out.processes.find((p) => p.pid === 2)).toMatchObject({ command: '[kthreadd]', uid: 0, user: 'root' });
  });

  it('reads only /proc/PID/stat for a process it already knows; an exec (new comm) re-reads the rest', async () => {
    const processes: FakeProcess[] = [{ pid: 40, uid: 1000, argv: ['sh'], comm: 'sh', ticks: 1 }, { pid: 41, uid: 1001, argv: ['top'], comm: 'top', ticks: 1 }];
    const { ctx, files } = host(processes);
    const reads: string[] = [];
    const counting: HelperContext = { ...ctx, readText: (p) => (reads.push(p), ctx.readText(p)) };
    let now = 0;
    const attributor = new ProcessAttributor(counting, () => now);
    const walk = async (busy: Record<number, number>) => {
      Object.assign(files, procFiles(processes.map((p) => ({ ...p, ticks: (p.ticks = (p.ticks ?? 0) + (busy[p.pid] ?? 0)) }))));
      reads.length = 0;
      now += 1000;
      const out = await attributor.sample(new Map());
      return { out, procReads: reads.filter((r) => r.startsWith('/proc/4')).sort() };
    };
    await walk({}); // t=1 s: first walk, a full pass (the next ones at t=4 s and t=7 s)
    expect((await walk({ 40: 10, 41: 10 })).procReads).toEqual(['/proc/40/stat', '/proc/41/stat']); // t=2
    // t=3: 41 used no CPU since t=2, so it counts as idle from now on.
    expect((await walk({ 40: 10 })).procReads).toEqual(['/proc/40/stat', '/proc/41/stat']);
    expect((await walk({ 40: 10 })).procReads).toEqual(['/proc/40/stat', '/proc/41/stat']); // t=4, full pass
    for (let t = 5; t <= 6; t++) {
      const skipping = await walk({ 40: 10 });
      expect(skipping.procReads).toEqual(['/proc/40/stat']);
      expect(skipping.out.processes.find((p) => p.pid === 41)).toMatchObject({ cpuPercent: 0, command: 'top' });
    }
    // t=7, full pass: 41 woke up, and shows its average since its last reading (30 ticks in 3 s).
    const full = await walk({ 40: 10, 41: 30 });
    expect(full.procReads).toEqual(['/proc/40/stat', '/proc/41/stat']);
    expect(full.out.processes.find((p) => p.pid === 41)!.cpuPercent).toBe(10);
    // 40 execs python (same pid, new comm): its other files are read again.
    processes[0] = { ...processes[0]!, argv: ['python3', 'x.py'], comm: 'python3' };
    const exec = await walk({ 40: 10 });
    expect(exec.procReads.filter((r) => r.startsWith('/proc/40/'))).toEqual(['/proc/40/cgroup', '/proc/40/cmdline', '/proc/40/loginuid', '/proc/40/stat', '/proc/40/status']);
    expect(exec.out.processes.find((p) => p.pid === 40)!.command).toBe('python3 x.py');
  });

});
