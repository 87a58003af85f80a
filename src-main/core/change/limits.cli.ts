import type { CheckResult } from '../../../src-common/change/plan.schema.js';
import { effectiveLimits, isUsersCheck, limitSpec, limitsSettings, profileName, type LimitsSettings } from '../../../src-common/modules/limits.js';
import { accountName } from '../../../src-common/modules/settings-fields.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { Flags } from '../cli/args.js';
import { defineCommand, type CliCommand, type CommandContext, type FlagGroup } from '../cli/command.js';
import { CONNECT_FLAGS, dataDir } from '../cli/target.js';
import { Fleet } from '../fleet.js';
import { containersConfPath } from '../modules/limits-containers.js';
import { appliedFile, describeSpec, limitsModule, parseApplied } from '../modules/limits.module.js';
import type { ChangeService } from './change-service.js';
import { ChangeStore } from './change-store.js';
import type { ChangeTarget } from './change-target.js';
import { formatChecks, showThenApply, withOpened } from './change.cli-shared.js';

/**
 * `fleetdeck limits plan|apply|verify|show HOST|--local --user NAME [--cpu N] [--memory SIZE] …`:
 * one user's limits, on the change engine's limits module. On a stored host the user's entry is
 * merged into the host's policy as last applied (other users keep theirs; --clear takes the
 * user out, and their drop-in goes); on --local or USER@HOST the policy is just this user.
 */
const LIMIT_FLAGS: FlagGroup = {
  title: 'Limits',
  flags: {
    user: { value: 'NAME', help: 'the user whose limits these are (plan and apply need --user or --group)' },
    group: { value: 'NAME', help: "limits for every member of a group, as the host lists them (a user's own limits go on top)" },
    profile: { value: 'NAME', help: "a profile of the host's policy to start from (the flags below go on top)" },
    cpu: { value: 'N', help: 'CPU cores, e.g. 2 or 0.5' },
    memory: { value: 'SIZE', help: 'hard memory limit, e.g. 512M, 4G' },
    swap: { value: 'SIZE', help: 'swap on top of memory (0: none; cgroup v2 only)' },
    tasks: { value: 'N', help: 'processes and threads together' },
    containers: { value: 'N', help: 'running Docker containers at once (the containers run under the limits above)' },
    gpus: { value: 'N|LIST', help: "how many GPUs a container may have (2), or which are the user's: 0,1 (indices or UUIDs; one GPU: 3,)" },
    disk: { value: 'SIZE', help: "hard disk quota on the home directory's filesystem" },
    'disk-soft': { value: 'SIZE', help: 'soft disk quota (a notice past it; the hard one stops writes)' },
    'io-read': { value: 'DEV=SIZE', repeat: true, help: 'read bandwidth per second on a device, e.g. /dev/sda=100M; repeatable' },
    'io-write': { value: 'DEV=SIZE', repeat: true, help: 'write bandwidth per second on a device; repeatable' },
    clear: { help: "take the user out of the host's limits (stored hosts)" },
    yes: { alias: 'y', help: 'do not ask before changing the host' },
    quiet: { alias: 'q', help: 'print only the result' },
  },
};

const EXAMPLES = `Examples:
  fleetdeck limits plan gpu-1 --user alice --cpu 2 --memory 8G --tasks 512
  fleetdeck limits apply gpu-1 --user alice --memory 16G --io-read /dev/nvme0n1=200M --yes
  fleetdeck limits apply gpu-1 --user alice --memory 16G --containers 2 --gpus 0,1 --disk 200G --yes
  fleetdeck limits verify gpu-1 --user alice        # exit 1 unless enforced (or configured, with no session)
  fleetdeck limits show gpu-1                       # the host's policy, per user, and where each value comes from
  fleetdeck limits apply gpu-1 --group students --cpu 2 --memory 8G --yes   # every member
  fleetdeck limits apply gpu-1 --user alice --clear # take alice's limits away
Sizes: 512M, 4G, 1.5T. Profiles and many users at once: fleetdeck modules apply HOST limits --settings-file FILE.`;

