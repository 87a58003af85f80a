import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { formatSize, type LimitSpec } from '../../../src-common/modules/limits.js';
import { kernelCan, quotaFilesystem } from '../../../src-common/modules/quota-support.js';
import type { HostFacts } from '../change/module.js';

/**
 * Disk quotas of limited users (issue 11): `setquota` on the filesystem of each user's home, where
 * the kernel, the tools and the mount allow it, and a plan that says plainly what stands in the way
 * where they do not:
 *   - the kernel cannot (ext4 needs CONFIG_QUOTA and CONFIG_QFMT_V2, XFS needs CONFIG_XFS_QUOTA):
 *     "not enforceable on this kernel", nothing is written, and verify measures the home's use
 *     instead, with a notice past the soft limit;
 *   - user quotas are off on that mount: the mount option change and the commands it takes, for the
 *     admin to run (Fleetdeck does not remount a filesystem that people are working on);
 *   - the quota tools are missing: the quota package, from the host's mirror.
 * Sizes go to setquota in KiB blocks; a rollback clears the user's quota (0 = none).
 */
type Limited = { user: string; uid: number; spec: LimitSpec };

const kib = (bytes: number | undefined) => String(bytes === undefined ? 0 : Math.ceil(bytes / 1024));

/** Exit 0 when repquota already holds these limits for the uid on the mount. */
const HOLDS = `repquota -u -p -n "$2" 2>/dev/null | awk -v id="#$1" -v bs="$3" -v bh="$4" -v is="$5" -v ih="$6" '$1 == id { found = 1; ok = ($4 == bs && $5 == bh && $8 == is && $9 == ih) } END { exit !(found ? ok : (bs == 0 && bh == 0 && is == 0 && ih == 0)) }'`;

const QUOTA_PACKAGE: Record<string, string> = { apt: 'quota', dnf: 'quota', yum: 'quota', zypper: 'quota', pacman: 'quota-tools', apk: 'quota-tools' };

export function describeDisk(d: NonNullable<LimitSpec['disk']>): string {
  return [d.soft !== undefined ? `${formatSize(d.soft)} soft` : null, d.hard !== undefined ? `${formatSize(d.hard)} hard` : null, d.inodesSoft !== undefined ? `${d.inodesSoft} files soft` : null, d.inodesHard !== undefined ? `${d.inodesHard} files hard` : null].filter(Boolean).join(' / ');
}

export function quotaPlan(facts: HostFacts, limited: Limited[], freed: { user: string; uid: number }[] = []): { resources: Resource[]; warnings: string[]; checks: Check[] } {
  const withDisk = limited.filter((l) => l.spec.disk && Object.keys(l.spec.disk).length);
  const out = { resources: [] as Resource[], warnings: [] as string[], checks: [] as Check[] };
  const q = facts.quota;
  // Quotas of users who no longer have one are freed (0 = no limit), where quotas are on.
  for (const f of freed) {
    const h = q?.homes.get(f.user);
    const can = h && kernelCan(q!.kernel, h.fstype);
    if (!h || can === false || !h.quotaOn || !facts.probe.quotaTools) continue;
    const zero = ['0', '0', '0', '0'];
    out.resources.push({ kind: 'command', id: `quota-${f.user}`, label: `Free ${f.user}'s disk quota on ${h.mount} (no limit)`, argv: ['setquota', '-u', f.user, ...zero, h.mount], unless: ['/bin/sh', '-c', HOLDS, 'fleetdeck-quota', String(f.uid), h.mount, ...zero] });
  }
  if (!withDisk.length) return out;
  const settable: { l: Limited; mount: string }[] = [];
  const off = new Map<string, string>();
  for (const l of withDisk) {
    const d = l.spec.disk!;
    out.checks.push({ kind: 'user-disk', id: `disk-${l.user}`, label: `${l.user}: disk ${describeDisk(d)}`, user: l.user, uid: l.uid, ...(d.soft !== undefined ? { soft: d.soft } : {}), ...(d.hard !== undefined ? { hard: d.hard } : {}), ...(d.inodesSoft !== undefined ? { inodesSoft: d.inodesSoft } : {}), ...(d.inodesHard !== undefined ? { inodesHard: d.inodesHard } : {}) });
    const h = q?.homes.get(l.user);
    if (!q || !h) {
      out.warnings.push(`Disk quota for ${l.user}: ${l.user} has no home directory Fleetdeck can find, so there is no filesystem to set it on.`);
      continue;
    }
    const can = kernelCan(q.kernel, h.fstype);
    if (!quotaFilesystem(h.fstype)) {
      out.warnings.push(`Disk quota for ${l.user}: not enforceable on ${h.fstype} (${h.home} is on ${h.mount}); Fleetdeck sets quotas on ext4 and XFS. Verify measures the use of ${h.home} instead and gives a notice past the soft limit.`);
      continue;
    }
    if (can === false) {
      out.warnings.push(`Disk quota for ${l.user}: not enforceable on this kernel (${q.kernel.evidence}). Nothing is written; verify measures the use of ${h.home} instead and gives a notice past the soft limit.`);
      continue;
    }
    if (!h.quotaOn) {
      off.set(h.mount, h.fstype);
      continue;
    }
    if (can === null) out.warnings.push(`Could not tell whether this kernel enforces quotas (${q.kernel.evidence}): verify reads repquota back and says.`);
    settable.push({ l, mount: h.mount });
  }
  for (const [mount, fstype] of off) {
    const users = withDisk.filter((l) => q?.homes.get(l.user)?.mount === mount).map((l) => l.user);
    out.warnings.push(
      fstype === 'xfs'
        ? `Disk quotas for ${users.join(', ')}: user quotas are off on ${mount} (XFS). Add "usrquota" to its options in /etc/fstab and mount it again (XFS turns quotas on only at mount time; for / that means a reboot), then apply again. Fleetdeck does not remount a filesystem people are using.`
        : `Disk quotas for ${users.join(', ')}: user quotas are off on ${mount} (${fstype}). Add "usrquota" to its options in /etc/fstab, then run: mount -o remount ${mount}; quotacheck -cum ${mount}; quotaon -u ${mount} — and apply again. Fleetdeck does not remount a filesystem people are using.`,
    );
  }
  if (!settable.length) return out;
  if (!facts.probe.quotaTools) {
    const pkg = QUOTA_PACKAGE[facts.probe.packageBackend] ?? 'quota';
    out.resources.push({ kind: 'package', label: 'Quota tools (setquota, repquota)', packages: [pkg], state: 'present', source: "the host's package mirror" });
  }
  for (const { l, mount } of settable) {
    const d = l.spec.disk!;
    const values = [kib(d.soft), kib(d.hard), String(d.inodesSoft ?? 0), String(d.inodesHard ?? 0)];
    out.resources.push({
      kind: 'command',
      id: `quota-${l.user}`,
      label: `Set ${l.user}'s disk quota on ${mount}: ${describeDisk(d)} (setquota; a rollback clears it)`,
      argv: ['setquota', '-u', l.user, ...values, mount],
      unless: ['/bin/sh', '-c', HOLDS, 'fleetdeck-quota', String(l.uid), mount, ...values],
      undo: ['setquota', '-u', l.user, '0', '0', '0', '0', mount],
    });
  }
  return out;
}
