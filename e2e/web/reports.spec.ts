import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Download, Page } from 'playwright-core';
import { reportSchema, type UsageReport } from '../../src-common/reports/report.schema.js';
import { openDatabase } from '../../src-main/core/db/database.js';
import { HostStore } from '../../src-main/core/hosts/host-store.js';
import { num, parseReportCsv, tableObjects } from '../../src-main/core/reports/csv-parse.test-util.js';
import { valueSample } from '../../src-main/core/monitor/test-db.js';
import { EVIL_HOST, EVIL_USER, GIB, QUOTE_HOST, reportFixture } from '../../src-main/core/reports/report-fixture.test-util.js';
import { horizontalOverflow } from './layout-checks.js';
import { artifacts, type BrowserApp, chromiumMissing, type Served, shot, startBrowserApp } from './serve-app.js';

/**
 * Reports end to end: `fleetdeck serve`, Debian's Chromium and a data dir with stored history
 * (written by the real MetricsStore, HostStore and AuditLog into the served database): the
 * preview draws charts and tables, exports download and read back to the preview's numbers,
 * hostile host and user names stay text, and a failed export says why.
 */
const unavailable = chromiumMissing();
const OUT = path.join(artifacts, 'reports');

describe.skipIf(unavailable)('reports in Chromium', () => {
  let app: Served;
  let session: BrowserApp;
  let page: Page;
  let quoteId: number;
  const dialogs: string[] = [];

  const preview = () => page.getByTestId('report-preview');
  /** Waits until the preview shows a finished report of this kind. */
  const settled = async (kind: string) => {
    await expect.poll(async () => `${await preview().getAttribute('data-kind')}:${await preview().getAttribute('aria-busy')}`, { timeout: 20_000 }).toBe(`${kind}:false`);
  };
  const download = async (testId: string): Promise<Download> => {
    const [d] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId(testId).click()]);
    return d;
  };
  /** Screenshots show the page, not the toasts of earlier steps. */
  const clearToasts = async () => {
    for (const close of await page.locator('[data-testid="toast"] .toast-close').all()) await close.click({ timeout: 1000 }).catch(() => undefined);
  };
  const saved = async (d: Download, name: string) => {
    const file = path.join(OUT, name);
    await d.saveAs(file);
    return file;
  };

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    [session] = await Promise.all([startBrowserApp()]);
    ({ app, page } = session);
    // Stored data in the served database: half an hour ago, two monitored hosts, one never seen.
    const now = Date.now();
    const t0 = now - 30 * 60_000;
    const f = await reportFixture({ dataDir: app.home, t0, now });
    // A system account as a real host has them, one word ("messagebus", its primary group too): a little memory, no CPU.
    const facts = f.hosts.facts(f.gpu.id)!;
    const inventory = facts.inventory as { users: object[] };
    const messagebus = { name: 'messagebus', uid: 104, gid: 104, gecos: '', home: '/nonexistent', shell: '/usr/sbin/nologin', groups: ['messagebus'], primaryGroup: 'messagebus', regular: false, isAdmin: false, sudo: null };
    f.hosts.saveFacts(f.gpu.id, { probe: facts.probe, inventory: { ...inventory, users: [...inventory.users, messagebus] } });
    f.metrics.ingestMany(
      Array.from({ length: 30 }, (_, i) => ({
        hostId: f.gpu.id,
        sample: valueSample(t0 + (130 + i) * 1000, { cpu: 1, memPercent: 10, users: [{ user: 'messagebus', uid: 104, cpuPercent: 0, memoryBytes: 0.01 * GIB, gpuMemoryBytes: 0, gpusTouched: [], processes: 1 }] }),
      })),
    );
    f.audit.record({ hostId: f.gpu.id, hostName: 'gpu-1', operation: 'hosts.add', summary: 'added admin@10.0.0.1:22', result: 'ok' });
    f.audit.record({ hostId: f.evil.id, hostName: EVIL_HOST, operation: 'processes.kill', summary: 'kill -TERM 4242', result: 'failed', problem: 'access-denied' });
    quoteId = f.quote.id;
    f.close();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  }, 120_000);

  afterAll(async () => {
    await session?.close();
  });

  it('previews the usage report: totals, per-user chart and tables from the stored history', async () => {
    await page.goto(app.url);
    await page.getByTestId('nav-reports').click();
    await page.getByTestId('reports-page').waitFor();
    await page.getByTestId('report-period-24h').click();
    await settled('usage');
    const users = page.getByTestId('report-table-users');
    await users.waitFor();
    const names = await users.locator('tbody tr td:first-child .strong').allTextContents();
    expect(names).toEqual(['alice', 'bob', EVIL_USER, '=HYPERLINK("http://evil.example","x")', 'messagebus']);
    // Two minutes of history read in minutes, three significant figures: not 0.0667 CPU-hours.
    expect(await users.locator('tbody tr').first().textContent()).toMatch(/alice\s*gpu-1\s*ml\s*4\.00\s*4\.00/);
    expect(await users.locator('thead').textContent()).toMatch(/CPU\s*CPU-minutes\s*GPU\s*GPU-minutes\s*Memory\s*GiB-minutes/);
    expect(await page.getByTestId('report-summary').textContent()).toMatch(/CPU\s*5\.05\s*CPU-minutes/);
    // Users the host's inventory does not list say so, with what it means.
    expect(await users.locator('tbody tr').nth(2).textContent()).toContain('not in inventory');
    expect(await page.getByTestId('report-usage-users').getByTestId('report-group-notes').textContent()).toMatch(/^not in inventory: the host’s stored inventory does not list this account/);
    expect(await page.getByTestId('report-table-groups').textContent()).not.toMatch(/unknown/);
    // Bars are drawn for each user (and per host), and the CPU line for each monitored host.
    expect(await page.getByTestId('report-chart-users').locator('.recharts-bar-rectangle').count()).toBeGreaterThanOrEqual(4);
    expect(await page.getByTestId('report-chart-hosts').locator('.recharts-bar-rectangle').count()).toBeGreaterThanOrEqual(4);
    expect(Number(await page.getByTestId('report-chart-cpu-time').getAttribute('data-points'))).toBeGreaterThan(0);
    // Hostile names are text on the page, never markup.
    expect(await page.getByTestId('report-table-hosts').textContent()).toContain(EVIL_HOST);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.mouse.move(0, 0);
    await shot(page, 'e2e-reports-usage');
    // The whole preview (the app scrolls inside its own pane, so a tall window shows it all).
    await page.setViewportSize({ width: 1360, height: 2600 });
    await shot(page, 'e2e-reports-usage-full');
    await page.setViewportSize({ width: 1360, height: 900 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.waitForTimeout(400); // buttons fade their background over 0.12 s
    await shot(page, 'e2e-reports-usage-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  /** What a chart's value axis says: its tick labels, left to right. */
  const axisTicks = (testId: string, axis: 'x' | 'y') => page.getByTestId(testId).locator(`.recharts-${axis}Axis-tick-labels .recharts-cartesian-axis-tick-value`).allTextContents();
  /** Steps of 1, 2 or 5 × 10ⁿ between ticks written "0", "0.5 min", "1 min" … (or "20%"). */
  const niceSteps = (ticks: string[], unit: string) => {
    const values = ticks.map((t) => {
      expect(t, `tick "${t}" says its unit`).toMatch(t === '0' && unit !== '%' ? /^0$/ : new RegExp(`^[\\d,.]+${unit === '%' ? '%' : ` ${unit}`}$`));
      return Number(t.replace(/[^\d.]/g, ''));
    });
    expect(values[0]).toBe(0);
    const step = values[1]! - values[0]!;
    values.forEach((v, i) => expect(v).toBeCloseTo(i * step, 9));
    expect([1, 2, 5]).toContain(Number((step / 10 ** Math.floor(Math.log10(step) + 1e-9)).toPrecision(6)));
  };

  it('reads at 1440×900 and 1024×768, light and dark: nothing overflows or is cut off (layout checks), names stay whole words', async () => {
    const findings: Record<string, Awaited<ReturnType<typeof horizontalOverflow>>> = {};
    for (const [width, height] of [
      [1440, 900],
      [1024, 768],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.getByTestId('reports-page').evaluate((el) => el.scrollIntoView({ block: 'start' })); // the top, after the panel shots below
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
        await page.waitForTimeout(400); // buttons fade their background over 0.12 s
        await page.mouse.move(0, 0);
        await shot(page, `e2e-reports-usage-${width}-${scheme}`);
        // The page does not scroll sideways, no table needs its frame's scroll, no text is cut without an ellipsis and a title.
        const found = await horizontalOverflow(page);
        if (found.length) findings[`${width}x${height}-${scheme}`] = found;
      }
      // The tables themselves (the window shows the top of the page).
      for (const panel of ['users', 'groups', 'hosts']) await page.getByTestId(`report-usage-${panel}`).screenshot({ path: path.join(artifacts, `e2e-reports-usage-${panel}-${width}.png`) });
      // Summary values fit their tiles.
      const tiles = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLElement>('[data-testid="report-summary"] .summary-value, [data-testid="report-summary"] .summary-label'))
          .filter((el) => el.scrollWidth > el.clientWidth + 1)
          .map((el) => `tile "${el.textContent}" ${el.scrollWidth} > ${el.clientWidth}`),
      );
      expect(tiles, `${width}×${height}`).toEqual([]);
      // User, group and host names are never broken inside a word ("messageb / us"): one line,
      // whole, or cut with an ellipsis and the whole name in a title.
      const names = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLElement>('[data-testid^="report-table-"] tbody td:first-child .strong')).map((el) => {
          const cs = getComputedStyle(el);
          return { text: el.textContent ?? '', lines: el.getClientRects().length, cut: el.scrollWidth > el.clientWidth + 1, ellipsis: cs.textOverflow === 'ellipsis', title: el.closest('[title]')?.getAttribute('title') ?? '' };
        }),
      );
      expect(names.length).toBeGreaterThanOrEqual(9);
      for (const n of names) {
        expect(n.lines, `${width}: "${n.text}" on one line`).toBe(1);
        if (n.cut) expect({ ellipsis: n.ellipsis, title: n.title }, `${width}: "${n.text}" cut`).toEqual({ ellipsis: true, title: n.text });
      }
      expect(names.find((n) => n.text === 'messagebus')?.cut, `${width}: messagebus shown whole`).toBe(false);
    }
    expect(findings).toEqual({});
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it('wraps the header cleanly: the title on its line, then the controls; the period reads from the left under the pickers', async () => {
    const layout = () =>
      page.evaluate(() => {
        const box = (el: Element | null) => el!.getBoundingClientRect();
        const heading = box(document.querySelector('.reports-page > .page-header .page-heading'));
        const title = document.querySelector('.reports-page .page-title')!;
        const label = box(document.querySelector('.report-export .report-control-label'));
        const buttons = Array.from(document.querySelectorAll('.report-export-buttons .button')).map(box);
        const toolbar = box(document.querySelector('.report-toolbar .report-control'));
        const hosts = box(document.querySelector('[data-testid="report-hosts"]'));
        const period = box(document.querySelector('[data-testid="report-period-text"]'));
        return {
          titleLines: title.getClientRects().length,
          headingBottom: heading.bottom,
          labelTop: label.top,
          labelMiddle: (label.top + label.bottom) / 2,
          buttonRows: new Set(buttons.map((b) => Math.round(b.top))).size,
          buttonsTop: Math.min(...buttons.map((b) => b.top)),
          buttonsBottom: Math.max(...buttons.map((b) => b.bottom)),
          firstControlLeft: toolbar.left,
          hostsBottom: hosts.bottom,
          periodLeft: period.left,
          periodTop: period.top,
        };
      });
    await page.setViewportSize({ width: 1440, height: 900 });
    const wide = await layout();
    // Wide: the export buttons beside the title, the period beside the pickers.
    expect(wide.buttonsTop).toBeLessThan(wide.headingBottom);
    expect(wide.periodTop).toBeLessThan(wide.hostsBottom);
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.getByTestId('reports-page').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(200);
    await page.mouse.move(0, 0);
    await shot(page, 'e2e-reports-header-1024');
    const narrow = await layout();
    expect(narrow.titleLines).toBe(1);
    // The controls start under the title, their label on their line, the four buttons in one row.
    expect(narrow.labelTop).toBeGreaterThanOrEqual(narrow.headingBottom);
    expect(narrow.labelMiddle).toBeGreaterThan(narrow.buttonsTop);
    expect(narrow.labelMiddle).toBeLessThan(narrow.buttonsBottom);
    expect(narrow.buttonRows).toBe(1);
    // The period, on its own line, starts where the pickers do (not pushed to the right edge).
    expect(narrow.periodTop).toBeGreaterThanOrEqual(narrow.hostsBottom);
    expect(Math.abs(narrow.periodLeft - narrow.firstControlLeft)).toBeLessThanOrEqual(2);
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it('one unit per summary strip, the users chart in the table’s unit, round axis ticks with units', async () => {
    for (const [width, height] of [
      [1440, 900],
      [1024, 768],
    ] as const) {
      await page.setViewportSize({ width, height });
      // CPU, GPU, memory and GPU memory: one time unit across the strip.
      const subs = await page.getByTestId('report-summary').locator('.summary-sub').allTextContents();
      expect(subs.slice(0, 4)).toEqual(['CPU-minutes', 'GPU-minutes', 'GiB-minutes', 'GiB-minutes']);
      // The users chart's legend names the table's CPU and GPU units, and its ticks say them.
      const units = await page.getByTestId('report-table-users').locator('thead .th-unit').allTextContents();
      const legend = await page.getByTestId('report-usage-users').locator('.chart-legend-label').allTextContents();
      expect(legend).toEqual(units.slice(0, 2));
      expect(units[0]!.replace('CPU-', '')).toBe(units[1]!.replace('GPU-', ''));
      const short = { hours: 'h', minutes: 'min', seconds: 's' }[units[0]!.replace('CPU-', '')]!;
      expect(await page.getByTestId('report-chart-users').getAttribute('data-unit')).toBe(short);
      const userTicks = await axisTicks('report-chart-users', 'x');
      expect(userTicks.length).toBeGreaterThanOrEqual(3);
      niceSteps(userTicks, short);
      niceSteps(await axisTicks('report-chart-hosts', 'x'), '%');
      niceSteps(await axisTicks('report-chart-cpu-time', 'y'), '%');
    }
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it('a 7-day report with minutes of data: the CPU chart narrows its time axis to the data and says so', async () => {
    await page.getByTestId('report-period-7d').click();
    const note = page.getByTestId('report-chart-cpu-time-note');
    await note.waitFor({ timeout: 20_000 });
    await settled('usage');
    expect(await note.textContent()).toMatch(/^Monitoring data covers only \d+ (seconds|minutes) of these 7 days: the time axis shows just that part\.$/);
    const chart = page.getByTestId('report-chart-cpu-time');
    expect(await chart.getAttribute('data-narrowed')).toBe('true');
    const span = Number(await chart.getAttribute('data-to')) - Number(await chart.getAttribute('data-from'));
    expect(span).toBeLessThan(86_400_000);
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
    // Times of day, not a week of weekdays around one dot.
    const ticks = await axisTicks('report-chart-cpu-time', 'x');
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (const t of ticks) expect(t).toMatch(/^\d\d:\d\d$/);
    // The drawn data sits inside the plot, not at its edge.
    const inside = await chart.evaluate((el) => {
      const plot = el.querySelector('.recharts-cartesian-grid')!.getBoundingClientRect();
      const marks = Array.from(el.querySelectorAll('.recharts-line-curve, .report-lone-point circle')).map((m) => m.getBoundingClientRect()).filter((r) => r.width > 0 || r.height > 0);
      return { marks: marks.length, left: Math.min(...marks.map((m) => m.left)) - plot.left, right: plot.right - Math.max(...marks.map((m) => m.right)) };
    });
    expect(inside.marks).toBeGreaterThanOrEqual(1);
    expect(inside.left).toBeGreaterThan(20);
    expect(inside.right).toBeGreaterThan(20);
    await page.mouse.move(0, 0);
    await page.getByTestId('report-usage-hosts').screenshot({ path: path.join(artifacts, 'e2e-reports-7d-cpu-chart.png') });
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(400);
    await page.getByTestId('report-usage-hosts').screenshot({ path: path.join(artifacts, 'e2e-reports-7d-cpu-chart-1024-dark.png') });
    expect(await horizontalOverflow(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1360, height: 900 });
    await page.getByTestId('report-period-24h').click();
    await expect.poll(() => note.textContent(), { timeout: 20_000 }).toContain('of these 24 hours');
    await settled('usage');
  });

  it('downloads CSV and JSON that read back to the numbers on screen', async () => {
    const csvFile = await saved(await download('report-export-csv'), 'e2e-usage.csv');
    expect(path.basename(csvFile)).toBe('e2e-usage.csv');
    const csv = parseReportCsv(readFileSync(csvFile, 'utf8'));
    expect(csv.comments[0]).toBe('Fleetdeck usage report');
    const rows = tableObjects(csv, 'users');
    expect(rows.map((r) => r.user)).toEqual(['alice', 'bob', EVIL_USER, `'=HYPERLINK("http://evil.example","x")`, 'messagebus']);
    // Raw hours, to six significant digits (no float noise), and whole bytes.
    expect(rows[0]!.cpu_hours).toBe(String(Number(((2 * 120) / 3600).toPrecision(6))));
    expect(rows.every((r) => /^\d+$/.test(r.peak_memory_bytes!))).toBe(true);

    const jsonDownload = await download('report-export-json');
    expect(jsonDownload.suggestedFilename()).toMatch(/^fleetdeck-usage-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.json$/);
    const json = reportSchema.parse(JSON.parse(readFileSync(await saved(jsonDownload, 'e2e-usage.json'), 'utf8'))) as UsageReport;
    expect(json.users.map((u) => [u.user, u.cpuHours])).toEqual(rows.map((r) => [r.user!.replace(/^'/, ''), num(r.cpu_hours)]));
    expect(json.meta.timeZone).toBe(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone));
    await page.getByTestId('toast').filter({ hasText: 'Saved fleetdeck-usage-' }).first().waitFor();
  });

  it('downloads a PDF printed by the core’s Chromium', async () => {
    const started = Date.now();
    const d = await download('report-export-pdf');
    const file = await saved(d, 'e2e-usage.pdf');
    console.log(`PDF export from the UI: ${Date.now() - started} ms`);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const s of ['Usage report', 'gpu-1', EVIL_HOST, 'alice']) expect(text).toContain(s);
  });

  it('previews the inventory (GPU facts) and the audit log (failed events stand out)', async () => {
    await page.getByTestId('report-kind-inventory').click();
    await settled('inventory');
    const gpus = await page.getByTestId('report-table-gpus').textContent();
    for (const s of ['Tesla T4', '0000000000000', '515.105.01', 'CUDA 11.7']) expect(gpus).toContain(s);
    expect(await page.getByTestId('report-table-inventory').textContent()).toContain('Debian GNU/Linux 12');
    await clearToasts();
    await shot(page, 'e2e-reports-inventory');
    await page.setViewportSize({ width: 1024, height: 768 });
    await shot(page, 'e2e-reports-inventory-1024');
    await page.setViewportSize({ width: 1360, height: 900 });

    await page.getByTestId('report-kind-audit').click();
    await settled('audit');
    expect(await page.getByTestId('report-table-events').textContent()).toMatch(/processes\.kill.*access-denied/);
    expect(await page.getByTestId('report-chart-days').locator('.recharts-bar-rectangle').count()).toBeGreaterThanOrEqual(1);
    await clearToasts();
    await shot(page, 'e2e-reports-audit');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(400);
    await shot(page, 'e2e-reports-audit-dark');
    await page.setViewportSize({ width: 1024, height: 768 });
    await shot(page, 'e2e-reports-audit-1024-dark');
    await page.setViewportSize({ width: 1360, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('picks hosts, says when a period has no history, and refuses a reversed custom period', async () => {
    await page.getByTestId('report-kind-usage').click();
    await page.getByTestId('report-hosts').click();
    await page.getByTestId(`report-host-${EVIL_HOST}`).locator('input').check();
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('report-hosts').textContent()).toContain(EVIL_HOST);
    await settled('usage');
    await expect.poll(async () => page.getByTestId('report-table-users').locator('tbody tr td:first-child .strong').allTextContents()).toEqual([EVIL_USER, '=HYPERLINK("http://evil.example","x")']);

    await page.getByTestId('report-period-custom').click();
    await page.getByTestId('report-from').fill('2026-01-01');
    await page.getByTestId('report-to').fill('2026-01-02');
    await page.getByTestId('report-usage-empty').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('report-usage-empty').textContent()).toMatch(/No monitoring history in this period/);
    await page.getByTestId('report-to').fill('2025-12-01');
    expect(await page.getByTestId('report-period-error').textContent()).toBe('The first day must not be after the last day.');
    expect(await page.getByTestId('report-export-csv').isDisabled()).toBe(true);
    await page.getByTestId('report-period-24h').click();
  });

  it('shows an error toast saying why when an export fails (a chosen host was removed meanwhile)', async () => {
    await page.getByTestId('report-hosts').click();
    await page.getByTestId('report-hosts-menu').getByText('All hosts').click();
    await page.getByTestId(`report-host-${QUOTE_HOST}`).locator('input').check();
    await page.keyboard.press('Escape');
    await settled('usage');
    const db = openDatabase(path.join(app.home, 'fleetdeck.sqlite'));
    try {
      new HostStore(db).remove(quoteId);
    } finally {
      db.close();
    }
    await page.getByTestId('report-export-csv').click();
    const toast = page.locator('[data-testid="toast"][data-tone="error"]');
    await toast.waitFor({ timeout: 20_000 });
    expect(await toast.textContent()).toMatch(/Could not export the report as CSV.*No host with id \d+/);
    await shot(page, 'e2e-reports-export-error');
  });
});
