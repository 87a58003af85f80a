/**
 * Cgroup path parts of container runtimes: a user's process in a container is the container's
 * to limit (Docker's own cgroup), so the cgroupfs limits neither move it nor count it as outside.
 */
export const CONTAINER_CGROUP_PARTS = ['docker', 'containerd', 'lxc', 'kubepods', 'libpod', 'machine.slice'] as const;
