import { describe, expect, it } from 'vitest';
import { byteTicks, coresHint, formatAxisBytes, formatBytesShort, formatCelsius, formatClock, formatCpu, formatInstant, formatRate, formatTick, formatWatts, timeTicks } from './monitor-format.js';

const MiB = 1024 ** 2;
const local = (y: number, mo: number, d: number, h: number, mi: number, s = 0) => new Date(y, mo, d, h, mi, s).getTime();

describe('unit formatting', () => {
  it('humanises rates in binary units', () => {
    expect(formatRate(0)).toBe('0 B/s');
    expect(formatRate(1536)).toBe('1.5 KiB/s');
    expect(formatRate(12.5 * MiB)).toBe('12.5 MiB/s');
    expect(formatRate(null)).toBe('—');
    expect(formatRate(-1)).toBe('—');
  });

  it('writes short axis labels', () => {
    expect(formatBytesShort(0)).toBe('0');
    expect(formatBytesShort(512)).toBe('512');
    expect(formatBytesShort(20 * MiB)).toBe('20 M');
    expect(formatBytesShort(2.5 * 1024 ** 3)).toBe('2.5 G');
    expect(formatBytesShort(600 * 1024 ** 3)).toBe('600 G');
    expect(formatBytesShort(Number.NaN)).toBe('');
    // Axis ticks carry their unit (issue 9: "30 G" and a network axis of bare "768").
    expect(formatAxisBytes(0)).toBe('0');
    expect(formatAxisBytes(768, true)).toBe('768 B/s');
    expect(formatAxisBytes(1536, true)).toBe('1.5 KiB/s');
    expect(formatAxisBytes(30 * 1024 ** 3)).toBe('30 GiB');
  });

  it('reads CPU shares above one core as cores', () => {
    expect(formatCpu(843.2)).toBe('843% · 8.4 cores');
    expect(formatCpu(843.2, false)).toBe('843%');
    expect(formatCpu(99.6)).toBe('100%');
    expect(formatCpu(3.25)).toBe('3.3%');
    expect(formatCpu(0)).toBe('0%');
    expect(formatCpu(null)).toBe('—');
    expect(coresHint(250)).toBe('2.5 cores');
    expect(coresHint(120)).toBeUndefined();
  });

  it('rounds temperatures', () => {
    expect(formatCelsius(64.6)).toBe('65 °C');
    expect(formatCelsius(null)).toBe('—');
    expect(formatWatts(119.47)).toBe('119 W');
    expect(formatWatts(null)).toBe('—');
  });
});

describe('times', () => {
  it('says HH:MM today and adds the date on another day', () => {
    const now = local(2026, 10, 21, 18, 0);
    expect(formatClock(local(2026, 10, 21, 9, 5), now)).toBe('09:05');
    expect(formatClock(local(2026, 10, 20, 23, 59), now)).toBe('20 Nov 23:59');
    expect(formatClock(null, now)).toBe('—');
  });

  it('formats tooltip instants and axis ticks per range', () => {
    const t = local(2026, 10, 21, 14, 5, 32);
    expect(formatInstant(t, false)).toBe('14:05:32');
    expect(formatInstant(t, true)).toBe('Sat 21 Nov 14:05');
    expect(formatTick(t, 3_600_000)).toBe('14:05');
    expect(formatTick(local(2026, 10, 21, 0, 0), 7 * 86_400_000)).toBe('Sat 21');
    expect(formatTick(local(2026, 10, 21, 12, 0), 7 * 86_400_000)).toBe('Sat 12:00');
  });

  it('places round ticks inside the window', () => {
    const from = local(2026, 10, 21, 14, 2, 10);
    const ticks = timeTicks(from, from + 3_600_000);
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(ticks.length).toBeLessThanOrEqual(7);
    for (const t of ticks) {
      expect(t).toBeGreaterThanOrEqual(from);
      expect(new Date(t).getMinutes() % 10).toBe(0);
      expect(new Date(t).getSeconds()).toBe(0);
    }
    const week = timeTicks(from - 7 * 86_400_000, from);
    expect(week.every((t) => new Date(t).getHours() === 0 && new Date(t).getMinutes() === 0)).toBe(true);
    expect(timeTicks(5, 5)).toEqual([]);
  });

  it('makes round binary ticks that cover the maximum', () => {
    expect(byteTicks(37 * MiB)).toEqual([0, 10, 20, 30, 40].map((n) => n * MiB));
    expect(byteTicks(512 * 1024 ** 3).at(-1)).toBeGreaterThanOrEqual(512 * 1024 ** 3);
    expect(byteTicks(0)).toEqual([0, 256, 512, 768, 1024]);
  });
});
