import type { Check } from '../../../src-common/change/plan.schema.js';
import { resourceId, type Resource } from '../../../src-common/change/resource.schema.js';
import { effectiveLimits, formatSize, limitsInfo, limitsSettings, type LimitSpec, type LimitsSettings } from '../../../src-common/modules/limits.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { defineModule, hasDocker, type HostFacts, type ModuleContext } from '../change/module.js';
import { cgroupConf, cgroupfsResources, confPath } from './limits-cgroupfs.js';
import { describeDisk, quotaPlan } from './limits-quota.js';
import { gpuDevicePlan, restrictedGpus } from './limits-gpus.js';
import { containerParents, containerResources, containersConf, WRAPPER_PATH } from './limits-containers.js';

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
    spec.containers !== undefined ? `${spec.containers} container${spec.containers === 1 ? '' : 's'}` : null,
    spec.gpus !== undefined ? (Array.isArray(spec.gpus) ? `GPU ${spec.gpus.join(',')}` : `${spec.gpus} GPU${spec.gpus === 1 ? '' : 's'} per container`) : null,
    spec.disk && Object.keys(spec.disk).length ? `disk ${describeDisk(spec.disk)}` : null,
    ...(spec.io ?? []).flatMap((d) => [d.read !== undefined ? `read ${formatSize(d.read)}/s on ${d.device}` : null, d.write !== undefined ? `write ${formatSize(d.write)}/s on ${d.device}` : null]),
  ];
  return parts.filter(Boolean).join(', ') || 'no limits';
}

function accountOf(ctx: ModuleContext<LimitsSettings>, user: string): number {
  const a = ctx.facts.accounts?.get(user);
  if (!a) throw new FleetdeckError('invalid-input', `There is no user "${user}" on ${ctx.facts.hostName}: create the account first, or take it out of the limits.`, { user });
  if (a.uid === 0) throw new FleetdeckError('invalid-input', `"${user}" is root (uid 0) on ${ctx.facts.hostName}: root is never limited (it would limit the host's own services). Take it out of the limits.`, { user });
  return a.uid;
}

/** systemd hosts limit a user's slice; hosts without systemd get Fleetdeck's own cgroups (limits-cgroupfs.ts). */
const viaSystemd = (facts: HostFacts) => facts.probe.serviceManager === 'systemd';

/** Who a policy limits on this host: its users, and the members of its groups (as the host lists them). */
export function limitedNames(s: LimitsSettings, groups: ReadonlyMap<string, readonly string[]> | undefined): string[] {
  return [...new Set([...s.users.map((u) => u.user), ...s.groups.flatMap((g) => groups?.get(g.group) ?? [])])];
}

/** Each user a policy limits on this host (its users, and its groups' members), with their effective limits. */
function specsOf(s: LimitsSettings, groups: ReadonlyMap<string, readonly string[]> | undefined): { user: string; spec: LimitSpec }[] {
  return limitedNames(s, groups).map((user) => ({ user, spec: effectiveLimits(s, user, s.groups.filter((g) => groups?.get(g.group)?.includes(user)).map((g) => g.group))!.spec }));
}

function limited(ctx: ModuleContext<LimitsSettings>): { user: string; uid: number; spec: LimitSpec }[] {
  for (const g of ctx.settings.groups) {
    if (!ctx.facts.groups?.has(g.group)) throw new FleetdeckError('invalid-input', `There is no group "${g.group}" on ${ctx.facts.hostName}: create it first, or take it out of the limits.`, { group: g.group });
  }
  return specsOf(ctx.settings, ctx.facts.groups).map(({ user, spec }) => ({ user, uid: accountOf(ctx, user), spec }));
}

