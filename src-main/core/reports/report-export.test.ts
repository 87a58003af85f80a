import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reportSchema, type InventoryReport, type Report, type UsageReport } from '../../../src-common/reports/report.schema.js';
import { num, parseReportCsv, tableObjects } from './csv-parse.test-util.js';
import { findChromium, htmlToPdf } from './pdf-chromium.js';
import { csvCell } from './report-csv.js';
import { EVIL_HOST, EVIL_USER, FORMULA_USER, NOW, QUOTE_HOST, reportFixture, T0, type Fixture } from './report-fixture.test-util.js';

/** Every export format read back: the same numbers as the model, host data always inert. */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../../test-results/reports/unit');

describe('report exports', () => {
  let f: Fixture;
  let usage: UsageReport;
  let inventory: InventoryReport;
  const text = async (q: Parameters<Fixture['service']['export']>[0]) => {
    const e = await f.service.export(q);
    return { ...e, text: Buffer.from(e.contentBase64, 'base64').toString('utf8') };
  };
  const period = { since: T0 - 3_600_000, until: NOW, timeZone: 'UTC' };

  beforeAll(async () => {
    f = await reportFixture();
    usage = (await f.service.build({ kind: 'usage', ...period })) as UsageReport;
    inventory = (await f.service.build({ kind: 'inventory', ...period })) as InventoryReport;
  });
  afterAll(() => f.close());

  it('JSON is the model itself, with its meta', async () => {
    const e = await text({ kind: 'usage', ...period, format: 'json' });
    expect(e).toMatchObject({ fileName: 'fleetdeck-usage-2026-11-20_2026-11-20.json', mimeType: 'application/json' });
    expect(e.bytes).toBe(Buffer.byteLength(e.text));
    const back = reportSchema.parse(JSON.parse(e.text)) as Report;
    expect(back).toEqual(usage);
    expect(back.meta).toMatchObject({ kind: 'usage', title: 'Usage report', since: period.since, until: period.until, generatedAt: NOW, timeZone: 'UTC' });
  });

  it('CSV starts with comments saying what it is, and reads back to the same numbers', async () => {
    const e = await text({ kind: 'usage', ...period, format: 'csv' });
    expect(e.mimeType).toMatch(/^text\/csv/);
    const csv = parseReportCsv(e.text);
    expect(csv.comments[0]).toBe('Fleetdeck usage report');
    expect(csv.comments.join('\n')).toMatch(/period: 2026-11-20 09:00 → 2026-11-20 11:00 \(UTC\)/);
    expect(csv.comments.join('\n')).toContain(`hosts: ${QUOTE_HOST}, ${EVIL_HOST}, gpu-1 (all hosts)`);
    expect(csv.comments.join('\n')).toContain('generated: 2026-11-20T11:00:00.000Z');
    expect([...csv.tables.keys()]).toEqual(['users', 'groups', 'host_users', 'hosts', 'host_timeline']);
    const users = tableObjects(csv, 'users');
    expect(users.map((u) => u.user)).toEqual(['alice', 'bob', EVIL_USER, `'${FORMULA_USER}`]);
    usage.users.forEach((u, i) => {
      const row = users[i]!;
      expect(num(row.cpu_hours)).toBe(u.cpuHours);
      expect(num(row.gpu_hours)).toBe(u.gpuHours);
      expect(num(row.memory_gib_hours)).toBe(u.memoryGibHours);
      expect(num(row.gpu_memory_gib_hours)).toBe(u.gpuMemoryGibHours);
      expect(num(row.peak_gpu_memory_bytes)).toBe(u.peakGpuMemoryBytes);
      expect(row.group).toBe(u.group ?? '');
    });
    const hosts = tableObjects(csv, 'hosts');
    usage.hosts.forEach((h, i) => {
      expect(num(hosts[i]!.cpu_avg_percent)).toBe(h.cpuAvg);
      expect(num(hosts[i]!.gpu_util_max_percent)).toBe(h.gpuUtilMax);
      expect(num(hosts[i]!.monitored_hours)).toBe(h.monitoredHours);
    });
    expect(tableObjects(csv, 'groups').reduce((s, g) => s + num(g.cpu_hours)!, 0)).toBeCloseTo(usage.totals.cpuHours, 12);
  });

  it('CSV of the inventory keeps GPU facts and byte counts exact', async () => {
    const csv = parseReportCsv((await text({ kind: 'inventory', ...period, format: 'csv' })).text);
    expect(tableObjects(csv, 'gpus')).toEqual([
      expect.objectContaining({ host: 'gpu-1', model: 'Tesla T4', serial: '0000000000000', driver_version: '515.105.01', ecc_errors_uncorrected: '0', memory_total_bytes: String(inventory.gpus[0]!.memoryTotalBytes) }),
    ]);
    const hosts = tableObjects(csv, 'hosts');
    expect(hosts.map((h) => h.host)).toEqual([QUOTE_HOST, EVIL_HOST, 'gpu-1']);
    expect(num(hosts[2]!.disk_bytes)).toBe(inventory.hosts[2]!.diskBytes);
  });

  it('CSV cells: RFC 4180 quoting, formulas neutralised, numbers (negative too) left as numbers', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('+cmd')).toBe("'+cmd");
    expect(csvCell('-x')).toBe("'-x");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('=A1,B1')).toBe(`"'=A1,B1"`);
    expect(csvCell('-3.5')).toBe('-3.5');
    expect(csvCell('+1e3')).toBe('+1e3');
    expect(csvCell(-3.5)).toBe('-3.5');
    // Float noise never reaches a spreadsheet; whole numbers (16-digit byte counts) stay exact.
    expect(csvCell(0.1 + 0.2)).toBe('0.3');
    expect(csvCell(136257227.219574)).toBe('136257227.219574');
    expect(csvCell(9007199254740991)).toBe('9007199254740991');
    expect(csvCell(0.00000556)).toBe('0.00000556');
    expect(csvCell(null)).toBe('');
    expect(csvCell(false)).toBe('false');
    expect(csvCell('#not a comment')).toBe('"#not a comment"');
  });

  it('HTML is self-contained and inert: CSP, no script, every host string escaped', async () => {
    for (const kind of ['usage', 'inventory', 'audit'] as const) {
      const { text: html, mimeType } = await text({ kind, ...period, format: 'html' });
      expect(mimeType).toMatch(/^text\/html/);
      expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<img/i);
      // No tag carries an event handler or fetches anything (escaped host text holds no "<").
      expect(html).not.toMatch(/<[^>]*\son\w+=/i);
      expect(html).not.toMatch(/<[^>]*\s(src|href)=/i);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('&quot;&amp;&#39; q');
      expect(html).toMatch(/<dd data-field="period">2026-11-20 09:00 → 2026-11-20 11:00 \(UTC\)<\/dd>/);
      expect(html).toMatch(/<dd data-field="generated">2026-11-20 11:00 \(UTC\) by Fleetdeck /);
    }
    const u = (await text({ kind: 'usage', ...period, format: 'html' })).text;
    expect(u).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(u.match(/<svg /g)!.length).toBeGreaterThanOrEqual(3);
  });

  it('HTML says so when there is no monitoring history in the period', async () => {
    const html = (await text({ kind: 'usage', since: NOW - 60_000, until: NOW, format: 'html' })).text;
    expect(html).toMatch(/No monitoring history in this period: start monitoring a host/);
  });

  it.skipIf(!findChromium())('PDF through headless Chromium: pages render, text says period, hosts and users', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const started = Date.now();
    const e = await f.service.export({ kind: 'usage', ...period, format: 'pdf' });
    const ms = Date.now() - started;
    const pdf = Buffer.from(e.contentBase64, 'base64');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(e).toMatchObject({ mimeType: 'application/pdf', fileName: 'fleetdeck-usage-2026-11-20_2026-11-20.pdf', bytes: pdf.length });
    const file = path.join(ARTIFACTS, 'usage.pdf');
    writeFileSync(file, pdf);
    const txt = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(txt).toContain('Usage report');
    expect(txt).toContain('2026-11-20 09:00 → 2026-11-20 11:00 (UTC)');
    // Two minutes of history: CPU time reads in minutes, not as a fraction of an hour.
    for (const s of ['gpu-1', EVIL_HOST, 'alice', 'bob', 'CPU-minutes', 'not in inventory']) expect(txt).toContain(s);
    expect(txt).not.toMatch(/0\.0\d{3}/);
    for (const old of readdirSync(ARTIFACTS).filter((n) => n.startsWith('usage-page'))) rmSync(path.join(ARTIFACTS, old));
    execFileSync('pdftoppm', ['-png', '-r', '60', file, path.join(ARTIFACTS, 'usage-page')]);
    expect(readdirSync(ARTIFACTS).filter((n) => /^usage-page-\d+\.png$/.test(n)).length).toBeGreaterThanOrEqual(2);
    console.log(`usage PDF: ${pdf.length} bytes in ${ms} ms`);
  });

  it('PDF without Chromium says how to get one', async () => {
    vi.stubEnv('FLEETDECK_CHROMIUM', '/nonexistent/chromium');
    try {
      expect(findChromium()).toBeNull();
      await expect(htmlToPdf('<p>x</p>')).rejects.toMatchObject({ problem: 'not-found', message: expect.stringMatching(/install it .*apt install chromium.*desktop app/) });
    } finally {
      vi.unstubAllEnvs();
    }
    expect(existsSync('/nonexistent')).toBe(false);
  });
});
