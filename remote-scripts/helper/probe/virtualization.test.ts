import { describe, expect, it } from 'vitest';
import { fakeContext } from '../inventory/fake-context.test-util.js';
import { readFixture } from '../inventory/fixtures.test-util.js';
import { detectVirtualization, isContainerKind, vmFromDmi } from './virtualization.js';

describe('virtualization', () => {
  it.each([
    ['QEMU', 'Standard PC (Q35 + ICH9, 2009)', 'qemu'],
    ['Amazon EC2', 'm5.large', 'amazon'],
    ['Microsoft Corporation', 'Virtual Machine', 'microsoft'],
    ['innotek GmbH', 'VirtualBox', 'oracle'],
    ['VMware, Inc.', 'VMware Virtual Platform', 'vmware'],
    ['Dell Inc.', 'PowerEdge R750', null],
  ])('DMI %s / %s → %s', (vendor, product, want) => {
    expect(vmFromDmi(vendor, product)).toBe(want);
  });

  it('recognises a Docker container from PID 1 cgroup without systemd-detect-virt', async () => {
    const ctx = fakeContext({ live: false, files: { '/proc/1/cgroup': readFixture('cgroup/proc-pid-cgroup/docker-v2-systemd-scope') } });
    expect(await detectVirtualization(ctx)).toEqual({ kind: 'docker', container: true });
  });

  it('is not fooled by a host process in a user session scope', async () => {
    const ctx = fakeContext({ live: false, files: { '/proc/1/cgroup': readFixture('cgroup/proc-pid-cgroup/host-v1-user-session-scope'), '/sys/class/dmi/id/sys_vendor': 'Dell Inc.\n', '/proc/cpuinfo': 'flags\t\t: fpu vme sse2\n' } });
    expect(await detectVirtualization(ctx)).toEqual({ kind: 'none', container: false });
  });

  it('falls back to the hypervisor CPU flag and to WSL kernels', async () => {
    expect(await detectVirtualization(fakeContext({ live: false, files: { '/proc/cpuinfo': 'flags\t\t: fpu hypervisor sse2\n' } }))).toEqual({ kind: 'vm-other', container: false });
    expect(await detectVirtualization(fakeContext({ live: false, files: { '/proc/sys/kernel/osrelease': '5.15.153.1-microsoft-standard-WSL2\n' } }))).toEqual({ kind: 'wsl', container: true });
  });

  it('classifies systemd-detect-virt names', () => {
    expect(isContainerKind('lxc')).toBe(true);
    expect(isContainerKind('kvm')).toBe(false);
  });
});
