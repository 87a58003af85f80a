import { ARCHIVE_DIR } from '../../../src-common/change/host-paths.js';
import { mkdir } from 'node:fs/promises';
import type { UserObserved, UserResource } from '../../../src-common/change/user.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { HelperContext, RunResult } from '../context.js';
import { parseGroup, parseLoginDefsUidRange, parsePasswd } from '../inventory/local-users.js';

/**
 * Local accounts for the change engine (issue 11): read, create, modify, lock, expire, delete with
 * an archive of the home first, and the keys Fleetdeck manages in ~/.ssh/authorized_keys.
 *
 * Everything runs through shadow-utils (useradd, usermod, userdel) with argv, never a shell line.
 * The user's own files (~/.ssh, authorized_keys) are read and written **as the user** (setpriv
 * to their uid and gid, no groups), never as root: a symlink the user plants there can then only
 * reach what the user could reach anyway.
 */
const BEGIN = '# >>> fleetdeck managed keys (replaced by Fleetdeck: add your own keys outside this block) >>>';
const END = '# <<< fleetdeck managed keys <<<';
const DAY = 86_400_000;

const dateOf = (days: number) => new Date(days * DAY).toISOString().slice(0, 10);

function check(res: RunResult, what: string): RunResult {
  if (res.code !== 0) throw new FleetdeckError('step-failed', `${what} failed (exit ${res.code ?? 'timeout'}): ${(res.stderr || res.stdout).trim().slice(-800)}`);
  return res;
}

/** As the user: their uid and primary gid, no supplementary groups, a clean environment. */
const asUser = (uid: number, gid: number, argv: string[]) => ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', ...argv];

async function readKeys(ctx: HelperContext, uid: number, gid: number, home: string): Promise<string[] | null> {
  if (!ctx.live || ctx.uid !== 0) return null;
  const r = await ctx.run(asUser(uid, gid, ['cat', '--', `${home}/.ssh/authorized_keys`]), { timeoutMs: 10_000 });
  if (r.code !== 0) return /No such file/.test(r.stderr) ? [] : null;
  const lines = r.stdout.split('\n');
  const from = lines.indexOf(BEGIN);
  const to = lines.indexOf(END);
  return from >= 0 && to > from ? lines.slice(from + 1, to).filter((l) => l.trim() && !l.startsWith('#')) : [];
}

/** Running (not zombie) processes per real uid: one pass over /proc for any number of accounts. */
export async function processCounts(ctx: HelperContext): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const name of (await ctx.listDir('/proc')) ?? []) {
    if (!/^\d+$/.test(name)) continue;
    const status = await ctx.readText(`/proc/${name}/status`);
    const m = status && /^Uid:\s+(\d+)/m.exec(status);
    if (m && !/^State:\s*[ZX]/m.test(status)) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  }
  return counts;
}

export async function readUser(ctx: HelperContext, r: UserResource, counts?: Map<number, number>): Promise<UserObserved> {
  const passwd = parsePasswd((await ctx.readText('/etc/passwd')) ?? '');
  const range = parseLoginDefsUidRange(await ctx.readText('/etc/login.defs'));
  const groupFile = parseGroup((await ctx.readText('/etc/group')) ?? '');
  const unknownGroups: string[] = [];
  for (const g of r.groups ?? []) {
    if (groupFile.some((e) => e.name === g)) continue;
    const nss = ctx.live ? await ctx.run(['getent', 'group', '--', g], { timeoutMs: 10_000 }) : null;
    if (nss?.code !== 0) unknownGroups.push(g);
  }
  const base = { unknownGroups, uidRange: { min: range.uidMin, max: range.uidMax }, uidTakenBy: r.uid !== undefined ? (passwd.find((p) => p.uid === r.uid && p.name !== r.name)?.name ?? null) : null };
  const e = passwd.find((p) => p.name === r.name);
  if (!e) {
    const nss = ctx.live ? await ctx.run(['getent', 'passwd', '--', r.name], { timeoutMs: 10_000 }) : null;
    const f = nss?.code === 0 ? nss.stdout.split('\n')[0]!.split(':') : [];
    if (f[0] === r.name && /^\d+$/.test(f[2] ?? '')) {
      return { kind: 'user', exists: true, source: 'nss', uid: Number(f[2]), gid: Number(f[3]) || null, fullName: f[4] ?? null, shell: f[6]?.trim() ?? null, home: f[5] ?? null, groups: [], locked: false, expires: null, keys: null, processes: 0, ...base };
    }
    return { kind: 'user', exists: false, source: null, uid: null, gid: null, fullName: null, shell: null, home: null, groups: [], locked: false, expires: null, keys: null, processes: 0, ...base };
  }
  const shadow = ((await ctx.readText('/etc/shadow')) ?? '').split('\n').find((l) => l.startsWith(`${r.name}:`))?.split(':') ?? [];
  const expire = /^\d+$/.test(shadow[7] ?? '') ? Number(shadow[7]) : null;
  const groups = groupFile.filter((g) => g.members.includes(r.name)).map((g) => g.name);
  return {
    kind: 'user',
    exists: true,
    source: 'files',
    uid: e.uid,
    gid: e.gid,
    fullName: e.gecos.split(',')[0] ?? '',
    shell: e.shell,
    home: e.home,
    groups,
    locked: expire === 1,
    expires: expire !== null && expire > 1 ? dateOf(expire) : null,
    keys: await readKeys(ctx, e.uid, e.gid, e.home),
    processes: (counts ?? (await processCounts(ctx))).get(e.uid) ?? 0,
    ...base,
  };
}

