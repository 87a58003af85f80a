import { gunzipSync } from 'node:zlib';
import type { Check } from '../../../src-common/change/plan.schema.js';
import { kernelCan, quotaFilesystem, type KernelQuota } from '../../../src-common/modules/quota-support.js';
import type { HelperContext } from '../context.js';

/**
 * Disk quotas (issue 11): whether this host can enforce them, where each user's home lives, and
 * what the kernel holds for a user (`repquota`). Quotas need the kernel (ext4: CONFIG_QUOTA and
 * CONFIG_QFMT_V2; XFS: CONFIG_XFS_QUOTA), the quota tools, and the filesystem mounted with user
 * quotas on. Where the kernel cannot, verify says "not enforceable on this kernel" and measures
 * the home's use instead, with a notice past the soft limit.
 */


/** The kernel config's answer: reads CONFIG_* lines. */
export function kernelQuotaFromConfig(config: string, where: string): KernelQuota {
  const on = (k: string) => new RegExp(`^CONFIG_${k}=[ym]$`, 'm').test(config);
  const ext4 = on('QUOTA') && on('QFMT_V2');
  const xfs = on('XFS_FS') ? on('XFS_QUOTA') : false;
  const missing = [!on('QUOTA') ? 'CONFIG_QUOTA' : null, !on('QFMT_V2') ? 'CONFIG_QFMT_V2' : null].filter(Boolean);
  return { ext4, xfs, evidence: `${where}: ${ext4 ? 'CONFIG_QUOTA and CONFIG_QFMT_V2 are set' : `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`}${on('XFS_FS') ? `; CONFIG_XFS_QUOTA is ${xfs ? 'set' : 'not set'}` : ''}` };
}

export async function kernelQuota(ctx: HelperContext): Promise<KernelQuota> {
  const release = (await ctx.readText('/proc/sys/kernel/osrelease'))?.trim() ?? '';
  const gz = await ctx.readBytes?.('/proc/config.gz');
  if (gz) {
    try {
      return kernelQuotaFromConfig(gunzipSync(gz).toString('utf8'), '/proc/config.gz');
    } catch {
      // Unreadable: try the next source.
    }
  }
  const boot = release && (await ctx.readText(`/boot/config-${release}`));
  if (boot) return kernelQuotaFromConfig(boot, `/boot/config-${release}`);
  const builtin = release ? await ctx.readText(`/lib/modules/${release}/modules.builtin`) : null;
  const dir = release ? await ctx.listDir(`/lib/modules/${release}/kernel/fs/quota`) : null;
  if (builtin !== null || dir !== null) {
    const v2 = !!builtin?.includes('fs/quota/quota_v2.ko') || !!dir?.some((f) => f.startsWith('quota_v2.ko'));
    return { ext4: v2, xfs: null, evidence: `/lib/modules/${release}: quota_v2 ${v2 ? 'is there' : 'is neither built in nor a module'}` };
  }
  return { ext4: null, xfs: null, evidence: 'the kernel config could not be read (no /proc/config.gz, /boot/config-*, or modules list)' };
}

export interface MountOf {
  mount: string;
  fstype: string;
  source: string;
  options: string[];
}

/** The mount a path lives on: the longest mount point that contains it, from /proc/self/mountinfo. */
export function mountOf(mountinfo: string, p: string): MountOf | null {
  let best: MountOf | null = null;
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const [fstype, source, superOpts] = right.split(' ');
    const target = (f[4] ?? '').replace(/\\040/g, ' ');
    if (!target || !fstype) continue;
    const inside = target === '/' || p === target || p.startsWith(`${target}/`);
    if (inside && (!best || target.length >= best.mount.length)) best = { mount: target, fstype, source: source ?? '', options: [...(f[5] ?? '').split(','), ...(superOpts ?? '').split(',')] };
  }
  return best;
}

/** Whether user quotas are on for that mount, as its options say. */
export const userQuotaOn = (m: MountOf) => m.options.some((o) => /^(usrquota|uquota|quota|usrjquota=.*|uqnoenforce)$/.test(o));


export interface RepquotaEntry {
  uid: number;
  blocksUsedKiB: number;
  blocksSoftKiB: number;
  blocksHardKiB: number;
  blockGrace: number;
  filesUsed: number;
  filesSoft: number;
  filesHard: number;
  fileGrace: number;
}

/** `repquota -u -p -n MOUNT` (numeric ids, raw grace): one entry per line "#UID +- used soft hard grace used soft hard grace". */
export function parseRepquota(text: string): RepquotaEntry[] {
  const out: RepquotaEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^#(\d+)\s+[+-]{2}\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (!m) continue;
    const n = m.slice(1).map(Number);
    out.push({ uid: n[0]!, blocksUsedKiB: n[1]!, blocksSoftKiB: n[2]!, blocksHardKiB: n[3]!, blockGrace: n[4]!, filesUsed: n[5]!, filesSoft: n[6]!, filesHard: n[7]!, fileGrace: n[8]! });
  }
  return out;
}

const kib = (bytes: number | undefined) => (bytes === undefined ? 0 : Math.ceil(bytes / 1024));
const human = (bytes: number) => {
  for (const [u, f] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) if (bytes >= f) return `${Number((bytes / f).toFixed(1))}${u}`;
  return `${bytes} B`;
};

type DiskCheck = Extract<Check, { kind: 'user-disk' }>;