export const limitsModule = defineModule<LimitsSettings>({
  info: limitsInfo,
  settings: limitsSettings as never,
  accounts: (s, previous) => [...new Set([...s.users, ...(previous?.users ?? [])].map((u) => u.user))],
  groups: (s, previous) => [...new Set([...s.groups, ...(previous?.groups ?? [])].map((g) => g.group))],
  quotaUsers: (s, groups, previous) => [...diskUsers(s, groups), ...(previous ? diskUsers(previous, groups) : [])],
  unsupported(facts: HostFacts) {
    if (facts.probe.cgroup.mode === 'none') return 'the host has no cgroups mounted';
    if (!viaSystemd(facts) && facts.probe.cgroup.mode === 'v2') return 'per-user limits on cgroup v2 without systemd are not built yet (hosts with systemd, and cgroup v1 or hybrid hosts without it, are)';
    if (!viaSystemd(facts) && !['memory', 'cpu', 'pids'].every((c) => facts.probe.cgroup.controllers.includes(c))) return `the host lacks a cgroup controller per-user limits need (memory, cpu and pids; it has ${facts.probe.cgroup.controllers.join(', ') || 'none'})`;
    return null;
  },
  network: () => null,
  opens: () => [],
  resources(ctx) {
    return [...(viaSystemd(ctx.facts) ? systemdPlan(ctx) : cgroupfsPlan(ctx)), ...containersPlan(ctx), ...quotaPlan(ctx.facts, limited(ctx), quotaFreed(ctx)).resources, ...gpuPlan(ctx).resources];
  },
  checks(ctx) {
    const docker = hasDocker(ctx.facts);
    return limited(ctx).flatMap(({ user, uid, spec }): Check[] => [
      {
        kind: 'user-limits',
        id: `limits-${user}`,
        label: `${user}: ${describeSpec({ ...spec, containers: undefined, gpus: undefined, disk: undefined })}`,
        user,
        uid,
        ...(spec.memory !== undefined ? { memoryMax: spec.memory } : {}),
        ...(spec.swap !== undefined ? { swapMax: spec.swap } : {}),
        ...(spec.tasks !== undefined ? { tasksMax: spec.tasks } : {}),
        ...(spec.cpu !== undefined ? { cpuQuotaPercent: Math.round(spec.cpu * 100) } : {}),
        ...(viaSystemd(ctx.facts) ? {} : { via: 'cgroupfs' as const }),
      },
      ...(docker
        ? [
            {
              kind: 'user-containers' as const,
              id: `containers-${user}`,
              label: `${user}: containers under ${user}'s limits${spec.containers !== undefined ? `, at most ${spec.containers} running` : ''}${spec.gpus !== undefined ? `, GPUs ${Array.isArray(spec.gpus) ? spec.gpus.join(',') : `≤ ${spec.gpus}`}` : ''}`,
              user,
              uid,
              parents: Object.values(containerParents(uid, viaSystemd(ctx.facts))).filter((p): p is string => !!p),
              ...(spec.memory !== undefined ? { memoryMax: spec.memory } : {}),
              ...(spec.containers !== undefined ? { maxContainers: spec.containers } : {}),
              ...(Array.isArray(spec.gpus) ? { gpus: spec.gpus } : spec.gpus !== undefined ? { gpuCount: spec.gpus } : {}),
            },
          ]
        : []),
    ]).concat(quotaPlan(ctx.facts, limited(ctx)).checks, gpuPlan(ctx).checks);
  },
  warnings(ctx) {
    const out = [...modeWarnings(ctx), ...quotaPlan(ctx.facts, limited(ctx)).warnings, ...gpuPlan(ctx).warnings];
    if (!hasDocker(ctx.facts) && limited(ctx).some((l) => l.spec.containers !== undefined || l.spec.gpus !== undefined)) out.push('This host has no Docker: the container and GPU limits have nothing to apply to yet (apply again once Docker is installed).');
    if (hasDocker(ctx.facts) && limited(ctx).length) {
      out.push(`Docker: ${WRAPPER_PATH} (a root-owned wrapper ahead of the docker client) starts each limited user's containers in that user's cgroup and labels them, so they count against the user's limits. Membership of the docker group is root on any host: this keeps honest users inside their limits, it does not stop a hostile one.`);
      const driver = ctx.facts.probe.containerRuntimes.find((r) => r.name === 'docker')?.cgroupDriver;
      if (viaSystemd(ctx.facts) && driver !== 'systemd') {
        out.push(`Docker uses the ${driver ?? 'cgroupfs (probably)'} cgroup driver here: a container counts against its user's slice while the slice is active (the user has a session); with the systemd driver (the docker module's cgroupDriver: systemd) systemd holds the slice's limits whatever the sessions. Verify reads each container's own cgroup.`);
      }
    }
    return out;
  },
});


/** Each limited user's container conf when the host has Docker, and the removal of those no longer limited. */
function containersPlan(ctx: ModuleContext<LimitsSettings>): Resource[] {
  if (!hasDocker(ctx.facts)) return [];
  return containerResources([
    ...limited(ctx).map(({ user, uid, spec }) => ({ uid, content: containersConf(user, containerParents(uid, viaSystemd(ctx.facts)), spec) })),
    ...noLongerLimited(ctx).map((uid) => ({ uid, content: null })),
  ]);
}

function systemdPlan(ctx: ModuleContext<LimitsSettings>): Resource[] {
  // Users limited last time and left out now: their drop-ins go (an account deleted since has no
  // slice to limit; a member who left a limited group on the host keeps the drop-in: roll back or
  // list them to change it).
  const files: Resource[] = [
    ...limited(ctx).map(({ user, uid, spec }): Resource => ({ kind: 'file', path: dropInPath(uid), content: dropIn(user, spec), mode: 0o644, owner: 'root', group: 'root' })),
    ...noLongerLimited(ctx).map((uid): Resource => ({ kind: 'file', path: dropInPath(uid), content: null })),
  ];
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
}

/** GPU device permissions (the policy's gpuDevices), and taking them away when turned off. */
function gpuPlan(ctx: ModuleContext<LimitsSettings>) {
  const was = ctx.previous?.gpuDevices ? restrictedGpus(specsOf(ctx.previous, ctx.facts.groups)) : [];
  return gpuDevicePlan(limited(ctx), !!ctx.settings.gpuDevices, was);
}

