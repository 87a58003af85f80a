import { describe, expect, it } from 'vitest';
import {
  MISSING,
  formatAgo,
  formatBytes,
  formatBytesOf,
  formatDuration,
  formatLoad,
  formatNanoCpus,
  formatPercent,
  formatPower,
  formatTemperature,
  plural,
  ratioPercent,
  usageLevel,
} from './format.js';

describe('formatBytes', () => {
  it('uses binary units with a sensible number of digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(80 * 1024 ** 3)).toBe('80 GiB');
    expect(formatBytes(12.345 * 1024 ** 3)).toBe('12.3 GiB');
    expect(formatBytes(1.234 * 1024 ** 4)).toBe('1.23 TiB');
    expect(formatBytes(250 * 1024 ** 2)).toBe('250 MiB');
  });

  it('moves up a unit instead of printing 1024', () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe('1 MiB');
  });

  it('renders missing or nonsensical values as a dash', () => {
    expect(formatBytes(null)).toBe(MISSING);
    expect(formatBytes(undefined)).toBe(MISSING);
    expect(formatBytes(Number.NaN)).toBe(MISSING);
    expect(formatBytes(-1)).toBe(MISSING);
  });

  it('formats used of total', () => {
    expect(formatBytesOf(1024 ** 3, 4 * 1024 ** 3)).toBe('1 GiB / 4 GiB');
    expect(formatBytesOf(null, 4 * 1024 ** 3)).toBe(`${MISSING} / 4 GiB`);
  });
});

describe('ratioPercent', () => {
  it('computes a clamped share', () => {
    expect(ratioPercent(25, 100)).toBe(25);
    expect(ratioPercent(150, 100)).toBe(100);
  });
  it('returns null when the total is unknown or zero', () => {
    expect(ratioPercent(1, 0)).toBeNull();
    expect(ratioPercent(null, 100)).toBeNull();
  });
});

describe('formatPercent', () => {
  it('keeps one decimal below 10%', () => {
    expect(formatPercent(4.25)).toBe('4.3%');
    expect(formatPercent(42.6)).toBe('43%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(null)).toBe(MISSING);
  });
});

describe('formatDuration', () => {
  it('shows the two largest units', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(7 * 60 + 3)).toBe('7m 3s');
    expect(formatDuration(5 * 3600 + 12 * 60 + 9)).toBe('5h 12m');
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 59)).toBe('3d 4h');
  });
  it('drops a zero second part', () => {
    expect(formatDuration(2 * 3600)).toBe('2h');
    expect(formatDuration(86_400 + 30 * 60)).toBe('1d');
  });
  it('handles bad input', () => {
    expect(formatDuration(-5)).toBe(MISSING);
    expect(formatDuration(null)).toBe(MISSING);
    expect(formatDuration(0.4)).toBe('0s');
  });
});

describe('formatAgo', () => {
  const now = 1_700_000_000_000;
  it('reads naturally', () => {
    expect(formatAgo(now - 3_000, now)).toBe('just now');
    expect(formatAgo(now - 30_000, now)).toBe('30s ago');
    expect(formatAgo(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatAgo(now - 3 * 3_600_000, now)).toBe('3 h ago');
    expect(formatAgo(now - 3 * 86_400_000, now)).toBe('3 days ago');
    expect(formatAgo(null, now)).toBe(MISSING);
  });
});

describe('small formatters', () => {
  it('formats load, CPUs, temperature, power', () => {
    expect(formatLoad(0.5)).toBe('0.50');
    expect(formatNanoCpus(null)).toBe('no limit');
    expect(formatNanoCpus(0)).toBe('no limit');
    expect(formatNanoCpus(500_000_000)).toBe('0.5 CPU');
    expect(formatNanoCpus(1e9)).toBe('1 CPU');
    expect(formatNanoCpus(16e9)).toBe('16 CPUs');
    expect(formatTemperature(64.4)).toBe('64 °C');
    expect(formatTemperature(null)).toBe(MISSING);
    expect(formatPower(215.3, 400)).toBe('215 W / 400 W');
    expect(formatPower(215.3, null)).toBe('215 W');
    expect(formatPower(null, 400)).toBe(MISSING);
  });

  it('pluralises', () => {
    expect(plural(1, 'GPU')).toBe('1 GPU');
    expect(plural(3, 'GPU')).toBe('3 GPUs');
    expect(plural(2, 'process', 'processes')).toBe('2 processes');
  });

  it('grades usage', () => {
    expect(usageLevel(10)).toBe('ok');
    expect(usageLevel(80)).toBe('warn');
    expect(usageLevel(95)).toBe('critical');
    expect(usageLevel(null)).toBe('unknown');
  });
});
