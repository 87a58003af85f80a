import type { Check } from '../../../src-common/change/plan.schema.js';
import { resourceId, type Resource } from '../../../src-common/change/resource.schema.js';
import { effectiveLimits, formatSize, limitsInfo, limitsSettings, type LimitSpec, type LimitsSettings } from '../../../src-common/modules/limits.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { defineModule, type HostFacts, type ModuleContext } from '../change/module.js';

/**
 * Per-user limits on systemd hosts (issue 11): one drop-in per limited user on that user's slice,
 * /etc/systemd/system/user-UID.slice.d/50-fleetdeck-limits.conf, which systemd applies to every
 * process of the user's sessions (ssh, su, runuser through PAM, and `systemd-run --user`), on
 * cgroup v2 and on v1/hybrid alike (systemd maps MemoryMax, CPUQuota, TasksMax and the IO
 * bandwidth to the v1 controllers). `systemctl daemon-reload` applies them to running sessions.
 *
 * Verify does not trust the file: a "user-limits" check reads what systemd has loaded and, while
 * the user has a session, what the kernel enforces (memory.max or memory.limit_in_bytes, cpu.max
 * or cpu.cfs_quota_us, pids.max), so a limit written for the wrong mode fails loudly.
 */
export const dropInPath = (uid: number) => `/etc/systemd/system/user-${uid}.slice.d/50-fleetdeck-limits.conf`;

const HEADER = '# Managed by Fleetdeck (per-user limits). Edits here show up as drift and are undone by the next apply.\n';

/** CPUQuota for cores: 0.5 → 50%, 2 → 200%. */
const cpuQuota = (cores: number) => `${Math.round(cores * 100)}%`;

export function dropIn(user: string, spec: LimitSpec): string {
  const lines = [`${HEADER}# Limits of ${user}.`, '[Slice]'];
  if (spec.cpu !== undefined) lines.push(`CPUQuota=${cpuQuota(spec.cpu)}`);
  if (spec.memory !== undefined) lines.push(`MemoryMax=${spec.memory}`);
  if (spec.swap !== undefined) lines.push(`MemorySwapMax=${spec.swap}`);
  if (spec.tasks !== undefined) lines.push(`TasksMax=${spec.tasks}`);
  for (const d of spec.io ?? []) {
    if (d.read !== undefined) lines.push(`IOReadBandwidthMax=${d.device} ${d.read}`);
    if (d.write !== undefined) lines.push(`IOWriteBandwidthMax=${d.device} ${d.write}`);
  }
  return `${lines.join('\n')}\n`;
}

export function describeSpec(spec: LimitSpec): string {
  const parts = [
    spec.cpu !== undefined ? `CPU ${spec.cpu} ${spec.cpu === 1 ? 'core' : 'cores'}` : null,
    spec.memory !== undefined ? `memory ${formatSize(spec.memory)}` : null,
    spec.swap !== undefined ? `swap ${formatSize(spec.swap)}` : null,
    spec.tasks !== undefined ? `${spec.tasks} tasks` : null,
    ...(spec.io ?? []).flatMap((d) => [d.read !== undefined ? `read ${formatSize(d.read)}/s on ${d.device}` : null, d.write !== undefined ? `write ${formatSize(d.write)}/s on ${d.device}` : null]),
  ];
  return parts.filter(Boolean).join(', ') || 'no limits';
}

function accountOf(ctx: ModuleContext<LimitsSettings>, user: string): number {
  const a = ctx.facts.accounts?.get(user);
  if (!a) throw new FleetdeckError('invalid-input', `There is no user "${user}" on ${ctx.facts.hostName}: create the account first, or take it out of the limits.`, { user });
  return a.uid;
}

/** Who a policy limits on this host: its users, and the members of its groups (as the host lists them). */
export function limitedNames(s: LimitsSettings, groups: ReadonlyMap<string, readonly string[]> | undefined): string[] {
  return [...new Set([...s.users.map((u) => u.user), ...s.groups.flatMap((g) => groups?.get(g.group) ?? [])])];
}

