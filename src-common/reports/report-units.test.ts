import { describe, expect, it } from 'vitest';
import { usageFigureColumns, usageSummaryItems } from './report-format.js';
import type { UsageReport } from './report.schema.js';
import { computeUnit, formatSharedFigure, groupedFigureColumns, sharedTimeUnit, usageSummaryStrip } from './report-units.js';

const S = 1 / 3600; // one second, in hours
const M = 1 / 60; // one minute

/** The screenshot's per-user figures: CPU in seconds, GPU in minutes, memory in seconds and minutes. */
const row = (cpu: number, gpu: number, mem: number, gpuMem: number) => ({ cpuHours: cpu, gpuHours: gpu, memoryGibHours: mem, gpuMemoryGibHours: gpuMem, activeHours: 52.2 * S, peakMemoryBytes: 0, peakGpuMemoryBytes: 0 });
const users = [row(46.1 * S, 0, 0.15 * S, 0), row(1.15 * S, 0, 6.81 * S, 0), row(0, 1.74 * M, 0, 4.03 * M), row(0, 0, 0.2 * S, 0)];

describe('one unit for figures read side by side', () => {
  it('the summary strip reads in one time unit, from its largest figure (report-format mixed seconds and minutes)', () => {
    const totals = { users: 5, monitoredHosts: 1, cpuHours: 47.2 * S, gpuHours: 1.74 * M, memoryGibHours: 9.75 * S, gpuMemoryGibHours: 4.03 * M };
    const r = { totals, hosts: [{}, {}] } as unknown as UsageReport;
    // Before: each tile picked its own unit.
    expect(usageSummaryItems(r).slice(0, 4).map((i) => i.sub)).toEqual(['CPU-seconds', 'GPU-minutes', 'GiB-seconds', 'GiB-minutes']);
    expect(usageSummaryStrip(r)).toEqual([
      { label: 'CPU', value: '0.79', sub: 'CPU-minutes' },
      { label: 'GPU', value: '1.74', sub: 'GPU-minutes' },
      { label: 'Memory', value: '0.16', sub: 'GiB-minutes' },
      { label: 'GPU memory', value: '4.03', sub: 'GiB-minutes' },
      { label: 'Users', value: '5' },
      { label: 'Hosts', value: '1 of 2', sub: 'monitored' },
    ]);
  });

  it('a tile much smaller than the largest keeps two significant figures instead of "< 0.01"', () => {
    const totals = { users: 1, monitoredHosts: 1, cpuHours: 15 * S, gpuHours: 0, memoryGibHours: 1234.5, gpuMemoryGibHours: 0 };
    const items = usageSummaryStrip({ totals, hosts: [{}] } as unknown as UsageReport);
    expect(items.slice(0, 4).map((i) => `${i.value} ${i.sub}`)).toEqual(['0.0042 CPU-hours', '0 GPU-hours', '1,235 GiB-hours', '0 GiB-hours']);
    expect(formatSharedFigure(0.004166)).toBe('0.0042');
    expect(formatSharedFigure(0.0099)).toBe('0.0099');
    expect(formatSharedFigure(0.00996)).toBe('0.01');
    expect(formatSharedFigure(0.5)).toBe('0.50');
    expect(formatSharedFigure(47.2)).toBe('47.2');
    expect(formatSharedFigure(0.00001)).toBe('< 0.0001');
    expect(formatSharedFigure(0)).toBe('0');
    expect(formatSharedFigure(null)).toBe('—');
  });

  it('a usage table: CPU and GPU share a unit (the chart’s axis), memory and GPU memory share one, active time has its own', () => {
    // Before: CPU-seconds next to GPU-minutes, GiB-seconds next to GiB-minutes.
    expect(usageFigureColumns(users).map((c) => c.unit)).toEqual(['CPU-seconds', 'GPU-minutes', 'GiB-seconds', 'GiB-minutes', 'seconds']);
    const cols = groupedFigureColumns(users);
    expect(cols.map((c) => [c.header, c.unit])).toEqual([
      ['CPU', 'CPU-minutes'],
      ['GPU', 'GPU-minutes'],
      ['Memory', 'GiB-minutes'],
      ['GPU memory', 'GiB-minutes'],
      ['Active', 'seconds'],
    ]);
    expect(users.map((u) => cols.map((c) => c.text(u)))).toEqual([
      ['0.77', '0', '< 0.01', '0', '52.2'],
      ['0.02', '0', '0.11', '0', '52.2'],
      ['0', '1.74', '0', '4.03', '52.2'],
      ['0', '0', '< 0.01', '0', '52.2'],
    ]);
  });

  it('the users chart’s unit is the table’s CPU and GPU unit, whichever is larger', () => {
    expect(computeUnit(users).word).toBe('minutes');
    expect(computeUnit([row(2, 0, 0, 0), row(0, 30 * M, 0, 0)]).word).toBe('hours');
    expect(computeUnit([row(30 * S, 0, 0, 0)]).word).toBe('seconds');
    expect(computeUnit([]).word).toBe('hours');
    expect(groupedFigureColumns(users)[0]!.unit).toBe(`CPU-${computeUnit(users).word}`);
    expect(sharedTimeUnit([null, undefined, Number.NaN]).word).toBe('hours');
  });
});
