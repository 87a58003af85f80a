import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import type { LayoutFinding } from './layout-checks.js';
import { screenShooter } from './shots.js';
import { addAndConnect, artifacts, type BrowserApp, chromiumMissing, type Served, startBrowserApp } from './serve-app.js';

/**
 * The service stack in Chromium against `fleetdeck serve`, on a real systemd Debian host that
 * reaches only Debian's archive: the wizard installs monitoring and backups (the plan says what
 * was left out and why), verify's restore test passes, the Services tab shows the last backup,
 * and the Monitor tab reads its history from the host's Prometheus through the SSH connection.
 * Shots at 1440×900 and 1024×768, light and dark, into test-results/services-stack/.
 */
const unavailable = chromiumMissing() ?? (await testbedUnavailableReason({ docker: true }));
const OUT = path.join(artifacts, 'services-stack');
const HOST = 'stack-debian';

describe.skipIf(unavailable)('monitoring and backups through the wizard, in Chromium', () => {
  let deb: DebianHost;
  let app: Served;
  let session: BrowserApp;
  let page: Page;
  const findings: Record<string, LayoutFinding[]> = {};
  const shots = screenShooter(() => page, OUT, findings);
  const wizard = () => page.getByTestId('setup-page');
  const step = async () => wizard().getAttribute('data-step');
  const next = () => page.getByTestId('wizard-next');

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    [deb, session] = await Promise.all([startDebianHost({ name: 'stack-ui', apt: true }), startBrowserApp()]);
    ({ app, page } = session);
    await deb.exec(['sh', '-c', 'mkdir -p /srv/lab && echo "results" > /srv/lab/run-1.csv']);
  }, 600_000);

  afterAll(async () => {
    await session?.close();
    await deb?.stop();
  });

  it('the wizard: monitoring and backups chosen, their plan says what is left out, applied and verified (the restore test too)', async () => {
    await addAndConnect(page, app.url, { name: HOST, port: deb.port, user: 'admin', keyPath: deb.users.admin!.keyPath!, tags: 'lab' });
    await page.getByTestId('nav-setup').click();
    await wizard().waitFor();
    await page.getByTestId(`setup-host-${HOST}`).locator('input[type=checkbox]').check();
    await next().click();
    expect(await step()).toBe('modules');
    expect(await page.getByTestId('module-monitoring').textContent()).toMatch(/Monitoring: Prometheus, Alertmanager, node_exporter, Grafana/);
    await page.getByTestId('module-monitoring').locator('input[type=checkbox]').check();
    await page.getByTestId('module-backup').locator('input[type=checkbox]').check();
    await shots('1-modules');
    await next().click();
    expect(await step()).toBe('settings');
    const paths = page.getByTestId('setting-backup-paths');
    await paths.fill('/srv/lab, ../etc');
    await expect.poll(() => page.getByTestId('setting-backup-paths-error').textContent()).toMatch(/absolute path/);
    await paths.fill('/srv/lab, /etc');
    await page.getByTestId('setting-monitoring-alertWebhook').fill('https://ntfy.lab.example.org/fleet');
    await shots('2-settings');
    await next().click();

    const card = page.getByTestId(`preflight-${HOST}`);
    await expect.poll(() => card.getAttribute('data-verdict'), { timeout: 120_000 }).toBe('ok');
    // Tried from the host itself: Debian's archive answers, Grafana's repository does not (a warning, not a stop).
    expect(await card.textContent()).toMatch(/Package mirror[\s\S]*reached from the host[\s\S]*Grafana’s apt repository \(apt\.grafana\.com\)[\s\S]*Not reachable from the host/);
    await shots('2-preflight');
    await next().click();
    await expect.poll(step, { timeout: 120_000 }).toBe('plan');
    const plan = page.getByTestId(`plan-${HOST}`);
    await expect.poll(() => plan.getAttribute('data-state'), { timeout: 180_000 }).toBe('ok');
    const text = (await plan.textContent()) ?? '';
    expect(text).toMatch(/Left out: Grafana — Grafana’s apt repository \(apt\.grafana\.com\) cannot be reached from this host/);
    expect(text).toMatch(/Left out: cAdvisor — Docker does not run on this host/);
    expect(text).toMatch(/Create the restic repository at \/var\/backups\/restic/);
    await shots('3-plan');

    await next().click();
    const task = page.getByTestId(`task-${HOST}`);
    await expect.poll(() => task.getAttribute('data-state'), { timeout: 400_000, interval: 1000 }).toBe('done');
    await next().click();
    await expect.poll(step).toBe('result');
    const verify = page.getByTestId(`result-${HOST}`).getByTestId('result-verify');
    expect(await verify.textContent()).toMatch(/All \d+ checks passed/);
    const restore = verify.getByTestId('verify-backup-restore-test');
    await restore.locator('summary').click();
    expect(await restore.locator('.verify-evidence').textContent()).toMatch(/Restored \d+ of \d+ sampled files .* \d+ match the live file \(sha256\), 0 changed since the snapshot \(not compared\), 0 differ/);
    await shots('4-result', restore);
  }, 700_000);

  it('the Services tab shows the last good backup under the module, and Verify now repeats the restore test', async () => {
    await page.getByTestId(`result-${HOST}`).getByTestId('result-services').click();
    await page.getByTestId('services-tab').waitFor();
    const status = page.getByTestId('service-backup-status');
    expect(await status.textContent()).toMatch(/^Last good backup .* UTC, snapshot [0-9a-f]{8}, \d+ files, .* backed up, .* before this check\)\.$/);
    expect(await page.getByTestId('service-monitoring-verify').getAttribute('data-ok')).toBe('true');
    await page.getByTestId('services-verify').click();
    const results = page.getByTestId('services-verify-backup');
    await results.waitFor({ timeout: 120_000 });
    expect(await results.textContent()).toMatch(/Restore test/);
    // The repository password the host generated: shown on request; a browser keeps no copy, and says so.
    const secret = page.getByTestId('service-backup-secret-password');
    await secret.getByTestId('secret-show').click();
    await expect.poll(async () => (await secret.getByTestId('secret-value').textContent()) ?? '', { timeout: 30_000 }).toMatch(/^[A-Za-z0-9+/=]{32,}$/);
    expect(await secret.getByTestId('secret-where').textContent()).toBe('not kept on this laptop: keep it in your password manager');
    await shots('5-services');
    await secret.getByTestId('secret-show').click();
    expect(await secret.getByTestId('secret-value').count()).toBe(0);
  }, 200_000);

  it('the Monitor tab reads its history from the host’s Prometheus when asked, and says so', async () => {
    await page.getByTestId('tab-monitor').click();
    const monitor = page.getByTestId('monitor');
    await monitor.waitFor({ timeout: 60_000 });
    const select = page.getByTestId('history-source-select');
    await select.waitFor({ timeout: 30_000 });
    expect(await select.locator('option').allTextContents()).toEqual(['this laptop', `Prometheus on ${HOST}`]);
    await select.selectOption('prometheus');
    await page.getByTestId('range-1h').click();
    await expect.poll(() => monitor.getAttribute('data-history-source')).toBe('prometheus');
    expect(await page.getByTestId('monitor-source-note').textContent()).toMatch(new RegExp(`from Prometheus on ${HOST}, read through the SSH connection`));
    expect(await page.getByTestId('monitor-history-error').count()).toBe(0);
    await expect.poll(async () => Number(await page.getByTestId('chart-memory').getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(1);
    await shots('6-monitor-prometheus');
    // Back to this laptop's own history: the note goes.
    await select.selectOption('local');
    await expect.poll(() => monitor.getAttribute('data-history-source')).toBe('local');
    expect(await page.getByTestId('monitor-source-note').count()).toBe(0);
  }, 200_000);

  it('reads well at both sizes in both themes: nothing overflows or is cut off', () => {
    expect(findings).toEqual({});
  });
});
