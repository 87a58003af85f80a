import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import WebSocket from 'ws';
import { installFakeNvidiaSmi } from '../integration/fake-nvidia-smi.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import { horizontalOverflow, misalignedRows, type LayoutFinding } from './layout-checks.js';
import { artifacts, type BrowserApp, chromiumMissing, openPage, repo, type Served, startBrowserApp } from './serve-app.js';

/**
 * Every page as a new admin sees it (issue 9): `fleetdeck serve`, Debian's Chromium and a real
 * systemd Debian host whose fake nvidia-smi replays a recorded 2-GPU sample, monitored so there
 * are samples. Screenshots of the fleet, the host page tabs, the Monitor tab, the kill dialog,
 * alerts and reports at 1440×900 and 1024×768, light and dark, go to test-results/screens/; on
 * each, nothing may overflow sideways or be cut off without an ellipsis and a tooltip. On the
 * way, the issue's fixes are checked where a person meets them.
 */
const unavailable = chromiumMissing() ?? (await testbedUnavailableReason({ docker: true }));
const OUT = path.join(artifacts, 'screens');
const SIZES = [
  { width: 1440, height: 900 },
  { width: 1024, height: 768 },
] as const;
const THEMES = ['light', 'dark'] as const;

/** The app API over its WebSocket, as the browser uses it (for set-up the dialog is not under test for). */
class Api {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; problem?: unknown };
      if (typeof msg.id !== 'number') return;
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if ('problem' in msg) p?.reject(msg.problem);
      else p?.resolve(msg.result);
    });
  }

  static open(app: Served): Promise<Api> {
    const ws = new WebSocket(`${app.origin.replace('http', 'ws')}/api?token=${app.token}`, { origin: app.origin });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Api(ws)));
      ws.once('error', reject);
    });
  }

  call<T = unknown>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Owners of each screen: findings on others' pages are reported, not fixed here. */
const OWNED = new Set(['fleet', 'host-overview', 'host-users', 'host-gpus', 'host-disks', 'alerts']);
/**
 * Parts of those screens drawn by the monitor's code (src-renderer/monitor): the live "who is using
 * what" tables and the fleet card's live meters.
 */
const DRAWN_ELSEWHERE = ['.usage-table', '.host-card-metrics.is-live'];

