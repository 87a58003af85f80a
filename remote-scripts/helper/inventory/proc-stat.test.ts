import { describe, expect, it } from 'vitest';
import { readFixture } from './fixtures.test-util.js';
import { cpuUsageBetween, cpuUsagePercent, parseProcStat } from './proc-stat.js';

describe('parseProcStat (procfs fixture, 8 CPUs)', () => {
  const stat = parseProcStat(readFixture('proc/stat/procfs-fixture-8cpu'));

  it('reads the aggregate line', () => {
    expect(stat.total).toEqual({ user: 301854, nice: 612, system: 111922, idle: 8979004, iowait: 3552, irq: 2, softirq: 3944, steal: 0, guest: 0, guestNice: 0 });
  });

  it('reads every cpuN line in order', () => {
    expect(stat.perCpu.map((c) => c.cpu)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(stat.perCpu[7]!.times).toMatchObject({ user: 29098, nice: 268, system: 10164, idle: 1139282 });
  });

  it('per-CPU counters add up to the aggregate line, give or take the ticks between reads', () => {
    // The kernel sums the aggregate at a slightly different moment: user is off by 3 ticks here.
    const sumUser = stat.perCpu.reduce((s, c) => s + c.times.user, 0);
    const sumIdle = stat.perCpu.reduce((s, c) => s + c.times.idle, 0);
    expect(sumUser).toBe(301851);
    expect(Math.abs(sumUser - stat.total.user)).toBeLessThan(10);
    expect(Math.abs(sumIdle - stat.total.idle)).toBeLessThan(stat.total.idle * 0.001);
  });

  it('reads the scalar lines and ignores intr/softirq', () => {
    expect(stat).toMatchObject({ bootTimeSeconds: 1418183276, contextSwitches: 38014093, processesCreated: 26442, procsRunning: 2, procsBlocked: 1 });
  });
});

describe('cpu usage from two samples', () => {
  const before = parseProcStat('cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0 0 0\ncpu1 50 0 50 400 0 0 0 0 0 0\n');
  const after = parseProcStat('cpu  200 0 100 900 0 0 0 0 0 0\ncpu0 150 0 50 400 0 0 0 0 0 0\ncpu1 50 0 50 500 0 0 0 0 0 0\n');

  it('computes total and per-CPU busy share', () => {
    expect(cpuUsageBetween(before, after)).toEqual({ totalPercent: 50, perCpuPercent: [100, 0] });
  });

  it('counts iowait as idle and steal as busy', () => {
    const a = parseProcStat('cpu 0 0 0 0 0 0 0 0').total;
    const b = parseProcStat('cpu 10 0 0 50 30 0 0 10').total;
    expect(cpuUsagePercent(a, b)).toBeCloseTo(20);
  });

  it('returns null when no time passed or counters went backwards', () => {
    expect(cpuUsagePercent(before.total, before.total)).toBeNull();
    expect(cpuUsagePercent(after.total, before.total)).toBeNull();
  });

  it('treats the fixture against itself plus one tick of work as busy', () => {
    const s1 = parseProcStat(readFixture('proc/stat/procfs-fixture-8cpu'));
    const s2 = structuredClone(s1);
    s2.total.user += 30;
    s2.total.idle += 10;
    expect(cpuUsageBetween(s1, s2).totalPercent).toBe(75);
    expect(cpuUsageBetween(s1, s2).perCpuPercent).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('tolerates short cpu lines from old kernels', () => {
    expect(parseProcStat('cpu 1 2 3 4').total).toMatchObject({ user: 1, idle: 4, iowait: 0, steal: 0 });
  });
});
