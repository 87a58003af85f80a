import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import { reportSchema, type UsageReport } from '../../../src-common/reports/report.schema.js';
import { valueSample } from '../monitor/test-db.js';
import { parseReportCsv } from './csv-parse.test-util.js';
import { NOW, reportFixture, T0, type Fixture } from './report-fixture.test-util.js';
import { roundFigure } from './report-round.js';

/**
 * Numbers in the JSON and CSV exports: raw numbers a spreadsheet computes with, but byte counts
 * whole and every other fraction at six significant digits, with no float noise. The history
 * here averages to fractional bytes (136257227.5 B) and to percentages such as 33.333…
 */
const SIX = /^-?(0\.0*)?\d{1,6}$/;
/** Significant digits of a number as written ("0.00000556" → 3, "136257227" → 9). */
const significant = (s: string) => s.replace(/^-/, '').replace(/e[+-]?\d+$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;

describe('report numbers: whole bytes, six significant digits, no float noise', () => {
  let f: Fixture;
  const period = { since: T0 - 3_600_000, until: NOW, timeZone: 'UTC' };
  const exported = async (format: 'csv' | 'json') => Buffer.from((await f.service.export({ kind: 'usage', ...period, format })).contentBase64, 'base64').toString('utf8');

  beforeAll(async () => {
    f = await reportFixture();
    const at = T0 + 20 * 60_000;
    const items: { hostId: number; sample: Sample }[] = [];
    for (let i = 0; i < 60; i++) {
      const user: Sample['users'][number] = { user: 'frank', uid: 1003, cpuPercent: [10, 20, 70.1][i % 3]!, memoryBytes: 136257227 + (i % 2), gpuMemoryBytes: 0, gpusTouched: [], processes: 1 };
      // A 7-second job: its CPU-hours are 0.00000… and must not become 0.
      const tiny: Sample['users'] = i < 7 ? [{ user: 'gina', uid: 1004, cpuPercent: 0.3, memoryBytes: 1_000_001 + i, gpuMemoryBytes: 0, gpusTouched: [], processes: 1 }] : [];
      items.push({ hostId: f.evil.id, sample: valueSample(at + i * 1000, { cpu: [10, 20, 70.1][i % 3], memPercent: 33 + (i % 3) / 3, load1: 0.1 + 0.2, users: [user, ...tiny] }) });
    }
    f.metrics.ingestMany(items);
  });
  afterAll(() => f.close());

  it('CSV: byte counts are integers, other numbers have at most six significant digits', async () => {
    const csv = parseReportCsv(await exported('csv'));
    let checked = 0;
    for (const [name, t] of csv.tables) {
      t.columns.forEach((col, c) => {
        for (const row of t.rows) {
          const cell = row[c]!;
          if (cell === '' || Number.isNaN(Number(cell)) || /[a-z]/i.test(cell.replace(/e-?\d+$/, ''))) continue;
          checked++;
          if (/_bytes$/.test(col) || col === 'samples') expect(cell, `${name}.${col}`).toMatch(/^\d+$/);
          else expect(significant(cell), `${name}.${col} = ${cell}`).toBeLessThanOrEqual(6);
        }
      });
    }
    expect(checked).toBeGreaterThan(50);
    const frank = csv.tables.get('users')!;
    const row = Object.fromEntries(frank.columns.map((c, i) => [c, frank.rows.find((r) => r[0] === 'frank')![i]!]));
    // 136257227 and …228 alternating: the peak minute averages 136257227.5 bytes, written whole.
    expect(row.peak_memory_bytes).toMatch(/^13625722[78]$/);
    // (10 + 20 + 70.1) / 3 % for 60 s = 0.0166833… CPU-hours, to six significant digits.
    expect(row.cpu_hours).toBe(String(roundFigure(((10 + 20 + 70.1) / 3 / 100) * 60 / 3600)));
    expect(row.cpu_hours).toMatch(SIX);
    // The 7-second job keeps its figures rather than rounding to 0.
    const gina = frank.rows.find((r) => r[0] === 'gina')!;
    const gCpu = Number(gina[frank.columns.indexOf('cpu_hours')]);
    expect(gCpu).toBeGreaterThan(0);
    expect(gCpu).toBeCloseTo((0.003 * 7) / 3600, 10);
    // Host figures: load 0.1 + 0.2 is 0.3, not 0.30000000000000004.
    const hosts = csv.tables.get('hosts')!;
    const evil = hosts.rows.find((r) => r[0] === f.evil.name)!;
    expect(evil[hosts.columns.indexOf('load1_max')]).toBe('0.3');
    expect(await exported('csv')).not.toMatch(/\d\.\d*(0{7,}|9{7,})\d/);
  });

  it('JSON holds the same numbers, as numbers', async () => {
    const text = await exported('json');
    const r = reportSchema.parse(JSON.parse(text)) as UsageReport;
    const walk = (v: unknown, key: string): void => {
      if (typeof v === 'number') {
        if (/Bytes$/.test(key) || key === 'samples') expect(Number.isInteger(v), `${key} = ${v}`).toBe(true);
        else if (!/^(t|since|until|generatedAt|hostId|id|bucketMs|users|monitoredHosts)$/.test(key)) expect(significant(String(v)), `${key} = ${v}`).toBeLessThanOrEqual(6);
      } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    walk(r, '');
    expect(text).not.toMatch(/\d\.\d*(0{7,}|9{7,})\d/);
    const frank = r.users.find((u) => u.user === 'frank')!;
    expect(Number.isInteger(frank.peakMemoryBytes)).toBe(true);
    const csv = parseReportCsv(await exported('csv')).tables.get('users')!;
    expect(csv.rows.find((x) => x[0] === 'frank')![csv.columns.indexOf('cpu_hours')]).toBe(String(frank.cpuHours));
  });
});
