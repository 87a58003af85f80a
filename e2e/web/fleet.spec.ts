import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { KEY_PASSPHRASE, startDebianHost, startSshdHost, testbedUnavailableReason, type DebianHost, type SshdHost } from '../testbed/index.js';
import { installFakeNvidiaSmi } from '../integration/fake-nvidia-smi.js';
import { type BrowserApp, chromiumMissing, type Served, shot, startBrowserApp } from './serve-app.js';

/**
 * The browser UI end to end: `fleetdeck serve`, Debian's Chromium, a real systemd Debian host.
 * A user adds the host through the dialog (after being told what is wrong with bad input),
 * compares and trusts its fingerprint, and sees its distro and inventory.
 */
const unavailable = chromiumMissing() ?? (await testbedUnavailableReason({ docker: true }));

describe.skipIf(unavailable)('fleetdeck serve in Chromium', () => {
  let deb: DebianHost;
  let sshd: SshdHost;
  let app: Served;
  let session: BrowserApp;
  let page: Page;

  beforeAll(async () => {
    [deb, sshd, session] = await Promise.all([startDebianHost({ name: 'e2e-deb' }), startSshdHost({ name: 'e2e-sshd' }), startBrowserApp()]);
    ({ app, page } = session);
  }, 600_000);

  afterAll(async () => {
    await session?.close();
    await deb?.stop();
    await sshd?.stop();
  });

  it('shows the empty fleet, and keeps the token out of the address bar', async () => {
    await page.goto(app.url);
    await page.getByTestId('empty-add-host').waitFor();
    expect(page.url()).not.toContain('token=');
    await shot(page, 'e2e-empty-fleet');
  });

  it('explains bad input in the add-host dialog, then adds the host', async () => {
    await page.getByTestId('empty-add-host').click();
    await page.getByLabel('Name').fill('lab-debian');
    await page.getByLabel('Address').fill('host;rm -rf /');
    await page.getByLabel('Port').fill('70000');
    await page.getByLabel('User').fill('admin');
    await page.getByTestId('host-form-auth').selectOption('key');
    await page.getByLabel('Private key file').fill(deb.users.admin!.keyPath!);
    await page.getByTestId('host-form-submit').click();
    await expect.poll(() => page.getByTestId('field-error-address').textContent()).toMatch(/not a valid address/);
    expect(await page.getByTestId('field-error-port').textContent()).toMatch(/between 1 and 65535/);
    await shot(page, 'e2e-add-host-errors');

    await page.getByLabel('Address').fill('127.0.0.1');
    await page.getByLabel('Port').fill(String(deb.port));
    await page.getByTestId('host-form-submit').click();
    await page.getByTestId('host-card-lab-debian').waitFor();
  });

  it('connects: shows the SHA-256 fingerprint to compare, trusts it, then shows distro and inventory', async () => {
    const card = page.getByTestId('host-card-lab-debian');
    await card.getByTestId('connect-button').click();
    const fp = page.getByTestId('hostkey-fingerprint');
    await fp.waitFor({ timeout: 30_000 });
    const shown = (await fp.textContent())!.trim();
    // What the dialog tells the user to do: compare with ssh-keygen -lf on the server.
    const onServer = await deb.exec(['ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub']);
    expect(onServer.stdout).toContain(shown);
    await shot(page, 'e2e-hostkey-dialog');
    await page.getByTestId('hostkey-trust').click();

    await expect.poll(async () => (await card.getByTestId('host-card-state').textContent()) ?? '', { timeout: 60_000 }).toMatch(/^connected/i);
    await expect.poll(async () => (await card.getByTestId('host-card-distro').textContent()) ?? '', { timeout: 30_000 }).toMatch(/Debian/);
    await shot(page, 'e2e-fleet-connected');

    await card.getByTestId('host-card-link').click();
    await page.getByTestId('host-page').waitFor();
    await expect.poll(async () => (await page.getByTestId('probe-facts').textContent()) ?? '', { timeout: 30_000 }).toMatch(/Debian GNU\/Linux 12|Debian 12/);
    const facts = (await page.getByTestId('probe-facts').textContent())!;
    expect(facts).toMatch(/apt/);
    expect(facts).toMatch(/systemd/);
    await shot(page, 'e2e-host-overview');

    await page.getByTestId('tab-users').click();
    await expect.poll(async () => (await page.getByTestId('panel-users').textContent()) ?? '').toContain('carol');
    await page.getByTestId('tab-gpus').click();
    await expect.poll(async () => (await page.getByTestId('panel-gpus').textContent()) ?? '').toMatch(/No NVIDIA GPUs/i);
    await page.getByTestId('tab-disks').click();
    await expect.poll(async () => (await page.getByTestId('panel-disks').textContent()) ?? '').toContain('/');
    await shot(page, 'e2e-host-disks');
  });

  it('shows every GPU and its processes (a recorded real nvidia-smi sample, replayed on the host)', async () => {
    await installFakeNvidiaSmi(deb, 'dual-gtx1070-drv384-4procs.xml');
    await page.getByTestId('refresh-inventory').click();
    await page.getByTestId('tab-gpus').click();
    await expect.poll(async () => (await page.getByTestId('panel-gpus').textContent()) ?? '', { timeout: 30_000 }).toContain('GTX 1070');
    await page.getByTestId('gpu-row-1').waitFor();
    // ethminer (pid 3093) uses both GPUs in this sample: one row per GPU.
    expect(await page.getByTestId('gpu-process-3093').count()).toBe(2);
    expect(await page.getByTestId('gpu-process-3093').first().textContent()).toContain('ethminer');
    await shot(page, 'e2e-host-gpus');
    // "System" theme follows the OS preference live.
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await shot(page, 'e2e-host-gpus-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
  });

  it('asks for a key passphrase, says when it is wrong, connects with the right one', async () => {
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('add-host-button').click();
    await page.getByLabel('Name').fill('keypass');
    await page.getByLabel('Address').fill('127.0.0.1');
    await page.getByLabel('Port').fill(String(sshd.port));
    await page.getByLabel('User').fill('fdkeypass');
    await page.getByTestId('host-form-auth').selectOption('key');
    await page.getByLabel('Private key file').fill(sshd.users.fdkeypass!.keyPath!);
    await page.getByTestId('host-form-submit').click();
    const card = page.getByTestId('host-card-keypass');
    await card.getByTestId('connect-button').click();
    // The key is decrypted locally before the handshake, so the passphrase comes first.
    await page.getByTestId('password-dialog').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('password-dialog').textContent()).toMatch(/passphrase/i);
    await page.getByTestId('password-input').fill('wrong horse');
    await page.getByTestId('password-submit').click();
    await expect.poll(async () => (await page.getByTestId('password-dialog').textContent()) ?? '', { timeout: 30_000 }).toMatch(/wrong/i);
    await shot(page, 'e2e-passphrase-retry');
    await page.getByTestId('password-input').fill(KEY_PASSPHRASE);
    await page.getByTestId('password-submit').click();
    await page.getByTestId('hostkey-trust').click({ timeout: 30_000 });
    try {
      await expect.poll(async () => (await card.getByTestId('host-card-state').textContent()) ?? '', { timeout: 60_000 }).toMatch(/^connected/i);
    } catch (err) {
      console.log('passphrase card:', await card.textContent(), '| dialogs:', await page.locator('[role="dialog"]').allTextContents());
      await shot(page, 'e2e-passphrase-failure');
      throw err;
    }
  });

  it('imports hosts from ~/.ssh/config, explaining entries that cannot be imported', async () => {
    mkdirSync(path.join(app.home, '.ssh'), { recursive: true });
    writeFileSync(
      path.join(app.home, '.ssh/config'),
      [
        'Host *',
        '  ServerAliveInterval 30',
        'Host deb-import',
        '  HostName 127.0.0.1',
        `  Port ${deb.port}`,
        '  User admin',
        `  IdentityFile ${deb.users.admin!.keyPath}`,
        'Host legacy',
        '  HostName legacy.example.org',
        '  ProxyCommand nc %h %p',
        '',
      ].join('\n'),
    );
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('add-host-button').click();
    await page.getByTestId('import-tab').click();
    await page.getByTestId('ssh-config-candidate-deb-import').waitFor();
    expect(await page.getByTestId('ssh-config-candidate-legacy').textContent()).toMatch(/ProxyCommand/);
    await shot(page, 'e2e-ssh-config-import');
    await page.getByTestId('ssh-config-check-deb-import').check();
    await page.getByTestId('import-add-selected').click();
    const card = page.getByTestId('host-card-deb-import');
    await card.waitFor();
    expect(await card.textContent()).toContain(`admin@127.0.0.1:${deb.port}`);
  });

  it('the API refuses a WebSocket without the token or from another origin', async () => {
    const wsUrl = app.origin.replace('http', 'ws') + '/api';
    const attempt = (url: string, origin: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url, { origin });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.on('error', () => resolve('error'));
      });
    expect(await attempt(`${wsUrl}?token=wrong`, app.origin)).toBe('403');
    expect(await attempt(`${wsUrl}?token=${app.token}`, 'http://evil.example')).toBe('403');
    expect(await attempt(`${wsUrl}?token=${app.token}`, app.origin)).toBe('open');
  });

  it('sends a strict Content-Security-Policy and refuses foreign Host headers', async () => {
    const res = await fetch(app.origin + '/');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const port = new URL(app.origin).port;
    const status = execFileSync('sh', ['-c', `curl -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example:${port}' ${app.origin}/ || true`], { encoding: 'utf8' });
    if (status) expect(['421', '000']).toContain(status.trim());
  });
  it('removes a host and, when asked, what Fleetdeck put on it: listed first, then checked gone', async () => {
    await page.getByTestId('nav-fleet').click();
    const card = page.getByTestId('host-card-lab-debian');
    await card.getByTestId('remove-host-button').click();
    const dialog = page.getByTestId('remove-host-dialog');
    expect(await dialog.textContent()).toMatch(/packages, users and files stay as they are/);
    await dialog.getByTestId('remove-host-cleanup').locator('input').check();
    const plan = dialog.getByTestId('footprint-plan');
    await expect.poll(async () => (await plan.textContent()) ?? '', { timeout: 60_000 }).toMatch(/Will remove \(/);
    expect(await plan.textContent()).toContain('/home/admin/.cache/fleetdeck/helper-');
    await shot(page, 'e2e-remove-host-cleanup');
    await dialog.getByTestId('remove-host-confirm').click();
    await card.waitFor({ state: 'detached', timeout: 60_000 });
    const left = await deb.exec(['sh', '-c', 'ls -A /home/admin/.cache/fleetdeck 2>/dev/null || true'], { user: 'admin' });
    expect(left.stdout).not.toMatch(/helper-/);
  });
});
