import { createHash } from 'node:crypto';
import { constants, createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Check } from '../../../src-common/change/plan.schema.js';
import type { HelperContext } from '../context.js';

/**
 * The backup module's two checks, run as root by verify:
 *   backup-fresh    the last good backup (status the backup job writes) is recent enough;
 *   backup-restore  the restore test: a sample of the latest snapshot is restored into a scratch
 *                   directory, and each restored file's sha256 is compared with the live file it
 *                   came from wherever that file is unchanged since the snapshot (same size and
 *                   modification time). The scratch directory is removed whatever happens.
 * restic runs with argv only; paths from the snapshot are host data, so live files are opened
 * with O_NOFOLLOW (a symlink planted since is not followed) and never shown in full.
 */
type Fresh = Extract<Check, { kind: 'backup-fresh' }>;
type Restore = Extract<Check, { kind: 'backup-restore' }>;
type Result = { ok: boolean; evidence: string };

export interface BackupStatus {
  started: number;
  finished: number;
  exit: number;
  pruneExit?: number;
  summary: { snapshot_id?: string; total_files_processed?: number; total_bytes_processed?: number; data_added?: number } | null;
}

const mib = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);
const when = (s: number) => new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
/** How long before the check (the evidence is kept and shown later: "ago" would go stale). */
const before = (s: number, now: number) => {
  const h = (now - s * 1000) / 3_600_000;
  const span = h < 1 / 60 ? 'under a minute' : h < 1 ? `${Math.round(h * 60)} min` : h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} days`;
  return `${span} before this check`;
};

export function parseStatus(text: string | null): BackupStatus | null {
  if (!text) return null;
  try {
    const s = JSON.parse(text) as BackupStatus;
    return typeof s.finished === 'number' && typeof s.exit === 'number' ? s : null;
  } catch {
    return null;
  }
}

export function describeBackup(s: BackupStatus): string {
  const sum = s.summary;
  const parts = [`${when(s.finished)}`];
  if (sum?.snapshot_id) parts.push(`snapshot ${sum.snapshot_id.slice(0, 8)}`);
  if (typeof sum?.total_files_processed === 'number') parts.push(`${sum.total_files_processed} files`);
  if (typeof sum?.total_bytes_processed === 'number') parts.push(`${mib(sum.total_bytes_processed)} backed up`);
  if (typeof sum?.data_added === 'number') parts.push(`${mib(sum.data_added)} added to the repository`);
  return parts.join(', ');
}

export async function checkBackupFresh(ctx: HelperContext, c: Fresh, now = Date.now()): Promise<Result> {
  const ok = parseStatus(await ctx.readText(`${c.stateDir}/last-ok.json`));
  const last = parseStatus(await ctx.readText(`${c.stateDir}/status.json`));
  const failed = last && last.exit !== 0 ? ` The last run (${when(last.finished)}) failed with exit ${last.exit}: see journalctl -u fleetdeck-backup.` : '';
  if (!ok) return { ok: false, evidence: `No good backup yet.${failed}` };
  const fresh = now - ok.finished * 1000 <= c.maxAgeHours * 3_600_000;
  return { ok: fresh, evidence: `Last good backup ${describeBackup(ok)} (${before(ok.finished, now)}${fresh ? '' : `: older than ${c.maxAgeHours} h`}).${failed}` };
}

interface Node {
  type: string;
  path: string;
  size?: number;
  mtime?: string;
}

/** A spread of regular files from `restic ls --json` output, within the file and byte budget. */
export function sample(lsJson: string, maxFiles: number, maxBytes: number): Node[] {
  const files: Node[] = [];
  for (const line of lsJson.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const n = JSON.parse(line) as Node & { struct_type?: string };
      // restic's --include takes patterns: a name with pattern characters would match others.
      if (n.type === 'file' && typeof n.path === 'string' && n.path.startsWith('/') && !/[*?[\]\\\n]/.test(n.path)) files.push(n);
    } catch {
      // not a node line
    }
  }
  const step = Math.max(1, Math.floor(files.length / maxFiles));
  const out: Node[] = [];
  let bytes = 0;
  for (let i = 0; i < files.length && out.length < maxFiles; i += step) {
    const size = files[i]!.size ?? 0;
    if (bytes + size > maxBytes) continue;
    bytes += size;
    out.push(files[i]!);
  }
  return out;
}

async function sha256(file: string, flags = constants.O_RDONLY): Promise<string> {
  const fd = await fs.open(file, flags);
  try {
    const h = createHash('sha256');
    for await (const chunk of createReadStream('', { fd: fd.fd, autoClose: false })) h.update(chunk as Buffer);
    return h.digest('hex');
  } finally {
    await fd.close();
  }
}

export async function checkBackupRestore(ctx: HelperContext, c: Restore): Promise<Result> {
  const restic = (args: string[], timeoutMs = 120_000) => ctx.run(['restic', '-r', c.repository, '--password-file', c.passwordFile, '--no-lock', ...args], { timeoutMs });
  const snaps = await restic(['snapshots', '--json', '--latest', '1', '--tag', 'fleetdeck']);
  if (snaps.missing) return { ok: false, evidence: 'restic is not installed' };
  if (snaps.code !== 0) return { ok: false, evidence: `restic snapshots failed (exit ${snaps.code ?? 'timeout'}): ${snaps.stderr.trim().slice(0, 500)}` };
  const list = JSON.parse(snaps.stdout || '[]') as { id: string; short_id?: string; time: string }[];
  const snap = list.sort((a, b) => a.time.localeCompare(b.time)).pop();
  if (!snap) return { ok: false, evidence: 'No snapshot to restore yet: the first backup has not run.' };
  const ls = await restic(['ls', '--json', snap.id], 300_000);
  if (ls.code !== 0) return { ok: false, evidence: `restic ls failed (exit ${ls.code ?? 'timeout'}): ${ls.stderr.trim().slice(0, 500)}` };
  const files = sample(ls.stdout, c.maxFiles, c.maxBytes);
  if (!files.length) return { ok: false, evidence: `Snapshot ${snap.id.slice(0, 8)} has no regular file to restore.` };
  const scratch = await fs.mkdtemp('/var/tmp/fleetdeck-restore-');
  try {
    const r = await restic(['restore', snap.id, '--target', scratch, ...files.flatMap((f) => ['--include', f.path])], 600_000);
    if (r.code !== 0) return { ok: false, evidence: `restic restore of ${files.length} files failed (exit ${r.code ?? 'timeout'}): ${r.stderr.trim().slice(0, 500)}` };
    let matched = 0;
    let changed = 0;
    let bytes = 0;
    const differ: string[] = [];
    const missing: string[] = [];
    for (const f of files) {
      const restored = path.join(scratch, f.path);
      const got = await sha256(restored).catch(() => null);
      if (got === null) {
        missing.push(f.path);
        continue;
      }
      bytes += f.size ?? 0;
      const live = await fs.lstat(f.path).catch(() => null);
      const same = live?.isFile() && live.size === f.size && f.mtime !== undefined && Math.abs(live.mtimeMs - Date.parse(f.mtime)) < 1;
      if (!same) {
        changed++;
        continue;
      }
      const want = await sha256(f.path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
      if (want === null) changed++;
      else if (want === got) matched++;
      else differ.push(f.path);
    }
    const head = `Restored ${files.length - missing.length} of ${files.length} sampled files (${mib(bytes)}) of snapshot ${snap.id.slice(0, 8)} (${snap.time.slice(0, 16).replace('T', ' ')}) to a scratch directory`;
    const tail = `${matched} match the live file (sha256), ${changed} changed since the snapshot (not compared), ${differ.length} differ`;
    const bad = [...(missing.length ? [`not restored: ${missing.slice(0, 5).join(', ')}`] : []), ...(differ.length ? [`differ: ${differ.slice(0, 5).join(', ')}`] : [])];
    return { ok: !missing.length && !differ.length && matched > 0, evidence: `${head}: ${tail}${bad.length ? ` (${bad.join('; ')})` : ''}${matched === 0 && !bad.length ? '; nothing unchanged to compare yet, so not proven' : ''}.` };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
