import { html, raw, type Html } from './html-template.js';

/** Pieces shared by the report kinds' HTML sections. */

export function tiles(items: { label: string; value: string; sub?: string }[]): Html {
  return html`<div class="tiles">${items.map((t) => html`<div class="tile"><div class="tile-label">${t.label}</div><div class="tile-value">${t.value}</div>${t.sub ? html`<div class="tile-sub">${t.sub}</div>` : null}</div>`)}</div>`;
}

/** A chart with its heading; the SVG is our own generated markup. */
export function chart(title: string, svg: string): Html {
  return html`<figure class="chart-block"><h3>${title}</h3>${raw(svg)}</figure>`;
}

export function section(title: string, body: Html | Html[], sub?: string): Html {
  return html`<section><h2>${title}${sub ? html`<span class="sub">${sub}</span>` : null}</h2>${body}</section>`;
}
