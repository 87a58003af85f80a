import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { installFakeNvidiaSmi } from '../integration/fake-nvidia-smi.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import { addKeyHost, artifacts, type BrowserApp, chromiumMissing, type Served, shot, startBrowserApp } from './serve-app.js';

/**
 * Live monitoring end to end: `fleetdeck serve`, Debian's Chromium and a real systemd Debian
 * host. The card streams samples (sparklines), the Monitor tab draws its charts from them (each
 * GPU's too: the host's nvidia-smi replays a recorded real sample of two GTX 1070s), and "who is
 * using what" attributes processes to users (admin runs the helper; carol runs a busy loop, a
 * kernel-shaped process and a process in a Docker-named scope, all started outside Fleetdeck).
 */
const GPU_CHARTS = ['chart-gpu-util', 'chart-gpu-mem', 'chart-gpu-temp', 'chart-gpu-power'];

/** A chart's count of rows with a value for one series (the GPU charts expose one per GPU). */
async function seriesPoints(locator: Locator, key: string, kind: 'points' | 'stored' = 'points'): Promise<number> {
  if ((await locator.count()) === 0) return 0;
  return Number((await locator.first().getAttribute(`data-${kind}-${key}`)) ?? '0');
}

interface TableFit {
  viewport: number;
  pageScrolls: boolean;
  tableScrolls: boolean;
  rows: number;
  kills: number;
  outside: string[];
  badgesWrapped: string[];
  commandsTruncated: number;
  commandsWithoutTitle: number;
}

/** Where the process table's Kill… buttons and badges sit, measured in the page. */
async function measureProcessTable(page: Page): Promise<TableFit> {
  return page.evaluate(() => {
    const table = document.querySelector('[data-testid="process-table"]')!;
    const wrap = table.closest('.table-wrap')!;
    const box = wrap.getBoundingClientRect();
    const inside = (r: DOMRect) => r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5 && r.right <= window.innerWidth;
    const kills = [...table.querySelectorAll<HTMLElement>('button[data-testid^="process-kill-"]')];
    const badges = [...table.querySelectorAll<HTMLElement>('.badge')];
    const wrapped = badges.filter((b) => {
      const r = b.getBoundingClientRect();
      if (r.width === 0) return false; // not shown at this width (its column or line is hidden)
      // One line of badge text, nothing cut off (by itself or by the cell or line it sits in),
      // and on the same line as the badges beside it.
      const siblings = [...(b.parentElement?.children ?? [])].filter((c) => c.classList.contains('badge'));
      const offLine = siblings.some((c) => Math.abs(c.getBoundingClientRect().top - r.top) > 1);
      const clipped = [b.parentElement!, b.closest('td')!].some((box) => r.right > box.getBoundingClientRect().right + 0.5);
      return r.height > 22 || b.scrollWidth > b.clientWidth + 1 || offLine || clipped;
    });
    const commands = [...table.querySelectorAll<HTMLElement>('.process-command')];
    return {
      viewport: window.innerWidth,
      pageScrolls: document.documentElement.scrollWidth > window.innerWidth,
      tableScrolls: wrap.scrollWidth > wrap.clientWidth + 1,
      rows: table.querySelectorAll('tbody tr').length,
      kills: kills.length,
      outside: kills.filter((k) => !inside(k.getBoundingClientRect())).map((k) => k.dataset.testid ?? '?'),
      badgesWrapped: badges.filter((b) => wrapped.includes(b)).map((b) => `${b.closest('tr')?.dataset.testid}: ${b.textContent}`),
      commandsTruncated: commands.filter((c) => {
        const text = c.querySelector<HTMLElement>('.process-command-text') ?? c;
        return text.scrollWidth > text.clientWidth;
      }).length,
      commandsWithoutTitle: commands.filter((c) => {
        const text = c.querySelector<HTMLElement>('.process-command-text') ?? c;
        return !text.title || text.title !== text.textContent?.trim();
      }).length,
    };
  });
}
const unavailable = chromiumMissing() ?? (await testbedUnavailableReason({ docker: true }));

