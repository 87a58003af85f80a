import { readFileSync } from 'node:fs';
import type { UserObserved } from '../../../src-common/change/user.schema.js';
import { limitsSettings, policyWithProfiles } from '../../../src-common/modules/limits.js';
import { offboardModules, usersSettings, type UserEntry } from '../../../src-common/modules/users.js';
import { FleetdeckError, toProblem } from '../../../src-common/problems.js';
import { helperApi } from '../../../src-common/protocol/helper-api.js';
import type { Flags } from '../cli/args.js';
import { defineCommand, type CliCommand, type CommandContext, type FlagGroup } from '../cli/command.js';
import { CONNECT_FLAGS } from '../cli/target.js';
import { confirm, formatPlan, open, printResult, progress, showThenApply, withOpened, type Opened } from './change.cli-shared.js';
import { userResource } from '../modules/users.module.js';
import { accountsOf, keyFingerprint, previewUsers } from './users-import.js';

/**
 * `fleetdeck users list|create|modify|delete|import HOST|--local …`: local accounts on the change
 * engine's users module. Each command plans, shows the plan, asks, applies and verifies by reading
 * the account back; `import` previews every CSV row (what is wrong with it, or what it would do)
 * before anything runs.
 */
const ACCOUNT = {
  'full-name': { value: 'TEXT', help: 'the full name (GECOS)' },
  shell: { value: 'PATH', help: 'the login shell, e.g. /bin/bash' },
  groups: { value: 'A,B', help: 'supplementary groups: exactly these ("" for none)' },
  expires: { value: 'DATE', help: 'last day the account may log in, YYYY-MM-DD, or "never"' },
  key: { value: 'LINE', repeat: true, help: 'an SSH public key Fleetdeck manages for the user; repeatable (replaces the managed set)' },
  'key-file': { value: 'FILE', repeat: true, help: 'a public key file (e.g. ~/.ssh/id_ed25519.pub); repeatable' },
} as const;
const CHANGE = {
  yes: { alias: 'y', help: 'do not ask before changing the host' },
  quiet: { alias: 'q', help: 'print only the result' },
} as const;
const CREATE_FLAGS: FlagGroup = { title: 'Account', flags: { uid: { value: 'N', help: 'this uid (give the same on every host you create the user on)' }, ...ACCOUNT, lock: { help: 'create it locked (no login until unlocked)' }, ...CHANGE } };
const MODIFY_FLAGS: FlagGroup = { title: 'Account', flags: { ...ACCOUNT, lock: { help: 'refuse every login (password and SSH keys)' }, unlock: { help: 'allow logins again' }, ...CHANGE } };
const DELETE_FLAGS: FlagGroup = { title: 'Delete', flags: { archive: { help: 'archive the home directory to /var/lib/fleetdeck/archive first' }, ...CHANGE } };
const LIST_FLAGS: FlagGroup = { title: 'List', flags: { expired: { help: 'only accounts past their expiry date (offboarding candidates)' }, keys: { help: "each account's managed SSH keys, by fingerprint (as ssh-keygen -l shows them)" } } };
const OFFBOARD_FLAGS: FlagGroup = {
  title: 'Offboard',
  flags: { expired: { help: 'every account past its expiry date (instead of names)' }, delete: { help: 'delete the accounts too (the home archived, then removed); without it they are locked and kept' }, ...CHANGE },
};
const IMPORT_FLAGS: FlagGroup = { title: 'Import', flags: { 'skip-bad': { help: 'apply the good rows even when some are wrong' }, ...CHANGE } };

const list = (v: Flags[string] | undefined): string[] => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []);
const str = (v: Flags[string] | undefined) => (typeof v === 'string' ? v : undefined);

