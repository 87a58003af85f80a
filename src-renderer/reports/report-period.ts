/**
 * The period a report covers: a preset back from "now" (fixed when chosen, so the query key is
 * stable and refreshing is explicit) or custom calendar dates, both ends inclusive, local time.
 */
export type PresetId = '24h' | '7d' | '30d';
export const PRESETS: Record<PresetId, { label: string; ms: number }> = {
  '24h': { label: '24 h', ms: 86_400_000 },
  '7d': { label: '7 days', ms: 7 * 86_400_000 },
  '30d': { label: '30 days', ms: 30 * 86_400_000 },
};
export const PRESET_IDS = Object.keys(PRESETS) as PresetId[];

export type Period = { kind: 'preset'; preset: PresetId; now: number } | { kind: 'custom'; from: string; to: string };

export type PeriodRange = { ok: true; since: number; until: number } | { ok: false; message: string };

function localDate(s: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getFullYear() === Number(m[1]) && d.getMonth() === Number(m[2]) - 1 && d.getDate() === Number(m[3]) ? d : null;
}

/** "2026-11-22" for a date input's value, local time. */
export function dateInputValue(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function periodRange(p: Period): PeriodRange {
  if (p.kind === 'preset') return { ok: true, since: p.now - PRESETS[p.preset].ms, until: p.now };
  const from = localDate(p.from);
  const to = localDate(p.to);
  if (!from) return { ok: false, message: 'Choose the first day of the period.' };
  if (!to) return { ok: false, message: 'Choose the last day of the period.' };
  if (from > to) return { ok: false, message: 'The first day must not be after the last day.' };
  // The last day counts whole: the period ends just before the next midnight.
  return { ok: true, since: from.getTime(), until: new Date(to.getFullYear(), to.getMonth(), to.getDate() + 1).getTime() - 1 };
}
