import { readFileSync } from 'node:fs';
import path from 'node:path';
import { classifyOs } from '../../../src-common/inventory/os-table.js';
import { parseOsRelease } from '../../../src-common/inventory/os-release.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import type { HostFacts } from './module.js';

/**
 * Probes of each distribution family, built from the real os-release files in
 * test/fixtures/shared/os-release and what the helper's probe finds on such a host (package
 * backend, init). Per-family plan tests run every module against these.
 */
const FIXTURES = path.resolve(import.meta.dirname, '../../../test/fixtures/shared/os-release');

export const FAMILY_HOSTS = {
  'debian-12': { backend: 'apt', manager: 'systemd' },
  'ubuntu-24.04': { backend: 'apt', manager: 'systemd' },
  'rocky-9.3': { backend: 'dnf', manager: 'systemd' },
  'centos-7': { backend: 'yum', manager: 'systemd' },
  'fedora-42': { backend: 'dnf', manager: 'systemd' },
  'opensuse-leap-15.2': { backend: 'zypper', manager: 'systemd' },
  'arch-linux': { backend: 'pacman', manager: 'systemd' },
  'alpine-3.23': { backend: 'apk', manager: 'openrc' },
} as const satisfies Record<string, { backend: Probe['packageBackend']; manager: Probe['serviceManager'] }>;

export type FamilyHost = keyof typeof FAMILY_HOSTS;

export function familyProbe(name: FamilyHost, over: Partial<Probe> = {}): Probe {
  const os = classifyOs(parseOsRelease(readFileSync(path.join(FIXTURES, name), 'utf8')));
  const { backend, manager } = FAMILY_HOSTS[name];
  return {
    os,
    kernel: '6.1.0-18-amd64',
    arch: 'x86_64',
    hostname: 'gpu-1',
    libc: { kind: backend === 'apk' ? 'musl' : 'glibc', version: null },
    packageBackend: backend,
    serviceManager: manager,
    cgroup: { mode: 'v2', controllers: ['cpu', 'memory', 'io', 'pids'] },
    virtualization: { kind: 'none', container: false },
    containerRuntimes: [],
    gpuVendors: [],
    security: { selinux: os.family === 'rhel' ? 'enforcing' : 'absent', apparmor: os.family === 'debian' || os.family === 'suse' ? 'enabled' : 'absent' },
    quotaTools: false,
    warnings: [],
    ...over,
  };
}

export function familyFacts(name: FamilyHost, over: Partial<Probe> = {}): HostFacts {
  return { probe: familyProbe(name, over), user: 'admin', uid: 1000, hostName: 'gpu-1' };
}
