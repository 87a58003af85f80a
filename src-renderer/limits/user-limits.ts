import type { InstalledModule } from '../../src-common/change/modules.contract.js';
import { effectiveLimits, formatSize, limitsSettings, type LimitSpec, type LimitsSettings } from '../../src-common/modules/limits.js';

/**
 * What the Users tab shows of a host's limits policy (the limits module's stored settings): each
 * user's effective limits in words, and what the last verify said about that user.
 */
export type LimitState = 'enforced' | 'failing' | 'unverified';

export interface UserLimits {
  text: string;
  state: LimitState;
  /** Where each value comes from ("profile student", "own"). */
  from: Partial<Record<keyof LimitSpec, string>>;
  spec: LimitSpec;
}

export function policyOf(installed: readonly InstalledModule[] | undefined): { policy: LimitsSettings; lastVerify: InstalledModule['lastVerify'] } {
  const row = installed?.find((i) => i.module === 'limits');
  const parsed = limitsSettings.safeParse(row?.settings ?? {});
  return { policy: parsed.success ? parsed.data : limitsSettings.parse({}), lastVerify: row?.lastVerify ?? null };
}

export function describeLimits(spec: LimitSpec): string {
  const parts = [
    spec.cpu !== undefined ? `${spec.cpu} CPU` : null,
    spec.memory !== undefined ? `${formatSize(spec.memory)} memory` : null,
    spec.swap !== undefined ? `${formatSize(spec.swap)} swap` : null,
    spec.tasks !== undefined ? `${spec.tasks} tasks` : null,
    spec.io?.length ? `IO on ${spec.io.map((d) => d.device).join(', ')}` : null,
    spec.containers !== undefined ? `${spec.containers} container${spec.containers === 1 ? '' : 's'}` : null,
    spec.gpus !== undefined ? (Array.isArray(spec.gpus) ? `GPU ${spec.gpus.join(',')}` : `${spec.gpus} GPU${spec.gpus === 1 ? '' : 's'}`) : null,
    spec.disk?.hard !== undefined ? `${formatSize(spec.disk.hard)} disk` : spec.disk?.soft !== undefined ? `${formatSize(spec.disk.soft)} disk (soft)` : null,
  ];
  return parts.filter(Boolean).join(' · ');
}

export function userLimits(installed: readonly InstalledModule[] | undefined, user: string, memberOf: readonly string[] = []): UserLimits | null {
  const { policy, lastVerify } = policyOf(installed);
  const e = effectiveLimits(policy, user, memberOf);
  if (!e) return null;
  // Verify's failed checks are labelled "USER: …" by the limits module.
  const state: LimitState = !lastVerify ? 'unverified' : lastVerify.failed.some((l) => l.startsWith(`${user}:`)) ? 'failing' : 'enforced';
  return { text: describeLimits(e.spec) || 'no limits', state, from: e.from, spec: e.spec };
}

/** The form's text fields → a user's entry (or a profile) for the policy (blank: no limit of that kind). */
export interface LimitsForm {
  profile: string;
  cpu: string;
  memory: string;
  swap: string;
  tasks: string;
  containers: string;
  /** "2" (how many per container) or "0,1" (which). */
  gpus: string;
  diskSoft: string;
  diskHard: string;
}

export const FORM_KEYS = ['cpu', 'memory', 'swap', 'tasks', 'containers', 'gpus', 'diskSoft', 'diskHard'] as const;

export function formOfSpec(spec: LimitSpec | undefined, profile = ''): LimitsForm {
  const n = (v: number | undefined) => (v === undefined ? '' : String(v));
  const size = (v: number | undefined) => (v === undefined ? '' : formatSize(v));
  return {
    profile,
    cpu: n(spec?.cpu),
    memory: size(spec?.memory),
    swap: size(spec?.swap),
    tasks: n(spec?.tasks),
    containers: n(spec?.containers),
    gpus: spec?.gpus === undefined ? '' : Array.isArray(spec.gpus) ? (spec.gpus.length === 1 ? `${spec.gpus[0]},` : spec.gpus.join(',')) : String(spec.gpus),
    diskSoft: size(spec?.disk?.soft),
    diskHard: size(spec?.disk?.hard),
  };
}

