import { DOCKER_WRAPPER_PATH as WRAPPER } from '../../../src-common/change/host-paths.js';
import type { Check } from '../../../src-common/change/plan.schema.js';
import { OWNER_LABEL } from '../../../src-common/monitor/labels.js';
import type { HelperContext } from '../context.js';

/**
 * Verifies a limited user's running containers against Docker itself (`docker inspect`), never
 * against Fleetdeck's files. A container is the user's when it carries the owner label or runs as
 * the user (Config.User). Each is enforced when it sits in the user's cgroup (its cgroup parent),
 * else when it has a memory limit of its own no higher than the user's; anything else is "not
 * enforced", named. Also: the count against the user's maximum, the GPUs each may see, and that
 * the wrapper that places new containers is in place.
 */
type ContainersCheck = Extract<Check, { kind: 'user-containers' }>;

export interface Inspected {
  Id?: string;
  Name?: string;
  Config?: { User?: string; Labels?: Record<string, string> | null; Env?: string[] | null };
  HostConfig?: { CgroupParent?: string; Memory?: number; DeviceRequests?: { Count?: number; DeviceIDs?: string[] | null; Capabilities?: string[][] | null }[] | null };
}

const short = (c: Inspected) => (c.Name ?? '').replace(/^\//, '') || (c.Id ?? '?').slice(0, 12);

/** The GPUs a container may see, as Docker was asked: 'all', a list of ids, a count, or none. */
export function gpusOf(c: Inspected): { all: true } | { ids: string[] } | { count: number } | null {
  const env = (c.Config?.Env ?? []).find((e) => e.startsWith('NVIDIA_VISIBLE_DEVICES='))?.slice('NVIDIA_VISIBLE_DEVICES='.length);
  for (const r of c.HostConfig?.DeviceRequests ?? []) {
    if (!(r.Capabilities ?? []).some((cs) => cs.includes('gpu'))) continue;
    if (r.DeviceIDs?.length) return { ids: r.DeviceIDs };
    if (r.Count === -1) return { all: true };
    if (r.Count) return { count: r.Count };
  }
  if (env && env !== 'void' && env !== 'none') return env === 'all' ? { all: true } : { ids: env.split(',') };
  return null;
}

/** What is wrong with one of the user's containers, or null when it is under the user's limits. */
export function containerProblem(c: Inspected, check: ContainersCheck): string | null {
  const parent = c.HostConfig?.CgroupParent ?? '';
  const mem = c.HostConfig?.Memory ?? 0;
  const placed = check.parents.includes(parent);
  const own = mem > 0 && (check.memoryMax === undefined || mem <= check.memoryMax);
  const gpus = gpusOf(c);
  if (gpus && check.gpus) {
    const outside = 'all' in gpus ? ['all'] : 'ids' in gpus ? gpus.ids.filter((g) => !check.gpus!.includes(g)) : [];
    if (outside.length || 'count' in gpus) return `${short(c)} may use GPU ${'all' in gpus ? 'all of them' : 'ids' in gpus ? outside.join(',') : `any ${gpus.count}`}, ${check.user}'s are ${check.gpus.join(',')}`;
  }
  if (gpus && check.gpuCount !== undefined) {
    const n = 'all' in gpus ? Infinity : 'ids' in gpus ? gpus.ids.length : gpus.count;
    if (n > check.gpuCount) return `${short(c)} may use ${n === Infinity ? 'every' : n} GPU${n === 1 ? '' : 's'}, at most ${check.gpuCount} allowed`;
  }
  if (placed || own) return null;
  return `${short(c)} runs outside ${check.user}'s limits (cgroup parent ${parent || 'Docker’s default'}, memory ${mem ? `${mem} bytes, ${check.memoryMax} allowed` : 'unlimited'})`;
}

const isUsers = (c: Inspected, check: ContainersCheck) => {
  const label = c.Config?.Labels?.[OWNER_LABEL];
  if (label) return label === check.user;
  const u = (c.Config?.User ?? '').split(':')[0];
  return u === check.user || u === String(check.uid);
};

export async function checkUserContainers(ctx: HelperContext, check: ContainersCheck): Promise<{ ok: boolean; evidence: string }> {
  const ps = await ctx.run(['docker', 'ps', '-q', '--no-trunc'], { timeoutMs: 20_000 });
  if (ps.missing) return { ok: true, evidence: 'Docker is not installed: no containers to limit.' };
  if (ps.code !== 0) return { ok: false, evidence: `Cannot list the containers (docker ps, exit ${ps.code ?? 'timeout'}): ${ps.stderr.trim().slice(0, 300)}` };
  const ids = ps.stdout.split('\n').map((l) => l.trim()).filter((l) => /^[0-9a-f]{64}$/.test(l));
  let all: Inspected[] = [];
  if (ids.length) {
    const r = await ctx.run(['docker', 'inspect', ...ids], { timeoutMs: 30_000 });
    try {
      all = r.code === 0 ? (JSON.parse(r.stdout) as Inspected[]) : [];
    } catch {
      all = [];
    }
  }
  const mine = all.filter((c) => isUsers(c, check));
  const problems = mine.map((c) => containerProblem(c, check)).filter((p): p is string => p !== null);
  if (check.maxContainers !== undefined && mine.length > check.maxContainers) problems.push(`${mine.length} containers run, at most ${check.maxContainers} allowed`);
  const wrapper = await ctx.readText(WRAPPER);
  if (!wrapper?.includes('Fleetdeck')) problems.push(`new containers are not placed under the limits: ${WRAPPER} is ${wrapper === null ? 'missing' : 'not Fleetdeck’s wrapper'} (apply again)`);
  const placed = mine.filter((c) => check.parents.includes(c.HostConfig?.CgroupParent ?? '')).length;
  const seen = `${mine.length} running container${mine.length === 1 ? '' : 's'} of ${check.user}${mine.length ? `, ${placed} in ${check.user}'s cgroup, ${mine.length - placed} with limits of their own` : ''}; new ones start in ${check.parents.join(' or ')} through ${WRAPPER}`;
  if (problems.length) return { ok: false, evidence: `Not enforced for ${check.user}'s containers: ${problems.join('; ')} (read with docker inspect).` };
  return { ok: true, evidence: `Enforced: ${seen} (read with docker inspect).` };
}
