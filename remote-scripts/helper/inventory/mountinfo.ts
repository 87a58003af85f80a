/**
 * /proc/self/mountinfo (and the older /proc/mounts) parsing, plus the choice of which mounts are
 * "real" filesystems worth showing with their usage.
 */

export interface MountEntry {
  mountId: number | null;
  parentId: number | null;
  /** "major:minor" of the filesystem; null for /proc/mounts, which does not have it. */
  device: string | null;
  /** Path inside the filesystem that is mounted here: "/" unless this is a bind or btrfs subvolume mount. */
  root: string;
  mountPoint: string;
  mountOptions: string[];
  optionalFields: string[];
  fsType: string;
  source: string;
  superOptions: string[];
}

/** The kernel escapes space, tab, newline and backslash in paths as 3-digit octal. */
export function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/**
 * Splits a mount option string on commas outside double quotes: SELinux context="a:b:c1,c2" is
 * one option. Options are sliced out, not built a character at a time (a hostile 1 MB option
 * string was a million string concatenations).
 */
export function splitMountOptions(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      if (i > start) out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (s.length > start) out.push(s.slice(start));
  return out;
}

/** Lines that do not have mountinfo's shape (a pasted shell prompt, a truncated line) are skipped. */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(' ');
    const sep = tokens.indexOf('-', 6);
    if (sep === -1 || tokens.length < sep + 3) continue;
    const [mountId, parentId, device, root, mountPoint, options] = tokens;
    if (!/^\d+$/.test(mountId!) || !/^\d+$/.test(parentId!) || !/^\d+:\d+$/.test(device!)) continue;
    entries.push({
      mountId: Number(mountId),
      parentId: Number(parentId),
      device: device!,
      root: unescapeMountPath(root!),
      mountPoint: unescapeMountPath(mountPoint!),
      mountOptions: splitMountOptions(options!),
      optionalFields: tokens.slice(6, sep),
      fsType: tokens[sep + 1]!,
      source: unescapeMountPath(tokens[sep + 2]!),
      superOptions: splitMountOptions(tokens.slice(sep + 3).join(' ')),
    });
  }
  return entries;
}

/** /proc/mounts (same format as /etc/mtab): "source mountpoint fstype options dump pass". */
export function parseProcMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/);
    if (tokens.length < 4 || tokens[0]!.startsWith('#')) continue;
    const [source, mountPoint, fsType, options] = tokens as [string, string, string, string];
    entries.push({
      mountId: null,
      parentId: null,
      device: null,
      root: '/',
      mountPoint: unescapeMountPath(mountPoint),
      mountOptions: splitMountOptions(options),
      optionalFields: [],
      fsType,
      source: unescapeMountPath(source),
      superOptions: [],
    });
  }
  return entries;
}

export function isReadOnly(entry: MountEntry): boolean {
  return entry.mountOptions.includes('ro') || entry.superOptions.includes('ro');
}

/** Kernel-internal and virtual filesystems: they have no capacity anyone manages. */
const PSEUDO_FS = new Set([
  'proc', 'sysfs', 'cgroup', 'cgroup2', 'devpts', 'devtmpfs', 'mqueue', 'debugfs', 'tracefs', 'securityfs',
  'pstore', 'bpf', 'configfs', 'fusectl', 'hugetlbfs', 'autofs', 'binfmt_misc', 'rpc_pipefs', 'nsfs',
  'selinuxfs', 'efivarfs', 'ramfs', 'nfsd', 'fuse.lxcfs', 'fuse.gvfsd-fuse', 'fuse.portal', 'fuse.snapfuse',
  // Snap and AppImage images are read-only and always 100% full: noise in a disk list.
  'squashfs',
]);

/** tmpfs is RAM; only these mount points are capacity people run out of (/dev/shm for ML data loaders). */
const TMPFS_KEPT = new Set(['/dev/shm', '/tmp']);

/** Container runtimes' private mounts (per-container overlays, secrets): shown through the container, not here. */
const RUNTIME_PRIVATE = ['/var/lib/docker/', '/var/lib/containers/', '/run/containerd/', '/var/lib/kubelet/', '/run/docker/', '/snap/'];

/** Single files bind-mounted into containers: they belong to a filesystem but are not one. */
const FILE_BINDS = new Set(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/dev/termination-log', '/run/.containerenv', '/dev/console']);

/**
 * Picks one mount per filesystem. Bind mounts and btrfs subvolumes repeat a device; statfs on any of
 * them reports the same numbers, so the mount of the filesystem root (root "/") or else the
 * shortest mount point represents it.
 */
export function selectRealFilesystems(entries: readonly MountEntry[]): MountEntry[] {
  const candidates = visibleMounts(entries).filter((e) => {
    if (PSEUDO_FS.has(e.fsType)) return false;
    if (e.fsType === 'tmpfs' || e.fsType === 'overlay') {
      if (e.fsType === 'tmpfs' && !TMPFS_KEPT.has(e.mountPoint)) return false;
      if (e.fsType === 'overlay' && e.mountPoint !== '/') return false;
    }
    if (FILE_BINDS.has(e.mountPoint)) return false;
    return !RUNTIME_PRIVATE.some((prefix) => e.mountPoint.startsWith(prefix));
  });
  const byDevice = new Map<string, MountEntry>();
  const order: string[] = [];
  for (const e of candidates) {
    // /proc/mounts has no device number: a device path identifies a block filesystem, while
    // virtual sources ("tmpfs", "server:/export") are told apart by where they are mounted.
    const key = e.device ?? (e.source.startsWith('/dev/') ? e.source : `${e.source}|${e.mountPoint}`);
    const seen = byDevice.get(key);
    if (!seen) {
      byDevice.set(key, e);
      order.push(key);
    } else if (better(e, seen)) byDevice.set(key, e);
  }
  return order.map((k) => byDevice.get(k)!);
}

/** A later mount on the same mount point hides the earlier one (stacked mounts): only the top one is reachable. */
export function visibleMounts(entries: readonly MountEntry[]): MountEntry[] {
  const lastIndex = new Map<string, number>();
  entries.forEach((e, i) => lastIndex.set(e.mountPoint, i));
  return entries.filter((e, i) => lastIndex.get(e.mountPoint) === i);
}

function better(a: MountEntry, b: MountEntry): boolean {
  if ((a.root === '/') !== (b.root === '/')) return a.root === '/';
  return a.mountPoint.length < b.mountPoint.length;
}
