import { describe, expect, it } from 'vitest';
import type { Check } from '../../../src-common/change/plan.schema.js';
import type { HelperContext } from '../context.js';
import { checkUserLimits, quotaPercent } from './limits-verify.js';

/**
 * The user-limits check on what systemd and the kernel say, for cgroup v2 and v1 file layouts
 * (the live run, on the testbed's v1 hybrid: e2e/integration/modules/limits.test.ts).
 */
function host(show: string, files: Record<string, string>): HelperContext {
  return {
    root: '/',
    live: true,
    uid: 0,
    env: {},
    readText: async (p: string) => files[p] ?? null,
    listDir: async (p: string) => (p === '/proc' ? [...new Set(Object.keys(files).map((f) => /^\/proc\/(\d+)\//.exec(f)?.[1]).filter(Boolean))] as string[] : null),
    readLink: async () => null,
    exists: async (p: string) => p in files,
    statfs: async () => null,
    run: async () => ({ code: 0, stdout: show, stderr: '' }),
  } as HelperContext;
}

const check: Extract<Check, { kind: 'user-limits' }> = { kind: 'user-limits', id: 'limits-carol', label: 'carol', user: 'carol', uid: 1001, memoryMax: 67108864, tasksMax: 40, cpuQuotaPercent: 20 };
const LOADED = 'ActiveState=active\nMemoryMax=67108864\nMemorySwapMax=infinity\nTasksMax=40\nCPUQuotaPerSecUSec=200ms\n';
const V2 = '/sys/fs/cgroup/user.slice/user-1001.slice';
const V1 = (c: string) => `/sys/fs/cgroup/${c}/user.slice/user-1001.slice`;

describe('user-limits check', () => {
  it('reads systemd\'s CPU quota in its own units', () => {
    expect(quotaPercent('200ms')).toBe(20);
    expect(quotaPercent('1s')).toBe(100);
    expect(quotaPercent('1.500000s')).toBe(150);
    expect(quotaPercent('infinity')).toBeNull();
    expect(quotaPercent(undefined)).toBeNull();
  });

  it('enforced on cgroup v2: memory.max, pids.max and cpu.max as wanted', async () => {
    const r = await checkUserLimits(host(LOADED, { [`${V2}/memory.max`]: '67108864\n', [`${V2}/pids.max`]: '40\n', [`${V2}/cpu.max`]: '20000 100000\n' }), check);
    expect(r).toEqual({ ok: true, evidence: expect.stringMatching(/^Enforced for carol's session: user.slice\/user-1001.slice\/memory.max = 67108864, .*pids.max = 40, .*cpu.max = 20000 100000/) });
  });

  it('enforced on cgroup v1: memory.limit_in_bytes, pids.max, cpu.cfs_quota_us per period', async () => {
    const files = { [`${V1('memory')}/memory.limit_in_bytes`]: '67108864', [`${V1('pids')}/pids.max`]: '40', [`${V1('cpu,cpuacct')}/cpu.cfs_quota_us`]: '20000', [`${V1('cpu,cpuacct')}/cpu.cfs_period_us`]: '100000' };
    const r = await checkUserLimits(host(LOADED, files), check);
    expect(r.ok).toBe(true);
    expect(r.evidence).toMatch(/memory\/user.slice\/user-1001.slice\/memory.limit_in_bytes = 67108864.*cpu.cfs_quota_us = 20000 per 100000/);
  });

  it('configured, not yet enforced, while the user has no session: said, and passes', async () => {
    const r = await checkUserLimits(host(LOADED.replace('ActiveState=active', 'ActiveState=inactive'), {}), check);
    expect(r).toEqual({ ok: true, evidence: expect.stringMatching(/^Configured \(systemd: MemoryMax 67108864, TasksMax 40, CPUQuota 20%\); carol has no session now .* the next login/) });
  });

  it('fails loudly when systemd has not loaded them, when the kernel differs, or cannot enforce one', async () => {
    const unloaded = await checkUserLimits(host(LOADED.replace('MemoryMax=67108864', 'MemoryMax=infinity'), {}), check);
    expect(unloaded).toEqual({ ok: false, evidence: expect.stringMatching(/^Not enforced for carol: MemoryMax: systemd has infinity loaded, 67108864 wanted/) });
    const drifted = await checkUserLimits(host(LOADED, { [`${V2}/memory.max`]: 'max', [`${V2}/pids.max`]: '40', [`${V2}/cpu.max`]: '20000 100000' }), check, { tries: 2, ms: 0 });
    expect(drifted).toEqual({ ok: false, evidence: expect.stringMatching(/memory: drifted \(\/sys\/fs\/cgroup\/user.slice\/user-1001.slice\/memory.max = max, 67108864 wanted\)/) });
    const noSwap = await checkUserLimits(host(`${LOADED}`.replace('MemorySwapMax=infinity', 'MemorySwapMax=0'), { [`${V1('memory')}/memory.limit_in_bytes`]: '67108864' }), { ...check, tasksMax: undefined, cpuQuotaPercent: undefined, swapMax: 0 }, { tries: 1, ms: 0 });
    expect(noSwap).toEqual({ ok: false, evidence: expect.stringMatching(/swap: not enforced \(no cgroup file for it/) });
  });

  it('reads the kernel again while it lags systemd (a reload just returned), and passes once it settles', async () => {
    const files: Record<string, string> = { [`${V2}/memory.max`]: 'max', [`${V2}/pids.max`]: '40', [`${V2}/cpu.max`]: '20000 100000' };
    const ctx = host(LOADED, files);
    const read = ctx.readText;
    let reads = 0;
    ctx.readText = async (p: string) => {
      if (p.endsWith('memory.max') && ++reads === 2) files[p] = '67108864';
      return read(p);
    };
    const r = await checkUserLimits(ctx, check, { tries: 3, ms: 0 });
    expect(r.ok, r.evidence).toBe(true);
    expect(reads).toBe(2);
  });

  describe('without systemd (cgroupfs: fleetdeck/user-UID and the PAM hook)', () => {
    const cg = (c: string) => `/sys/fs/cgroup/${c}/fleetdeck/user-1001`;
    const HOOKED = 'session optional pam_exec.so seteuid quiet /usr/local/lib/fleetdeck/cgroup-limits session\n';
    const proc = (pid: number, state: string, cgroup: string) => ({ [`/proc/${pid}/status`]: `Name:\tx\nState:\t${state}\nUid:\t1001\t1001\t1001\t1001\n`, [`/proc/${pid}/cgroup`]: `4:memory:${cgroup}\n8:pids:${cgroup}\n` });
    const base = {
      [`${cg('memory')}/memory.limit_in_bytes`]: '67108864\n',
      [`${cg('pids')}/pids.max`]: '40\n',
      [`${cg('cpu')}/cpu.cfs_quota_us`]: '20000\n',
      [`${cg('cpu')}/cpu.cfs_period_us`]: '100000\n',
      [cg('memory')]: '',
      '/etc/pam.d/common-session': `session required pam_unix.so\n${HOOKED}`,
      ...proc(500, 'S (sleeping)', '/fleetdeck/user-1001'),
      ...proc(501, 'Z (zombie)', '/'),
      ...proc(502, 'S (sleeping)', '/docker/abc'),
    };
    const c = { ...check, via: 'cgroupfs' as const };

    it('enforced: the values, the hook, every live process inside (a zombie and a container process are not counted)', async () => {
      const r = await checkUserLimits(host('', base), c);
      expect(r).toEqual({ ok: true, evidence: expect.stringMatching(/^Enforced for carol: memory\/fleetdeck\/user-1001\/memory.limit_in_bytes = 67108864, pids\/fleetdeck\/user-1001\/pids.max = 40, cpu\/fleetdeck\/user-1001\/cpu.cfs_quota_us = 20000 per 100000 .*PAM hook in \/etc\/pam.d\/common-session; 1 process inside now/) });
    });

    it('loud when a process runs outside, the hook is gone, a value drifted, or there is no cgroup', async () => {
      const r = await checkUserLimits(host('', { ...base, '/etc/pam.d/common-session': 'session required pam_unix.so\n', [`${cg('pids')}/pids.max`]: 'max\n', ...proc(503, 'R (running)', '/') }), c);
      expect(r.ok).toBe(false);
      expect(r.evidence).toMatch(/tasks: drifted \(.*pids.max = max, 40 wanted\)/);
      expect(r.evidence).toMatch(/new sessions do not join the limits/);
      expect(r.evidence).toMatch(/1 process of carol runs outside the limits \(pid 503\)/);
      const none = await checkUserLimits(host('', {}), c);
      expect(none).toEqual({ ok: false, evidence: expect.stringMatching(/^Not enforced for carol: there is no cgroup \/sys\/fs\/cgroup\/memory\/fleetdeck\/user-1001/) });
    });
  });
});
