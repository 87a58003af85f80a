import { z } from 'zod';

export const osFamilySchema = z.enum(['debian', 'rhel', 'suse', 'arch', 'alpine', 'other']);
export type OsFamily = z.infer<typeof osFamilySchema>;

export const osInfoSchema = z.object({
  id: z.string(),
  idLike: z.array(z.string()),
  versionId: z.string().nullable(),
  name: z.string(),
  prettyName: z.string().nullable(),
  family: osFamilySchema,
  /** Whether this distro/version is in the supported table (see src-common/inventory/os-table.ts). */
  supported: z.boolean(),
  /** The table row's label, e.g. "Debian 12", or null when unmatched. */
  matchedRow: z.string().nullable(),
});
export type OsInfo = z.infer<typeof osInfoSchema>;

export const packageBackendSchema = z.enum(['apt', 'dnf', 'yum', 'zypper', 'pacman', 'apk', 'unknown']);
export const serviceManagerSchema = z.enum(['systemd', 'openrc', 'none']);
export const cgroupModeSchema = z.enum(['v2', 'v1', 'hybrid', 'none']);

export const probeSchema = z.object({
  os: osInfoSchema,
  kernel: z.string(),
  arch: z.string(),
  hostname: z.string(),
  libc: z.object({ kind: z.enum(['glibc', 'musl', 'unknown']), version: z.string().nullable() }),
  packageBackend: packageBackendSchema,
  serviceManager: serviceManagerSchema,
  cgroup: z.object({
    mode: cgroupModeSchema,
    /** Controllers available (v2: cgroup.controllers of the root; v1: mounted hierarchies). */
    controllers: z.array(z.string()),
  }),
  virtualization: z.object({
    /** e.g. "docker", "lxc", "kvm", "none" */
    kind: z.string(),
    container: z.boolean(),
  }),
  containerRuntimes: z.array(
    z.object({
      name: z.enum(['docker', 'podman']),
      present: z.boolean(),
      /** Reachable by the helper's user (socket permissions). */
      accessible: z.boolean(),
      cgroupDriver: z.string().nullable(),
      version: z.string().nullable(),
    }),
  ),
  gpuVendors: z.array(z.enum(['nvidia', 'amd', 'intel'])),
  security: z.object({
    selinux: z.enum(['enforcing', 'permissive', 'disabled', 'absent']),
    apparmor: z.enum(['enabled', 'disabled', 'absent']),
  }),
  quotaTools: z.boolean(),
  /** Facts the helper could not determine, each with the reason, e.g. "docker: permission denied on /var/run/docker.sock". */
  warnings: z.array(z.string()),
});
export type Probe = z.infer<typeof probeSchema>;
