import { describe, expect, it } from 'vitest';
import { parseCpuMax, parseCpuStat, parseFlatKeyed, parseIoStat, parseLimit, parseSingleValue } from './cgroup-v2-files.js';
import { readFixture } from './fixtures.test-util.js';

describe('cgroup v2 interface files', () => {
  it('cpu.max "max 100000" is unlimited', () => {
    expect(parseCpuMax(readFixture('cgroup/v2/cpu.max/unlimited'))).toEqual({ quotaUsec: null, periodUsec: 100000, cpus: null });
    expect(parseCpuMax('150000 100000\n')).toEqual({ quotaUsec: 150000, periodUsec: 100000, cpus: 1.5 });
    expect(parseCpuMax('')).toBeNull();
  });

  it('memory.max "max" is unlimited (null), a number is a limit', () => {
    expect(parseLimit(readFixture('cgroup/v2/memory.max/unlimited'))).toBeNull();
    expect(parseLimit('536870912\n')).toBe(536870912);
    expect(parseLimit('garbage')).toBeUndefined();
  });

  it('memory.peak is one integer', () => {
    expect(parseSingleValue(readFixture('cgroup/v2/memory.peak/user-1000-session-scope'))).toBe(18772946944);
    expect(parseSingleValue('')).toBeNull();
  });

  it('cpu.stat with burst and core_sched fields', () => {
    const stat = parseCpuStat(readFixture('cgroup/v2/cpu.stat/user-1000-session-scope'));
    expect(stat).toMatchObject({ usageUsec: 3611347518, userUsec: 2915072455, systemUsec: 696275063, nrPeriods: 0, nrThrottled: 0, throttledUsec: 0 });
    expect(stat.raw['core_sched.force_idle_usec']).toBe(0);
    expect(stat.raw.burst_usec).toBe(0);
    expect(stat.userUsec + stat.systemUsec).toBe(stat.usageUsec);
    expect(parseCpuStat('usage_usec 10\nuser_usec 6\nsystem_usec 4\n').nrPeriods).toBeNull();
  });

  it('memory.stat of a recent kernel', () => {
    const stat = parseFlatKeyed(readFixture('cgroup/v2/memory.stat/user-1000-session-scope'));
    expect(stat).toMatchObject({ anon: 1411100672, file: 8621432832, zswap: 0, sec_pagetables: 0, pgscan_khugepaged: 0, thp_collapse_alloc: 1022 });
    // shmem is counted in "file" but lives on the anon LRU lists, so the file LRUs fall short by exactly shmem.
    expect(stat.active_file! + stat.inactive_file! + stat.shmem!).toBe(stat.file);
    expect(Object.keys(stat)).toHaveLength(53);
  });

  it('io.stat where devices without stats share a line', () => {
    expect(parseIoStat(readFixture('cgroup/v2/io.stat/ubuntu-loop-dm-nvme'))).toEqual([
      { device: '7:7', stats: {} },
      { device: '7:6', stats: {} },
      { device: '7:5', stats: {} },
      { device: '7:4', stats: { rbytes: 556032, wbytes: 0, rios: 78, wios: 0, dbytes: 0, dios: 0 } },
      { device: '7:3', stats: { rbytes: 21017600, wbytes: 0, rios: 629, wios: 0, dbytes: 0, dios: 0 } },
    ]);
  });
});