/** What undoes a user step: the account as it was (null: it did not exist). */
export interface UserUndo {
  kind: 'user';
  name: string;
  before: UserObserved;
  /** The home archived before a delete (restored by the rollback). */
  archive: string | null;
}

/** Writes the managed block of authorized_keys as the user (their own lines are kept). */
async function writeKeys(ctx: HelperContext, o: { uid: number; gid: number; home: string }, keys: readonly string[]): Promise<void> {
  const block = keys.length ? `${BEGIN}\n${keys.join('\n')}\n${END}\n` : '';
  const script = [
    'umask 077',
    'f="$1/.ssh/authorized_keys"',
    'mkdir -p "$1/.ssh" || exit 1',
    't="$f.fleetdeck-$$"',
    // The user's own lines stay; the old block goes; the new one is appended.
    `{ if [ -f "$f" ]; then sed '/^# >>> fleetdeck managed keys/,/^# <<< fleetdeck managed keys/d' "$f" || exit 1; fi; cat; } > "$t" && mv -f "$t" "$f"`,
  ].join('\n');
  check(await ctx.run(asUser(o.uid, o.gid, ['/bin/sh', '-c', script, 'fleetdeck-keys', o.home]), { timeoutMs: 15_000, input: block }), `Writing ${o.home}/.ssh/authorized_keys as the user`);
}

/** Sets the fields named (as wanted), reading the account back first. */
async function setFields(ctx: HelperContext, name: string, want: Pick<UserResource, 'fullName' | 'shell' | 'groups' | 'locked' | 'expires' | 'keys'>): Promise<void> {
  const now = await readUser(ctx, { kind: 'user', name, state: 'present' });
  if (!now.exists || now.source !== 'files') throw new FleetdeckError('not-found', `There is no local account ${name} on this host any more.`);
  const args: string[] = [];
  if (want.fullName !== undefined && want.fullName !== now.fullName) args.push('--comment', want.fullName);
  if (want.shell !== undefined && want.shell !== now.shell) args.push('--shell', want.shell);
  if (want.groups !== undefined && [...want.groups].sort().join(',') !== [...now.groups].sort().join(',')) args.push('--groups', want.groups.join(','));
  const locked = want.locked ?? now.locked;
  // Locked: expired on day 1, which refuses every login (password, key, PAM account stage).
  const expiry = locked ? '1970-01-02' : want.locked === false || want.expires !== undefined ? ((want.expires !== undefined ? want.expires : now.expires) ?? '') : null;
  if (expiry !== null && (locked !== now.locked || (!locked && (expiry || null) !== now.expires))) args.push('--expiredate', expiry);
  if (args.length) check(await ctx.run(['usermod', ...args, '--', name], { timeoutMs: 30_000 }), `usermod ${name}`);
  if (want.keys !== undefined && now.uid !== null && now.gid !== null && now.home) await writeKeys(ctx, { uid: now.uid, gid: now.gid, home: now.home }, want.keys);
}

async function create(ctx: HelperContext, r: UserResource): Promise<void> {
  const args = ['--create-home'];
  if (r.uid !== undefined) args.push('--uid', String(r.uid));
  if (r.shell !== undefined) args.push('--shell', r.shell);
  if (r.fullName !== undefined) args.push('--comment', r.fullName);
  if (r.groups?.length) args.push('--groups', r.groups.join(','));
  if (r.locked) args.push('--expiredate', '1970-01-02');
  else if (r.expires) args.push('--expiredate', r.expires);
  check(await ctx.run(['useradd', ...args, '--', r.name], { timeoutMs: 60_000 }), `useradd ${r.name}`);
  if (r.keys?.length) await setFields(ctx, r.name, { keys: r.keys });
}

