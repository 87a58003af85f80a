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

/** The form's text fields → a user's entry for the policy (blank: no limit of that kind). */
export interface LimitsForm {
  profile: string;
  cpu: string;
  memory: string;
  swap: string;
  tasks: string;
}

export function formOf(policy: LimitsSettings, user: string): LimitsForm {
  const own = policy.users.find((u) => u.user === user);
  const s = (n: number | undefined, size = false) => (n === undefined ? '' : size ? formatSize(n) : String(n));
  return { profile: own?.profile ?? '', cpu: s(own?.cpu), memory: s(own?.memory, true), swap: s(own?.swap, true), tasks: s(own?.tasks) };
}

/** The policy with this user's entry from the form (or without the user), for the module to check. */
export function policyWithForm(policy: LimitsSettings, user: string, form: LimitsForm | null): Record<string, unknown> {
  const users: Record<string, unknown>[] = policy.users.filter((u) => u.user !== user).map((u) => ({ ...u }));
  if (form) {
    const keep = policy.users.find((u) => u.user === user);
    const entry: Record<string, unknown> = { user, ...(keep?.io ? { io: keep.io } : {}) };
    if (form.profile) entry.profile = form.profile;
    for (const k of ['cpu', 'memory', 'swap', 'tasks'] as const) if (form[k].trim()) entry[k] = form[k].trim();
    users.push(entry);
  }
  return { profiles: policy.profiles, users, groups: policy.groups };
}
