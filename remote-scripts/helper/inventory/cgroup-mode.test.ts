import { describe, expect, it } from 'vitest';
import { readFixture } from './fixtures.test-util.js';
import { cgroupLayoutFromMounts, parseCgroupControllers, parseProcCgroups } from './cgroup-mode.js';
import { parseMountinfo } from './mountinfo.js';

const layout = (name: string) => cgroupLayoutFromMounts(parseMountinfo(readFixture('cgroup/mountinfo', name)));

const ALL_V1 = ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'hugetlb', 'memory', 'net_cls', 'net_prio', 'perf_event', 'pids', 'rdma'];

describe('cgroupLayoutFromMounts', () => {
  it.each([
    ['in-crio-container-cgroup2-selinux', 'v2', '/sys/fs/cgroup', []],
    ['in-docker-24-container-cgroup2', 'v2', '/sys/fs/cgroup', []],
    ['in-docker-container-cgroup2', 'v2', '/sys/fs/cgroup', []],
    ['in-docker-container-cgroup-v1', 'v1', null, ALL_V1],
    ['ubuntu1804-hybrid', 'hybrid', '/sys/fs/cgroup/unified', ALL_V1],
  ] as const)('%s → %s', (name, mode, v2MountPoint, controllers) => {
    const l = layout(name);
    expect(l.mode).toBe(mode);
    expect(l.v2MountPoint).toBe(v2MountPoint);
    expect(l.v1Controllers).toEqual(controllers);
  });

  it('records the named systemd hierarchy and the container root of v1 mounts', () => {
    const systemd = layout('in-docker-container-cgroup-v1').v1Hierarchies.find((h) => h.name === 'systemd')!;
    expect(systemd).toMatchObject({ mountPoint: '/sys/fs/cgroup/systemd', controllers: [] });
    expect(systemd.root).toBe('/docker/188329f95b930c32eeeffd34658ed2538960947e166743fa3743f5ce3d739b40');
  });

  it('calls a unified host with only a named v1 hierarchy v2, and no cgroup mounts none', () => {
    const text = '30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n31 30 0:27 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n';
    expect(cgroupLayoutFromMounts(parseMountinfo(text)).mode).toBe('v2');
    expect(cgroupLayoutFromMounts([]).mode).toBe('none');
  });
});

describe('parseProcCgroups', () => {
  it('reads the Ubuntu 18.04 hybrid table', () => {
    const entries = parseProcCgroups(readFixture('cgroup/proc-cgroups/ubuntu1804-hybrid'));
    expect(entries).toHaveLength(13);
    expect(entries.find((e) => e.subsystem === 'memory')).toEqual({ subsystem: 'memory', hierarchy: 9, numCgroups: 108, enabled: true });
    expect(entries.map((e) => e.subsystem).sort()).toEqual(ALL_V1);
    // Every controller is bound to a v1 hierarchy, which is what makes this host hybrid, not v2.
    expect(entries.every((e) => e.hierarchy > 0)).toBe(true);
  });
});

describe('parseCgroupControllers', () => {
  it('reads cgroup.controllers', () => {
    expect(parseCgroupControllers(readFixture('cgroup/v2/cgroup.controllers/user-session-cpu-memory-pids'))).toEqual(['cpu', 'memory', 'pids']);
    expect(parseCgroupControllers('\n')).toEqual([]);
  });
});
