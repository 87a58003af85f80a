import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import type { LayoutFinding } from './layout-checks.js';
import { screenShooter } from './shots.js';
import { addAndConnect, addKeyHost, artifacts, type BrowserApp, chromiumMissing, type Served, startBrowserApp } from './serve-app.js';

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
  /** The wizard's task for that host applied; a failure says why. */
  const taskDone = async (name: string) => {
    const task = page.getByTestId(`task-${name}`);
    await expect.poll(async () => ((await task.getAttribute('data-state')) === 'failed' ? `failed: ${await task.textContent()}` : task.getAttribute('data-state')), { timeout: 200_000, interval: 1000 }).toBe('done');
  };
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
    await taskDone(HOST);
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

  it('without root (carol): the wizard runs the agent as her own process, the plan says what that means, and the host page says it is hers', async () => {
    const CAROL = 'agent-carol';
    await addKeyHost(page, { name: CAROL, port: deb.port, user: 'carol', keyPath: deb.users.carol!.keyPath! }, 'sidebar-add-host');
    await page.getByTestId('nav-fleet').click();
    const card = page.getByTestId(`host-card-${CAROL}`);
    await card.getByTestId('connect-button').click();
    await expect.poll(async () => (await card.getByTestId('host-card-state').textContent()) ?? '', { timeout: 60_000 }).toMatch(/^connected/i);
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('setup-page').waitFor();
    if (await page.getByTestId('setup-reset').count()) await page.getByTestId('setup-reset').click();
    const pick = (name: string) => page.getByTestId(`setup-host-${name}`).locator('input[type=checkbox]');
    await pick(HOST).setChecked(false);
    await pick(CAROL).check();
    await next().click();
    await page.getByTestId('module-agent').locator('input[type=checkbox]').check();
    await next().click();
    expect(await page.getByTestId('setting-agent-admins').count()).toBe(1);
    await page.getByTestId('setting-agent-runAs').selectOption('login');
    expect(await page.getByTestId('setting-agent-admins').count()).toBe(0); // the service's admins: not for her own process
    await shots('6-settings-per-user');
    await next().click();
    await expect.poll(() => page.getByTestId(`preflight-${CAROL}`).getAttribute('data-verdict'), { timeout: 120_000 }).toBe('ok');
    expect(await page.getByTestId(`preflight-${CAROL}`).textContent()).toMatch(/carol has no root here .* Without root the agent can still run as your own process/);
    await shots('7-preflight-per-user');
    await next().click();
    const plan = page.getByTestId(`plan-${CAROL}`);
    await expect.poll(() => plan.getAttribute('data-state'), { timeout: 120_000 }).toBe('ok');
    expect(await plan.textContent()).toMatch(/Start the agent as carol, detached[\s\S]*/);
    expect(await plan.textContent()).toMatch(/sees only what carol may see/);
    expect(await plan.textContent()).not.toMatch(/fleetdeck-agent\.service|Make the group/);
    await shots('8-plan-per-user');
    await next().click();
    await taskDone(CAROL);
    await next().click();
    await expect.poll(step).toBe('result');
    await page.getByTestId(`result-${CAROL}`).getByTestId('result-services').click();
    await page.getByTestId('services-tab').waitFor();
    expect(await page.getByTestId('service-agent-verify').getAttribute('data-ok')).toBe('true');
    await reconnect();
    await expect.poll(() => page.getByTestId('host-via-agent').getAttribute('data-per-user'), { timeout: 10_000 }).toBe('true');
    expect(await page.getByTestId('host-via-agent').textContent()).toMatch(/through your own agent \(no root\)/);
    await shots('9-host-per-user');
  }, 500_000);

  it('reads well at both sizes in both themes: nothing overflows or is cut off', () => {
    expect(findings).toEqual({});
  });
});
