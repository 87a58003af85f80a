import { CGROUP_HOOK_PATH as HOOK } from '../../../src-common/change/host-paths.js';
import type { Check } from '../../../src-common/change/plan.schema.js';
import { CONTAINER_CGROUP_PARTS } from '../../../src-common/modules/container-cgroups.js';
import type { HelperContext } from '../context.js';

/**
 * Verifies one user's limits against the system itself, never against Fleetdeck's own files:
 *   1. what systemd has loaded for user-UID.slice (`systemctl show`): the limits are configured;
 *   2. while the slice is active (the user has a session), what the kernel enforces for it, from
 *      the cgroup files of whichever mode the host runs: v2 memory.max, memory.swap.max, pids.max,
 *      cpu.max; v1 memory.limit_in_bytes, pids.max, cpu.cfs_quota_us / cpu.cfs_period_us.
 * A value the kernel does not have (swap on v1, a controller not mounted) is "not enforced",
 * said with what was read; a value that differs is "drifted".
 */
type LimitsCheck = Extract<Check, { kind: 'user-limits' }>;

const MAX = 'infinity';

function parseShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  return out;
}

/** systemd prints CPUQuotaPerSecUSec as "200ms", "1s", "1.500000s" or "infinity". */
export function quotaPercent(v: string | undefined): number | null {
  if (!v || v === MAX) return null;
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|min)?$/.exec(v);
  if (!m) return null;
  const usec = Number(m[1]) * ({ us: 1, ms: 1000, s: 1e6, min: 6e7 }[m[2] ?? 'us'] ?? 1);
  return Math.round(usec / 10_000);
}

async function firstFile(ctx: HelperContext, paths: string[]): Promise<{ path: string; value: string } | null> {
  for (const p of paths) {
    const v = await ctx.readText(p);
    if (v !== null) return { path: p, value: v.trim() };
  }
  return null;
}

const num = (v: string | undefined) => (v === undefined || v === '' || v === MAX || v === 'max' ? null : Number(v));

/**
 * How long the kernel's values may lag systemd's: a daemon-reload returns before systemd has
 * written the cgroup files of an active slice (its realize queue), and a session that just
 * ended leaves its slice "active" for a moment while the cgroup goes. A kernel-side mismatch is
 * read again until it settles; a systemd-side one (the drop-in not loaded) is reported at once.
 */
const SETTLE_TRIES = 8;
const SETTLE_MS = 400;

export async function checkUserLimits(ctx: HelperContext, c: LimitsCheck, settle = { tries: SETTLE_TRIES, ms: SETTLE_MS }): Promise<{ ok: boolean; evidence: string }> {
  if (c.via === 'cgroupfs') return checkCgroupfsLimits(ctx, c);
  for (let i = 1; ; i++) {
    const r = await checkSliceOnce(ctx, c);
    if (r.ok || !r.kernelSide || i >= settle.tries) return { ok: r.ok, evidence: r.evidence };
    await new Promise((res) => setTimeout(res, settle.ms));
  }
}

