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
const HEX64_SEGMENT = new RegExp(`^${HEX64}$`);

/** Most specific first: a path can mention kubepods and crio at once. */
const CGROUP_PATTERNS: Array<{ find: (path: string) => string | null; runtime: ContainerRuntime | null }> = [
  { find: matcher(`(?:^|/)docker-(${HEX64})\\.scope(?:/|$)`), runtime: 'docker' },
  { find: matcher(`(?:^|/)docker/(${HEX64})(?:/|$)`), runtime: 'docker' },
  { find: matcher(`(?:^|/)libpod-(${HEX64})(?:\\.scope)?(?:/|$)`), runtime: 'podman' },
  { find: matcher(`(?:^|/)crio-(${HEX64})\\.scope(?:/|$)`), runtime: 'crio' },
  { find: matcher(`(?:^|/)cri-containerd-(${HEX64})\\.scope(?:/|$)`), runtime: 'containerd' },
  // Kubernetes with the cgroupfs driver names the container cgroup by its bare id; dockershim and
  // containerd both do that, so the runtime cannot be told from the path.
  { find: kubepodsContainer, runtime: null },
];

function matcher(source: string): (path: string) => string | null {
  const re = new RegExp(source);
  return (path) => re.exec(path)?.[1] ?? null;
}

/**
 * A bare 64-hex segment below a "kubepods*" segment: the last one in the run of non-empty
 * segments after the first kubepods segment (what /(?:^|\/)kubepods[^/]*\/(?:[^/]+\/)*(HEX64)(?:\/|$)/
 * finds). One pass over the segments: that regex retried from every "kubepods" segment, each
 * time to the end of the path, which a path of many such segments turned quadratic.
 */
function kubepodsContainer(path: string): string | null {
  const segments = path.split('/');
  let inRun = false;
  let found: string | null = null;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (!inRun) {
      inRun = segment.startsWith('kubepods') && i < segments.length - 1;
      found = null;
    } else if (segment === '') {
      if (found) return found;
      inRun = false;
    } else if (HEX64_SEGMENT.test(segment)) found = segment;
  }
  return found;
}

export function containerFromCgroupPath(path: string): ContainerIdentity | null {
  for (const { find, runtime } of CGROUP_PATTERNS) {
    const containerId = find(path);
    if (containerId) return { containerId, runtime };
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