async function archiveHome(ctx: HelperContext, o: UserObserved, name: string): Promise<string | null> {
  if (!o.home || !o.home.startsWith('/') || o.home === '/' || !(await ctx.exists(o.home))) return null;
  await mkdir(ARCHIVE_DIR, { recursive: true, mode: 0o700 });
  const file = `${ARCHIVE_DIR}/${name}-${o.uid}-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`;
  // Symlinks are stored as links, never followed; owners as numbers (the name may be gone later).
  check(await ctx.run(['tar', '--numeric-owner', '-C', '/', '-czpf', file, '--', o.home.replace(/^\/+/, '')], { timeoutMs: 30 * 60_000 }), `Archiving ${o.home}`);
  return file;
}

async function remove(ctx: HelperContext, o: UserObserved, r: UserResource): Promise<string | null> {
  // Its processes stop first (userdel refuses a user that runs anything), and nothing of the
  // user's changes the home while it is archived.
  if (o.processes) await ctx.run(['pkill', '-KILL', '-u', r.name], { timeoutMs: 15_000 });
  const archive = r.archive ? await archiveHome(ctx, o, r.name) : null;
  check(await ctx.run(['userdel', '--remove', '--', r.name], { timeoutMs: 60_000 }), `userdel ${r.name}`);
  return archive;
}

/** Applies one user step; saves its undo first. */
export async function applyUser(r: UserResource, deps: { ctx: HelperContext; saveUndo(u: UserUndo): void }): Promise<void> {
  const { ctx } = deps;
  const before = await readUser(ctx, r);
  if (before.source === 'nss') throw new FleetdeckError('invalid-input', `${r.name} comes from LDAP/SSSD, not /etc/passwd: change it in the directory, not on this host.`);
  deps.saveUndo({ kind: 'user', name: r.name, before, archive: null });
  if (r.state === 'absent') {
    if (!before.exists) return;
    const archive = await remove(ctx, before, r);
    deps.saveUndo({ kind: 'user', name: r.name, before, archive });
  } else if (!before.exists) await create(ctx, r);
  else await setFields(ctx, r.name, r);
}

/** Puts the account back as it was: removed if the step made it, made again (and its home restored) if the step deleted it. */
export async function rollbackUser(ctx: HelperContext, u: UserUndo): Promise<string> {
  const b = u.before;
  const now = await readUser(ctx, { kind: 'user', name: u.name, state: 'present' });
  if (!b.exists) {
    if (!now.exists) return `${u.name} is not there (nothing to remove)`;
    if (now.processes) await ctx.run(['pkill', '-KILL', '-u', u.name], { timeoutMs: 15_000 });
    check(await ctx.run(['userdel', '--remove', '--', u.name], { timeoutMs: 60_000 }), `userdel ${u.name}`);
    return `removed ${u.name} (and the home the change made)`;
  }
  if (!now.exists) {
    // Its primary group as it was (userdel removed the private one): the archive's files carry that gid.
    const groups = parseGroup((await ctx.readText('/etc/group')) ?? '');
    let gid: string[] = [];
    if (b.gid !== null) {
      if (!groups.some((g) => g.gid === b.gid) && !groups.some((g) => g.name === u.name)) check(await ctx.run(['groupadd', '--gid', String(b.gid), '--', u.name], { timeoutMs: 30_000 }), `groupadd ${u.name}`);
      gid = ['--no-user-group', '--gid', groups.some((g) => g.gid === b.gid) || !groups.some((g) => g.name === u.name) ? String(b.gid) : u.name];
    }
    const args = [...gid, ...(b.uid !== null ? ['--uid', String(b.uid)] : []), ...(b.shell ? ['--shell', b.shell] : []), '--comment', b.fullName ?? '', ...(b.groups.length ? ['--groups', b.groups.join(',')] : []), ...(b.home ? ['--home-dir', b.home] : []), ...(u.archive ? ['--no-create-home'] : ['--create-home'])];
    check(await ctx.run(['useradd', ...args, '--', u.name], { timeoutMs: 60_000 }), `useradd ${u.name}`);
    if (u.archive) check(await ctx.run(['tar', '--numeric-owner', '-C', '/', '-xzpf', u.archive], { timeoutMs: 30 * 60_000 }), `Restoring ${b.home} from ${u.archive}`);
  }
  await setFields(ctx, u.name, { fullName: b.fullName ?? '', shell: b.shell ?? undefined, groups: b.groups, locked: b.locked, expires: b.expires, ...(b.keys !== null ? { keys: b.keys } : {}) });
  return now.exists ? `${u.name} back as it was` : `made ${u.name} again (uid ${b.uid})${u.archive ? `, its home restored from ${u.archive}` : ', with an empty home (it was not archived)'}`;
}
