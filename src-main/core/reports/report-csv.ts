import type { Report } from '../../../src-common/reports/report.schema.js';
import { formatPeriod } from '../../../src-common/reports/report-format.js';
import { reportTables, type Cell } from './report-tables.js';

/**
 * CSV (RFC 4180, CRLF): a few "#" comment lines (title, period, hosts, generation time), then
 * each table as "# table: NAME", a header row and its rows, tables separated by one blank line.
 * Cells a spreadsheet would run as a formula (= + - @, tab, CR first) get a leading quote
 * unless they are plain numbers, so "-3.5" stays a number and "=HYPERLINK(…)" stays text.
 */
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: Cell): string {
  if (value === null) return '';
  // A fraction at 15 significant digits loses only binary float noise (0.1 + 0.2 → 0.3); whole
  // numbers are written as they are (a 16-digit byte count stays exact).
  if (typeof value === 'number') return !Number.isFinite(value) ? '' : Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15)));
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let s = value;
  if (FORMULA_START.test(s) && !NUMBER.test(s)) s = `'${s}`;
  // A first cell starting with "#" is quoted so the row cannot be read as a comment line.
  return /[",\r\n]/.test(s) || s.startsWith('#') || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A comment line's text: one line, whatever the host called itself. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

export function reportCsv(r: Report): string {
  const m = r.meta;
  const lines = [
    `# Fleetdeck ${oneLine(m.title.toLowerCase())}`,
    `# period: ${formatPeriod(m.since, m.until, m.timeZone)}`,
    `# since: ${new Date(m.since).toISOString()}`,
    `# until: ${new Date(m.until).toISOString()}`,
    `# hosts: ${m.hosts.length ? oneLine(m.hosts.map((h) => h.name).join(', ')) : 'none'}${m.hostSelection ? '' : ' (all hosts)'}`,
    `# generated: ${new Date(m.generatedAt).toISOString()} by Fleetdeck ${m.fleetdeckVersion}`,
  ];
  for (const t of reportTables(r)) {
    lines.push('', `# table: ${t.name}`, t.columns.map(csvCell).join(','));
    for (const row of t.rows) lines.push(row.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
