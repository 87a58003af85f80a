import { describe, expect, it } from 'vitest';
import { chartUnit, figureColumn, formatFigure, formatTick, formatUsage, timeUnitFor, usageFigureColumns, usageSummaryItems, usageValue } from './report-format.js';
import type { UsageReport } from './report.schema.js';

const S = 1 / 3600; // one second, in hours

describe('report figures: units and significant figures', () => {
  it('writes three significant figures, at most two decimals, and never a long tail', () => {
    expect(formatFigure(0)).toBe('0');
    expect(formatFigure(4)).toBe('4.00');
    expect(formatFigure(0.5)).toBe('0.50');
    expect(formatFigure(1.2345)).toBe('1.23');
    expect(formatFigure(12.345)).toBe('12.3');
    expect(formatFigure(123.45)).toBe('123');
    expect(formatFigure(1234.5)).toBe('1,235');
    expect(formatFigure(1_234_567.8)).toBe('1,234,568');
    // Rounding moves a figure up a band: 9.996 is "10.0", 99.96 is "100".
    expect(formatFigure(9.996)).toBe('10.0');
    expect(formatFigure(99.96)).toBe('100');
    // What would read as 0 but is not.
    expect(formatFigure(0.004)).toBe('< 0.01');
    expect(formatFigure(0.00000556)).toBe('< 0.01');
    expect(formatFigure(null)).toBe('—');
    expect(formatFigure(Number.NaN)).toBe('—');
  });

  it('picks seconds, minutes or hours from the size: 0, tiny, exactly 60 s, just under, large', () => {
    expect(timeUnitFor(0).word).toBe('hours');
    expect(timeUnitFor(0.02 * S).word).toBe('seconds');
    expect(timeUnitFor(59 * S).word).toBe('seconds');
    expect(timeUnitFor(60 * S).word).toBe('minutes');
    expect(timeUnitFor(59.9999 * S).word).toBe('minutes'); // would read "60.0 seconds"
    expect(timeUnitFor(59 / 60).word).toBe('minutes');
    expect(timeUnitFor(1).word).toBe('hours');
    expect(timeUnitFor(12_345).word).toBe('hours');
  });

  it('says a usage figure with its unit: CPU-, GPU-, GiB- seconds, minutes, hours', () => {
    expect(formatUsage('cpu', 0)).toBe('0 CPU-hours');
    expect(formatUsage('cpu', 0.00000556)).toBe('0.02 CPU-seconds'); // the 0.00000556 CPU-hours
    expect(formatUsage('cpu', 30 * S)).toBe('30.0 CPU-seconds');
    expect(formatUsage('cpu', 60 * S)).toBe('1.00 CPU-minutes');
    expect(formatUsage('gpu', 0.0667)).toBe('4.00 GPU-minutes');
    expect(formatUsage('gib', 2.5)).toBe('2.50 GiB-hours');
    expect(formatUsage('gib', 45 * S)).toBe('45.0 GiB-seconds');
    expect(formatUsage('time', 90 / 60)).toBe('1.50 hours');
    expect(formatUsage('cpu', 123_456.7)).toBe('123,457 CPU-hours');
    expect(formatUsage('cpu', 1e-9)).toBe('< 0.01 CPU-seconds');
    expect(usageValue('cpu', 0.0842)).toEqual({ value: '5.05', unit: 'CPU-minutes' });
  });

  it('a column reads in one unit, from its largest value, so its cells compare at a glance', () => {
    const rows = [{ h: 2.35 }, { h: 0.3 }, { h: 45 * S }, { h: 0.00000556 }, { h: 0 }];
    const col = figureColumn(rows, (r) => r.h, 'cpu');
    expect(col.unit).toBe('CPU-hours');
    expect(rows.map(col.text)).toEqual(['2.35', '0.30', '0.01', '< 0.01', '0']);
    // A column of seconds and minutes reads in minutes.
    const short = figureColumn([{ h: 4 / 60 }, { h: 20 * S }], (r) => r.h, 'gib');
    expect(short.unit).toBe('GiB-minutes');
    expect([{ h: 4 / 60 }, { h: 20 * S }].map(short.text)).toEqual(['4.00', '0.33']);
    expect(figureColumn([{ h: 0 }], (r) => r.h, 'gpu').unit).toBe('GPU-hours');
  });

  it('every figure column of a usage table has its own unit', () => {
    const row = (cpu: number, gpu: number) => ({ cpuHours: cpu, gpuHours: gpu, memoryGibHours: cpu * 3, gpuMemoryGibHours: 0, activeHours: 40 * S, peakMemoryBytes: 0, peakGpuMemoryBytes: 0 });
    const cols = usageFigureColumns([row(1500, 2 / 60), row(0.5, 0)]);
    expect(cols.map((c) => [c.header, c.unit])).toEqual([
      ['CPU', 'CPU-hours'],
      ['GPU', 'GPU-minutes'],
      ['Memory', 'GiB-hours'],
      ['GPU memory', 'GiB-hours'],
      ['Active', 'seconds'],
    ]);
    expect(cols.map((c) => c.text(row(1500, 2 / 60)))).toEqual(['1,500', '2.00', '4,500', '0', '40.0']);
  });

  it('summary tiles and chart scales', () => {
    const totals = { users: 3, monitoredHosts: 1, cpuHours: 0.0842, memoryGibHours: 1234.5, gpuHours: 0, gpuMemoryGibHours: 10 * S };
    const items = usageSummaryItems({ totals, hosts: [{}, {}] } as unknown as UsageReport);
    expect(items).toEqual([
      { label: 'CPU', value: '5.05', sub: 'CPU-minutes' },
      { label: 'GPU', value: '0', sub: 'GPU-hours' },
      { label: 'Memory', value: '1,235', sub: 'GiB-hours' },
      { label: 'GPU memory', value: '10.0', sub: 'GiB-seconds' },
      { label: 'Users', value: '3' },
      { label: 'Hosts', value: '1 of 2', sub: 'monitored' },
    ]);
    expect(chartUnit([0.0667, 0.0083, null]).word).toBe('minutes');
    expect(formatTick(2)).toBe('2');
    expect(formatTick(0.25)).toBe('0.25');
    expect(formatTick(1500)).toBe('1,500');
  });
});