const LIMIT_KEYS = ['profile', 'cpu', 'memory', 'swap', 'tasks', 'containers', 'gpus', 'disk', 'disk-soft', 'io-read', 'io-write'] as const;
const list = (v: Flags[string] | undefined): string[] => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []);

/** The user's limits from the flags (checked by the module's own schema; refused before connecting). */
export function userEntry(flags: Flags): Record<string, unknown> {
  if (flags.user !== undefined && flags.group !== undefined) throw new FleetdeckError('invalid-input', 'Give --user or --group, not both.');
  const key = flags.group !== undefined ? 'group' : 'user';
  const who = accountName().safeParse(flags[key]);
  if (typeof flags[key] !== 'string' || !who.success) throw new FleetdeckError('invalid-input', typeof flags[key] === 'string' ? `--${key}: ${who.error!.issues[0]!.message}` : 'Name the user (--user NAME) or the group (--group NAME).');
  const entry: Record<string, unknown> = { [key]: who.data };
  if (flags.profile !== undefined) {
    const p = profileName.safeParse(flags.profile);
    if (!p.success) throw new FleetdeckError('invalid-input', `--profile: ${p.error.issues[0]!.message}`);
  }
  for (const k of ['profile', 'cpu', 'memory', 'swap', 'tasks', 'containers'] as const) if (typeof flags[k] === 'string') entry[k] = flags[k];
  // "2": two per container; "0,1": exactly those GPUs ("3," for GPU 3 alone).
  if (typeof flags.gpus === 'string') entry.gpus = /^\d+$/.test(flags.gpus) ? Number(flags.gpus) : flags.gpus.split(',').map((g) => g.trim()).filter(Boolean);
  if (typeof flags.disk === 'string' || typeof flags['disk-soft'] === 'string') entry.disk = { ...(typeof flags.disk === 'string' ? { hard: flags.disk } : {}), ...(typeof flags['disk-soft'] === 'string' ? { soft: flags['disk-soft'] } : {}) };
  const io = new Map<string, Record<string, string>>();
  for (const [flag, key] of [['io-read', 'read'], ['io-write', 'write']] as const) {
    for (const v of list(flags[flag])) {
      const eq = v.lastIndexOf('=');
      if (eq < 1) throw new FleetdeckError('invalid-input', `--${flag} takes DEVICE=SIZE, e.g. --${flag} /dev/sda=100M (got "${v.slice(0, 60)}").`);
      const device = v.slice(0, eq);
      io.set(device, { ...io.get(device), device, [key]: v.slice(eq + 1) });
    }
  }
  if (io.size) entry.io = [...io.values()];
  const { user: _u, group: _g, profile: _p, ...spec } = entry;
  const checked = limitSpec.safeParse(spec);
  if (!checked.success) throw new FleetdeckError('invalid-input', checked.error.issues.map((i) => `${i.path.length ? `--${String(i.path[0])}: ` : ''}${i.message}`).join('; '));
  return entry;
}

/** The host's policy with this user's entry merged in (their earlier values kept unless given again), or taken out. */
export function policyWith(current: Record<string, unknown> | undefined, entry: Record<string, unknown>, clear: boolean): LimitsSettings {
  const profiles = (current?.profiles as Record<string, unknown> | undefined) ?? {};
  const users = ((current?.users as Record<string, unknown>[] | undefined) ?? []).slice();
  const groups = ((current?.groups as Record<string, unknown>[] | undefined) ?? []).slice();
  const [list, key] = entry.group !== undefined ? [groups, 'group'] : [users, 'user'];
  const at = list.findIndex((u) => u[key] === entry[key]);
  if (clear) {
    if (at < 0) throw new FleetdeckError('not-found', `${key === 'group' ? 'Group ' : ''}${String(entry[key])} has no limits in this host's policy: nothing to clear.`);
    list.splice(at, 1);
  } else if (at >= 0) list[at] = { ...list[at], ...entry };
  else list.push(entry);
  const parsed = limitsSettings.safeParse({ ...(current ?? {}), profiles, users, groups });
  if (!parsed.success) {
    const known = Object.keys(profiles);
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new FleetdeckError('invalid-input', `Limits: ${issues} (${known.length ? `profiles on this host: ${known.join(', ')}` : 'this host has no profiles yet: define them with fleetdeck modules apply HOST limits --settings-file FILE'}).`);
  }
  return parsed.data;
}

