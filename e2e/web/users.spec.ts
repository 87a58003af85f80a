import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import type { LayoutFinding } from './layout-checks.js';
import { addAndConnect, artifacts, type BrowserApp, chromiumMissing, type Served, startBrowserApp } from './serve-app.js';
import { screenShooter } from './shots.js';

/**
 * Accounts from the host's Users tab, in Chromium against `fleetdeck serve` and a real systemd
 * Debian host: New user… (a bad name said as typed; planned, applied, verified, then in the
 * table), Account… to lock (the status says locked, shadow agrees), Import CSV… (each row checked
 * against the host before anything runs; the good rows applied), Delete… with the home archived.
 * Shot at both sizes in both themes into test-results/users/, measured for overflow.
 */
const unavailable = chromiumMissing() ?? (await testbedUnavailableReason({ docker: true }));
const OUT = path.join(artifacts, 'users');
const HOST = 'users-debian';

describe.skipIf(unavailable)('accounts on the Users tab in Chromium', () => {
  let deb: DebianHost;
  let app: Served;
  let session: BrowserApp;
  let page: Page;
  let pub: string;
  const findings: Record<string, LayoutFinding[]> = {};
  const shots = screenShooter(() => page, OUT, findings);
  const dialog = () => page.getByTestId('user-dialog');
  const sh = async (script: string) => {
    const r = await deb.exec(['sh', '-c', script]);
    return (r.stdout + r.stderr).trim();
  };

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    [deb, session] = await Promise.all([startDebianHost({ name: 'users-ui' }), startBrowserApp()]);
    ({ app, page } = session);
    pub = readFileSync(`${deb.users.admin!.keyPath!}.pub`, 'utf8').trim();
    await sh('groupadd -f students');
  }, 600_000);

  afterAll(async () => {
    await session?.close();
    await deb?.stop();
  });

  it('connects the host; the Users tab offers New user… and Import CSV…, and says each account is active', async () => {
    await addAndConnect(page, app.url, { name: HOST, port: deb.port, user: 'admin', keyPath: deb.users.admin!.keyPath!, tags: 'lab' });
    await page.getByTestId(`host-card-${HOST}`).getByTestId('host-card-link').click();
    await page.getByTestId('tab-users').click();
    await page.getByTestId('user-row-carol').waitFor({ timeout: 30_000 });
    await expect.poll(async () => page.getByTestId('account-status-carol').textContent(), { timeout: 30_000 }).toBe('active');
    await page.getByTestId('user-new').waitFor();
  });

  it('New user…: a bad name is said as typed; planned, applied, verified; the account is in the table', async () => {
    await page.getByTestId('user-new').click();
    await dialog().waitFor();
    await page.getByTestId('user-name').fill('Alice;rm');
    await page.getByTestId('user-name-error').waitFor();
    expect(await page.getByTestId('user-plan').isDisabled()).toBe(true);
    await page.getByTestId('user-name').fill('alice');
    await page.getByTestId('user-uid').fill('1500');
    await page.getByTestId('user-fullName').fill('Alice Liddell');
    await page.getByTestId('user-groups').fill('students');
    await page.getByTestId('user-keys').fill(pub);
    await shots('1-new-user');
    await page.getByTestId('user-plan').click();
    const planView = page.getByTestId('user-plan-view');
    await planView.waitFor({ timeout: 60_000 });
    expect(await planView.textContent()).toMatch(/Create user alice \(uid 1500, name "Alice Liddell", groups students, 1 SSH key\)/);
    expect(await sh('getent passwd alice || echo none')).toBe('none'); // nothing changed yet
    await shots('2-plan');
    await page.getByTestId('user-apply').click();
    const result = page.getByTestId('user-result');
    await result.waitFor({ timeout: 120_000 });
    expect(await result.getAttribute('data-status')).toBe('done');
    expect(await page.getByTestId('user-verify').textContent()).toMatch(/alice: uid 1500/);
    expect(await sh('getent passwd alice | cut -d: -f3,5')).toBe('1500:Alice Liddell');
    await shots('3-result');
    await page.getByTestId('user-close').click();
    await page.getByTestId('user-row-alice').waitFor({ timeout: 30_000 });
  }, 200_000);

  it('New user… with a name that is there already is refused after planning, nothing changed', async () => {
    await page.getByTestId('user-new').click();
    await dialog().waitFor();
    await page.getByTestId('user-name').fill('alice');
    await page.getByTestId('user-plan').click();
    await page.getByTestId('user-exists').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('user-exists').textContent()).toMatch(/alice already exists on .*: nothing was changed/);
    expect(await page.getByTestId('user-apply').count()).toBe(0);
    await page.getByTestId('user-close').click();
    await dialog().waitFor({ state: 'detached' });
  }, 120_000);

  it('Account…: lock alice; the status says locked and shadow agrees', async () => {
    await expect.poll(async () => page.getByTestId('account-status-alice').textContent(), { timeout: 30_000 }).toBe('active');
    await page.getByTestId('user-edit-alice').click();
    await dialog().waitFor();
    expect(await page.getByTestId('user-fullName').inputValue()).toBe('Alice Liddell');
    expect(await page.getByTestId('user-plan').isDisabled()).toBe(true); // nothing changed yet
    await page.getByTestId('user-locked').check();
    await page.getByTestId('user-plan').click();
    await page.getByTestId('user-plan-view').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('user-plan-view').textContent()).toMatch(/Change user alice: lock/);
    await page.getByTestId('user-apply').click();
    await page.getByTestId('user-result').waitFor({ timeout: 120_000 });
    expect(await sh('getent shadow alice | cut -d: -f8')).toBe('1');
    await page.getByTestId('user-close').click();
    await page.getByTestId('account-locked-alice').waitFor({ timeout: 30_000 });
    await shots('4-users-tab', page.getByTestId('users'));
  }, 200_000);

  it('Import CSV…: every row checked against the host first; the good ones applied', async () => {
    await page.getByTestId('user-import').click();
    await page.getByTestId('csv-dialog').waitFor();
    await page.getByTestId('csv-text').fill(['name,full_name,email,groups,expires', 'bob,Bob Builder,bob@uni.example,students,2099-06-30', 'Eve Evil,Eve,,,', 'dave,Dave,dave-at-uni,,', 'erin,Erin,,nosuchgroup,'].join('\n'));
    await page.getByTestId('csv-check').click();
    const preview = page.getByTestId('csv-preview');
    await preview.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('csv-row-2').getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('csv-row-2').textContent()).toMatch(/Create user bob/);
    expect(await page.getByTestId('csv-row-3').textContent()).toMatch(/wrong.*name/);
    expect(await page.getByTestId('csv-row-4').textContent()).toMatch(/email "dave-at-uni" is not an address/);
    expect(await page.getByTestId('csv-row-5').textContent()).toMatch(/Group nosuchgroup does not exist on this host/);
    await shots('5-csv-preview');
    expect(await sh('getent passwd bob || echo none')).toBe('none');
    await page.getByTestId('csv-plan').click();
    await page.getByTestId('csv-plan-view').waitFor({ timeout: 60_000 });
    await page.getByTestId('csv-apply').click();
    const result = page.getByTestId('csv-result');
    await result.waitFor({ timeout: 120_000 });
    expect(await result.getAttribute('data-status')).toBe('done');
    expect(await sh('getent passwd bob | cut -d: -f5')).toBe('Bob Builder');
    await shots('6-csv-result');
    await page.getByTestId('csv-close').click();
  }, 200_000);

  it('Delete…: alice removed with her home archived', async () => {
    await page.getByTestId('user-delete-alice').click();
    await dialog().waitFor();
    expect(await page.getByTestId('user-archive').isChecked()).toBe(true);
    await page.getByTestId('user-plan').click();
    await page.getByTestId('user-plan-view').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('user-plan-view').textContent()).toMatch(/Delete user alice \(uid 1500\), archiving \/home\/alice first/);
    await shots('7-delete-plan');
    await page.getByTestId('user-apply').click();
    await page.getByTestId('user-result').waitFor({ timeout: 120_000 });
    expect(await sh('getent passwd alice || echo gone; ls /var/lib/fleetdeck/archive | grep -c ^alice-1500-')).toBe('gone\n1');
    await page.getByTestId('user-close').click();
    await page.getByTestId('user-row-alice').waitFor({ state: 'detached', timeout: 30_000 });
  }, 200_000);

  it('Offboard 1 expired…: bob, past his expiry, is offered; planned, applied: locked, home archived', async () => {
    await sh('chage -E 2020-01-31 bob');
    await page.reload();
    await page.getByTestId('tab-users').click();
    const offer = page.getByTestId('user-offboard-expired');
    await offer.waitFor({ timeout: 30_000 });
    expect(await offer.textContent()).toMatch(/Offboard 1 expired…/);
    await page.getByTestId('users-filter').selectOption('expired');
    await expect.poll(() => page.locator('[data-testid^="user-row-"]').count()).toBe(1);
    await offer.click();
    await page.getByTestId('offboard-dialog').waitFor();
    expect(await page.getByTestId('offboard-names').textContent()).toBe('bob');
    await shots('8-offboard');
    await page.getByTestId('offboard-plan').click();
    await page.getByTestId('offboard-plan-view').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('offboard-plan-view').textContent()).toMatch(/Archive bob's home/);
    await page.getByTestId('offboard-apply').click();
    await page.getByTestId('offboard-result').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('offboard-result').getAttribute('data-status')).toBe('done');
    expect(await sh("passwd -S bob | cut -d' ' -f2; ls /var/lib/fleetdeck/archive | grep -c '^bob-offboarded-'")).toBe('L\n1');
    await page.getByTestId('offboard-close').click();
    await offer.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByTestId('users-filter').selectOption('');
  }, 200_000);

  it('the fleet-wide Users page: everyone across hosts, searchable, each host linking to its Users tab', async () => {
    await page.getByTestId('nav-users').click();
    await page.getByTestId('fleet-users-page').waitFor();
    await page.getByTestId('fleet-user-bob').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('fleet-user-bob').textContent()).toMatch(/Bob Builder/);
    await page.getByTestId('fleet-users-search').fill('builder');
    await expect.poll(() => page.locator('[data-testid^="fleet-user-"]').count()).toBe(1);
    await shots('9-fleet-users');
    await page.getByTestId('fleet-users-search').fill('');
    await page.getByTestId('fleet-user-bob').locator('a.fleet-user-host').click();
    await page.getByTestId('user-row-bob').waitFor({ timeout: 30_000 });
  }, 120_000);

  it('reads well at both sizes in both themes: nothing overflows or is cut off', () => {
    expect(findings).toEqual({});
  });
});