/** One account's entry from the flags, checked by the module's own schema before connecting. */
export function entryFrom(name: string | undefined, flags: Flags, state: 'present' | 'absent' = 'present'): UserEntry {
  if (!name) throw new FleetdeckError('invalid-input', 'Name the account: fleetdeck users create HOST NAME.');
  if (flags.lock && flags.unlock) throw new FleetdeckError('invalid-input', 'Give --lock or --unlock, not both.');
  const raw: Record<string, unknown> = { name, state };
  if (state === 'absent') {
    if (flags.archive) raw.archive = true;
  } else {
    if (str(flags.uid) !== undefined) raw.uid = str(flags.uid);
    if (str(flags['full-name']) !== undefined) raw.fullName = str(flags['full-name']);
    if (str(flags.shell) !== undefined) raw.shell = str(flags.shell);
    if (str(flags.groups) !== undefined) raw.groups = str(flags.groups)!.split(',').map((g) => g.trim()).filter(Boolean);
    if (str(flags.expires) !== undefined) raw.expires = str(flags.expires) === 'never' ? null : str(flags.expires);
    if (flags.lock) raw.locked = true;
    if (flags.unlock) raw.locked = false;
    const keys = [...list(flags.key), ...list(flags['key-file']).map((f) => readKeyFile(f))];
    if (keys.length) raw.keys = keys.map((k) => k.trim().replace(/\s+/g, ' '));
  }
  const parsed = usersSettings.safeParse({ users: [raw] });
  if (!parsed.success) throw new FleetdeckError('invalid-input', parsed.error.issues.map((i) => `${flagOf(String(i.path[2] ?? i.path[0] ?? ''))}${i.message}`).join('; '));
  return parsed.data.users[0]!;
}

const FLAG_OF: Record<string, string> = { fullName: '--full-name', keys: '--key', uid: '--uid', shell: '--shell', groups: '--groups', expires: '--expires', name: 'the name' };
const flagOf = (field: string) => (FLAG_OF[field] ? `${FLAG_OF[field]}: ` : '');

