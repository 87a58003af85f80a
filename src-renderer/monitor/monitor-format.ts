import { formatBytes, MISSING } from '../format.js';

/**
 * Formatting for live metrics: rates, clock times and chart axis ticks. Pure, so they are unit
 * tested; missing values render as an em dash like the rest of format.ts.
 */

function isUsable(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/** 1536 → "1.5 KiB/s"; the binary units of formatBytes, per second. */
export function formatRate(bytesPerSec: number | null | undefined): string {
  if (!isUsable(bytesPerSec) || bytesPerSec < 0) return MISSING;
  return `${formatBytes(bytesPerSec)}/s`;
}

/** Short axis labels: "0", "512 K", "1.5 M", "12 G" (binary steps, no "B" to save room). */
export function formatBytesShort(bytes: number | null | undefined): string {
  if (!isUsable(bytes) || bytes < 0) return '';
  if (bytes === 0) return '0';
  const units = ['', 'K', 'M', 'G', 'T', 'P'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  const text = v >= 100 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString();
  return u === 0 ? text : `${text} ${units[u]}`;
}

/**
 * A byte axis tick with its unit, so an axis reads on its own: "0", "512 B", "20 MiB", "1.5 KiB/s"
 * (a rate). Binary units, like every byte figure in the app.
 */
export function formatAxisBytes(bytes: number | null | undefined, rate = false): string {
  if (!isUsable(bytes) || bytes < 0) return '';
  if (bytes === 0) return '0';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  const text = v >= 100 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString();
  return `${text} ${units[u]}${rate ? '/s' : ''}`;
}

/** CPU share of a user or process: "350%" reads as "3.5 cores", which we add for people. */
export function formatCpu(percent: number | null | undefined, withCores = true): string {
  if (!isUsable(percent) || percent < 0) return MISSING;
  if (percent >= 150 && withCores) return `${Math.round(percent)}% · ${(Math.round(percent / 10) / 10).toString()} cores`;
  if (percent > 0 && percent < 10) return `${(Math.round(percent * 10) / 10).toString()}%`;
  return `${Math.round(percent)}%`;
}

/** "8.4 cores" for a title, or undefined below one and a half. */
export function coresHint(percent: number | null | undefined): string | undefined {
  return isUsable(percent) && percent >= 150 ? `${(Math.round(percent / 10) / 10).toString()} cores` : undefined;
}

export function formatCelsius(c: number | null | undefined): string {
  return isUsable(c) ? `${Math.round(c)} °C` : MISSING;
}

/** Board power: "119 W" (nvidia-smi reads to 0.01 W; whole watts are what a chart needs). */
export function formatWatts(w: number | null | undefined): string {
  return isUsable(w) && w >= 0 ? `${Math.round(w)} W` : MISSING;
}

const pad = (n: number) => String(n).padStart(2, '0');
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "14:05" today, "21 Nov 14:05" on another day (local time): for "offline since …". */
export function formatClock(t: number | null | undefined, now: number = Date.now()): string {
  if (!isUsable(t)) return MISSING;
  const d = new Date(t);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return sameDay(d, new Date(now)) ? hm : `${d.getDate()} ${MONTHS[d.getMonth()]} ${hm}`;
}

/** Full instant for a tooltip: "14:05:32", or "Mon 21 Nov 14:05" when the range spans days. */
export function formatInstant(t: number, withDate: boolean): string {
  const d = new Date(t);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withDate ? `${WEEKDAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${time.slice(0, 5)}` : time;
}

/** Axis tick text for a range: seconds only matter in the 5-minute view, the day in the 7-day one. */
export function formatTick(t: number, rangeMs: number): string {
  const d = new Date(t);
  if (rangeMs > 2 * 86_400_000) {
    return d.getHours() === 0 && d.getMinutes() === 0 ? `${WEEKDAYS[d.getDay()]} ${d.getDate()}` : `${WEEKDAYS[d.getDay()]} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Evenly spaced, round tick instants inside [from, to] (local midnight-aligned for days). */
export function timeTicks(from: number, to: number, target = 6): number[] {
  const span = to - from;
  if (!(span > 0)) return [];
  const steps = [60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000];
  const step = steps.find((s) => span / s <= target) ?? 86_400_000;
  // Align to local time so ticks land on 14:00, not on 13:00 UTC shown as 14:00 + offset.
  const offset = new Date(from).getTimezoneOffset() * 60_000;
  const first = Math.ceil((from - offset) / step) * step + offset;
  const ticks: number[] = [];
  for (let t = first; t <= to; t += step) ticks.push(t);
  return ticks;
}

/**
 * Round axis ticks from 0 to at least max in binary units (0, 10 MiB, 20 MiB …), so a rate axis
 * reads "20 M" rather than "19.07 M". At least one step, even for an all-zero series.
 */
export function byteTicks(max: number, target = 4): number[] {
  const top = Number.isFinite(max) && max > 0 ? max : 1024;
  let unit = 1;
  while (top / unit >= 1024 && unit < 1024 ** 5) unit *= 1024;
  const scaled = top / unit;
  const rough = scaled / target;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude) * unit;
  const ticks: number[] = [0];
  while (ticks[ticks.length - 1]! < top - 1e-9) ticks.push(Math.round((ticks[ticks.length - 1]! + step) * 1000) / 1000);
  return ticks;
}