describe.skipIf(unavailable)('every page at two sizes, light and dark', () => {
  let deb: DebianHost;
  let app: Served;
  let api: Api;
  let session: BrowserApp;
  let page: Page;
  let hostId: number;
  const findings: Record<string, LayoutFinding[]> = {};

  const card = (name: string) => page.getByTestId(`host-card-${name}`);
  const go = (hash: string) => page.evaluate((h) => (window.location.hash = h), hash);
  const clearToasts = async () => {
    for (const close of await page.locator('[data-testid="toast"] .toast-close').all()) await close.click({ timeout: 1000 }).catch(() => undefined);
  };
  const text = async (l: Locator) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();
  /**
   * The app scrolls inside its content pane, so a page screenshot stops at the window's edge: a
   * page taller than the window is also taken whole, at the same width, as NAME-full.png.
   */
  const fullLength = async (name: string, size: { width: number; height: number }) => {
    const tall = await page.evaluate(() => {
      const pane = document.querySelector('.content');
      return pane ? pane.scrollHeight + (window.innerHeight - pane.clientHeight) : 0;
    });
    if (tall <= size.height) return;
    await page.setViewportSize({ width: size.width, height: Math.min(tall, 4000) });
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(OUT, `${name}-full.png`) });
    await page.setViewportSize(size);
    await page.waitForTimeout(200);
  };

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    [deb, session] = await Promise.all([startDebianHost({ name: 'e2e-screens' }), startBrowserApp()]);
    ({ app, page } = session);
    await installFakeNvidiaSmi(deb, 'dual-gtx1070-drv384-4procs.xml');
    api = await Api.open(app);
  }, 600_000);

  afterAll(async () => {
    writeFileSync(path.join(OUT, 'layout-findings.json'), `${JSON.stringify(findings, null, 2)}\n`);
    api?.close();
    await session?.close();
    await deb?.stop();
  });

  it('checks the key file and names every bad tag when adding a host (#14)', async () => {
    await page.setViewportSize(SIZES[0]);
    await page.goto(app.url);
    await page.getByTestId('empty-add-host').click();
    await page.getByLabel('Name').fill('lab-gpu');
    await page.getByLabel('Address').fill('127.0.0.1');
    await page.getByLabel('Port').fill(String(deb.port));
    await page.getByLabel('User').fill('admin');
    await page.getByLabel('Tags').fill('lab, b@d!, gpu, x#y');
    await page.getByTestId('host-form-auth').selectOption('key');
    await page.getByLabel('Private key file').fill('/nonexistent/id_ed25519');
    await page.getByTestId('host-form-submit').click();
    const tags = await text(page.getByTestId('field-error-tags'));
    expect(tags).toContain('"b@d!"');
    expect(tags).toContain('"x#y"');
    await page.getByLabel('Tags').fill('lab, gpu');
    await page.getByTestId('host-form-submit').click();
    await expect.poll(() => text(page.getByTestId('field-error-keypath'))).toMatch(/There is no file at \/nonexistent\/id_ed25519/);
    await page.getByLabel('Private key file').fill('/etc/hostname');
    await page.getByTestId('host-form-submit').click();
    await expect.poll(() => text(page.getByTestId('field-error-keypath'))).toMatch(/does not look like a private key/);
    await page.screenshot({ path: path.join(OUT, 'add-host-key-error.png') });
    await page.getByLabel('Private key file').fill(deb.users.admin!.keyPath!);
    await page.getByTestId('host-form-submit').click();
    await card('lab-gpu').waitFor();
  });

  it('warns before adding a second host with the same login, and adds it once confirmed (#14)', async () => {
    await page.getByTestId('add-host-button').click();
    await page.getByLabel('Name').fill('lab-gpu-again');
    await page.getByLabel('Address').fill('127.0.0.1');
    await page.getByLabel('Port').fill(String(deb.port));
    await page.getByLabel('User').fill('admin');
    await page.getByTestId('host-form-auth').selectOption('key');
    await page.getByLabel('Private key file').fill(deb.users.admin!.keyPath!);
    await page.getByTestId('host-form-submit').click();
    const warning = page.getByTestId('host-form-duplicate');
    await warning.waitFor();
    expect(await text(warning)).toContain(`lab-gpu already logs in as admin@127.0.0.1:${deb.port}`);
    expect(await text(page.getByTestId('host-form-submit'))).toBe('Add anyway');
    await page.screenshot({ path: path.join(OUT, 'add-host-duplicate.png') });
    await page.getByTestId('host-form-submit').click();
    await card('lab-gpu-again').waitFor();
    // Kept out of the screenshots below.
    const again = (await api.call<Array<{ id: number; name: string }>>('hosts.list', {})).find((h) => h.name === 'lab-gpu-again')!;
    await api.call('hosts.remove', { id: again.id });
  });

  it('says "never connected" for a host that never was, and asks about a new host key without alarm (#11)', async () => {
    await api.call('hosts.add', { name: 'never-up', address: '127.0.0.1', port: 1, user: 'admin', auth: 'agent', tags: ['lab'] });
    await page.reload();
    await card('never-up').getByTestId('connect-button').click();
    await expect.poll(() => card('never-up').getAttribute('data-state'), { timeout: 30_000 }).toBe('failed');
    await expect.poll(() => text(card('never-up').getByTestId('host-card-offline'))).toBe('Never connected');

    const lab = card('lab-gpu');
    await lab.getByTestId('connect-button').click();
    await page.getByTestId('hostkey-fingerprint').waitFor({ timeout: 30_000 });
    // While the prompt is open the card says what it waits for, in a colour that is not an error's.
    await expect.poll(() => text(lab.getByTestId('host-card-state'))).toMatch(/waiting for you to check the host key/i);
    expect(await lab.getAttribute('class')).not.toMatch(/tone-error/);
    expect(await lab.getByTestId('host-card-state').getAttribute('class')).not.toMatch(/state-error/);
    expect(await lab.getByTestId('host-card-offline').count()).toBe(0);
    expect(await lab.getByTestId('host-card-problem').count()).toBe(0);
    const summary = await text(page.getByTestId('fleet-summary'));
    expect(summary).toContain('1 need attention'); // never-up only
    expect(summary).toContain('1 waiting for a host-key check');
    await page.screenshot({ path: path.join(OUT, 'hostkey-prompt.png') });
    await page.getByTestId('hostkey-trust').click();
    await expect.poll(async () => text(lab.getByTestId('host-card-state')), { timeout: 60_000 }).toMatch(/^connected/i);
    hostId = (await api.call<Array<{ id: number; name: string }>>('hosts.list', {})).find((h) => h.name === 'lab-gpu')!.id;
  });

  it('streams samples: the card fills its sparklines (a busy loop by carol for the process table)', async () => {
    await deb.exec(['systemd-run', '--quiet', '--uid=carol', '--unit=fd-e2e-screens-burn', 'timeout', '900', 'sh', '-c', 'while :; do :; done']);
    const spark = card('lab-gpu').getByTestId('card-sparkline-cpu');
    await expect.poll(async () => Number((await spark.count()) ? await spark.getAttribute('data-points') : 0), { timeout: 90_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => text(card('lab-gpu').getByTestId('host-card-distro')), { timeout: 30_000 }).toMatch(/Debian/);
  });

  it('Overview resources follow the live stream and say so (#10)', async () => {
    await go(`#/hosts/${hostId}/overview`);
    const source = page.getByTestId('overview-resources-source');
    await expect.poll(() => source.getAttribute('data-live'), { timeout: 30_000 }).toBe('true');
    expect(await text(source)).toBe('Live');
    // Uptime moves with the clock, not frozen at the inventory read.
    const uptime = page.getByTestId('overview-uptime');
    const first = Number(await uptime.getAttribute('data-seconds'));
    await expect.poll(async () => Number(await uptime.getAttribute('data-seconds')), { timeout: 10_000 }).toBeGreaterThan(first + 1);
  });

  it('Disks rows add up: used, free and the root reserve (#9)', async () => {
    await go(`#/hosts/${hostId}/disks`);
    const root = page.getByTestId('filesystem-row-/');
    await root.waitFor({ timeout: 30_000 });
    expect(await text(root.getByTestId('filesystem-used'))).toMatch(/\/ [\d.]+ [KMGT]iB/);
    expect(await root.getByTestId('filesystem-free').count()).toBe(1);
    expect(await root.getByTestId('filesystem-reserved').count()).toBe(1);
  });

  it('alert rule rows line up: every cell is a table cell as tall as its row (#12)', async () => {
    await go('#/alerts');
    await page.getByTestId('alert-rules').locator('tbody tr').first().waitFor();
    expect(await misalignedRows(page, 'table.alert-rules')).toEqual([]);
  });

  it('takes every screenshot; nothing overflows sideways or is cut off without a tooltip', async () => {
    const screens: Array<{ name: string; open: () => Promise<void> }> = [
      { name: 'fleet', open: async () => (await go('#/'), await card('lab-gpu').getByTestId('card-sparkline-cpu').waitFor()) },
      { name: 'host-overview', open: async () => (await go(`#/hosts/${hostId}/overview`), await page.getByTestId('resources').waitFor()) },
      { name: 'host-users', open: async () => (await go(`#/hosts/${hostId}/users`), await expect.poll(() => text(page.getByTestId('panel-users'))).toContain('carol')) },
      { name: 'host-gpus', open: async () => (await go(`#/hosts/${hostId}/gpus`), await page.getByTestId('gpu-row-1').waitFor({ timeout: 30_000 })) },
      { name: 'host-disks', open: async () => (await go(`#/hosts/${hostId}/disks`), await page.getByTestId('filesystem-row-/').waitFor()) },
      {
        name: 'monitor',
        open: async () => {
          await go(`#/hosts/${hostId}/monitor`);
          await page.getByTestId('panel-monitor').getByTestId('chart-cpu').waitFor({ timeout: 60_000 });
          await page.getByTestId('process-table').locator('[data-testid^="process-row-"]').first().waitFor({ timeout: 30_000 });
        },
      },
      {
        name: 'kill-dialog',
        open: async () => {
          await go(`#/hosts/${hostId}/monitor`);
          const row = page.getByTestId('process-table').locator('[data-testid^="process-row-"]', { hasText: 'while' }).first();
          await row.waitFor({ timeout: 30_000 });
          const pid = (await row.getAttribute('data-testid'))!.replace('process-row-', '');
          await page.getByTestId(`process-kill-${pid}`).click();
          await page.getByTestId('kill-summary').waitFor({ timeout: 45_000 });
        },
      },
      { name: 'alerts', open: async () => (await go('#/alerts'), await page.getByTestId('alert-rules').locator('tbody tr').first().waitFor()) },
      {
        name: 'reports',
        open: async () => {
          await go('#/reports');
          await page.getByTestId('reports-page').waitFor();
          await expect.poll(() => page.getByTestId('report-preview').getAttribute('aria-busy'), { timeout: 30_000 }).toBe('false');
        },
      },
    ];
    for (const size of SIZES) {
      await page.setViewportSize(size);
      for (const theme of THEMES) {
        await page.emulateMedia({ colorScheme: theme });
        await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
        for (const s of screens) {
          await s.open();
          await clearToasts();
          // Charts animate in and live numbers settle; a moment keeps the pictures steady.
          await page.waitForTimeout(s.name === 'monitor' || s.name === 'fleet' ? 1500 : 600);
          const name = `${s.name}-${size.width}x${size.height}-${theme}`;
          await page.screenshot({ path: path.join(OUT, `${name}.png`) });
          const found = await horizontalOverflow(page, DRAWN_ELSEWHERE);
          if (found.length) findings[name] = found;
          // The dialog is the point of that screen, and a tall shot under its blurred backdrop is slow to draw.
          if (s.name !== 'kill-dialog') await fullLength(name, size);
          if (s.name === 'kill-dialog') {
            // Escape closes it as a person would (the page behind keeps re-rendering with each sample).
            await page.keyboard.press('Escape');
            await page.getByTestId('kill-dialog').waitFor({ state: 'detached', timeout: 10_000 });
          }
        }
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize(SIZES[0]);
    const owned = (name: string, f: LayoutFinding) => OWNED.has(name.replace(/-\d+x\d+-(light|dark)$/, '')) && !f.elsewhere;
    const ours = Object.entries(findings)
      .map(([name, list]) => [name, list.filter((f) => owned(name, f))] as const)
      .filter(([, list]) => list.length > 0);
    const theirs = Object.entries(findings)
      .map(([name, list]) => [name, list.filter((f) => !owned(name, f))] as const)
      .filter(([, list]) => list.length > 0);
    if (theirs.length) console.warn(`layout findings on pages owned elsewhere (see ${path.relative(repo, OUT)}/layout-findings.json):\n${theirs.map(([n, f]) => `  ${n}: ${f.map((x) => `${x.element} — ${x.detail}`).join('; ')}`).join('\n')}`);
    expect(Object.fromEntries(ours)).toEqual({});
  }, 600_000);

  it('Overview after a disconnect says when its numbers were read (#10)', async () => {
    await go(`#/hosts/${hostId}/overview`);
    await page.getByTestId('disconnect-button').click();
    const source = page.getByTestId('overview-resources-source');
    await expect.poll(() => source.getAttribute('data-live'), { timeout: 30_000 }).toBe('false');
    expect(await text(source)).toMatch(/^as of \d\d:\d\d, (just now|\d+s ago|\d+ min ago)$/);
    await page.screenshot({ path: path.join(OUT, 'host-overview-disconnected.png'), fullPage: true });
    await deb.exec(['systemctl', 'stop', 'fd-e2e-screens-burn']).catch(() => undefined);
  });

  it('loads each page with its own chunk: the start-up does not fetch the reports or the charts (#14)', async () => {
    const entry = readFileSync(path.join(repo, 'out/web/index.html'), 'utf8');
    const scripts = readdirSync(path.join(repo, 'out/web/assets')).filter((f) => f.endsWith('.js'));
    const entryScript = /src="\.\/assets\/([^"]+\.js)"/.exec(entry)![1]!;
    expect(scripts.length).toBeGreaterThan(5);
    // One 1.38 MB bundle before; now no chunk holds more than a library or a page.
    for (const f of scripts) expect(statSync(path.join(repo, 'out/web/assets', f)).size, f).toBeLessThan(600_000);
    expect(statSync(path.join(repo, 'out/web/assets', entryScript)).size).toBeLessThan(200_000);

    const browser = page.context().browser()!;
    const { context, page: fresh } = await openPage(browser);
    const loaded: string[] = [];
    fresh.on('request', (r) => {
      if (r.resourceType() === 'script') loaded.push(path.basename(new URL(r.url()).pathname));
    });
    await api.call('hosts.disconnect', { id: hostId });
    await fresh.goto(app.url);
    await fresh.getByTestId('host-grid').waitFor();
    expect(loaded.filter((f) => /^(ReportsPage|AuditPage|MonitorTab|AreaChart|TimeChart)-/.test(f))).toEqual([]);
    await fresh.getByTestId('nav-reports').click();
    await fresh.getByTestId('reports-page').waitFor();
    expect(loaded.some((f) => f.startsWith('ReportsPage-'))).toBe(true);
    await context.close();
  });
});