function readKeyFile(file: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    const line = text.split('\n').find((l) => l.trim() && !l.startsWith('#'));
    if (!line) throw new FleetdeckError('invalid-input', `--key-file ${file.slice(0, 200)} has no key in it.`);
    return line;
  } catch (err) {
    if (err instanceof FleetdeckError) throw err;
    throw new FleetdeckError('invalid-input', `--key-file: cannot read ${file.slice(0, 200)} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

async function changeOpened(ctx: CommandContext, { target, change: svc }: Opened, entries: UserEntry[], apply: boolean, verb?: 'create' | 'modify' | 'delete'): Promise<number> {
  const plan = await svc.plan(target, [{ id: 'users', settings: { users: entries } }]);
  // create never changes an account that is there, modify never makes one, delete of nobody says so.
  const name = entries[0]?.name ?? '';
  if (verb === 'create' && plan.steps.some((s) => s.action === 'update') || (verb === 'create' && !plan.steps.length)) throw new FleetdeckError('change-conflict', `${name} already exists on ${target.hostName}: change it with fleetdeck users modify ${target.hostName} ${name} ….`);
  if (verb === 'modify' && plan.steps.some((s) => s.action === 'create')) throw new FleetdeckError('not-found', `There is no account ${name} on ${target.hostName}: create it with fleetdeck users create ${target.hostName} ${name} ….`);
  return showThenApply(ctx, { target, change: svc }, plan, apply);
}

const today = () => new Date().toISOString().slice(0, 10);

function row(name: string, o: UserObserved): string[] {
  const status = o.locked ? 'locked' : o.expires && o.expires < today() ? `expired ${o.expires}` : o.expires ? `until ${o.expires}` : 'active';
  return [name, String(o.uid ?? ''), o.source === 'nss' ? 'LDAP/SSSD (read-only)' : status, o.groups.join(',') || '-', o.shell ?? '', o.keys === null ? '?' : String(o.keys.length), String(o.processes)];
}

/** The login accounts (uid 1000 and up) of one host, as the root helper reads them. */
async function accountsOn({ target, change: svc }: Opened): Promise<{ host: string; name: string; o: UserObserved }[]> {
  const inv = await target.request(helperApi.inventorySnapshot, {}, 'try');
  const names = inv.users.filter((u) => u.regular !== false && u.uid >= 1000 && u.uid < 65534).map((u) => u.name);
  const observed = await accountsOf(svc, target, names);
  return names.map((name, i) => ({ host: target.hostName, name, o: observed[i]! }));
}

/** `users list HOST[,HOST…]`: one table; across hosts, an account whose uid differs is said (files on shared disks show the wrong owner). */
async function listUsers(ctx: CommandContext, opened: Opened[]): Promise<number> {
  const many = opened.length > 1;
  let users: Awaited<ReturnType<typeof accountsOn>> = [];
  for (const o of opened) users.push(...(await accountsOn(o)));
  if (ctx.flags.expired) users = users.filter(({ o }) => o.expires !== null && o.expires < today());
  const hosts = opened.map((o) => o.target.hostName).join(', ');
  if (ctx.flags.json) {
    ctx.io.stdout.write(`${JSON.stringify(users.map(({ host, o }) => ({ host, ...o, kind: undefined })), null, 2)}\n`);
    return 0;
  }
  if (!users.length) {
    ctx.io.stdout.write(ctx.flags.expired ? `No account on ${hosts} is past its expiry date.\n` : `${hosts} ${many ? 'have' : 'has'} no login accounts (uid 1000 and up) yet: fleetdeck users create ${hosts.replace(/, /g, ',')} NAME.\n`);
    return 0;
  }
  if (ctx.flags.keys) {
    for (const { host, name, o } of users) ctx.io.stdout.write(`${many ? `${host} ` : ''}${name}:${o.keys === null ? ' (could not be read as the user)' : o.keys.length ? `\n${o.keys.map((k) => `  ${keyFingerprint(k)}`).join('\n')}` : ' no managed keys'}\n`);
    return 0;
  }
  const head = ['NAME', 'UID', 'STATUS', 'GROUPS', 'SHELL', 'KEYS', 'PROCS'];
  const table = [many ? ['HOST', ...head] : head, ...users.map(({ host, name, o }) => (many ? [host, ...row(name, o)] : row(name, o)))];
  const widths = table[0]!.map((_, c) => Math.min(40, Math.max(...table.map((r) => r[c]!.length))));
  ctx.io.stdout.write(`${table.map((r) => r.map((cell, c) => cell.slice(0, 40).padEnd(widths[c]!)).join('  ').trimEnd()).join('\n')}\n`);
  for (const name of new Set(users.map((u) => u.name))) {
    const uids = users.filter((u) => u.name === name);
    if (new Set(uids.map((u) => u.o.uid)).size > 1) ctx.io.stdout.write(`${name} has different uids: ${uids.map((u) => `${u.o.uid} on ${u.host}`).join(', ')} (files on shared disks show the wrong owner).\n`);
  }
  if (ctx.flags.expired) ctx.io.stdout.write(`Offboard them: fleetdeck users offboard ${hosts.replace(/, /g, ',')} --expired (locked, homes archived, containers removed, limits and quota freed; --delete removes the accounts too).\n`);
  return 0;
}

/** Opens each host of HOST,HOST… in turn (one login each), runs fn on them all, and closes them. */
async function onHosts(ctx: CommandContext, hosts: string[], fn: (opened: Opened[]) => Promise<number>): Promise<number> {
  const opened: Opened[] = [];
  try {
    for (const h of hosts) opened.push((await open([h], ctx.flags, ctx.io)).opened);
    return await fn(opened);
  } finally {
    for (const o of opened) o.dispose();
  }
}

const hostList = (ctx: CommandContext) => (!ctx.flags.local && ctx.positionals[0]?.includes(',') ? [...new Set(ctx.positionals[0].split(',').filter(Boolean))] : null);

/** The CSV preview: each row with what is wrong, or what it would do on this host. */
async function importUsers(ctx: CommandContext, o: Opened, file: string): Promise<number> {
  const { io, flags } = ctx;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FleetdeckError('invalid-input', `Cannot read ${file.slice(0, 200)} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  const rows = await previewUsers(o.change, o.target, text).catch((err: unknown) => {
    throw new FleetdeckError(toProblem(err).problem, `${file.slice(0, 200)}: ${toProblem(err).message}`);
  });
  for (const r of rows) {
    const profile = r.profile ? ` (then limits profile ${r.profile})` : '';
    io.stdout.write(`line ${r.line}  ${(r.name || '(no name)').padEnd(16)}  ${r.entry ? `ok: ${r.does}${profile}` : `WRONG: ${r.problems.join('; ')}`}\n`);
  }
  const ok = rows.filter((r) => r.entry);
  const bad = rows.length - ok.length;
  io.stdout.write(`${ok.length} of ${rows.length} rows are good${bad ? `, ${bad} wrong` : ''}.\n`);
  if (bad && !flags['skip-bad']) {
    io.stdout.write('Nothing was changed: fix the wrong rows, or give --skip-bad to apply the good ones.\n');
    return 1;
  }
  if (!ok.length) return bad ? 1 : 0;
  const status = await changeOpened(ctx, o, ok.map((r) => r.entry!), true);
  // The accounts exist now: the profile column becomes their limits (a second plan, shown and applied the same way).
  const take = ok.filter((r) => r.profile).map((r) => ({ user: r.name, profile: r.profile! }));
  if (status !== 0 || !take.length) return status;
  io.stdout.write(`\nLimits profiles for ${take.length} new account${take.length === 1 ? '' : 's'}:\n`);
  const policy = limitsSettings.parse(o.change.installed(o.target).find((i) => i.module === 'limits')?.settings ?? {});
  return showThenApply(ctx, o, await o.change.plan(o.target, [{ id: 'limits', settings: policyWithProfiles(policy, take) }]), true);
}

/**
 * `users offboard HOST[,HOST…] NAME[,NAME…]|--expired [--delete]`: the end of a semester. Per host,
 * one plan: each account locked (or, with --delete, deleted), its home archived, its containers
 * removed, and on a stored host its limits taken out of the policy (the drop-in or cgroup goes, the
 * disk quota is freed). Every host is planned before any is changed.
 */
async function offboard(ctx: CommandContext, hosts: string[] | null, names: string[]): Promise<number> {
  const run = async (opened: Opened[]) => {
    const plans = [];
    for (const o of opened) {
      const who = ctx.flags.expired ? (await accountsOn(o)).filter(({ o: a }) => a.source !== 'nss' && a.expires !== null && a.expires < today()).map((a) => a.name) : names;
      if (!who.length) {
        ctx.io.stdout.write(`No account on ${o.target.hostName} is past its expiry date: nothing to offboard there.\n`);
        continue;
      }
      const modules = offboardModules(who, !!ctx.flags.delete, o.change.installed(o.target).find((i) => i.module === 'limits')?.settings);
      plans.push({ o, who, plan: await o.change.plan(o.target, modules) });
    }
    if (!plans.length) return 0;
    const { io, flags } = ctx;
    if (!flags.json && !flags.quiet) for (const p of plans) io.stdout.write(`${formatPlan(p.plan, io)}\n`);
    const total = plans.reduce((n, p) => n + p.who.length, 0);
    await confirm(io, flags, `Offboard ${total} account${total === 1 ? '' : 's'} on ${plans.map((p) => p.o.target.hostName).join(', ')} (${flags.delete ? 'deleted' : 'locked'}, homes archived, containers removed)?`);
    let status = 0;
    for (const { o, plan } of plans) {
      const r = await o.change.apply(o.target, plan.planId, plan.tag, { onEvent: progress(io, flags, plan.steps) });
      status = Math.max(status, printResult(io, flags, r, o.target.hostName));
    }
    return status;
  };
  return hosts ? onHosts(ctx, hosts, run) : withOpened(ctx, (o) => run([o]));
}

const EXAMPLES = `Examples:
  fleetdeck users list gpu-1 [--expired] [--keys]
  fleetdeck users list gpu-1,gpu-2,gpu-3             # one table; a name with different uids is said
  fleetdeck users create gpu-1 alice --uid 1500 --full-name "Alice Liddell" --groups students --key-file alice.pub --expires 2027-02-28
  fleetdeck users create gpu-1,gpu-2,gpu-3 alice    # the same uid on each: the lowest free on all of them
  fleetdeck users modify gpu-1 alice --lock          # or --unlock, --groups a,b, --shell /bin/zsh, --expires never
  fleetdeck users delete gpu-1 alice --archive       # home archived to /var/lib/fleetdeck/archive first
  fleetdeck users import gpu-1 students.csv          # preview each row; applies when every row is good
  fleetdeck users offboard gpu-1,gpu-2 --expired     # lock, archive home, remove containers, free limits and quota
  fleetdeck users offboard gpu-1 alice,bob --delete  # the same, and the accounts deleted
CSV columns (by header): name, full_name, email, groups (";" between), public_key, profile, expires.`;

const FLAGS_OF = { create: CREATE_FLAGS, modify: MODIFY_FLAGS, delete: DELETE_FLAGS };

/**
 * `users create gpu-1,gpu-2 alice`: the same account on every host named, with the same uid — the
 * one given, or the lowest free on all of them (so files on shared disks keep one owner). Every
 * host is planned first: a name already there, or a host that refuses (a group it lacks), stops
 * the change before any host is touched.
 */
async function createEverywhere(ctx: CommandContext, hosts: string[], entry: UserEntry): Promise<number> {
  return onHosts(ctx, hosts, async (opened) => {
    const taken = new Set<number>();
    let [min, max] = [0, Number.MAX_SAFE_INTEGER];
    for (const o of opened) {
      const [seen] = (await o.change.observe(o.target, [userResource(entry)])) as UserObserved[];
      if (seen!.exists) throw new FleetdeckError('change-conflict', `${entry.name} already exists on ${o.target.hostName} (uid ${seen!.uid}): nothing was changed on any host. Leave ${o.target.hostName} out, or change it there with fleetdeck users modify.`);
      if (seen!.uidTakenBy) throw new FleetdeckError('invalid-input', `uid ${entry.uid} is taken by ${seen!.uidTakenBy} on ${o.target.hostName}: nothing was changed on any host.`);
      for (const u of (await o.target.request(helperApi.inventorySnapshot, {}, 'try')).users) taken.add(u.uid);
      [min, max] = [Math.max(min, seen!.uidRange.min), Math.min(max, seen!.uidRange.max)];
    }
    let uid = entry.uid;
    if (uid === undefined) {
      for (let u = min; u <= max && uid === undefined; u++) if (!taken.has(u)) uid = u;
      if (uid === undefined) throw new FleetdeckError('invalid-input', `No uid from ${min} to ${max} is free on all of ${hosts.join(', ')}: give one with --uid.`);
      ctx.io.stdout.write(`${entry.name} gets uid ${uid} on ${hosts.join(', ')}: the lowest free on all of them.\n`);
    }
    // Every host planned before any changes: a host that refuses (a group it lacks) stops them all.
    const plans = [];
    for (const o of opened) plans.push(await o.change.plan(o.target, [{ id: 'users', settings: { users: [{ ...entry, uid }] } }]));
    const { io, flags } = ctx;
    if (!flags.json && !flags.quiet) for (const p of plans) io.stdout.write(`${formatPlan(p, io)}\n`);
    await confirm(io, flags, `Create ${entry.name} (uid ${uid}) on ${hosts.length} hosts?`);
    let status = 0;
    for (const [i, o] of opened.entries()) {
      const r = await o.change.apply(o.target, plans[i]!.planId, plans[i]!.tag, { onEvent: progress(io, flags, plans[i]!.steps) });
      status = Math.max(status, printResult(io, flags, r, o.target.hostName));
    }
    return status;
  });
}

const oneUser = (verb: 'create' | 'modify' | 'delete', summary: string): CliCommand =>
  defineCommand({
    path: ['users', verb],
    args: verb === 'create' ? 'HOST[,HOST…]|--local NAME' : 'HOST|--local NAME',
    summary,
    details: `${EXAMPLES}\nExit status: 0 applied and verified, 1 a step or check failed.`,
    flags: [FLAGS_OF[verb], CONNECT_FLAGS],
    maxArgs: 2,
    run: (ctx) =>
      verb === 'create' && hostList(ctx)
        ? createEverywhere(ctx, hostList(ctx)!, entryFrom(ctx.positionals[1], ctx.flags))
        : withOpened(
        ctx,
        (o, rest) => changeOpened(ctx, o, [entryFrom(rest[0], ctx.flags, verb === 'delete' ? 'absent' : 'present')], true, verb),
        (rest) => void entryFrom(rest[0], ctx.flags, verb === 'delete' ? 'absent' : 'present'),
      ),
  });

export const usersCommands: CliCommand[] = [
  defineCommand({
    path: ['users', 'list'],
    args: 'HOST[,HOST…]|--local',
    summary: 'login accounts with uid, status (active, locked, expired), groups, managed keys and running processes',
    details: EXAMPLES,
    flags: [LIST_FLAGS, CONNECT_FLAGS],
    maxArgs: 1,
    run: (ctx) => {
      const hosts = hostList(ctx);
      return hosts ? onHosts(ctx, hosts, (opened) => listUsers(ctx, opened)) : withOpened(ctx, (o) => listUsers(ctx, [o]));
    },
  }),
  oneUser('create', 'create an account (the same uid on every host you give): plan, ask, apply, verify'),
  oneUser('modify', "change an account's groups, shell, full name, expiry, lock, or managed SSH keys"),
  oneUser('delete', 'delete an account (its processes stopped first; --archive keeps its home as a tarball)'),
  defineCommand({
    path: ['users', 'offboard'],
    args: 'HOST[,HOST…]|--local NAME[,NAME…]|--expired',
    summary: 'end accounts: locked (or --delete), homes archived, containers removed, limits and quota freed — planned on every host first',
    details: `${EXAMPLES}\nExit status: 0 applied and verified, 1 a step or check failed.`,
    flags: [OFFBOARD_FLAGS, CONNECT_FLAGS],
    maxArgs: 2,
    run: (ctx) => {
      const hosts = hostList(ctx);
      const names = (ctx.flags.local ? ctx.positionals[0] : ctx.positionals[1])?.split(',').filter(Boolean) ?? [];
      if (!names.length && !ctx.flags.expired) throw new FleetdeckError('invalid-input', 'Name the accounts (fleetdeck users offboard HOST alice,bob) or give --expired.');
      if (names.length && ctx.flags.expired) throw new FleetdeckError('invalid-input', 'Give names or --expired, not both.');
      for (const n of names) entryFrom(n, {});
      return offboard(ctx, hosts, names);
    },
  }),
  defineCommand({
    path: ['users', 'import'],
    args: 'HOST|--local FILE.csv',
    summary: 'onboard accounts from a CSV: every row previewed (what is wrong, or what it does) before anything runs',
    details: EXAMPLES,
    flags: [IMPORT_FLAGS, CONNECT_FLAGS],
    maxArgs: 2,
    run: (ctx) =>
      withOpened(
        ctx,
        (o, rest) => importUsers(ctx, o, rest[0]!),
        (rest) => {
          if (!rest[0]) throw new FleetdeckError('invalid-input', 'Name the CSV file: fleetdeck users import HOST FILE.csv.');
        },
      ),
  }),
];
