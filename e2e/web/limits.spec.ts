import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { installFakeNvidiaSmi } from '../integration/fake-nvidia-smi.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import type { LayoutFinding } from './layout-checks.js';
import { addAndConnect, artifacts, type BrowserApp, chromiumMissing, type Served, startBrowserApp } from './serve-app.js';
import { screenShooter } from './shots.js';

/**
 * Per-user limits from the host's Users tab, in Chromium against `fleetdeck serve` and a real
 * systemd Debian host: carol's Limits… dialog checks the values as typed, plans (the drop-in as a
 * diff, nothing changed yet), applies, and shows what verify read back; the Users tab then shows
 * her limits as verified, and Remove limits… takes them away. Shot at both sizes in both themes
 * into test-results/limits/, measured for overflow.
 */
const unavailable = chromiumMissing() ?? (await testbedUnavailableReason({ docker: true }));
const OUT = path.join(artifacts, 'limits');
const HOST = 'limits-debian';
const DROP_IN = '/etc/systemd/system/user-1001.slice.d/50-fleetdeck-limits.conf';

describe.skipIf(unavailable)('per-user limits on the Users tab in Chromium', () => {
  let deb: DebianHost;
  let app: Served;
  let session: BrowserApp;
  let page: Page;
  const findings: Record<string, LayoutFinding[]> = {};
  const shots = screenShooter(() => page, OUT, findings);
  const dialog = () => page.getByTestId('limits-dialog');

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    [deb, session] = await Promise.all([startDebianHost({ name: 'limits-ui' }), startBrowserApp()]);
    ({ app, page } = session);
  }, 600_000);

  afterAll(async () => {
    await session?.close();
    await deb?.stop();
  });

  it('connects the host and shows its users with no limits yet', async () => {
    await addAndConnect(page, app.url, { name: HOST, port: deb.port, user: 'admin', keyPath: deb.users.admin!.keyPath!, tags: 'lab' });
    await page.getByTestId(`host-card-${HOST}`).getByTestId('host-card-link').click();
    await page.getByTestId('tab-users').click();
    await page.getByTestId('user-row-carol').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('user-limits-carol').getAttribute('data-state')).toBe('none');
  });

  it("carol's Limits…: checked as typed, planned as a diff, applied, verified", async () => {
    await page.getByTestId('user-limits-edit-carol').click();
    await dialog().waitFor();
    await page.getByTestId('limits-memory').fill('4 gigs');
    await page.getByTestId('limits-memory-error').waitFor();
    expect(await page.getByTestId('limits-memory-error').textContent()).toMatch(/size such as 512M/);
    expect(await page.getByTestId('limits-plan').isDisabled()).toBe(true);
    await shots('1-dialog-invalid');
    await page.getByTestId('limits-memory').fill('64M');
    await page.getByTestId('limits-cpu').fill('0.5');
    await page.getByTestId('limits-tasks').fill('128');
    await page.getByTestId('limits-plan').click();
    const planView = page.getByTestId('limits-plan-view');
    await planView.waitFor({ timeout: 60_000 });
    expect(await planView.textContent()).toMatch(/50-fleetdeck-limits\.conf/);
    expect((await deb.exec(['test', '-e', DROP_IN])).code).not.toBe(0); // nothing changed yet
    // The drop-in's diff opens under its step.
    await planView.getByTestId('plan-step-1').locator('.plan-step-head').click();
    expect(await planView.getByTestId('plan-diff-1').textContent()).toMatch(/\+MemoryMax=67108864/);
    await shots('2-plan');
    await page.getByTestId('limits-apply').click();
    const result = page.getByTestId('limits-result');
    await result.waitFor({ timeout: 120_000 });
    expect(await result.getAttribute('data-status')).toBe('done');
    expect(await page.getByTestId('limits-verify').textContent()).toMatch(/carol: CPU 0.5 cores, memory 64M, 128 tasks/);
    expect((await deb.exec(['cat', DROP_IN])).stdout).toContain('MemoryMax=67108864');
    await shots('3-result');
    await page.getByTestId('limits-close').click();
    await dialog().waitFor({ state: 'detached' });
    const cell = page.getByTestId('user-limits-carol');
    await expect.poll(() => cell.getAttribute('data-state'), { timeout: 30_000 }).toBe('enforced');
    expect(await cell.textContent()).toMatch(/0.5 CPU · 64M memory · 128 tasks/);
    await shots('4-users-tab');
  }, 200_000);

  it('Remove limits… plans the drop-in away and applies it', async () => {
    await page.getByTestId('user-limits-edit-carol').click();
    await dialog().waitFor();
    expect(await page.getByTestId('limits-memory').inputValue()).toBe('64M');
    await page.getByTestId('limits-remove').click();
    await page.getByTestId('limits-plan-view').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('limits-plan-view').textContent()).toMatch(/Remove \/etc\/systemd\/system\/user-1001\.slice\.d\/50-fleetdeck-limits\.conf/);
    await page.getByTestId('limits-apply').click();
    await page.getByTestId('limits-result').waitFor({ timeout: 120_000 });
    expect((await deb.exec(['test', '-e', DROP_IN])).code).not.toBe(0);
    await page.getByTestId('limits-close').click();
    await expect.poll(() => page.getByTestId('user-limits-carol').getAttribute('data-state'), { timeout: 30_000 }).toBe('none');
  }, 200_000);

  it('Profiles…: a new profile is saved (no user takes it yet, the host is not touched), then carol takes it with her own container cap on top', async () => {
    await page.getByTestId('user-profiles').click();
    const profiles = page.getByTestId('profiles-dialog');
    await profiles.waitFor();
    await page.getByTestId('profiles-empty').waitFor();
    await page.getByTestId('profiles-name').fill('Student!');
    expect(await profiles.textContent()).toMatch(/lowercase letters, digits and dashes/);
    await page.getByTestId('profiles-name').fill('student');
    await page.getByTestId('profiles-memory').fill('64M');
    await page.getByTestId('profiles-cpu').fill('0.5');
    await page.getByTestId('profiles-diskHard').fill('1G');
    await page.getByTestId('profiles-diskSoft').fill('2G');
    await page.getByTestId('profiles-diskSoft-error').waitFor();
    expect(await page.getByTestId('profiles-diskSoft-error').textContent()).toMatch(/soft limit is at most the hard limit/);
    await page.getByTestId('profiles-diskSoft').fill('');
    await page.getByTestId('profiles-diskHard').fill('');
    await shots('5-profile-new');
    await page.getByTestId('profiles-plan').click();
    await page.getByTestId('profiles-plan-view').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('profiles-plan-view').textContent()).toMatch(/no user takes this profile yet/);
    await page.getByTestId('profiles-apply').click();
    await page.getByTestId('profiles-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('profiles-result').textContent()).toMatch(/settings saved; nothing to change on the host/);
    await page.getByTestId('profiles-close').click();
    await profiles.waitFor({ state: 'detached' });

    await page.getByTestId('user-limits-edit-carol').click();
    await dialog().waitFor();
    await page.getByTestId('limits-profile').selectOption('student');
    await page.getByTestId('limits-containers').fill('2');
    await page.getByTestId('limits-plan').click();
    await page.getByTestId('limits-plan-view').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('limits-plan-view').textContent()).toMatch(/no Docker: the container and GPU limits have nothing to apply to yet/);
    await page.getByTestId('limits-apply').click();
    await page.getByTestId('limits-result').waitFor({ timeout: 120_000 });
    expect((await deb.exec(['cat', DROP_IN])).stdout).toContain('MemoryMax=67108864');
    await page.getByTestId('limits-close').click();
    const cell = page.getByTestId('user-limits-carol');
    await expect.poll(() => cell.textContent(), { timeout: 30_000 }).toMatch(/0.5 CPU · 64M memory · 2 containers/);
    // What carol uses now, from the live monitor, against her limit.
    await deb.exec(['sh', '-c', 'runuser -u carol -- sleep 600 >/dev/null 2>&1 &']);
    await page.getByTestId('user-usage-carol').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('user-usage-carol').textContent()).toMatch(/now [\d.]+ [KM]i?B · 0\.\d\d CPU/);
    await shots('5b-usage-against-limit', page.getByTestId('users'));

    // The profile now says who uses it, and cannot go while carol does.
    await page.getByTestId('user-profiles').click();
    await profiles.waitFor();
    expect(await page.getByTestId('profiles-item-student').textContent()).toMatch(/used by carol/);
    expect(await page.getByTestId('profiles-remove').isDisabled()).toBe(true);
    await shots('6-profiles');
    await page.getByTestId('profiles-close').click();
  }, 300_000);

  it('searches and filters the users', async () => {
    await page.getByTestId('users-search').fill('caro');
    await expect.poll(() => page.locator('[data-testid^="user-row-"]').count()).toBe(1);
    await page.getByTestId('users-search').fill('nobody-here');
    await page.getByTestId('users-none-match').waitFor();
    await page.getByTestId('users-search').fill('');
    await page.getByTestId('users-filter').selectOption('locked');
    await page.getByTestId('users-none-match').waitFor();
    await page.getByTestId('users-filter').selectOption('');
    await shots('7-users-toolbar');
  });

  it('Import CSV… with a profile column: the accounts first, then their limits profiles as a second plan', async () => {
    await page.getByTestId('user-import').click();
    await page.getByTestId('csv-dialog').waitFor();
    await page.getByTestId('csv-text').fill(['name,full_name,profile', 'gina,Gina,student', 'hank,Hank,nosuch'].join('\n'));
    await page.getByTestId('csv-check').click();
    await page.getByTestId('csv-preview').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('csv-row-3').textContent()).toMatch(/there is no limits profile "nosuch" on limits-debian \(there: student\)/);
    expect(await page.getByTestId('csv-row-2').textContent()).toMatch(/then limits profile student/);
    await page.getByTestId('csv-plan').click();
    await page.getByTestId('csv-plan-view').waitFor({ timeout: 60_000 });
    await page.getByTestId('csv-apply').click();
    await page.getByTestId('csv-result').waitFor({ timeout: 120_000 });
    await page.getByTestId('csv-profiles-plan').click();
    await page.getByTestId('csv-profiles-plan-view').waitFor({ timeout: 60_000 });
    await shots('7b-csv-profiles-plan');
    await page.getByTestId('csv-profiles-apply').click();
    await page.getByTestId('csv-profiles-result').waitFor({ timeout: 120_000 });
    const uid = (await deb.exec(['id', '-u', 'gina'])).stdout.trim();
    expect((await deb.exec(['cat', `/etc/systemd/system/user-${uid}.slice.d/50-fleetdeck-limits.conf`])).stdout).toContain('MemoryMax=67108864');
    await page.getByTestId('csv-close').click();
    await expect.poll(() => page.getByTestId('user-limits-gina').textContent(), { timeout: 30_000 }).toMatch(/64M memory/);
  }, 300_000);

  it("GPUs: carol is given GPU 1, and the GPUs tab says so (a recorded nvidia-smi sample replayed on the host)", async () => {
    await installFakeNvidiaSmi(deb, 'dual-gtx1070-drv384-4procs.xml');
    await page.getByTestId('user-limits-edit-carol').click();
    await dialog().waitFor();
    await page.getByTestId('limits-gpus').fill('1,');
    await page.getByTestId('limits-plan').click();
    await page.getByTestId('limits-plan-view').waitFor({ timeout: 60_000 });
    await page.getByTestId('limits-apply').click();
    await page.getByTestId('limits-result').waitFor({ timeout: 120_000 });
    await page.getByTestId('limits-close').click();
    await page.getByTestId('refresh-inventory').click();
    await page.getByTestId('tab-gpus').click();
    await expect.poll(() => page.getByTestId('gpu-allocated-1').textContent(), { timeout: 30_000 }).toBe('carol');
    expect(await page.getByTestId('gpu-row-0').textContent()).toMatch(/not allocated: shared/);
    await shots('8-gpus-allocated');
    await page.getByTestId('tab-users').click();
  }, 300_000);

  it('reads well at both sizes in both themes: nothing overflows or is cut off', () => {
    expect(findings).toEqual({});
  });
});
