/**
 * Whether a kernel enforces disk quotas on a filesystem type: read by the helper (its config), and
 * used by the plan and by verify alike. Kept without zod so the helper can import it.
 */
export interface KernelQuota {
  /** ext4/ext3/ext2 quotas (CONFIG_QUOTA and CONFIG_QFMT_V2); null when the kernel's config cannot be read. */
  ext4: boolean | null;
  /** XFS quotas (CONFIG_XFS_QUOTA). */
  xfs: boolean | null;
  /** Where that was read, e.g. "/proc/config.gz: CONFIG_QFMT_V2 is not set". */
  evidence: string;
}

/** The filesystems Fleetdeck sets quotas on. */
export const quotaFilesystem = (fstype: string) => /^ext[234]$/.test(fstype) || fstype === 'xfs';

/** true: enforceable; false: not on this kernel (or this filesystem); null: the config could not be read. */
export function kernelCan(k: KernelQuota, fstype: string): boolean | null {
  if (/^ext[234]$/.test(fstype)) return k.ext4;
  if (fstype === 'xfs') return k.xfs;
  return false;
}