/** change.quota1: the kernel's answer and each user's home mount (for the plan). */
export async function quotaFacts(ctx: HelperContext, users: string[]) {
  const mountinfo = (await ctx.readText('/proc/self/mountinfo')) ?? '';
  const homes = [];
  for (const user of users) {
    const home = await homeOf(ctx, user);
    const m = home ? mountOf(mountinfo, home) : null;
    if (home && m) homes.push({ user, home, mount: m.mount, fstype: m.fstype, source: m.source, quotaOn: userQuotaOn(m) });
  }
  return { kernel: await kernelQuota(ctx), homes };
}

/** The user's home directory, from /etc/passwd or NSS. */
async function homeOf(ctx: HelperContext, user: string): Promise<string | null> {
  const line = ((await ctx.readText('/etc/passwd')) ?? '').split('\n').find((l) => l.startsWith(`${user}:`));
  const fromNss = line ? null : await ctx.run(['getent', 'passwd', user], { timeoutMs: 10_000 });
  const fields = (line ?? fromNss?.stdout.trim() ?? '').split(':');
  return fields[5] && fields[5].startsWith('/') ? fields[5] : null;
}

export async function checkUserDisk(ctx: HelperContext, c: DiskCheck): Promise<{ ok: boolean; evidence: string }> {
  const home = await homeOf(ctx, c.user);
  if (!home) return { ok: false, evidence: `${c.user} has no home directory in /etc/passwd: a disk quota has nowhere to apply.` };
  const m = mountOf((await ctx.readText('/proc/self/mountinfo')) ?? '', home);
  if (!m) return { ok: false, evidence: `Cannot tell which filesystem ${home} is on (/proc/self/mountinfo).` };
  const wanted = `${c.soft !== undefined ? `${human(c.soft)} soft` : ''}${c.soft !== undefined && c.hard !== undefined ? ' / ' : ''}${c.hard !== undefined ? `${human(c.hard)} hard` : ''}`;
  const kernel = await kernelQuota(ctx);
  const can = kernelCan(kernel, m.fstype);
  if (can !== true) {
    const why = can === false ? (quotaFilesystem(m.fstype) ? `not enforceable on this kernel (${kernel.evidence})` : `not enforceable on ${m.fstype} (${m.mount}): Fleetdeck sets quotas on ext4 and XFS`) : `not known to be enforceable (${kernel.evidence})`;
    return measured(ctx, c, home, `Not enforced: disk quota ${wanted} for ${c.user} is ${why}`);
  }
  const rep = await ctx.run(['repquota', '-u', '-p', '-n', m.mount], { timeoutMs: 30_000 });
  if (rep.missing) return { ok: false, evidence: `Not enforced: the quota tools are not installed (repquota is missing; apply again to install the quota package).` };
  if (rep.code !== 0 || !userQuotaOn(m)) return { ok: false, evidence: `Not enforced: user quotas are off on ${m.mount} (${m.fstype}, options ${m.options.filter(Boolean).join(',')})${rep.code !== 0 ? `: repquota says ${rep.stderr.trim().slice(0, 200)}` : ''}. Turn them on as the plan says, then apply again.` };
  const e = parseRepquota(rep.stdout).find((x) => x.uid === c.uid);
  const got = e ?? { blocksUsedKiB: 0, blocksSoftKiB: 0, blocksHardKiB: 0, filesUsed: 0, filesSoft: 0, filesHard: 0 };
  const drift: string[] = [];
  const cmp = (label: string, have: number, want: number | undefined) => {
    if (want !== undefined && have !== want) drift.push(`${label} ${have}, ${want} wanted`);
  };
  cmp('block soft (KiB)', got.blocksSoftKiB, c.soft === undefined ? undefined : kib(c.soft));
  cmp('block hard (KiB)', got.blocksHardKiB, c.hard === undefined ? undefined : kib(c.hard));
  cmp('file soft', got.filesSoft, c.inodesSoft);
  cmp('file hard', got.filesHard, c.inodesHard);
  const use = `${human(got.blocksUsedKiB * 1024)} and ${got.filesUsed} files used`;
  if (drift.length) return { ok: false, evidence: `Drifted on ${m.mount}: ${drift.join('; ')} (repquota -u ${m.mount}); ${use}.` };
  const over = c.soft !== undefined && got.blocksUsedKiB >= kib(c.soft) ? ` Past the soft limit: ${c.user} has until the grace period ends to go back under it.` : '';
  return { ok: true, evidence: `Enforced on ${m.mount} (${m.fstype}): ${wanted}; ${use} (repquota -u ${m.mount}).${over}` };
}

/** Where quotas cannot hold: the home's use, measured (du), against the limits. Always "not enforced". */
async function measured(ctx: HelperContext, c: DiskCheck, home: string, why: string): Promise<{ ok: boolean; evidence: string }> {
  const du = await ctx.run(['du', '-sxb', '--', home], { timeoutMs: 60_000 });
  const bytes = du.code === 0 ? Number(du.stdout.split(/\s/)[0]) : NaN;
  if (!Number.isFinite(bytes)) return { ok: false, evidence: `${why}. Measuring ${home} instead failed: ${(du.stderr || 'du timed out').trim().slice(0, 200)}.` };
  const notice = c.hard !== undefined && bytes >= c.hard ? ` NOTICE: past the hard limit (${human(c.hard)}).` : c.soft !== undefined && bytes >= c.soft ? ` NOTICE: past the soft limit (${human(c.soft)}).` : '';
  return { ok: false, evidence: `${why}. Measured instead: ${human(bytes)} used in ${home} (du).${notice}` };
}
