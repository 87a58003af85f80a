import { describe, expect, it } from 'vitest';
import { listFixtures, readFixture } from './fixtures.test-util.js';
import { describeCgroupMembership, parseProcPidCgroup } from './proc-pid-cgroup.js';

const membership = (name: string) => {
  const { path: _path, ...rest } = describeCgroupMembership(parseProcPidCgroup(readFixture('cgroup/proc-pid-cgroup', name)));
  return rest;
};

describe('describeCgroupMembership over every /proc/PID/cgroup fixture', () => {
  const expected = {
    'docker-1.3-v1-cgroupfs': { containerId: '47cbd16b77c50cbf71401c069cd2189f0e659af17d5a2daca3bddf59d8a870b2', runtime: 'docker', systemdUnit: null, slice: null, uid: null },
    'docker-v1-cgroupfs': { containerId: 'b29faf21b7eff959f64b4192c34d5d67a707fe8561e9eaa608cb27693fba4242', runtime: 'docker', systemdUnit: null, slice: null, uid: null },
    'docker-v1-systemd-driver-scope': {
      containerId: '67f98c9e6188f9c1818672a15dbe46237b6ee7e77f834d40d41c5fb3c2f84a2f', runtime: 'docker',
      systemdUnit: 'docker-67f98c9e6188f9c1818672a15dbe46237b6ee7e77f834d40d41c5fb3c2f84a2f.scope', slice: 'system.slice', uid: null,
    },
    'docker-v2-systemd-scope': {
      containerId: '1c8fa019edd4b9d4b2856f4932c55929c5c118c808ed5faee9a135ca6e84b039', runtime: 'docker',
      systemdUnit: 'docker-1c8fa019edd4b9d4b2856f4932c55929c5c118c808ed5faee9a135ca6e84b039.scope', slice: 'system.slice', uid: null,
    },
    'host-v1-user-session-scope': { containerId: null, runtime: null, systemdUnit: 'session-2.scope', slice: 'user-1000.slice', uid: 1000 },
    'ubuntu1804-hybrid-systemd-service': { containerId: null, runtime: null, systemdUnit: 'networkd-dispatcher.service', slice: 'system.slice', uid: null },
  };

  it('covers every fixture', () => {
    expect(listFixtures('cgroup/proc-pid-cgroup')).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s', (name, want) => {
    expect(membership(name)).toEqual(want);
  });

  it('parses hierarchy ids and controller lists, including the v2 line', () => {
    const lines = parseProcPidCgroup(readFixture('cgroup/proc-pid-cgroup/ubuntu1804-hybrid-systemd-service'));
    expect(lines).toHaveLength(13);
    expect(lines[0]).toEqual({ hierarchyId: 12, controllers: ['pids'], path: '/system.slice/networkd-dispatcher.service' });
    expect(lines.at(-1)).toEqual({ hierarchyId: 0, controllers: [], path: '/system.slice/networkd-dispatcher.service' });
    expect(lines.find((l) => l.hierarchyId === 8)!.controllers).toEqual(['net_cls', 'net_prio']);
  });
});
