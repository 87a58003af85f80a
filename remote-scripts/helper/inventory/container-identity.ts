import type { MountEntry } from './mountinfo.js';

/**
 * Recognising a container from the paths the kernel shows us: cgroup paths (/proc/PID/cgroup,
 * mountinfo roots of v1 cgroup mounts) and the host paths behind the files a runtime bind-mounts
 * into its containers (/etc/hostname, /etc/resolv.conf). On a cgroup v2 host with a private
 * cgroup namespace the bind mounts are the only place the id still shows.
 */

export type ContainerRuntime = 'docker' | 'podman' | 'crio' | 'containerd';

export interface ContainerIdentity {
  containerId: string;
  runtime: ContainerRuntime | null;
}

const HEX64 = '[0-9a-f]{64}';

/** Most specific first: a path can mention kubepods and crio at once. */
const CGROUP_PATTERNS: Array<{ re: RegExp; runtime: ContainerRuntime | null }> = [
  { re: new RegExp(`(?:^|/)docker-(${HEX64})\\.scope(?:/|$)`), runtime: 'docker' },
  { re: new RegExp(`(?:^|/)docker/(${HEX64})(?:/|$)`), runtime: 'docker' },
  { re: new RegExp(`(?:^|/)libpod-(${HEX64})(?:\\.scope)?(?:/|$)`), runtime: 'podman' },
  { re: new RegExp(`(?:^|/)crio-(${HEX64})\\.scope(?:/|$)`), runtime: 'crio' },
  { re: new RegExp(`(?:^|/)cri-containerd-(${HEX64})\\.scope(?:/|$)`), runtime: 'containerd' },
  // Kubernetes with the cgroupfs driver names the container cgroup by its bare id; dockershim and
  // containerd both do that, so the runtime cannot be told from the path.
  { re: new RegExp(`(?:^|/)kubepods[^/]*/(?:[^/]+/)*(${HEX64})(?:/|$)`), runtime: null },
];

export function containerFromCgroupPath(path: string): ContainerIdentity | null {
  for (const { re, runtime } of CGROUP_PATTERNS) {
    const match = re.exec(path);
    if (match) return { containerId: match[1]!, runtime };
  }
  return null;
}

const DOCKER_BIND = new RegExp(`/docker/containers/(${HEX64})/`);
/** containers/storage is shared by Podman and CRI-O. */
const STORAGE_BIND = new RegExp(`/overlay-containers/(${HEX64})/userdata/`);
const BIND_TARGETS = ['/etc/hostname', '/etc/resolv.conf', '/etc/hosts'];

export function containerFromMounts(entries: readonly MountEntry[]): ContainerIdentity | null {
  for (const e of entries) {
    if (e.fsType !== 'cgroup' && e.fsType !== 'cgroup2') continue;
    const found = containerFromCgroupPath(e.root);
    if (found) return found;
  }
  const kubernetes = entries.some((e) => e.mountPoint.startsWith('/run/secrets/kubernetes.io') || e.root.includes('/kubelet/pods/'));
  for (const target of BIND_TARGETS) {
    const bind = entries.find((e) => e.mountPoint === target);
    if (!bind) continue;
    const docker = DOCKER_BIND.exec(bind.root);
    if (docker) return { containerId: docker[1]!, runtime: 'docker' };
    const storage = STORAGE_BIND.exec(bind.root);
    if (storage) return { containerId: storage[1]!, runtime: kubernetes ? 'crio' : 'podman' };
  }
  return null;
}
