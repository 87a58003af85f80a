import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { type BrowserApp, chromiumMissing, type Served, shot, startBrowserApp } from './serve-app.js';

/**
 * The audit log end to end: `fleetdeck serve` and Debian's Chromium. Events come from real
 * actions (hosts added in the dialog and through the API, a connect refused on 127.0.0.1:1 with
 * a typed password); the page lists them live, filters them, keeps its filters in the address
 * across a reload, pages with "Load more", and never shows the password.
 */
const unavailable = chromiumMissing();
const SECRET = 'e2e-audit-S3CRET-pw';

/** The app API over its WebSocket, as the browser uses it. */
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

describe.skipIf(unavailable)('audit log in Chromium', () => {
  let app: Served;
  let api: Api;
  let session: BrowserApp;
  let page: Page;
  let deadId: number;

  const rows = () => page.locator('[data-testid^="audit-row-"]');
  const operations = () => rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-operation')));
  const results = () => rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-result')));
  const hashQuery = () => page.evaluate(() => window.location.hash);

  beforeAll(async () => {
    [session] = await Promise.all([startBrowserApp()]);
    ({ app, page } = session);
    api = await Api.open(app);
  }, 120_000);

  afterAll(async () => {
    api?.close();
    await session?.close();
  });

  it('says "Nothing recorded yet" on a fresh log', async () => {
    await page.goto(app.url);
    await page.getByTestId('empty-add-host').waitFor();
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-empty').waitFor();
    expect(await page.getByTestId('audit-empty').textContent()).toMatch(/Nothing recorded yet/);
    await shot(page, 'e2e-audit-empty');
  });

  it('lists new events live, newest first, as real actions happen', async () => {
    // One host through the dialog (the "n" shortcut), the rest through the API the UI uses.
    await page.keyboard.press('n');
    const form = page.getByTestId('host-form-dialog');
    await form.getByLabel('Name').fill('web-1');
    await form.getByLabel('Address').fill('10.0.0.7');
    await form.getByLabel('User').fill('admin');
    await form.getByTestId('host-form-auth').selectOption('agent');
    await page.getByTestId('host-form-submit').click();
    await page.getByTestId('host-form-dialog').waitFor({ state: 'detached' });
    await expect.poll(operations).toEqual(['hosts.add']);

    await api.call('hosts.add', { name: 'gpu-1', address: '10.0.0.5', user: 'admin', tags: ['lab'] });
    const old = await api.call<{ id: number }>('hosts.add', { name: 'old-box', address: '10.0.0.9', user: 'root' });
    await api.call('hosts.remove', { id: old.id });
    const dead = await api.call<{ id: number }>('hosts.add', { name: 'dead', address: '127.0.0.1', port: 1, user: 'carol', auth: 'password' });
    deadId = dead.id;
    const state = await api.call<{ state: string; problem: string }>('hosts.connect', { id: deadId, credentials: { password: SECRET } });
    expect(state).toMatchObject({ state: 'failed', problem: 'disconnected' });

    await expect.poll(operations).toEqual(['hosts.connect', 'hosts.add', 'hosts.remove', 'hosts.add', 'hosts.add', 'hosts.add']);
    // Just recorded: highlighted for a moment.
    expect(await page.locator('.audit-row.is-fresh').count()).toBeGreaterThan(0);
    const failed = rows().first();
    expect(await failed.getAttribute('data-result')).toBe('failed');
    expect(await failed.textContent()).toMatch(/dead.*hosts\.connect.*could not connect as carol@127\.0\.0\.1:1 using a supplied password.*failed.*disconnected/);
    expect(await page.getByTestId('audit-table').textContent()).not.toContain(SECRET);
    // A host still in the fleet links to its page; a removed one does not.
    expect(await page.getByTestId('audit-table').getByRole('link', { name: 'gpu-1' }).getAttribute('href')).toMatch(/^#\/hosts\/\d+\/overview$/);
    expect(await page.getByTestId('audit-table').getByRole('link', { name: 'old-box' }).count()).toBe(0);
    expect(await page.getByTestId('audit-table').getByRole('button', { name: 'old-box' }).count()).toBe(2);
    // Times read relative, with the exact time on hover.
    const time = failed.locator('time');
    expect(await time.textContent()).toBe('just now');
    expect(await time.getAttribute('title')).toMatch(/\d/);
    await shot(page, 'e2e-audit-live');
    await page.waitForTimeout(4_500); // let the highlight settle for the screenshot
    await shot(page, 'e2e-audit-list');
  });

  it('filters by result, and keeps the filters in the address across a reload', async () => {
    await page.getByTestId('audit-filter-result').selectOption('failed');
    await expect.poll(results).toEqual(['failed']);
    expect(await hashQuery()).toBe('#/audit?result=failed');
    await page.reload();
    await page.getByTestId('audit-table').waitFor();
    expect(await hashQuery()).toBe('#/audit?result=failed');
    expect(await page.getByTestId('audit-filter-result').inputValue()).toBe('failed');
    await expect.poll(results).toEqual(['failed']);
    await shot(page, 'e2e-audit-failed');
  });

  it('adds only matching events live while filtered', async () => {
    await api.call('hosts.add', { name: 'late', address: '10.0.0.10', user: 'admin' });
    await api.call('hosts.connect', { id: deadId });
    await expect.poll(() => rows().count()).toBe(2);
    expect(await results()).toEqual(['failed', 'failed']);
    // The session kept the password typed for the first attempt (in memory only), and says so.
    expect(await rows().first().textContent()).toMatch(/using a password kept from an earlier connect.*failed.*disconnected/);
  });

  it('searches summaries as you type ("/" focuses the box), and says when nothing matches', async () => {
    await page.getByTestId('audit-clear-filters').click();
    await expect.poll(hashQuery).toBe('#/audit');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('audit-search');
    expect(await hashQuery()).toBe('#/audit'); // stayed on this page
    await page.keyboard.type('old-box');
    await expect.poll(operations).toEqual(['hosts.remove', 'hosts.add']);
    expect(await hashQuery()).toBe('#/audit?q=old-box');

    // Host, user and operation group combine.
    await page.getByTestId('audit-search').fill('');
    await page.getByTestId('audit-filter-operation').selectOption('hosts.');
    await page.getByTestId('audit-filter-host').selectOption('gpu-1');
    await expect.poll(operations).toEqual(['hosts.add']);
    expect(await hashQuery()).toBe('#/audit?host=gpu-1&op=hosts.');
    const user = (await page.getByTestId('audit-filter-user').locator('option').allTextContents()).filter((o) => o !== 'All users');
    expect(user).toHaveLength(1);
    await page.getByTestId('audit-filter-user').selectOption(user[0]!);
    await expect.poll(operations).toEqual(['hosts.add']);
    await page.getByTestId('audit-range-1h').click();
    await expect.poll(operations).toEqual(['hosts.add']);
    expect(await hashQuery()).toMatch(/range=1h/);

    await page.getByTestId('audit-search').fill('no such thing anywhere');
    await page.getByTestId('audit-empty-filtered').waitFor();
    await shot(page, 'e2e-audit-no-match');
    await page.getByTestId('audit-empty-clear').click();
    await expect.poll(() => rows().count()).toBe(8);
    expect(await hashQuery()).toBe('#/audit');
    expect(await page.getByTestId('audit-search').inputValue()).toBe('');
  });

  it('a custom range that ends before it starts is explained, not queried', async () => {
    await page.getByTestId('audit-range-custom').click();
    await page.getByTestId('audit-from').fill('2026-11-02T08:00');
    await page.getByTestId('audit-to').fill('2026-11-01T08:00');
    await page.getByTestId('audit-range-problem').waitFor();
    await shot(page, 'e2e-audit-custom-range');
    await page.getByTestId('audit-range-all').click();
    await expect.poll(() => rows().count()).toBe(8);
  });

  it('pages with "Load more"', async () => {
    for (let i = 0; i < 60; i++) {
      const h = await api.call<{ id: number }>('hosts.add', { name: `bulk-${i}`, address: `10.1.0.${i + 1}`, user: 'admin' });
      await api.call('hosts.remove', { id: h.id });
    }
    await page.reload();
    await page.getByTestId('audit-table').waitFor();
    expect(await rows().count()).toBe(100);
    expect(await page.getByTestId('audit-count').textContent()).toBe('100 events shown');
    await page.getByTestId('audit-load-more').click();
    await expect.poll(() => rows().count()).toBe(128);
    expect(await page.getByTestId('audit-load-more').count()).toBe(0);
    expect(await page.getByTestId('audit-count').textContent()).toBe('128 events in all');
    const ids = await rows().evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-testid')!.replace('audit-row-', ''))));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('looks right in the dark theme, and a host link opens the host', async () => {
    await page.getByTestId('audit-filter-operation').selectOption('hosts.connect');
    await expect.poll(() => rows().count()).toBe(2);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await shot(page, 'e2e-audit-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByTestId('audit-clear-filters').click();
    await page.getByTestId('audit-filter-host').selectOption('gpu-1');
    await expect.poll(() => rows().count()).toBe(1);
    await page.getByTestId('audit-table').getByRole('link', { name: 'gpu-1' }).click();
    await page.getByTestId('host-page').waitFor();
  });
});