const memberOf = (ctx: ModuleContext<LimitsSettings>, user: string) => ctx.settings.groups.filter((g) => ctx.facts.groups?.get(g.group)?.includes(user)).map((g) => g.group);

function limited(ctx: ModuleContext<LimitsSettings>): { user: string; uid: number; spec: LimitSpec }[] {
  for (const g of ctx.settings.groups) {
    if (!ctx.facts.groups?.has(g.group)) throw new FleetdeckError('invalid-input', `There is no group "${g.group}" on ${ctx.facts.hostName}: create it first, or take it out of the limits.`, { group: g.group });
  }
  return limitedNames(ctx.settings, ctx.facts.groups).map((user) => ({ user, uid: accountOf(ctx, user), spec: effectiveLimits(ctx.settings, user, memberOf(ctx, user))!.spec }));
}

export const limitsModule = defineModule<LimitsSettings>({
  info: limitsInfo,
  settings: limitsSettings as never,
  accounts: (s, previous) => [...new Set([...s.users, ...(previous?.users ?? [])].map((u) => u.user))],
  groups: (s, previous) => [...new Set([...s.groups, ...(previous?.groups ?? [])].map((g) => g.group))],
  unsupported(facts: HostFacts) {
    if (facts.probe.serviceManager !== 'systemd') return 'per-user limits without systemd (cgroupfs directly) are not built yet: this host needs systemd';
    if (facts.probe.cgroup.mode === 'none') return 'the host has no cgroups mounted';
    return null;
  },
  network: () => null,
  opens: () => [],
  resources(ctx) {
    const files: Resource[] = limited(ctx).map(({ user, uid, spec }) => ({ kind: 'file', path: dropInPath(uid), content: dropIn(user, spec), mode: 0o644, owner: 'root', group: 'root' }));
    // Users limited last time and left out now: their drop-ins go (an account deleted since has no
    // slice to limit; a member who left a limited group on the host keeps the drop-in: roll back or
    // list them to change it).
    const now = new Set(limitedNames(ctx.settings, ctx.facts.groups));
    for (const user of ctx.previous ? limitedNames(ctx.previous, ctx.facts.groups) : []) {
      const uid = ctx.facts.accounts?.get(user)?.uid;
      if (uid !== undefined && !now.has(user)) files.push({ kind: 'file', path: dropInPath(uid), content: null });
    }
    if (!files.length) return [];
    return [
      ...files,
      {
        kind: 'command',
        id: 'limits-reload',
        label: 'Reload systemd: the user slices take the new limits, running sessions included',
        argv: ['systemctl', 'daemon-reload'],
        when: files.map(resourceId),
        // A rollback restores the files and then reloads systemd itself (apply.ts).
        undoneWith: 'systemd is reloaded once the drop-ins are restored',
      },
    ];
  },
  checks(ctx) {
    return limited(ctx).map(({ user, uid, spec }): Check => ({
      kind: 'user-limits',
      id: `limits-${user}`,
      label: `${user}: ${describeSpec(spec)}`,
      user,
      uid,
      ...(spec.memory !== undefined ? { memoryMax: spec.memory } : {}),
      ...(spec.swap !== undefined ? { swapMax: spec.swap } : {}),
      ...(spec.tasks !== undefined ? { tasksMax: spec.tasks } : {}),
      ...(spec.cpu !== undefined ? { cpuQuotaPercent: Math.round(spec.cpu * 100) } : {}),
    }));
  },
  warnings(ctx) {
    const out: string[] = [];
    const mode = ctx.facts.probe.cgroup.mode;
    if (mode !== 'v2' && limitedNames(ctx.settings, ctx.facts.groups).some((u) => effectiveLimits(ctx.settings, u, memberOf(ctx, u))?.spec.swap !== undefined)) {
      out.push(`This host runs cgroup ${mode}: systemd cannot limit swap there (MemorySwapMax needs cgroup v2), so the swap limits are written but not enforced; verify says so.`);
    }
    return out;
  },
});
