import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Download, Page } from 'playwright-core';
import { reportSchema, type UsageReport } from '../../src-common/reports/report.schema.js';
import { openDatabase } from '../../src-main/core/db/database.js';
import { HostStore } from '../../src-main/core/hosts/host-store.js';
import { num, parseReportCsv, tableObjects } from '../../src-main/core/reports/csv-parse.test-util.js';
import { EVIL_HOST, EVIL_USER, QUOTE_HOST, reportFixture } from '../../src-main/core/reports/report-fixture.test-util.js';
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
    const f = await reportFixture({ dataDir: app.home, t0: now - 30 * 60_000, now });
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
    expect(names).toEqual(['alice', 'bob', EVIL_USER, '=HYPERLINK("http://evil.example","x")']);
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

  it('reads at 1440×900 and 1024×768, light and dark: nothing cut off, no table wider than its panel', async () => {
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
      }
      // The tables themselves (the window shows the top of the page).
      for (const panel of ['users', 'groups', 'hosts']) await page.getByTestId(`report-usage-${panel}`).screenshot({ path: path.join(artifacts, `e2e-reports-usage-${panel}-${width}.png`) });
      // Whatever the width: summary values fit their tiles, tables fit their panels (no sideways
      // scrolling for the usage tables), and no header runs into the next.
      const overflow = await page.evaluate(() => {
        const out: string[] = [];
        for (const el of document.querySelectorAll<HTMLElement>('[data-testid="report-summary"] .summary-value, [data-testid="report-summary"] .summary-label')) {
          if (el.scrollWidth > el.clientWidth + 1) out.push(`tile "${el.textContent}" ${el.scrollWidth} > ${el.clientWidth}`);
        }
        for (const wrap of document.querySelectorAll<HTMLElement>('[data-testid="report-preview"] .table-wrap')) {
          if (wrap.scrollWidth > wrap.clientWidth + 1) out.push(`table ${wrap.querySelector('table')?.dataset.testid}: ${wrap.scrollWidth} > ${wrap.clientWidth}`);
        }
        return out;
      });
      expect(overflow, `${width}×${height}`).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it('downloads CSV and JSON that read back to the numbers on screen', async () => {
    const csvFile = await saved(await download('report-export-csv'), 'e2e-usage.csv');
    expect(path.basename(csvFile)).toBe('e2e-usage.csv');
    const csv = parseReportCsv(readFileSync(csvFile, 'utf8'));
    expect(csv.comments[0]).toBe('Fleetdeck usage report');
    const rows = tableObjects(csv, 'users');
    expect(rows.map((r) => r.user)).toEqual(['alice', 'bob', EVIL_USER, `'=HYPERLINK("http://evil.example","x")`]);
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
