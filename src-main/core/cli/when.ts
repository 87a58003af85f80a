import { FleetdeckError } from '../../../src-common/problems.js';

/**
 * --since/--until for `fleetdeck report` and `fleetdeck audit list`: "now", a span back from now (90m, 24h, 7d, 2w), a
 * date (2026-11-01) or a date and time (2026-11-01T12:00, optionally with seconds and a zone).
 * Without a zone, local time. A bare date is the start of the day for --since and the end of it
 * for --until, so "--since 2026-11-01 --until 2026-11-30" is the whole of November.
 */
const EXAMPLES = 'a date (2026-11-01), a date and time (2026-11-01T12:00), a span back from now (90m, 24h, 7d, 2w) or "now"';
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

function invalid(flag: string, value: string, why: string): never {
  throw new FleetdeckError('invalid-input', `--${flag}: ${JSON.stringify(value)} ${why}. Use ${EXAMPLES}, e.g. --${flag} ${flag === 'since' ? '7d' : 'now'}.`);
}

export function parseWhen(value: string, flag: 'since' | 'until', now = Date.now()): number {
  const v = value.trim();
  if (/^now$/i.test(v)) return now;
  const rel = /^(\d{1,6})\s*([mhdw])$/i.exec(v);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2]!.toLowerCase()]!;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(v);
  if (!m) return invalid(flag, v, 'is not a time');
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const local = new Date(y, mo - 1, d);
  if (local.getFullYear() !== y || local.getMonth() !== mo - 1 || local.getDate() !== d) invalid(flag, v, 'is not a calendar date');
  if (m[4] === undefined) return flag === 'since' ? local.getTime() : new Date(y, mo - 1, d + 1).getTime() - 1;
  if (h > 23 || mi > 59 || s > 59) invalid(flag, v, 'is not a valid time of day');
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  if (!m[8]) return new Date(y, mo - 1, d, h, mi, s, ms).getTime();
  const t = Date.parse(v.replace(' ', 'T'));
  if (Number.isNaN(t)) invalid(flag, v, 'is not a valid time');
  return t;
}
