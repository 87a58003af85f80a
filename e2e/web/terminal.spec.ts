import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import { addKeyHost, type BrowserApp, chromiumMissing, type Served, shot, startBrowserApp } from './serve-app.js';

/**
 * The embedded terminal end to end: `fleetdeck serve`, Debian's Chromium (xterm.js) and a real
 * systemd Debian host. Output is read from the screen (xterm's rows), never from the core.
 */
const unavailable = chromiumMissing() ?? (await testbedUnavailableReason({ docker: true }));

async function screenText(pane: Locator): Promise<string> {
  return (await pane.locator('.xterm-rows').innerText()).replace(/\u00a0/g, ' ');
}

async function run(page: Page, command: string): Promise<void> {
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

describe.skipIf(unavailable)('terminal in Chromium', () => {
  let deb: DebianHost;
  let app: Served;
  let session: BrowserApp;
  let page: Page;
  let pane: Locator;
  const errors: string[] = [];

  beforeAll(async () => {
    [deb, session] = await Promise.all([startDebianHost({ name: 'e2e-term' }), startBrowserApp()]);
    ({ app, page } = session);
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  }, 600_000);

  afterAll(async () => {
    await session?.close();
    await deb?.stop();
  });

  it('opens a terminal from the host page (connecting first) and runs a command', async () => {
    await page.goto(app.url);
    await addKeyHost(page, { name: 'term-debian', port: deb.port, user: 'admin', keyPath: deb.users.admin!.keyPath! });
    await page.getByTestId('host-card-term-debian').getByTestId('host-card-link').click();
    // Not connected yet: the terminal tab waits while the usual connect flow asks about the host key.
    await page.getByTestId('open-terminal-button').click();
    await page.getByTestId('hostkey-trust').click({ timeout: 30_000 });
    expect(page.url()).toMatch(/#\/terminals$/);
    const tab = page.locator('[data-testid^="terminal-tab-k"][data-host="term-debian"]').first();
    await expect.poll(() => tab.getAttribute('data-status'), { timeout: 60_000 }).toBe('open');
    pane = page.locator('.terminal-pane.is-active');
    await pane.locator('.xterm-rows').waitFor();
    await expect.poll(() => screenText(pane), { timeout: 20_000 }).toMatch(/admin@term-debian|\$ *$/m);
    await pane.click();
    // UTF-8 from the host, printed from octal escapes (and typed, below).
    await run(page, 'echo "sum=$((40+2))"; printf "\\033[1;32mgreen\\033[0m \\033[38;2;255;100;0mtruecolor\\033[0m \\342\\230\\203 \\346\\274\\242\\345\\255\\227\\n"');
    await expect.poll(() => screenText(pane), { timeout: 15_000 }).toMatch(/sum=42/);
    expect(await screenText(pane)).toMatch(/green truecolor ☃ 漢字/);
    // Colours are rendered as styles on the row spans (the CSP-safe style shim works).
    const green = pane.locator('.xterm-rows span', { hasText: /^green$/ }).last();
    expect(await green.evaluate((el) => getComputedStyle(el).color)).not.toBe(await pane.locator('.xterm-rows').evaluate((el) => getComputedStyle(el).color));
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await shot(page, 'e2e-terminal-open');
  });

  it('types non-ASCII text into the shell intact (the terminal sends a UTF-8 locale)', async () => {
    await run(page, 'echo "typed:" AB✓CD 你好 EF');
    await expect.poll(() => screenText(pane), { timeout: 10_000 }).toMatch(/^typed: AB✓CD 你好 EF *$/m);
  });

  it('opens a link from host output only after showing where it goes (plain and OSC 8), and never a javascript: one', async () => {
    await run(page, "clear; echo 'see https://example.invalid/a?b=1 here'; printf '\\033]8;;https://example.invalid/osc\\033\\\\label-osc\\033]8;;\\033\\\\\\n'");
    // The output lines, not the typed command (which contains the same text).
    await expect.poll(() => screenText(pane), { timeout: 10_000 }).toMatch(/^label-osc *$/m);
    await expect.poll(() => screenText(pane)).toMatch(/^see https:\/\/example\.invalid\/a\?b=1 here *$/m);
    const popups: string[] = [];
    page.context().on('page', (p) => popups.push(p.url()));
    // Nothing leaves this machine: the opened page is answered locally.
    await page.context().route('https://example.invalid/**', (r) => r.fulfill({ body: 'opened', contentType: 'text/plain' }));
    // Clicks the middle of `text` where xterm drew it (the rectangle of that substring on screen).
    const clickText = async (text: string) => {
      const at = await pane.evaluate((root, wanted) => {
        const walker = document.createTreeWalker(root.querySelector('.xterm-rows')!, NodeFilter.SHOW_TEXT);
        let found: { x: number; y: number } | null = null;
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const i = (n.textContent ?? '').replace(/\u00a0/g, ' ').indexOf(wanted);
          if (i < 0) continue;
          const r = document.createRange();
          r.setStart(n, i);
          r.setEnd(n, i + wanted.length);
          const b = r.getBoundingClientRect();
          found = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
        }
        return found;
      }, text);
      if (!at) throw new Error(`"${text}" is not on the screen`);
      // xterm finds links on hover, a little later: wait until it shows the link cursor.
      const screen = pane.locator('.xterm-screen');
      await expect
        .poll(async () => {
          await page.mouse.move(at.x - 4, at.y);
          await page.mouse.move(at.x, at.y, { steps: 3 });
          await page.waitForTimeout(200);
          return (await screen.getAttribute('class')) ?? '';
        }, { timeout: 10_000 })
        .toContain('xterm-cursor-pointer')
        .catch(async (err: unknown) => {
          await shot(page, `e2e-terminal-link-hover-failed-${text.replace(/\W/g, '_')}`);
          console.log('hover failed at', at, JSON.stringify(await screenText(pane)));
          throw err;
        });
      await page.mouse.click(at.x, at.y);
    };
    await clickText('example.invalid/a');
    const dialog = page.getByTestId('terminal-link-dialog');
    await dialog.waitFor({ timeout: 5000 });
    expect(await page.getByTestId('terminal-link-url').textContent()).toBe('https://example.invalid/a?b=1');
    await shot(page, 'e2e-terminal-link-dialog');
    await page.getByTestId('terminal-link-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    expect(popups).toEqual([]);
    // The OSC 8 link shows where it really goes, not its label.
    await clickText('label-osc');
    await dialog.waitFor({ timeout: 5000 });
    expect(await page.getByTestId('terminal-link-url').textContent()).toBe('https://example.invalid/osc');
    const popup = page.context().waitForEvent('page', { timeout: 10_000 });
    await page.getByTestId('terminal-link-open').click();
    const opened = await popup;
    await opened.waitForLoadState();
    expect(opened.url()).toBe('https://example.invalid/osc');
    await opened.close();
    // A javascript: hyperlink is never offered at all.
    await pane.click();
    await run(page, "printf '\\033]8;;javascript:alert(1)\\033\\\\label-js\\033]8;;\\033\\\\\\n'");
    await expect.poll(() => screenText(pane), { timeout: 10_000 }).toMatch(/^label-js *$/m);
    const at = await pane.locator('.xterm-rows span', { hasText: 'label-js' }).last().boundingBox();
    await page.mouse.click(at!.x + 4, at!.y + at!.height / 2);
    await page.waitForTimeout(500);
    expect(await dialog.count()).toBe(0);
    expect(popups).toHaveLength(1);
    await pane.click();
    await run(page, 'clear');
  });

  it('resizes the pty with the window', async () => {
    await run(page, 'clear; stty size');
    await expect.poll(() => screenText(pane), { timeout: 10_000 }).toMatch(/^\d+ \d+ *$/m);
    const before = /^(\d+) (\d+) *$/m.exec(await screenText(pane))!.slice(1).map(Number);
    await page.setViewportSize({ width: 1000, height: 640 });
    await page.waitForTimeout(400);
    await run(page, 'clear; stty size');
    let after: number[] = [];
    await expect
      .poll(async () => {
        const m = /^(\d+) (\d+) *$/m.exec(await screenText(pane));
        after = m ? [Number(m[1]), Number(m[2])] : [];
        return after.length ? after.join(' ') : 'not yet';
      }, { timeout: 10_000 })
      .not.toMatch(new RegExp(`^(${before.join(' ')}|not yet)$`));
    expect(after[0]).toBeLessThan(before[0]!);
    expect(after[1]).toBeLessThan(before[1]!);
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it('finds text in the scrollback', async () => {
    await run(page, 'for i in 1 2 3; do echo "needle-$i"; done; seq 1 200');
    await expect.poll(() => screenText(pane), { timeout: 10_000 }).toMatch(/^200 *$/m);
    await page.keyboard.press('Control+Shift+F');
    const search = page.getByTestId('terminal-search');
    await search.waitFor();
    await search.fill('needle-');
    // The typed command line matches too: 3 echoed lines + 1 command line.
    await expect.poll(() => page.getByTestId('terminal-search-count').textContent(), { timeout: 5000 }).toMatch(/of 4$/);
    await page.getByTestId('terminal-search-next').click();
    expect(await page.getByTestId('terminal-search-count').textContent()).toMatch(/^\d of 4$/);
    await search.fill('no-such-text-anywhere');
    await expect.poll(() => page.getByTestId('terminal-search-count').textContent()).toBe('No matches');
    await shot(page, 'e2e-terminal-search');
    await search.press('Escape');
    expect(await page.getByTestId('terminal-search').count()).toBe(0);
  });

  it('changes the font size and keeps it', async () => {
    const size = async () => Number((await page.getByTestId('terminal-font-size').textContent())!.replace('px', ''));
    const start = await size();
    await page.getByTestId('terminal-zoom-in').click();
    await page.getByTestId('terminal-zoom-in').click();
    expect(await size()).toBe(start + 2);
    await pane.click();
    await page.keyboard.press('Control+0');
    expect(await size()).toBe(13);
  });

  it('keeps the scrollback and reconnects in place after the link is killed', async () => {
    await pane.click();
    await run(page, 'clear; echo "before-the-drop $((6*7))"');
    await expect.poll(() => screenText(pane), { timeout: 10_000 }).toMatch(/before-the-drop 42/);
    // Kill admin's SSH connection on the host (sshd's session processes), like a network drop.
    await deb.exec(['pkill', '-KILL', '-f', 'sshd: admin']);
    const tab = page.locator('[data-testid^="terminal-tab-k"][data-host="term-debian"]').first();
    await expect.poll(() => tab.getAttribute('data-status'), { timeout: 15_000 }).toBe('lost');
    await shot(page, 'e2e-terminal-lost');
    await expect.poll(() => tab.getAttribute('data-status'), { timeout: 60_000 }).toBe('open');
    // xterm draws on the next animation frame: wait for the divider to reach the screen.
    await expect.poll(() => screenText(pane), { timeout: 5_000 }).toMatch(/reconnected at/);
    const text = await screenText(pane);
    expect(text).toMatch(/before-the-drop 42/);
    expect(text).toMatch(/connection lost at/);
    expect(text).toMatch(/reconnected at/);
    await pane.click();
    await run(page, 'echo "after-the-drop $((7*6))"');
    await expect.poll(() => screenText(pane), { timeout: 15_000 }).toMatch(/after-the-drop 42/);
    await shot(page, 'e2e-terminal-reconnected');
  });

  it('keeps terminals while other pages show, opens several per host, and closes them', async () => {
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('nav-terminals').click();
    expect(await screenText(pane)).toMatch(/after-the-drop 42/);
    await page.getByTestId('terminal-new-button').click();
    await page.getByTestId('terminal-new-open').click();
    const tabs = page.locator('[data-testid^="terminal-tab-k"][data-host="term-debian"]');
    await expect.poll(() => tabs.count()).toBe(2);
    await expect.poll(() => tabs.nth(1).getAttribute('data-status'), { timeout: 20_000 }).toBe('open');
    expect(await tabs.nth(1).textContent()).toContain('term-debian (2)');
    // Dark theme follows the app.
    await page.getByTestId('theme-toggle').click();
    await page.getByTestId('theme-toggle').click();
    await page.waitForTimeout(200);
    await shot(page, 'e2e-terminal-dark');
    const second = page.locator('.terminal-pane.is-active');
    await second.click();
    await run(page, 'exit');
    await expect.poll(() => tabs.nth(1).getAttribute('data-status'), { timeout: 10_000 }).toBe('closed');
    expect(await page.getByTestId('terminal-banner').filter({ visible: true }).textContent()).toMatch(/Session ended: exited with status 0/);
    await page.locator('[data-testid^="terminal-tab-close-"]').nth(1).click();
    await page.locator('[data-testid^="terminal-tab-close-"]').first().click();
    await page.getByTestId('terminals-empty').waitFor();
  });
});