async function checkSliceOnce(ctx: HelperContext, c: LimitsCheck): Promise<{ ok: boolean; evidence: string; kernelSide?: boolean }> {
  const slice = `user-${c.uid}.slice`;
  const show = await ctx.run(['systemctl', 'show', slice, '-p', 'ActiveState', '-p', 'MemoryMax', '-p', 'MemorySwapMax', '-p', 'TasksMax', '-p', 'CPUQuotaPerSecUSec'], { timeoutMs: 15_000 });
  if (show.missing || show.code !== 0) return { ok: false, evidence: `systemctl show ${slice} failed (exit ${show.code ?? 'timeout'}): ${(show.stderr || show.stdout).trim().slice(0, 500)}` };
  const p = parseShow(show.stdout);
  const problems: string[] = [];
  const seen: string[] = [];
  const want = (label: string, wanted: number | undefined, got: number | null, shown: string) => {
    if (wanted === undefined) return;
    if (got === wanted) seen.push(`${label} ${shown}`);
    else problems.push(`${label}: systemd has ${shown} loaded, ${label === 'CPUQuota' ? `${wanted}%` : wanted} wanted (the drop-in is not loaded: daemon-reload, or another drop-in overrides it)`);
  };
  want('MemoryMax', c.memoryMax, num(p.MemoryMax), p.MemoryMax ?? '?');
  want('MemorySwapMax', c.swapMax, num(p.MemorySwapMax), p.MemorySwapMax ?? '?');
  want('TasksMax', c.tasksMax, num(p.TasksMax), p.TasksMax ?? '?');
  const cpu = quotaPercent(p.CPUQuotaPerSecUSec);
  want('CPUQuota', c.cpuQuotaPercent, cpu, cpu === null ? (p.CPUQuotaPerSecUSec ?? '?') : `${cpu}%`);
  const configured = `systemd: ${seen.join(', ') || 'nothing'}`;
  if (problems.length) return { ok: false, evidence: `Not enforced for ${c.user}: ${problems.join('; ')}.` };
  if (p.ActiveState !== 'active') return { ok: true, evidence: `Configured (${configured}); ${c.user} has no session now (${slice} is ${p.ActiveState ?? 'unknown'}): the kernel applies them at the next login.` };

  // The kernel's own values, for whichever cgroup mode the host runs.
  const rel = `user.slice/${slice}`;
  const kernel: string[] = [];
  const enforced = (label: string, wanted: number | undefined, file: { path: string; value: string } | null, read: (v: string) => number | null) => {
    if (wanted === undefined) return;
    if (!file) {
      problems.push(`${label}: not enforced (no cgroup file for it under /sys/fs/cgroup; the controller is not available in this cgroup mode)`);
      return;
    }
    const got = read(file.value);
    if (got === wanted) kernel.push(`${file.path.replace(`/sys/fs/cgroup/`, '')} = ${file.value}`);
    else problems.push(`${label}: drifted (${file.path} = ${file.value}, ${wanted} wanted)`);
  };
  enforced('memory', c.memoryMax, await firstFile(ctx, [`/sys/fs/cgroup/${rel}/memory.max`, `/sys/fs/cgroup/memory/${rel}/memory.limit_in_bytes`]), num);
  enforced('swap', c.swapMax, await firstFile(ctx, [`/sys/fs/cgroup/${rel}/memory.swap.max`]), num);
  enforced('tasks', c.tasksMax, await firstFile(ctx, [`/sys/fs/cgroup/${rel}/pids.max`, `/sys/fs/cgroup/pids/${rel}/pids.max`]), num);
  if (c.cpuQuotaPercent !== undefined) {
    const v2 = await firstFile(ctx, [`/sys/fs/cgroup/${rel}/cpu.max`]);
    if (v2) {
      enforced('CPU %', c.cpuQuotaPercent, v2, (v) => {
        const [q, period] = v.split(/\s+/);
        return q === 'max' || !period ? null : Math.round((Number(q) / Number(period)) * 100);
      });
    } else {
      const dirs = [`/sys/fs/cgroup/cpu,cpuacct/${rel}`, `/sys/fs/cgroup/cpu/${rel}`];
      const quota = await firstFile(ctx, dirs.map((d) => `${d}/cpu.cfs_quota_us`));
      const period = quota ? await ctx.readText(quota.path.replace('cpu.cfs_quota_us', 'cpu.cfs_period_us')) : null;
      enforced('CPU %', c.cpuQuotaPercent, quota && { path: quota.path, value: `${quota.value} per ${period?.trim() ?? '?'}` }, () => {
        const q = Number(quota!.value);
        return q < 0 || !period ? null : Math.round((q / Number(period)) * 100);
      });
    }
  }
  if (problems.length) return { ok: false, kernelSide: true, evidence: `Not enforced for ${c.user} (${configured}): ${problems.join('; ')}.` };
  return { ok: true, evidence: `Enforced for ${c.user}'s session: ${kernel.join(', ')} (${configured}).` };
}

const PAMS = ['/etc/pam.d/common-session', '/etc/pam.d/runuser'];

/** The memory-hierarchy cgroup of each process of `uid` (real uid), from /proc. */
async function processesOf(ctx: HelperContext, uid: number): Promise<{ pid: number; cgroup: string }[]> {
  const out: { pid: number; cgroup: string }[] = [];
  for (const name of (await ctx.listDir('/proc')) ?? []) {
    if (!/^\d+$/.test(name)) continue;
    const status = await ctx.readText(`/proc/${name}/status`);
    const ruid = status && /^Uid:\s+(\d+)/m.exec(status);
    if (!ruid || Number(ruid[1]) !== uid) continue;
    // A zombie has exited: only its exit status is left for its parent, nothing to limit.
    if (/^State:\s*[ZX]/m.test(status)) continue;
    const cg = (await ctx.readText(`/proc/${name}/cgroup`)) ?? '';
    const mem = /^\d+:[^:]*\bmemory\b[^:]*:(.*)$/m.exec(cg);
    if (mem) out.push({ pid: Number(name), cgroup: mem[1]!.trim() });
  }
  return out;
}

