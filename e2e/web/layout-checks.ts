import type { Page } from 'playwright-core';

/**
 * Layout checks run in the page after each screenshot of screens.spec: what a person would see as
 * broken, measured instead of eyeballed. Each returns a list of findings (empty when all is well),
 * each naming the element so the report says where to look.
 */

export interface LayoutFinding {
  what: 'page-scrolls-sideways' | 'table-scrolls-sideways' | 'text-cut-off' | 'misaligned-row';
  element: string;
  detail: string;
  /** Inside a part that another page's code draws (see horizontalOverflow's `elsewhere`). */
  elsewhere?: boolean;
}

/**
 * Nothing overflows horizontally: the page itself does not scroll sideways, and no element that
 * shows text is wider inside than its box (cut off, or spilling over its neighbours) — unless it
 * is cut on purpose: an ellipsis, with a title (on it or an ancestor) holding the whole text.
 * A table that needs its frame's sideways scroll to be read whole counts too: its right-hand
 * columns are cut off on screen. Findings inside `elsewhere` (selectors of parts drawn by another
 * page's code, shown on this one) are marked so, for the report to name their owner.
 */
export async function horizontalOverflow(page: Page, elsewhere: readonly string[] = []): Promise<LayoutFinding[]> {
  return page.evaluate((foreign) => {
    const findings: Array<{ what: 'page-scrolls-sideways' | 'table-scrolls-sideways' | 'text-cut-off'; element: string; detail: string; elsewhere?: boolean }> = [];
    const isForeign = (el: Element) => foreign.some((sel) => el.closest(sel) !== null || el.querySelector(sel) !== null);
    const root = document.scrollingElement ?? document.documentElement;
    if (root.scrollWidth > window.innerWidth) {
      findings.push({ what: 'page-scrolls-sideways', element: 'document', detail: `scrollWidth ${root.scrollWidth} > innerWidth ${window.innerWidth}` });
    }
    const describe = (el: Element): string => {
      const testId = el.closest('[data-testid]')?.getAttribute('data-testid');
      const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, el.tagName === 'TABLE' ? 40 : 60);
      return `${el.tagName.toLowerCase()}${cls}${testId ? ` in [data-testid=${testId}]` : ''} "${text}"`;
    };
    const visible = (el: HTMLElement) => el.offsetParent !== null || getComputedStyle(el).position === 'fixed';
    // A table that only fits by scrolling inside its frame shows its right-hand columns cut off.
    for (const wrap of Array.from(document.querySelectorAll<HTMLElement>('.table-wrap'))) {
      if (visible(wrap) && wrap.scrollWidth > wrap.clientWidth + 1) {
        const table = wrap.querySelector('table') ?? wrap;
        findings.push({ what: 'table-scrolls-sideways', element: describe(table), detail: `table ${wrap.scrollWidth} px wide in a ${wrap.clientWidth} px frame`, ...(isForeign(table) ? { elsewhere: true } : {}) });
      }
    }
    // A select clips its shown value without telling: measure the chosen option's text against its box.
    const ruler = document.createElement('canvas').getContext('2d');
    for (const sel of Array.from(document.querySelectorAll<HTMLSelectElement>('select'))) {
      const shown = sel.selectedOptions[0]?.textContent?.trim() ?? '';
      if (!ruler || !visible(sel) || !shown) continue;
      const cs = getComputedStyle(sel);
      ruler.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const need = ruler.measureText(shown).width;
      const room = sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      if (need > room + 1) {
        findings.push({ what: 'text-cut-off', element: describe(sel), detail: `shows "${shown}" (${Math.ceil(need)} px) in ${Math.floor(room)} px`, ...(isForeign(sel) ? { elsewhere: true } : {}) });
      }
    }
    const selector = 'td, th, .chip, .badge, .tag, button, .truncate, .truncate-cell, .meter-value, .meter-label, .host-card-state, .offline-since, .stat-value, .summary-value';
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(selector))) {
      if (!visible(el) || !(el.textContent ?? '').trim()) continue;
      // Inputs and charts draw their own content; a select shows its value.
      if (el.closest('svg, .xterm')) continue;
      if (el.scrollWidth <= el.clientWidth + 1) continue;
      const style = getComputedStyle(el);
      const ellipsis = style.textOverflow === 'ellipsis' && style.overflowX !== 'visible';
      const titled = Boolean(el.closest('[title]')?.getAttribute('title')?.trim());
      if (ellipsis && titled) continue;
      findings.push({
        what: 'text-cut-off',
        element: describe(el),
        detail: `scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}${ellipsis ? ' (ellipsis, but no title with the full text)' : style.overflowX === 'visible' ? ' (spills out of its box)' : ' (clipped)'}`,
        ...(isForeign(el) ? { elsewhere: true } : {}),
      });
    }
    // Nothing sticks out of its card, panel or dialog (a sentence that does not wrap runs past the edge).
    for (const box of Array.from(document.querySelectorAll<HTMLElement>('[role="dialog"], .modal, .panel, .host-card'))) {
      if (!visible(box)) continue;
      const edge = box.getBoundingClientRect().right;
      for (const el of Array.from(box.querySelectorAll<HTMLElement>('*'))) {
        if (!(el.textContent ?? '').trim() || el.closest('svg, .recharts-wrapper, .xterm')) continue;
        // A block whose text does not wrap and overflows it (white-space: nowrap on a sentence).
        const cs = getComputedStyle(el);
        if (el.clientWidth > 0 && cs.overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1 && !el.matches(selector)) {
          findings.push({ what: 'text-cut-off', element: describe(el), detail: `content ${el.scrollWidth} px wide spills out of its ${el.clientWidth} px box`, ...(isForeign(el) ? { elsewhere: true } : {}) });
          continue;
        }
        if (el.children.length > 0) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= edge + 1) continue;
        // Inside a frame that clips or scrolls, the checks above speak for it.
        let framed = false;
        for (let a = el.parentElement; a && a !== box; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') framed = true;
        if (framed) continue;
        findings.push({ what: 'text-cut-off', element: describe(el), detail: `runs ${Math.round(r.right - edge)} px past the edge of its ${box.getAttribute('role') ?? box.className.split(' ')[0]}`, ...(isForeign(el) ? { elsewhere: true } : {}) });
      }
    }
    return findings;
  }, elsewhere);
}