export function formOf(policy: LimitsSettings, user: string): LimitsForm {
  const own = policy.users.find((u) => u.user === user);
  return formOfSpec(own, own?.profile ?? '');
}

/** The limit values of a form, for the schema to check; values the form does not show (IO, file quotas) are kept from `keep`. */
export function specOfForm(form: LimitsForm, keep: Record<string, unknown> = {}): Record<string, unknown> {
  const { cpu: _c, memory: _m, swap: _s, tasks: _t, containers: _n, gpus: _g, disk, ...rest } = keep as Record<string, unknown> & { disk?: Record<string, unknown> };
  const out: Record<string, unknown> = { ...rest };
  for (const k of ['cpu', 'memory', 'swap', 'tasks', 'containers'] as const) if (form[k].trim()) out[k] = form[k].trim();
  const g = form.gpus.trim();
  if (g) out.gpus = /^\d+$/.test(g) ? Number(g) : g.split(',').map((x) => x.trim()).filter(Boolean);
  const { soft: _ds, hard: _dh, ...diskRest } = disk ?? {};
  const d: Record<string, unknown> = { ...diskRest };
  if (form.diskSoft.trim()) d.soft = form.diskSoft.trim();
  if (form.diskHard.trim()) d.hard = form.diskHard.trim();
  if (Object.keys(d).length) out.disk = d;
  return out;
}

export const formEmpty = (form: LimitsForm) => !form.profile && FORM_KEYS.every((k) => !form[k].trim());

/** The policy with this user's entry from the form (or without the user), for the module to check. */
export function policyWithForm(policy: LimitsSettings, user: string, form: LimitsForm | null): Record<string, unknown> {
  const users: Record<string, unknown>[] = policy.users.filter((u) => u.user !== user).map((u) => ({ ...u }));
  if (form) {
    const { user: _u, profile: _p, ...keep } = policy.users.find((u) => u.user === user) ?? { user };
    users.push({ user, ...(form.profile ? { profile: form.profile } : {}), ...specOfForm(form, keep) });
  }
  return { ...policy, users };
}

/** The policy with a profile set from the form (renamed from `was`), or taken out (null): users and groups naming it keep the name. */
export function policyWithProfile(policy: LimitsSettings, name: string, form: LimitsForm | null, was: string | null = null): Record<string, unknown> {
  const profiles: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(policy.profiles)) if (k !== name && k !== was) profiles[k] = v;
  if (form) profiles[name] = specOfForm(form, was ? (policy.profiles[was] as Record<string, unknown>) : ((policy.profiles[name] as Record<string, unknown> | undefined) ?? {}));
  const rename = <T extends { profile?: string }>(e: T) => (was && was !== name && e.profile === was ? { ...e, profile: name } : e);
  return { ...policy, profiles, users: policy.users.map(rename), groups: policy.groups.map(rename) };
}

/** Who names a profile (a profile still in use cannot go). */
export function profileUsers(policy: LimitsSettings, name: string): string[] {
  return [...policy.users.filter((u) => u.profile === name).map((u) => u.user), ...policy.groups.filter((g) => g.profile === name).map((g) => `group ${g.group}`)];
}

/**
 * Which users each GPU is allocated to (by index or UUID), from the host's policy, for the GPUs
 * tab; and the users allowed a number of GPUs per container rather than given GPUs.
 */
export function gpuAllocations(installed: readonly InstalledModule[] | undefined, users: readonly { name: string; groups: readonly string[] }[]): { byGpu: Map<string, string[]>; counts: { user: string; count: number }[] } {
  const { policy } = policyOf(installed);
  const byGpu = new Map<string, string[]>();
  const counts: { user: string; count: number }[] = [];
  for (const u of users) {
    const gpus = effectiveLimits(policy, u.name, u.groups)?.spec.gpus;
    if (gpus === undefined) continue;
    if (!Array.isArray(gpus)) counts.push({ user: u.name, count: gpus });
    else for (const g of gpus) byGpu.set(g, [...(byGpu.get(g) ?? []), u.name]);
  }
  return { byGpu, counts };
}
