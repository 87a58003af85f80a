import type { MountEntry } from './mountinfo.js';

/**
 * Which cgroup layout a host (or container) uses, read from its mountinfo:
 *  - v2: one cgroup2 mount (normally /sys/fs/cgroup), no v1 controller hierarchies;
 *  - v1: only v1 hierarchies (tmpfs /sys/fs/cgroup with one cgroup mount per controller);
 *  - hybrid: v1 controller hierarchies plus a cgroup2 mount without controllers
 *    (systemd's default on Ubuntu 18.04/20.04, at /sys/fs/cgroup/unified).
 * A v1 hierarchy with no controller (name=systemd) next to a cgroup2 root is still v2: systemd
 * mounts it on unified hosts for old containers, and resource limits all live in v2.
 */

export type CgroupMode = 'v2' | 'v1' | 'hybrid' | 'none';

export interface CgroupLayout {
  mode: CgroupMode;
  /** Where the v2 hierarchy is mounted, if any. */
  v2MountPoint: string | null;
  /** v1 hierarchies with their controllers (named hierarchies have none). */
  v1Hierarchies: Array<{ mountPoint: string; controllers: string[]; name: string | null; root: string }>;
  /** v1 controllers actually mounted, sorted. */
  v1Controllers: string[];
}

/** Options on a cgroup v1 superblock that are flags, not controller names. */
const V1_NON_CONTROLLER_OPTIONS = new Set(['rw', 'ro', 'xattr', 'noprefix', 'clone_children', 'cpuset_v2_mode', 'seclabel']);

export function cgroupLayoutFromMounts(entries: readonly MountEntry[]): CgroupLayout {
  const v2 = entries.find((e) => e.fsType === 'cgroup2');
  const v1Hierarchies = entries
    .filter((e) => e.fsType === 'cgroup')
    .map((e) => {
      const name = e.superOptions.find((o) => o.startsWith('name='))?.slice('name='.length) ?? null;
      const controllers = e.superOptions.filter((o) => !V1_NON_CONTROLLER_OPTIONS.has(o) && !o.includes('='));
      return { mountPoint: e.mountPoint, controllers, name, root: e.root };
    });
  const v1Controllers = [...new Set(v1Hierarchies.flatMap((h) => h.controllers))].sort();
  let mode: CgroupMode;
  if (v2 && v1Controllers.length > 0) mode = 'hybrid';
  else if (v2) mode = 'v2';
  else if (v1Hierarchies.length > 0) mode = 'v1';
  else mode = 'none';
  return { mode, v2MountPoint: v2?.mountPoint ?? null, v1Hierarchies, v1Controllers };
}

export interface ProcCgroupsEntry {
  subsystem: string;
  /** 0 when the controller is not bound to a v1 hierarchy (it is then on v2, or unused). */
  hierarchy: number;
  numCgroups: number;
  enabled: boolean;
}

/** /proc/cgroups: "#subsys_name hierarchy num_cgroups enabled", tab separated. */
export function parseProcCgroups(text: string): ProcCgroupsEntry[] {
  const out: ProcCgroupsEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [subsystem, hierarchy, numCgroups, enabled] = line.trim().split(/\s+/, 4);
    if (!subsystem || enabled === undefined) continue;
    out.push({ subsystem, hierarchy: Number(hierarchy), numCgroups: Number(numCgroups), enabled: enabled === '1' });
  }
  return out;
}

/** cgroup.controllers (and cgroup.subtree_control): space-separated controller names. */
export function parseCgroupControllers(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}