/** Users with a disk quota in a policy (their home's filesystem is read for the plan). */
function diskUsers(s: LimitsSettings, groups: ReadonlyMap<string, readonly string[]> | undefined): string[] {
  return specsOf(s, groups)
    .filter(({ spec }) => spec.disk)
    .map(({ user }) => user);
}

/** Users who had a disk quota last time and have none now: their quota is freed (offboarding, --clear). */
function quotaFreed(ctx: ModuleContext<LimitsSettings>): { user: string; uid: number }[] {
  if (!ctx.previous) return [];
  const now = new Set(diskUsers(ctx.settings, ctx.facts.groups));
  return diskUsers(ctx.previous, ctx.facts.groups)
    .filter((u) => !now.has(u))
    .map((user) => ({ user, uid: ctx.facts.accounts?.get(user)?.uid ?? -1 }))
    .filter((u) => u.uid >= 0);
}

/** The uids of users limited last time and not now (their files go). */
function noLongerLimited(ctx: ModuleContext<LimitsSettings>): number[] {
  const now = new Set(limitedNames(ctx.settings, ctx.facts.groups));
  return (ctx.previous ? limitedNames(ctx.previous, ctx.facts.groups) : [])
    .filter((user) => !now.has(user))
    .map((user) => ctx.facts.accounts?.get(user)?.uid)
    .filter((uid): uid is number => uid !== undefined);
}

function modeWarnings(ctx: ModuleContext<LimitsSettings>): string[] {
  const out: string[] = [];
  const mode = ctx.facts.probe.cgroup.mode;
  if (!viaSystemd(ctx.facts)) {
    out.push(`This host has no systemd: Fleetdeck limits each user through its own cgroups (fleetdeck/user-UID) and a PAM session hook (pam_exec) that puts every new ssh, su and runuser session in them. Processes started without a PAM session (by root, by a daemon) stay outside; verify names any it finds.`);
    if (!ctx.facts.probe.cgroup.controllers.includes('blkio') && specsOf(ctx.settings, ctx.facts.groups).some(({ spec }) => spec.io?.length)) out.push('This host has no blkio controller: IO limits are written but not enforced.');
    return out;
  }
  if (mode !== 'v2' && specsOf(ctx.settings, ctx.facts.groups).some(({ spec }) => spec.swap !== undefined)) {
    out.push(`This host runs cgroup ${mode}: systemd cannot limit swap there (MemorySwapMax needs cgroup v2), so the swap limits are written but not enforced; verify says so.`);
  }
  return out;
}

/** No systemd: the users' confs (and the removal of those no longer limited), the hook, the sync. */
function cgroupfsPlan(ctx: ModuleContext<LimitsSettings>): Resource[] {
  const confs = [...limited(ctx).map(({ user, uid, spec }) => ({ uid, content: cgroupConf(user, spec) })), ...noLongerLimited(ctx).map((uid) => ({ uid, content: null }))];
  if (!confs.length) return [];
  return cgroupfsResources(confs);
}

/**
 * The limits Fleetdeck last applied to one user on a host, read back from the host's own file (the
 * slice drop-in, or the cgroupfs conf): for `limits verify --local` and USER@HOST, which have no
 * stored policy. Only the keys Fleetdeck writes are read; null when the file is not there.
 */
export function appliedFile(facts: HostFacts, uid: number): string {
  return viaSystemd(facts) ? dropInPath(uid) : confPath(uid);
}

export function parseApplied(text: string): LimitSpec {
  const spec: LimitSpec = {};
  const io = new Map<string, { device: string; read?: number; write?: number }>();
  const n = (v: string) => (/^\d+$/.test(v) ? Number(v) : undefined);
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'memory' || key === 'MemoryMax') spec.memory = n(value);
    else if (key === 'swap' || key === 'MemorySwapMax') spec.swap = n(value);
    else if (key === 'tasks' || key === 'TasksMax') spec.tasks = n(value);
    else if (key === 'containers') spec.containers = n(value);
    else if (key === 'gpu_count') spec.gpus = n(value);
    else if (key === 'gpus' && value) spec.gpus = value.split(',');
    else if (key === 'cpu_quota_us' && n(value) !== undefined) spec.cpu = n(value)! / 100_000;
    else if (key === 'CPUQuota' && /^\d+%$/.test(value)) spec.cpu = Number(value.slice(0, -1)) / 100;
    else if (/^(io_read|io_write|IOReadBandwidthMax|IOWriteBandwidthMax)$/.test(key)) {
      const [device, bps] = value.split(/\s+/);
      if (!device?.startsWith('/') || n(bps ?? '') === undefined) continue;
      const e = io.get(device) ?? { device };
      if (/read/i.test(key)) e.read = n(bps!);
      else e.write = n(bps!);
      io.set(device, e);
    }
  }
  if (io.size) spec.io = [...io.values()];
  for (const k of Object.keys(spec) as (keyof LimitSpec)[]) if (spec[k] === undefined) delete spec[k];
  return spec;
}