/**
 * No systemd: Fleetdeck's own cgroup fleetdeck/user-UID (limits-cgroupfs.ts). Enforced when the
 * kernel holds the values, the PAM hook is in place for new sessions, and no process of the user
 * runs outside (in the root cgroup); each of those failing is said, with what was read.
 */
async function checkCgroupfsLimits(ctx: HelperContext, c: LimitsCheck): Promise<{ ok: boolean; evidence: string }> {
  const rel = `fleetdeck/user-${c.uid}`;
  const dir = (ctrl: string) => `/sys/fs/cgroup/${ctrl}/${rel}`;
  const problems: string[] = [];
  const seen: string[] = [];
  const read = async (file: string) => (await ctx.readText(file))?.trim() ?? null;
  if (!(await ctx.exists(dir('memory')))) return { ok: false, evidence: `Not enforced for ${c.user}: there is no cgroup ${dir('memory')} (apply the limits again).` };
  const compare = (label: string, file: string, value: string | null, wanted: number | undefined, got: number | null) => {
    if (wanted === undefined) return;
    if (value === null) problems.push(`${label}: not enforced (${file} cannot be read)`);
    else if (got === wanted) seen.push(`${file.replace('/sys/fs/cgroup/', '')} = ${value}`);
    else problems.push(`${label}: drifted (${file} = ${value}, ${wanted} wanted)`);
  };
  const memFile = `${dir('memory')}/memory.limit_in_bytes`;
  const mem = await read(memFile);
  compare('memory', memFile, mem, c.memoryMax, mem === null ? null : Number(mem));
  if (c.swapMax !== undefined) {
    const swFile = `${dir('memory')}/memory.memsw.limit_in_bytes`;
    const memsw = await read(swFile);
    if (memsw === null) problems.push('swap: not enforced (the kernel keeps no swap accounting: memory.memsw.limit_in_bytes is missing; boot with swapaccount=1)');
    else compare('swap', swFile, memsw, c.swapMax, mem === null ? null : Number(memsw) - Number(mem));
  }
  const pidsFile = `${dir('pids')}/pids.max`;
  const pids = await read(pidsFile);
  compare('tasks', pidsFile, pids, c.tasksMax, pids === null || pids === 'max' ? null : Number(pids));
  if (c.cpuQuotaPercent !== undefined) {
    const qFile = `${dir('cpu')}/cpu.cfs_quota_us`;
    const quota = await read(qFile);
    const period = await read(`${dir('cpu')}/cpu.cfs_period_us`);
    const pct = quota === null || period === null || Number(quota) < 0 ? null : Math.round((Number(quota) / Number(period)) * 100);
    compare('CPU %', qFile, quota === null ? null : `${quota} per ${period ?? '?'}`, c.cpuQuotaPercent, pct);
  }
  const hooked: string[] = [];
  for (const f of PAMS) if ((await ctx.readText(f))?.split('\n').some((l) => /^\s*session\s/.test(l) && l.includes(HOOK))) hooked.push(f);
  if (!hooked.length) problems.push(`new sessions do not join the limits (no pam_exec ${HOOK} line in ${PAMS.join(' or ')})`);
  const procs = await processesOf(ctx, c.uid);
  const inContainer = (cg: string) => CONTAINER_CGROUP_PARTS.some((part) => cg.includes(part));
  // A container started under the user's cgroup (limits-containers.ts) sits below it: inside.
  const outside = procs.filter((p) => p.cgroup !== `/${rel}` && !p.cgroup.startsWith(`/${rel}/`) && !inContainer(p.cgroup));
  if (outside.length) problems.push(`${outside.length} process${outside.length === 1 ? '' : 'es'} of ${c.user} run${outside.length === 1 ? 's' : ''} outside the limits (pid ${outside.slice(0, 5).map((p) => p.pid).join(', ')}${outside.length > 5 ? ', …' : ''}): apply again to move them in`);
  const inside = procs.filter((p) => p.cgroup === `/${rel}`).length;
  const how = `cgroupfs ${rel}; PAM hook in ${hooked.join(', ') || 'nothing'}`;
  if (problems.length) return { ok: false, evidence: `Not enforced for ${c.user} (${how}): ${problems.join('; ')}.` };
  return { ok: true, evidence: `Enforced for ${c.user}: ${seen.join(', ')} (${how}; ${inside} process${inside === 1 ? '' : 'es'} inside now, new sessions join at login).` };
}
