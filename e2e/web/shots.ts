import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { horizontalOverflow, type LayoutFinding } from './layout-checks.js';

/**
 * Shoots a screen at 1440×900 and 1024×768, light and dark, into OUT/NAME-WIDTH-SCHEME.png, and
 * measures it for overflow (findings, keyed by screen). `show` is scrolled into view first; the
 * window goes back to 1440×900, light.
 */
export function screenShooter(page: () => Page, out: string, findings: Record<string, LayoutFinding[]>) {
  return async (name: string, show?: Locator) => {
    const p = page();
    for (const [width, height] of [
      [1440, 900],
      [1024, 768],
    ] as const) {
      await p.setViewportSize({ width, height });
      await show?.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      for (const scheme of ['light', 'dark'] as const) {
        await p.emulateMedia({ colorScheme: scheme });
        await expect.poll(() => p.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
        await p.waitForTimeout(350); // buttons fade their background over 0.12 s
        await p.mouse.move(0, 0);
        await p.screenshot({ path: path.join(out, `${name}-${width}-${scheme}.png`) });
        const found = await horizontalOverflow(p);
        if (found.length) findings[`${name} ${width}×${height} ${scheme}`] = found;
      }
    }
    await p.emulateMedia({ colorScheme: 'light' });
    await p.setViewportSize({ width: 1440, height: 900 });
  };
}
