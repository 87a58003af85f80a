import { containerFromCgroupPath, type ContainerIdentity, type ContainerRuntime } from './container-identity.js';

/**
 * /proc/PID/cgroup: which cgroup(s) a process sits in, and what that says about it: the container
 * it runs in (Docker, Podman, CRI-O, containerd), its systemd unit and slice, and the owning user
 * for login sessions (user-UID.slice).
 */

export interface CgroupLine {
  hierarchyId: number;
  /** Empty for the v2 line ("0::/path"); ["name=systemd"] for systemd's named v1 hierarchy. */
  controllers: string[];
  path: string;
}

export interface CgroupMembership {
  containerId: string | null;
  runtime: ContainerRuntime | null;
  /** Leaf .service or .scope unit, e.g. "docker-<id>.scope", "session-2.scope". */
  systemdUnit: string | null;
  /** Innermost .slice, e.g. "system.slice", "user-1000.slice". */
  slice: string | null;
  /** From user-UID.slice; null outside a user slice. */
  uid: number | null;
  /** The path the answer was read from (v2 path, else name=systemd, else the first non-root v1 path). */
  path: string | null;
}

export function parseProcPidCgroup(text: string): CgroupLine[] {
  const lines: CgroupLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const first = line.indexOf(':');
    const second = first === -1 ? -1 : line.indexOf(':', first + 1);
    if (second === -1) continue;
    const id = line.slice(0, first);
    if (!/^\d+$/.test(id)) continue;
    const list = line.slice(first + 1, second);
    // The path may itself contain ':' so everything after the second colon belongs to it.
    lines.push({ hierarchyId: Number(id), controllers: list ? list.split(',') : [], path: line.slice(second + 1) });
  }
  return lines;
}

function representativePath(lines: readonly CgroupLine[]): string | null {
  const v2 = lines.find((l) => l.hierarchyId === 0 && l.controllers.length === 0);
  const named = lines.find((l) => l.controllers.includes('name=systemd'));
  const nonRoot = lines.find((l) => l.path !== '/');
  // In hybrid mode the v2 line can sit at "/" while v1 carries the real placement.
  if (v2 && v2.path !== '/') return v2.path;
  return named?.path ?? nonRoot?.path ?? v2?.path ?? lines[0]?.path ?? null;
}

export function describeCgroupMembership(lines: readonly CgroupLine[]): CgroupMembership {
  const path = representativePath(lines);
  let container: ContainerIdentity | null = null;
  for (const candidate of [path, ...lines.map((l) => l.path)]) {
    if (candidate && (container = containerFromCgroupPath(candidate))) break;
  }
  const segments = (path ?? '').split('/').filter(Boolean);
  const systemdUnit = [...segments].reverse().find((s) => s.endsWith('.service') || s.endsWith('.scope')) ?? null;
  const slice = [...segments].reverse().find((s) => s.endsWith('.slice')) ?? null;
  const userSlice = segments.map((s) => /^user-(\d+)\.slice$/.exec(s)).find(Boolean);
  return {
    containerId: container?.containerId ?? null,
    runtime: container?.runtime ?? null,
    systemdUnit,
    slice,
    uid: userSlice ? Number(userSlice[1]) : null,
    path,
  };
}
