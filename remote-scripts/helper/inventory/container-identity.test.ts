import { describe, expect, it } from 'vitest';
import { containerFromCgroupPath, containerFromMounts } from './container-identity.js';
import { readFixture } from './fixtures.test-util.js';
import { parseMountinfo } from './mountinfo.js';

describe('container identity from other paths', () => {
  const id = 'a'.repeat(64);

  it.each([
    [`/machine.slice/libpod-${id}.scope`, 'podman'],
    [`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${id}.scope/container`, 'podman'],
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/crio-${id}.scope`, 'crio'],
    [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-${id}.scope`, 'containerd'],
    [`/kubepods/burstable/pod611006c3/${id}`, null],
  ])('%s', (path, runtime) => {
    expect(containerFromCgroupPath(path)).toEqual({ containerId: id, runtime });
  });

  it('ignores conmon scopes and host paths', () => {
    expect(containerFromCgroupPath(`/machine.slice/crio-conmon-${id}.scope`)).toBeNull();
    expect(containerFromCgroupPath('/system.slice/docker.service')).toBeNull();
  });

  it.each([
    ['in-docker-container-cgroup-v1', '188329f95b930c32eeeffd34658ed2538960947e166743fa3743f5ce3d739b40', 'docker'],
    ['in-docker-container-cgroup2', 'be522444b60caf2d3934b8b24b916a8a314f4b68d4595aa419874657e8d103f2', 'docker'],
    ['in-docker-24-container-cgroup2', 'b0a24eed1b031271d8ba0784b8f354b3da892dfd08bbcf14dd7e8a1cf9292f65', 'docker'],
    ['in-crio-container-cgroup2-selinux', '2ac4c84cb0d3c3beb04beeef6ccf71c17b5fdd0252ce3a2b66bc2fdd0aaa1814', 'crio'],
  ])('finds the container in mountinfo %s', (name, containerId, runtime) => {
    expect(containerFromMounts(parseMountinfo(readFixture('cgroup/mountinfo', name)))).toEqual({ containerId, runtime });
  });

  it('finds no container on a plain host', () => {
    expect(containerFromMounts(parseMountinfo(readFixture('cgroup/mountinfo/ubuntu1804-hybrid')))).toBeNull();
  });
});

describe('container identity on hostile paths', () => {
  const id = 'a'.repeat(64);

  it('reads a path of 30,000 kubepods segments in under 100 ms (each was a scan to the end)', () => {
    const start = performance.now();
    expect(containerFromCgroupPath('/kubepods'.repeat(30_000))).toBeNull();
    expect(performance.now() - start).toBeLessThan(100);
  });

  it('takes the last id after the first kubepods segment, up to an empty segment, as before', () => {
    expect(containerFromCgroupPath(`/kubepods/x/${id}/y/${'b'.repeat(64)}`)).toEqual({ containerId: 'b'.repeat(64), runtime: null });
    expect(containerFromCgroupPath(`/kubepods/x//${id}`)).toBeNull();
    expect(containerFromCgroupPath(`/kubepods/x//kubepods/${id}`)).toEqual({ containerId: id, runtime: null });
    expect(containerFromCgroupPath(`/kubepods`)).toBeNull();
  });
});