/** How many chart rows carry a value (the panels expose it as data-points); 0 while not shown. */
async function points(locator: Locator): Promise<number> {
  if ((await locator.count()) === 0) return 0;
  return Number((await locator.first().getAttribute('data-points')) ?? '0');
}

/** Waits for samples on a host card; says at once why when monitor.start was refused. */
async function waitForSamples(card: Locator, minPoints: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const refused = card.getByTestId('card-monitor-error');
    if ((await refused.count()) > 0) throw new Error(`monitor.start failed: ${await refused.getAttribute('title')}`);
    if ((await points(card.getByTestId('card-sparkline-cpu'))) >= minPoints) return;
    if (Date.now() > deadline) throw new Error(`no live samples reached the fleet card within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(unavailable)('live monitoring in Chromium', () => {
  let deb: DebianHost;
  let app: Served;
  let session: BrowserApp;
  let page: Page;

  beforeAll(async () => {
    [deb, session] = await Promise.all([startDebianHost({ name: 'e2e-mon' }), startBrowserApp()]);
    ({ app, page } = session);
    // Two GTX 1070s, replayed from a recorded real nvidia-smi -q -x (there before the first sample).
    await installFakeNvidiaSmi(deb, 'dual-gtx1070-drv384-4procs.xml');
  }, 600_000);

  afterAll(async () => {
    await session?.close();
    await deb?.stop();
  });

  it('adds and connects a Debian test host', async () => {
    await page.goto(app.url);
    await addKeyHost(page, { name: 'mon-debian', port: deb.port, user: 'admin', keyPath: deb.users.admin!.keyPath!, tags: 'lab, monitor' });
    const card = page.getByTestId('host-card-mon-debian');
    await card.waitFor();
    await card.getByTestId('connect-button').click();
    await page.getByTestId('hostkey-trust').click({ timeout: 30_000 });
    await expect.poll(async () => (await card.getByTestId('host-card-state').textContent()) ?? '', { timeout: 60_000 }).toMatch(/^connected/i);
    await shot(page, 'e2e-monitor-connected');
  });

  it('streams samples to the fleet card: CPU and memory sparklines fill up', async () => {
    // Something for "who is using what" to find besides the login user: a busy loop run by carol.
    await deb.exec(['systemd-run', '--quiet', '--uid=carol', '--unit=fd-e2e-burn', 'timeout', '600', 'sh', '-c', 'while :; do :; done']);
    const card = page.getByTestId('host-card-mon-debian');
    // Sparklines step every 5 s: two points means samples have been arriving for a while.
    await waitForSamples(card, 2, 90_000);
    expect(await points(card.getByTestId('card-sparkline-memory'))).toBeGreaterThanOrEqual(2);
    expect(await card.getByTestId('card-sparkline-cpu').locator('.recharts-area-curve').count()).toBe(1);
    // Sorting by CPU and filtering by a tag keep the host on the page.
    await page.getByTestId('fleet-sort').selectOption('cpu');
    await page.getByTestId('fleet-tag-filter').selectOption('monitor');
    await card.waitFor();
    await shot(page, 'e2e-monitor-fleet');
    await page.getByTestId('fleet-tag-filter').selectOption('');
    await page.getByTestId('fleet-sort').selectOption('name');
  });

  it('draws the Monitor tab charts from live samples, with a hover readout and range switch', async () => {
    await page.getByTestId('host-card-mon-debian').getByTestId('host-card-link').click();
    await page.getByTestId('tab-monitor').click();
    const panel = page.getByTestId('panel-monitor');
    await panel.waitFor();
    const cpu = panel.getByTestId('chart-cpu');
    await cpu.waitFor({ timeout: 60_000 });
    await expect.poll(() => points(cpu), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    for (const id of ['chart-memory', 'chart-net', 'chart-disk']) {
      expect(await points(panel.getByTestId(id)), id).toBeGreaterThanOrEqual(5);
      expect(await panel.getByTestId(id).locator('.recharts-area-curve').count(), id).toBeGreaterThan(0);
    }
    // The host's two (replayed) GPUs: one line each in every GPU chart.
    await panel.getByTestId('chart-gpu').waitFor({ timeout: 30_000 });
    for (const id of GPU_CHARTS) expect(await panel.getByTestId(id).locator('.recharts-area-curve').count(), id).toBe(2);
    expect(await panel.getByTestId('monitor-live-status').textContent()).toMatch(/Live/);

    // Hover readout: exact values with units.
    const box = (await cpu.locator('.recharts-surface').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.97, box.y + box.height * 0.5);
    const tooltip = cpu.getByTestId('chart-tooltip');
    await tooltip.waitFor({ timeout: 10_000 });
    expect(await tooltip.textContent()).toMatch(/Total\s*[\d.]+%/);
    await page.mouse.move(0, 0);

    // Longer ranges read the stored history (plus the live tail) and still draw.
    await panel.getByTestId('range-1h').click();
    expect(await panel.getByTestId('range-1h').getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => points(panel.getByTestId('chart-cpu')), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await panel.getByTestId('range-5m').click();
    await expect.poll(() => points(panel.getByTestId('chart-cpu')), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
  });

  it('charts each GPU in every range: a line per GPU with points, read from the per-GPU history beyond 5 min', async () => {
    const panel = page.getByTestId('panel-monitor');
    const gpu = panel.getByTestId('chart-gpu');
    // The legend names each GPU by index and model, in every range.
    for (const i of [0, 1]) expect(await gpu.getByTestId(`gpu-legend-${i}`).textContent()).toMatch(new RegExp(`GPU ${i}.*GTX 1070`));
    for (const range of ['1h', '24h', '7d', '5m'] as const) {
      await panel.getByTestId(`range-${range}`).click();
      for (const id of GPU_CHARTS) {
        const chart = panel.getByTestId(id);
        for (const key of ['gpu0', 'gpu1']) await expect.poll(() => seriesPoints(chart, key), { timeout: 30_000, message: `${range} ${id} ${key}` }).toBeGreaterThanOrEqual(1);
        // Each GPU is drawn: a line, or a dot where the range holds one point of it (a new host over 7 days).
        for (const key of ['gpu0', 'gpu1']) {
          const drawn = (await chart.locator(`.series-key-${key} .recharts-area-curve`).count()) + (await chart.locator(`.dot-isolated.dot-key-${key}`).count());
          expect(drawn, `${range} ${id} ${key} drawn`).toBeGreaterThanOrEqual(1);
        }
        // Beyond the live view the points come from what the core stored per GPU.
        if (range !== '5m') for (const key of ['gpu0', 'gpu1']) await expect.poll(() => seriesPoints(chart, key, 'stored'), { timeout: 30_000, message: `${range} ${id} ${key} stored` }).toBeGreaterThanOrEqual(1);
      }
      expect(await gpu.getByTestId('gpu-legend-1').count()).toBe(1);
      expect(await panel.textContent()).not.toMatch(/keeps no per-GPU series/);
      if (range === '1h') {
        // I/O wait and swap are stored too: the CPU and memory charts keep their second line.
        expect(await panel.getByTestId('chart-cpu').locator('.recharts-area-curve').count()).toBe(2);
        expect(await panel.getByTestId('chart-memory').locator('.recharts-area-curve').count()).toBe(2);
        await page.setViewportSize({ width: 1440, height: 900 });
        await gpu.screenshot({ path: `${artifacts}/monitor/gpu-charts-1h-light.png` });
        await page.emulateMedia({ colorScheme: 'dark' });
        await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
        await gpu.screenshot({ path: `${artifacts}/monitor/gpu-charts-1h-dark.png` });
        await shot(page, 'monitor/monitor-1h-1440-dark');
        await page.emulateMedia({ colorScheme: 'light' });
        await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
        await shot(page, 'monitor/monitor-1h-1440-light');
        await page.setViewportSize({ width: 1360, height: 900 });
      }
    }
  });

  it('says who is using what: admin (the helper) and carol (the busy loop)', async () => {
    const panel = page.getByTestId('panel-monitor');
    const users = panel.getByTestId('user-usage-table');
    await users.waitFor({ timeout: 30_000 });
    await panel.getByTestId('user-usage-row-admin').waitFor({ timeout: 30_000 });
    await panel.getByTestId('user-usage-row-carol').waitFor({ timeout: 30_000 });
    const processes = panel.getByTestId('process-table');
    await processes.waitFor();
    expect(await processes.locator('[data-testid^="process-row-"]').count()).toBeGreaterThan(0);
    const carolRow = processes.locator('[data-testid^="process-row-"]', { hasText: 'carol' }).first();
    await carolRow.waitFor({ timeout: 30_000 });
    expect(await carolRow.textContent()).toMatch(/Host/);
    // Clicking a user narrows the process table to them.
    await panel.getByTestId('user-usage-row-carol').getByRole('button', { name: 'carol' }).click();
    await panel.getByTestId('process-user-filter').waitFor();
    await expect.poll(async () => (await processes.locator('[data-testid^="process-row-"]').allTextContents()).every((t) => t.includes('carol'))).toBe(true);
    await panel.getByTestId('process-user-filter').click();

    await page.setViewportSize({ width: 1360, height: 2000 });
    await shot(page, 'e2e-monitor');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await shot(page, 'e2e-monitor-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it('fits the process table with GPU columns at 1440×900 and 1024×768: every Kill… inside the table, badges on one line', async () => {
    // Wide rows, as a lab box has them: a long command line, a kernel-shaped process, and a process
    // in a scope named as Docker's systemd cgroup driver names a container's (Container, unmanaged, owner inferred).
    const long = 'python /home/carol/projects/diffusion-finetune/scripts/train_distributed.py --config configs/sdxl-lora-rank128-batch64-lr1e-4.yaml --output-dir /scratch/carol/runs/2025-01-06T10-00-00 --resume-from-checkpoint latest';
    await deb.exec(['systemd-run', '--quiet', '--uid=carol', '--unit=fd-e2e-long', 'sh', '-c', 'sleep 600; :', ...long.split(' ')]);
    await deb.exec(['systemd-run', '--quiet', '--uid=carol', '--unit=fd-e2e-kernel', 'bash', '-c', 'exec -a python3 sh -c "sleep 600; :" -m ipykernel_launcher -f /home/carol/.local/share/jupyter/runtime/kernel-3f1c5e2a-8d4b-4c1e-9a7f-0b6d2e4c8a11.json']);
    const id = 'c0ffee'.padEnd(64, '7');
    await deb.exec(['sh', '-c', `setsid systemd-run --quiet --scope --unit=docker-${id} --uid=carol sh -c 'sleep 600; :' >/dev/null 2>&1 < /dev/null &`]);
    const panel = page.getByTestId('panel-monitor');
    const table = panel.getByTestId('process-table');
    // They use next to nothing, so they sort last: the whole list is shown.
    const showAll = panel.getByTestId('process-show-all');
    const missing = async () => {
      if ((await showAll.count()) > 0 && /Show all/.test((await showAll.textContent()) ?? '')) await showAll.click();
      const text = (await table.textContent()) ?? '';
      return ['train_distributed', 'Jupyter kernel', 'unmanaged', 'inferred'].filter((t) => !text.includes(t));
    };
    await expect.poll(missing, { timeout: 30_000 }).toEqual([]);
    expect(await table.locator('th', { hasText: 'GPU mem.' }).count()).toBe(1);

    for (const [width, height] of [
      [1440, 900],
      [1024, 768],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const theme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: theme });
        await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
        const fit = await measureProcessTable(page);
        // What one sees at that size: the process panel scrolled to the top of the window.
        await panel.getByTestId('monitor-processes').evaluate((e) => e.scrollIntoView({ block: 'start' }));
        await page.screenshot({ path: `${artifacts}/monitor/process-table-${width}x${height}-${theme}.png` });
        await panel.getByTestId('monitor-processes').evaluate((e) => e.scrollIntoView({ block: 'end' }));
        await page.screenshot({ path: `${artifacts}/monitor/process-table-${width}x${height}-${theme}-end.png` });
        expect(fit.kills, `${width}: Kill… buttons`).toBeGreaterThanOrEqual(3);
        expect(fit.outside, `${width}×${height}: Kill… buttons outside the table's visible box`).toEqual([]);
        expect(fit.badgesWrapped, `${width}×${height}: badges off one line`).toEqual([]);
        expect(fit.pageScrolls, `${width}×${height}: the page scrolls sideways`).toBe(false);
        // Kill… is pinned in any case; at these sizes nothing needs scrolling sideways at all.
        expect(fit.tableScrolls, `${width}×${height}: the table scrolls sideways`).toBe(false);
        // The long command is cut with an ellipsis; its full text is the cell's title.
        expect(fit.commandsTruncated).toBeGreaterThanOrEqual(1);
        expect(fit.commandsWithoutTitle).toBe(0);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1360, height: 900 });
    await deb.exec(['sh', '-c', `systemctl stop fd-e2e-long fd-e2e-kernel docker-${id}.scope || true`]);
  });

  it("kills carol's busy loop: plan shown first, confirmed, verified gone (admin has sudo)", async () => {
    const panel = page.getByTestId('panel-monitor');
    const row = panel.getByTestId('process-table').locator('[data-testid^="process-row-"]', { hasText: 'while' }).first();
    await row.waitFor({ timeout: 30_000 });
    const pid = Number((await row.getAttribute('data-testid'))!.replace('process-row-', ''));
    await panel.getByTestId(`process-kill-${pid}`).click();
    const dialog = page.getByTestId('kill-dialog');
    // The plan is read from the host first (a root helper may have to start through sudo).
    await dialog.getByTestId('kill-summary').waitFor({ timeout: 45_000 });
    expect(await dialog.getByTestId('kill-summary').textContent()).toMatch(new RegExp(`pid ${pid}.*carol`));
    expect(await dialog.getByTestId('kill-needs-sudo').count()).toBe(1);
    await shot(page, 'e2e-kill-plan');
    await dialog.getByTestId('kill-apply').click();
    await expect.poll(async () => (await dialog.getByTestId('kill-result').textContent()) ?? '', { timeout: 15_000 }).toMatch(/gone|ended|no longer/i);
    // Verified by reading /proc back, and recorded in the host's change journal (the engine's).
    expect(await dialog.getByTestId('kill-evidence').textContent()).toMatch(new RegExp(`pid ${pid} is gone.*change journal`));
    await shot(page, 'e2e-kill-result');
    const left = await deb.exec(['sh', '-c', `test -d /proc/${pid} && echo alive || echo gone`]);
    expect(left.stdout.trim()).toBe('gone');
    await page.keyboard.press('Escape');
  });

  it('shows the alerts page with its rules (defaults seeded), reachable from the sidebar', async () => {
    await page.getByTestId('nav-alerts').click();
    await page.getByTestId('alerts-page').waitFor();
    await page.getByTestId('alert-rules').waitFor();
    expect(await page.getByTestId('alert-rules').textContent()).toMatch(/GPU temperature/i);
    await shot(page, 'e2e-alerts');
    await page.goBack();
  });

  it('keeps the stream when leaving the page, and shows a connect prompt once disconnected', async () => {
    await page.getByTestId('disconnect-button').click();
    const panel = page.getByTestId('panel-monitor');
    // The charts stay (frozen) with a note, or the prompt shows when nothing was kept.
    await expect.poll(async () => (await panel.getByTestId('monitor-stopped').count()) + (await panel.getByTestId('monitor-not-connected').count()), { timeout: 30_000 }).toBeGreaterThan(0);
    await deb.exec(['systemctl', 'stop', 'fd-e2e-burn']).catch(() => undefined);
  });
});
