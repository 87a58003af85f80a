import * as z from 'zod/mini';
import { list, MAX, name, text } from '../protocol/bounds.js';

/** The probe1 reply: untrusted host data, bounded (see ../protocol/bounds.ts). */
export const osFamilySchema = z.enum(['debian', 'rhel', 'suse', 'arch', 'alpine', 'other']);
export type OsFamily = z.infer<typeof osFamilySchema>;

export const osInfoSchema = z.object({
  id: name(),
  idLike: list(name(), 64),
  versionId: z.nullable(name()),
  name: text(),
  prettyName: z.nullable(text()),
  family: osFamilySchema,
  /** Whether this distro/version is in the supported table (see src-common/inventory/os-table.ts). */
  supported: z.boolean(),
  /** The table row's label, e.g. "Debian 12", or null when unmatched. */
  matchedRow: z.nullable(name()),
});
export type OsInfo = z.infer<typeof osInfoSchema>;

export const packageBackendSchema = z.enum(['apt', 'dnf', 'yum', 'zypper', 'pacman', 'apk', 'unknown']);
export const serviceManagerSchema = z.enum(['systemd', 'openrc', 'none']);
export const cgroupModeSchema = z.enum(['v2', 'v1', 'hybrid', 'none']);

export const probeSchema = z.object({
  os: osInfoSchema,
  kernel: name(),
  arch: name(),
  hostname: name(),
  libc: z.object({ kind: z.enum(['glibc', 'musl', 'unknown']), version: z.nullable(name()) }),
  packageBackend: packageBackendSchema,
  serviceManager: serviceManagerSchema,
  cgroup: z.object({
    mode: cgroupModeSchema,
    /** Controllers available (v2: cgroup.controllers of the root; v1: mounted hierarchies). */
    controllers: list(name(), 256),
  }),
  virtualization: z.object({
    /** e.g. "docker", "lxc", "kvm", "none" */
    kind: name(),
    container: z.boolean(),
  }),
  containerRuntimes: list(
    z.object({
      name: z.enum(['docker', 'podman']),
      present: z.boolean(),
      /** Reachable by the helper's user (socket permissions). */
      accessible: z.boolean(),
      cgroupDriver: z.nullable(name()),
      version: z.nullable(name()),
    }),
    8,
  ),
  gpuVendors: list(z.enum(['nvidia', 'amd', 'intel']), 8),
  security: z.object({
    selinux: z.enum(['enforcing', 'permissive', 'disabled', 'absent']),
    apparmor: z.enum(['enabled', 'disabled', 'absent']),
  }),
  quotaTools: z.boolean(),
  /** Facts the helper could not determine, each with the reason, e.g. "docker: permission denied on /var/run/docker.sock". */
  warnings: list(text(), MAX.warnings),
});
export type Probe = z.infer<typeof probeSchema>;