/** --local and USER@HOST keep no policy: the user's limits are what Fleetdeck last applied on the host. */
async function appliedOnHost(change: ChangeService, target: ChangeTarget, user: string): Promise<Record<string, unknown>> {
  const facts = await change.facts(target, [{ module: limitsModule as never, settings: { profiles: {}, users: [{ user }], groups: [] } }]);
  const uid = facts.accounts?.get(user)?.uid;
  if (uid === undefined) throw new FleetdeckError('not-found', `There is no user "${user}" on ${target.hostName}.`, { user });
  const file = appliedFile(facts, uid);
  const [seen, containers] = await change.observe(target, [
    { kind: 'file', path: file, content: null },
    { kind: 'file', path: containersConfPath(uid), content: null },
  ]);
  const read = (o: typeof seen) => (o?.kind === 'file' && o.exists ? o.text : null);
  const text = read(seen);
  if (text !== null) return { users: [{ user, ...parseApplied(`${text}\n${read(containers) ?? ''}`) }] };
  throw new FleetdeckError('not-found', `Fleetdeck has applied no limits to ${user} on ${target.hostName} (${file} is not there). Apply them first: fleetdeck limits apply … --user ${user} --memory 64M.`, { user });
}

function stored(change: ChangeService, target: ChangeTarget): Record<string, unknown> | undefined {
  return change.installed(target).find((i) => i.module === 'limits')?.settings;
}

/** The policy to plan: merged into what the stored host has, or (--local, USER@HOST) this user alone. */
function wanted(ctx: CommandContext, change: ChangeService, target: ChangeTarget): LimitsSettings {
  const entry = userEntry(ctx.flags);
  if (ctx.flags.clear && target.hostId === null) throw new FleetdeckError('invalid-input', '--clear needs a stored host (its policy is kept there); on this machine, roll the change back instead: fleetdeck modules rollback --local.');
  return policyWith(target.hostId === null ? undefined : stored(change, target), entry, !!ctx.flags.clear);
}

const precheck = (ctx: CommandContext) => () => {
  userEntry(ctx.flags);
};

async function planAndMaybeApply(ctx: CommandContext, apply: boolean): Promise<number> {
  return withOpened(
    ctx,
    async ({ target, change }) => showThenApply(ctx, { target, change }, await change.plan(target, [{ id: 'limits', settings: wanted(ctx, change, target) }]), apply),
    precheck(ctx),
  );
}

