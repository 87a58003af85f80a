import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { MAX_FILE_BYTES, type FileObserved, type FileResource } from '../../../src-common/change/resource.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { HelperContext } from '../context.js';
import { parseGroup, parsePasswd } from '../inventory/local-users.js';
import { rootOnlyWritable } from '../root-env.js';

/**
 * Files the change engine reads and writes. A write is atomic: a temp file beside the target
 * (O_EXCL, never following a link), fsync, owner and mode set, rename over the target, fsync of
 * the directory — a crash leaves the old file or the new one, never half of either. Root writes
 * only where root alone can write the directories on the way (a path through a user-writable
 * directory could be redirected with a symlink between check and write).
 */
export async function readFileState(p: string): Promise<FileObserved> {
  let st;
  try {
    st = await fs.stat(p);
  } catch {
    return { kind: 'file', exists: false, sha256: null, text: null, mode: null, owner: null, group: null };
  }
  if (!st.isFile()) throw new FleetdeckError('invalid-input', `${p} exists but is not a regular file; Fleetdeck will not replace it.`);
  const { owner, group } = await namesOf(st.uid, st.gid);
  let text: string | null = null;
  let sha256: string | null = null;
  if (st.size <= MAX_FILE_BYTES) {
    const bytes = await fs.readFile(p);
    sha256 = createHash('sha256').update(bytes).digest('hex');
    const decoded = bytes.toString('utf8');
    if (Buffer.from(decoded, 'utf8').equals(bytes)) text = decoded;
  } else {
    sha256 = await hashFile(p);
  }
  return { kind: 'file', exists: true, sha256, text, mode: st.mode & 0o7777, owner, group };
}

async function hashFile(p: string): Promise<string> {
  const h = createHash('sha256');
  const fd = await fs.open(p, 'r');
  try {
    for await (const chunk of fd.createReadStream()) h.update(chunk as Buffer);
  } finally {
    await fd.close().catch(() => undefined);
  }
  return h.digest('hex');
}

let accounts: { users: Map<string, number>; groups: Map<string, number>; uidName: Map<number, string>; gidName: Map<number, string> } | null = null;

/** /etc/passwd and /etc/group, read once per change (a user a step creates is read again). */
export async function loadAccounts(): Promise<void> {
  const passwd = parsePasswd(await fs.readFile('/etc/passwd', 'utf8').catch(() => ''));
  const group = parseGroup(await fs.readFile('/etc/group', 'utf8').catch(() => ''));
  accounts = {
    users: new Map(passwd.map((u) => [u.name, u.uid])),
    groups: new Map(group.map((g) => [g.name, g.gid])),
    uidName: new Map(passwd.map((u) => [u.uid, u.name])),
    gidName: new Map(group.map((g) => [g.gid, g.name])),
  };
}

async function namesOf(uid: number, gid: number): Promise<{ owner: string; group: string }> {
  if (!accounts) await loadAccounts();
  return { owner: accounts!.uidName.get(uid) ?? String(uid), group: accounts!.gidName.get(gid) ?? String(gid) };
}

async function idsOf(owner: string | undefined, group: string | undefined): Promise<{ uid: number | null; gid: number | null }> {
  if (!accounts) await loadAccounts();
  const uid = owner === undefined ? null : (accounts!.users.get(owner) ?? null);
  const gid = group === undefined ? null : (accounts!.groups.get(group) ?? null);
  if (owner !== undefined && uid === null) throw new FleetdeckError('invalid-input', `There is no user "${owner}" on this host to own the file.`);
  if (group !== undefined && gid === null) throw new FleetdeckError('invalid-input', `There is no group "${group}" on this host for the file.`);
  return { uid, gid };
}

/** Creates the missing parents (root-owned, 0755) and returns the ones it made (for a rollback). */
async function ensureParents(dir: string): Promise<string[]> {
  const made: string[] = [];
  const missing: string[] = [];
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    try {
      await fs.stat(d);
      break;
    } catch {
      missing.unshift(d);
    }
  }
  for (const d of missing) {
    await fs.mkdir(d, { mode: 0o755 });
    // mkdir's mode is masked by the helper's umask (077 as root): a directory made for a
    // service's file must be traversable by that service, as `install -d` would make it.
    await fs.chmod(d, 0o755);
    made.push(d);
  }
  return made;
}

export interface WriteOutcome {
  createdDirs: string[];
}

/** Writes `content` to `p` atomically; keeps the old owner and mode unless the resource says. */
export async function writeFileAtomic(p: string, content: string | Buffer, want: Pick<FileResource, 'mode' | 'owner' | 'group'> = {}): Promise<WriteOutcome> {
  const dir = path.dirname(p);
  const createdDirs = await ensureParents(dir);
  if (process.getuid?.() === 0 && !rootOnlyWritable(dir)) {
    throw new FleetdeckError('access-denied', `${dir} (or a directory above it) can be written by other users, so root will not write ${p} there: a symlink could send the write elsewhere.`);
  }
  const old = await fs.stat(p).catch(() => null);
  const mode = want.mode ?? (old ? old.mode & 0o7777 : 0o644);
  const ids = await idsOf(want.owner, want.group);
  const uid = ids.uid ?? old?.uid ?? 0;
  const gid = ids.gid ?? old?.gid ?? 0;
  const tmp = path.join(dir, `.${path.basename(p)}.fleetdeck-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await fd.writeFile(content);
    await fd.sync();
    if (process.getuid?.() === 0) await fd.chown(uid, gid);
    await fd.chmod(mode);
  } catch (err) {
    await fd.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fd.close();
  try {
    await fs.rename(tmp, p);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
  return { createdDirs };
}

export async function removeFile(p: string): Promise<void> {
  await fs.rm(p, { force: true });
  await syncDir(path.dirname(p));
}

async function syncDir(dir: string): Promise<void> {
  const d = await fs.open(dir, 'r').catch(() => null);
  if (!d) return;
  await d.sync().catch(() => undefined);
  await d.close().catch(() => undefined);
}

/** A file's content before a step changes it, kept in the journal for a rollback. */
export interface Backup {
  existed: boolean;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  /** Where the old bytes are kept (in the journal's own root-only directory). */
  copy: string | null;
}

export async function backupFile(p: string, into: string): Promise<Backup> {
  const st = await fs.stat(p).catch(() => null);
  if (!st) return { existed: false, mode: null, uid: null, gid: null, copy: null };
  await fs.copyFile(p, into, constants.COPYFILE_EXCL);
  await fs.chmod(into, 0o600);
  return { existed: true, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, copy: into };
}

export async function restoreBackup(p: string, b: Backup): Promise<void> {
  if (!b.existed || !b.copy) return removeFile(p);
  const bytes = await fs.readFile(b.copy);
  await writeFileAtomic(p, bytes, {});
  if (process.getuid?.() === 0 && b.uid !== null && b.gid !== null) await fs.chown(p, b.uid, b.gid);
  if (b.mode !== null) await fs.chmod(p, b.mode);
}

/** For tests and the context's --root: nothing here goes through ctx (the change engine writes the live host). */
export function assertLive(ctx: HelperContext): void {
  if (!ctx.live) throw new FleetdeckError('invalid-input', `This helper reads ${ctx.root}, not the live host: it changes nothing.`);
}
