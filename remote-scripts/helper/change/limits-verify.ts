import type { Check } from '../../../src-common/change/plan.schema.js';
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

export async function checkUserLimits(ctx: HelperContext, c: LimitsCheck): Promise<{ ok: boolean; evidence: string }> {
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
  if (problems.length) return { ok: false, evidence: `Not enforced for ${c.user} (${configured}): ${problems.join('; ')}.` };
  return { ok: true, evidence: `Enforced for ${c.user}'s session: ${kernel.join(', ')} (${configured}).` };
}
