import { escapeXml } from './svg-charts.js';

/**
 * A tagged template for HTML where every interpolated value is escaped unless it is already
 * markup (Html, from this tag or from raw() on our own SVG). Host data cannot become markup by
 * forgetting to escape it: the default is text.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Trusted markup we generated ourselves (the SVG charts). */
export function raw(markup: string): Html {
  return new Html(markup);
}

type Part = Html | string | number | boolean | null | undefined | Part[];

function render(v: Part): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false || v === true) return '';
  return escapeXml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Html(out);
}

export interface Column<T> {
  header: string;
  /** The unit of every cell ("CPU-minutes"), on its own line under the header. */
  unit?: string;
  cell: (row: T) => Part;
  num?: boolean;
  className?: string;
}

export function table<T>(columns: Column<T>[], rows: T[], opts: { className?: string; empty?: string } = {}): Html {
  if (!rows.length) return html`<p class="empty">${opts.empty ?? 'Nothing in this period.'}</p>`;
  const cls = (c: Column<T>) => [c.num ? 'num' : '', c.className ?? ''].filter(Boolean).join(' ');
  return html`<table class="${opts.className ?? ''}"><thead><tr>${columns.map((c) => html`<th class="${cls(c)}">${c.header}${c.unit ? html`<span class="th-unit">${c.unit}</span>` : null}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${columns.map((c) => html`<td class="${cls(c)}">${c.cell(r)}</td>`)}</tr>`,
  )}</tbody></table>`;
}
