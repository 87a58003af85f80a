import { describe, expect, it } from 'vitest';
import { dateInputValue, periodRange } from './report-period.js';

describe('report periods', () => {
  const now = new Date(2026, 10, 22, 15, 30).getTime();
  it('presets count back from the moment they were chosen', () => {
    expect(periodRange({ kind: 'preset', preset: '24h', now })).toEqual({ ok: true, since: now - 86_400_000, until: now });
    expect(periodRange({ kind: 'preset', preset: '30d', now })).toEqual({ ok: true, since: now - 30 * 86_400_000, until: now });
  });

  it('custom dates cover whole local days, both ends included', () => {
    expect(periodRange({ kind: 'custom', from: '2026-11-01', to: '2026-11-30' })).toEqual({ ok: true, since: new Date(2026, 10, 1).getTime(), until: new Date(2026, 11, 1).getTime() - 1 });
    expect(periodRange({ kind: 'custom', from: '2026-11-22', to: '2026-11-22' })).toMatchObject({ ok: true });
  });

  it('says what is wrong with a custom period', () => {
    expect(periodRange({ kind: 'custom', from: '', to: '2026-11-30' })).toEqual({ ok: false, message: 'Choose the first day of the period.' });
    expect(periodRange({ kind: 'custom', from: '2026-11-01', to: '2026-02-30' })).toEqual({ ok: false, message: 'Choose the last day of the period.' });
    expect(periodRange({ kind: 'custom', from: '2026-11-02', to: '2026-11-01' })).toEqual({ ok: false, message: 'The first day must not be after the last day.' });
  });

  it('formats a date input value in local time', () => {
    expect(dateInputValue(now)).toBe('2026-11-22');
  });
});