/** Every cell of a table row shares the row's top and bottom, so the row borders line up. */
export async function misalignedRows(page: Page, tableSelector: string): Promise<LayoutFinding[]> {
  return page.evaluate((sel) => {
    const findings: Array<{ what: 'misaligned-row'; element: string; detail: string }> = [];
    for (const table of Array.from(document.querySelectorAll(sel))) {
      Array.from(table.querySelectorAll('tbody > tr')).forEach((tr, row) => {
        const cells = Array.from(tr.children) as HTMLElement[];
        const boxes = cells.map((c) => c.getBoundingClientRect());
        const rowBox = tr.getBoundingClientRect();
        cells.forEach((c, i) => {
          const b = boxes[i]!;
          const display = getComputedStyle(c).display;
          if (display !== 'table-cell' || Math.abs(b.top - rowBox.top) > 0.5 || Math.abs(b.bottom - rowBox.bottom) > 0.5) {
            findings.push({
              what: 'misaligned-row',
              element: `${sel} row ${row} cell ${i} (${c.className || c.tagName.toLowerCase()})`,
              detail: `display ${display}; cell ${b.top.toFixed(1)}–${b.bottom.toFixed(1)}, row ${rowBox.top.toFixed(1)}–${rowBox.bottom.toFixed(1)}`,
            });
          }
        });
      });
    }
    return findings;
  }, tableSelector);
}
