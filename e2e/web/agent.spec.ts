import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import type { LayoutFinding } from './layout-checks.js';
import { screenShooter } from './shots.js';
import { addAndConnect, artifacts, type BrowserApp, chromiumMissing, type Served, startBrowserApp } from './serve-app.js';

/**
 * The resident agent in Chromium against `fleetdeck serve`, on a real systemd Debian host: the
 * wizard installs it, the Services tab shows it verified, a reconnect reaches it (the host page
 * says so), and the Monitor chart over a time the app was disconnected has no hole once it is
 * connected again (the agent's buffer is backfilled). Shots at both sizes and themes into
 * test-results/agent/.
 */
const unavailable = chromiumMissing() ?? (await testbedUnavailableReason({ docker: true }));
const OUT = path.join(artifacts, 'agent');
const HOST = 'agent-debian';

describe.skipIf(unavailable)('the resident agent through the wizard, in Chromium', () => {
  let deb: DebianHost;
  let app: Served;
  let session: BrowserApp;
  let page: Page;
  const findings: Record<string, LayoutFinding[]> = {};
  const shots = screenShooter(() => page, OUT, findings);
  const next = () => page.getByTestId('wizard-next');
  const step = () => page.getByTestId('setup-page').getAttribute('data-step');
  const reconnect = async () => {
    await page.getByTestId('disconnect-button').click();
    await page.getByTestId('connect-button').click();
    await expect.poll(() => page.getByTestId('host-state').textContent(), { timeout: 60_000 }).toBe('Connected');
  };

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    [deb, session] = await Promise.all([startDebianHost({ name: 'agent-ui' }), startBrowserApp()]);
    ({ app, page } = session);
  }, 600_000);

  afterAll(async () => {
    await session?.close();
    await deb?.stop();
  });

  it('the wizard installs the agent; the Services tab shows it verified', async () => {
    await addAndConnect(page, app.url, { name: HOST, port: deb.port, user: 'admin', keyPath: deb.users.admin!.keyPath!, tags: 'lab' });
    expect(await page.getByTestId('host-via-agent').count()).toBe(0);
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('setup-page').waitFor();
    await page.getByTestId(`setup-host-${HOST}`).locator('input[type=checkbox]').check();
    await next().click();
    expect(await page.getByTestId('module-agent').textContent()).toMatch(/Resident agent \(instant reconnects, no gaps in history\)/);
    await page.getByTestId('module-agent').locator('input[type=checkbox]').check();
    await shots('1-modules');
    await next().click();
    await next().click();
    await expect.poll(() => page.getByTestId(`preflight-${HOST}`).getAttribute('data-verdict'), { timeout: 120_000 }).toBe('ok');
    await next().click();
    const plan = page.getByTestId(`plan-${HOST}`);
    await expect.poll(() => plan.getAttribute('data-state'), { timeout: 120_000 }).toBe('ok');
    expect(await plan.textContent()).toMatch(/Make the group fleetdeck-agent[\s\S]*fleetdeck-agent\.service/);
    await shots('2-plan');
    await next().click();
    await expect.poll(() => page.getByTestId(`task-${HOST}`).getAttribute('data-state'), { timeout: 200_000, interval: 1000 }).toBe('done');
    await next().click();
    await expect.poll(step).toBe('result');
    await page.getByTestId(`result-${HOST}`).getByTestId('result-services').click();
    await page.getByTestId('services-tab').waitFor();
    expect(await page.getByTestId('service-agent-verify').getAttribute('data-ok')).toBe('true');
    await shots('3-services');
  }, 400_000);

  it('a reconnect reaches the agent, and the host page says so', async () => {
    await reconnect();
    await expect.poll(() => page.getByTestId('host-via-agent').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId('host-agent-note').count()).toBe(0);
    await shots('4-host');
  }, 120_000);

  it('the Monitor chart over a time the app was disconnected has no hole once connected again', async () => {
    await page.getByTestId('tab-monitor').click();
    await page.getByTestId('monitor').waitFor({ timeout: 60_000 });
    await page.getByTestId('range-1h').click();
    const chart = page.getByTestId('chart-memory');
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 90_000 }).toBeGreaterThanOrEqual(3);
    await page.getByTestId('disconnect-button').click();
    await new Promise((r) => setTimeout(r, 45_000));
    await page.getByTestId('connect-button').click();
    await expect.poll(() => page.getByTestId('host-state').textContent(), { timeout: 60_000 }).toBe('Connected');
    // 1 h at 300 points is a point per 12 s: the 45 s away fill in, no gap past two points.
    await expect.poll(async () => Number(await chart.getAttribute('data-max-gap')), { timeout: 60_000 }).toBeLessThanOrEqual(24_000);
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThanOrEqual(9);
    await shots('5-monitor');
  }, 300_000);

  it('reads well at both sizes in both themes: nothing overflows or is cut off', () => {
    expect(findings).toEqual({});
  });
});
