import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import { addKeyHost, type BrowserApp, chromiumMissing, type Served, shot, startBrowserApp } from './serve-app.js';

/**
 * Live monitoring end to end: `fleetdeck serve`, Debian's Chromium and a real systemd Debian
 * host. The card streams samples (sparklines), the Monitor tab draws its charts from them, and
 * "who is using what" attributes processes to users (admin runs the helper; carol runs a busy
 * loop started outside Fleetdeck).
 */
const unavailable = chromiumMissing() ?? (await testbedUnavailableReason({ docker: true }));

/** How many chart rows carry a value (the panels expose it as data-points); 0 while not shown. */
async function points(locator: Locator): Promise<number> {
  if ((await locator.count()) === 0) return 0;
  return Number((await locator.first().getAttribute('data-points')) ?? '0');
}

/** Waits for samples on a host card; says at once why when monitor.start was refused. */
async function waitForSamples(card: Locator, minPoints: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const refused = card.getByTestId('card-monitor-error');
    if ((await refused.count()) > 0) throw new Error(`monitor.start failed: ${await refused.getAttribute('title')}`);
    if ((await points(card.getByTestId('card-sparkline-cpu'))) >= minPoints) return;
    if (Date.now() > deadline) throw new Error(`no live samples reached the fleet card within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(unavailable)('live monitoring in Chromium', () => {
  let deb: DebianHost;
  let app: Served;
  let session: BrowserApp;
  let page: Page;

  beforeAll(async () => {
    [deb, session] = await Promise.all([startDebianHost({ name: 'e2e-mon' }), startBrowserApp()]);
    ({ app, page } = session);
  }, 600_000);

  afterAll(async () => {
    await session?.close();
    await deb?.stop();
  });

  it('adds and connects a Debian test host', async () => {
    await page.goto(app.url);
    await addKeyHost(page, { name: 'mon-debian', port: deb.port, user: 'admin', keyPath: deb.users.admin!.keyPath!, tags: 'lab, monitor' });
    const card = page.getByTestId('host-card-mon-debian');
    await card.waitFor();
    await card.getByTestId('connect-button').click();
    await page.getByTestId('hostkey-trust').click({ timeout: 30_000 });
    await expect.poll(async () => (await card.getByTestId('host-card-state').textContent()) ?? '', { timeout: 60_000 }).toMatch(/^connected/i);
    await shot(page, 'e2e-monitor-connected');
  });

  it('streams samples to the fleet card: CPU and memory sparklines fill up', async () => {
    // Something for "who is using what" to find besides the login user: a busy loop run by carol.
    await deb.exec(['systemd-run', '--quiet', '--uid=carol', '--unit=fd-e2e-burn', 'timeout', '600', 'sh', '-c', 'while :; do :; done']);
    const card = page.getByTestId('host-card-mon-debian');
    // Sparklines step every 5 s: two points means samples have been arriving for a while.
    await waitForSamples(card, 2, 90_000);
    expect(await points(card.getByTestId('card-sparkline-memory'))).toBeGreaterThanOrEqual(2);
    expect(await card.getByTestId('card-sparkline-cpu').locator('.recharts-area-curve').count()).toBe(1);
    // Sorting by CPU and filtering by a tag keep the host on the page.
    await page.getByTestId('fleet-sort').selectOption('cpu');
    await page.getByTestId('fleet-tag-filter').selectOption('monitor');
    await card.waitFor();
    await shot(page, 'e2e-monitor-fleet');
    await page.getByTestId('fleet-tag-filter').selectOption('');
    await page.getByTestId('fleet-sort').selectOption('name');
  });

  it('draws the Monitor tab charts from live samples, with a hover readout and range switch', async () => {
    await page.getByTestId('host-card-mon-debian').getByTestId('host-card-link').click();
    await page.getByTestId('tab-monitor').click();
    const panel = page.getByTestId('panel-monitor');
    await panel.waitFor();
    const cpu = panel.getByTestId('chart-cpu');
    await cpu.waitFor({ timeout: 60_000 });
    await expect.poll(() => points(cpu), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    for (const id of ['chart-memory', 'chart-net', 'chart-disk']) {
      expect(await points(panel.getByTestId(id)), id).toBeGreaterThanOrEqual(5);
      expect(await panel.getByTestId(id).locator('.recharts-area-curve').count(), id).toBeGreaterThan(0);
    }
    // The Debian test host has no GPU: no GPU charts, and no error about it.
    expect(await panel.getByTestId('chart-gpu').count()).toBe(0);
    expect(await panel.getByTestId('monitor-live-status').textContent()).toMatch(/Live/);

    // Hover readout: exact values with units.
    const box = (await cpu.locator('.recharts-surface').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.97, box.y + box.height * 0.5);
    const tooltip = cpu.getByTestId('chart-tooltip');
    await tooltip.waitFor({ timeout: 10_000 });
    expect(await tooltip.textContent()).toMatch(/Total\s*[\d.]+%/);
    await page.mouse.move(0, 0);

    // Longer ranges read the stored history (plus the live tail) and still draw.
    await panel.getByTestId('range-1h').click();
    expect(await panel.getByTestId('range-1h').getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => points(panel.getByTestId('chart-cpu')), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await panel.getByTestId('range-5m').click();
    await expect.poll(() => points(panel.getByTestId('chart-cpu')), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
  });

  it('says who is using what: admin (the helper) and carol (the busy loop)', async () => {
    const panel = page.getByTestId('panel-monitor');
    const users = panel.getByTestId('user-usage-table');
    await users.waitFor({ timeout: 30_000 });
    await panel.getByTestId('user-usage-row-admin').waitFor({ timeout: 30_000 });
    await panel.getByTestId('user-usage-row-carol').waitFor({ timeout: 30_000 });
    const processes = panel.getByTestId('process-table');
    await processes.waitFor();
    expect(await processes.locator('[data-testid^="process-row-"]').count()).toBeGreaterThan(0);
    const carolRow = processes.locator('[data-testid^="process-row-"]', { hasText: 'carol' }).first();
    await carolRow.waitFor({ timeout: 30_000 });
    expect(await carolRow.textContent()).toMatch(/Host/);
    // Clicking a user narrows the process table to them.
    await panel.getByTestId('user-usage-row-carol').getByRole('button', { name: 'carol' }).click();
    await panel.getByTestId('process-user-filter').waitFor();
    await expect.poll(async () => (await processes.locator('[data-testid^="process-row-"]').allTextContents()).every((t) => t.includes('carol'))).toBe(true);
    await panel.getByTestId('process-user-filter').click();

    await page.setViewportSize({ width: 1360, height: 2000 });
    await shot(page, 'e2e-monitor');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await shot(page, 'e2e-monitor-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it("kills carol's busy loop: plan shown first, confirmed, verified gone (admin has sudo)", async () => {
    const panel = page.getByTestId('panel-monitor');
    const row = panel.getByTestId('process-table').locator('[data-testid^="process-row-"]', { hasText: 'while' }).first();
    await row.waitFor({ timeout: 30_000 });
    const pid = Number((await row.getAttribute('data-testid'))!.replace('process-row-', ''));
    await panel.getByTestId(`process-kill-${pid}`).click();
    const dialog = page.getByTestId('kill-dialog');
    // The plan is read from the host first (a root helper may have to start through sudo).
    await dialog.getByTestId('kill-summary').waitFor({ timeout: 45_000 });
    expect(await dialog.getByTestId('kill-summary').textContent()).toMatch(new RegExp(`pid ${pid}.*carol`));
    expect(await dialog.getByTestId('kill-needs-sudo').count()).toBe(1);
    await shot(page, 'e2e-kill-plan');
    await dialog.getByTestId('kill-apply').click();
    await expect.poll(async () => (await dialog.getByTestId('kill-result').textContent()) ?? '', { timeout: 15_000 }).toMatch(/gone|ended|no longer/i);
    const left = await deb.exec(['sh', '-c', `test -d /proc/${pid} && echo alive || echo gone`]);
    expect(left.stdout.trim()).toBe('gone');
    await page.keyboard.press('Escape');
  });

  it('shows the alerts page with its rules (defaults seeded), reachable from the sidebar', async () => {
    await page.getByTestId('nav-alerts').click();
    await page.getByTestId('alerts-page').waitFor();
    await page.getByTestId('alert-rules').waitFor();
    expect(await page.getByTestId('alert-rules').textContent()).toMatch(/GPU temperature/i);
    await shot(page, 'e2e-alerts');
    await page.goBack();
  });

  it('keeps the stream when leaving the page, and shows a connect prompt once disconnected', async () => {
    await page.getByTestId('disconnect-button').click();
    const panel = page.getByTestId('panel-monitor');
    // The charts stay (frozen) with a note, or the prompt shows when nothing was kept.
    await expect.poll(async () => (await panel.getByTestId('monitor-stopped').count()) + (await panel.getByTestId('monitor-not-connected').count()), { timeout: 30_000 }).toBeGreaterThan(0);
    await deb.exec(['systemctl', 'stop', 'fd-e2e-burn']).catch(() => undefined);
  });
});