export const limitsCommands: CliCommand[] = [
  defineCommand({
    path: ['limits', 'plan'],
    args: 'HOST|--local',
    summary: "what setting a user's limits would change on a host (nothing is changed)",
    details: EXAMPLES,
    flags: [LIMIT_FLAGS, CONNECT_FLAGS],
    maxArgs: 1,
    run: (ctx) => planAndMaybeApply(ctx, false),
  }),
  defineCommand({
    path: ['limits', 'apply'],
    args: 'HOST|--local',
    summary: "set a user's limits: plan, show, ask, apply, then verify against the kernel",
    details: `${EXAMPLES}\nExit status: 0 applied and verified, 1 a step or check failed.`,
    flags: [LIMIT_FLAGS, CONNECT_FLAGS],
    maxArgs: 1,
    run: (ctx) => planAndMaybeApply(ctx, true),
  }),
  defineCommand({
    path: ['limits', 'verify'],
    args: 'HOST|--local',
    summary: 'read the limits back from systemd and the kernel: enforced, configured, or not (exit 1)',
    details: 'On a stored host: every limited user (or --user NAME) from its policy. On --local or USER@HOST, give the limits to check: --user NAME --memory 64M …',
    flags: [LIMIT_FLAGS, CONNECT_FLAGS],
    maxArgs: 1,
    run: (ctx) =>
      withOpened(
        ctx,
        async ({ target, change }) => {
        const given = LIMIT_KEYS.some((k) => ctx.flags[k] !== undefined);
        const policy =
          target.hostId !== null && !given
            ? stored(change, target)
            : ctx.flags.group
              ? { groups: [userEntry(ctx.flags)] }
              : ctx.flags.user && !given
                ? await appliedOnHost(change, target, String(ctx.flags.user))
                : ctx.flags.user
                  ? { users: [userEntry(ctx.flags)] }
                  : undefined;
        if (!policy) throw new FleetdeckError('not-found', target.hostId !== null ? `Fleetdeck has set no limits on ${target.hostName} yet.` : 'Name the user: --user NAME (the limits Fleetdeck applied to them are read from the host), or give the limits to check: --user NAME --memory 64M ….');
        const results: CheckResult[] = (await change.verifyWith(target, 'limits', policy)).filter((r) => !ctx.flags.user || isUsersCheck(r.id, String(ctx.flags.user)));
        if (ctx.flags.user && !results.length) throw new FleetdeckError('not-found', `${String(ctx.flags.user)} has no limits in ${target.hostName}'s policy.`);
        ctx.io.stdout.write(ctx.flags.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatChecks(results, ctx.io)}\n`);
        return results.every((r) => r.ok) ? 0 : 1;
        },
        // Names and limits given are checked before connecting.
        () => {
          if (ctx.flags.user !== undefined || ctx.flags.group !== undefined || LIMIT_KEYS.some((k) => ctx.flags[k] !== undefined)) userEntry(ctx.flags);
        },
      ),
  }),
  defineCommand({
    path: ['limits', 'show'],
    args: 'HOST',
    summary: "a stored host's limits policy: each user's effective limits and where each value comes from (no login needed)",
    flags: [],
    maxArgs: 1,
    run: async ({ positionals, flags, io }) => {
      if (!positionals[0]) throw new FleetdeckError('invalid-input', 'Name the stored host: fleetdeck limits show HOST.');
      const fleet = new Fleet({ dataDir: dataDir(flags) });
      try {
        const host = fleet.hosts.findByName(positionals[0]!);
        if (!host) throw new FleetdeckError('not-found', `No stored host is called "${positionals[0]!.slice(0, 60)}" (fleetdeck hosts list).`);
        const policy = limitsSettings.parse(new ChangeStore(fleet.db).installed(host.id).find((i) => i.module === 'limits')?.settings ?? {});
        if (flags.json) io.stdout.write(`${JSON.stringify({ ...policy, effective: policy.users.map((u) => ({ user: u.user, ...effectiveLimits(policy, u.user) })) }, null, 2)}\n`);
        else if (!policy.users.length && !policy.groups.length) io.stdout.write(`No limits set on ${host.name} by Fleetdeck.\n`);
        else {
          for (const [name, spec] of Object.entries(policy.profiles)) io.stdout.write(`profile ${name}: ${describeSpec(spec)}\n`);
          for (const g of policy.groups) io.stdout.write(`group ${g.group}: ${describeSpec(effectiveLimits({ ...policy, users: [] }, '', [g.group])!.spec)}${g.profile ? `  (profile ${g.profile})` : ''}\n`);
          for (const u of policy.users) {
            const e = effectiveLimits(policy, u.user)!;
            // Where a value is not the user's own (a profile's), say so.
            const from = Object.entries(e.from).filter(([, v]) => v !== 'own').map(([k, v]) => `${k} from ${v}`).join(', ');
            io.stdout.write(`${u.user}: ${describeSpec(e.spec)}${from ? `  (${from})` : ''}\n`);
          }
        }
        return 0;
      } finally {
        fleet.close();
      }
    },
  }),
];
