import { describe, expect, it } from 'vitest';
import { cpuPercentBetween, cpuPercentFromTicks } from './pid-cpu.js';

describe('per-process CPU share', () => {
  it('is tick delta / USER_HZ / seconds, where 100 % is one CPU', () => {
    expect(cpuPercentFromTicks(1000, 1100, 1)).toBe(100);
    expect(cpuPercentFromTicks(1000, 1050, 2)).toBe(25);
    expect(cpuPercentFromTicks(0, 800, 1)).toBe(800);
    expect(cpuPercentFromTicks(0, 1, 3)).toBe(0.3);
  });

  it('is 0 without a previous reading, a zero interval or a counter that went backwards', () => {
    expect(cpuPercentFromTicks(undefined, 500, 1)).toBe(0);
    expect(cpuPercentFromTicks(10, 20, 0)).toBe(0);
    expect(cpuPercentFromTicks(20, 10, 1)).toBe(0);
  });

  it('uses the time between the two readings of the process', () => {
    expect(cpuPercentBetween({ identity: '42:1000', ticks: 500, at: 10_000 }, { identity: '42:1000', ticks: 800, at: 13_000 })).toBe(100);
    expect(cpuPercentBetween(undefined, { identity: '42:1000', ticks: 800, at: 13_000 })).toBe(0);
  });

  it('starts from scratch when the pid now belongs to another process', () => {
    // pid 42 exited and a new process got the number: its 5 ticks are not "-495".
    expect(cpuPercentBetween({ identity: '42:1000', ticks: 500, at: 0 }, { identity: '42:9000', ticks: 5, at: 1000 })).toBe(0);
  });
});
