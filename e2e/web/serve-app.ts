import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Starts `fleetdeck serve` with a fresh data dir and Debian's Chromium driven by Playwright. */
export const repo = path.resolve(import.meta.dirname, '../..');
export const artifacts = path.join(repo, 'test-results');

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function chromiumMissing(): string | null {
  return existsSync('/usr/bin/chromium') ? null : 'Debian chromium is not installed (/usr/bin/chromium): run scripts/setup-host.sh as root';
}

export function ensureWebBuilt(): void {
  if (existsSync(path.join(repo, 'out/web/index.html')) && existsSync(path.join(repo, 'out/cli/fleetdeck.mjs'))) return;
  const r = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build:web failed');
}

export interface Served {
  url: string;
  /** HOME of the serving process (its ~/.ssh/config is what "Import" reads). */
  home: string;
  origin: string;
  token: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function serve(): Promise<Served> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fd-e2e-'));
  const child = spawn(process.execPath, [path.join(repo, 'bin/fleetdeck.mjs'), 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: dataDir },
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print its URL: ${out}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  const u = new URL(url);
  return {
    url,
    home: dataDir,
    origin: u.origin,
    token: u.hash.replace('#token=', ''),
    process: child,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export interface BrowserApp {
  app: Served;
  page: Page;
  /** Closes the page, the browser and the server. */
  close(): Promise<void>;
}

/** `fleetdeck serve` on a fresh data dir (the web UI built first if needed) and a Chromium page, not navigated yet. */
export async function startBrowserApp(): Promise<BrowserApp> {
  ensureWebBuilt();
  const [app, browser] = await Promise.all([serve(), launchChromium()]);
  const { context, page } = await openPage(browser);
  return {
    app,
    page,
    close: async () => {
      await context.close();
      await browser.close();
      await app.stop();
    },
  };
}

/** A fresh browser context and page at the size the screenshots are taken at; page errors are logged. */
export async function openPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  return { context, page };
}

export async function shot(page: Page, name: string): Promise<string> {
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Adds a host with key auth through the add-host dialog (of an empty fleet, or opened by `opener`; the dialog's own checks are fleet.spec's). */
export async function addKeyHost(page: Page, h: { name: string; port: number; user: string; keyPath: string; tags?: string }, opener = 'empty-add-host'): Promise<void> {
  await page.getByTestId(opener).click();
  await page.getByLabel('Name').fill(h.name);
  await page.getByLabel('Address').fill('127.0.0.1');
  await page.getByLabel('Port').fill(String(h.port));
  await page.getByLabel('User').fill(h.user);
  if (h.tags) await page.getByLabel('Tags').fill(h.tags);
  await page.getByTestId('host-form-auth').selectOption('key');
  await page.getByLabel('Private key file').fill(h.keyPath);
  await page.getByTestId('host-form-submit').click();
}

/** On a fresh app: adds the host (key login), connects, trusts its key as a user does, and waits until it is connected. */
export async function addAndConnect(page: Page, url: string, h: { name: string; port: number; user: string; keyPath: string; tags?: string }): Promise<void> {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(url);
  await addKeyHost(page, h);
  const card = page.getByTestId(`host-card-${h.name}`);
  await card.getByTestId('connect-button').click();
  await page.getByTestId('hostkey-trust').click({ timeout: 30_000 });
  await expect.poll(async () => (await card.getByTestId('host-card-state').textContent()) ?? '', { timeout: 60_000 }).toMatch(/^connected/i);
}
