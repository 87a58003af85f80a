/**
 * A small SVG chart generator for the HTML/PDF export: horizontal bars, a line chart over time
 * and stacked columns. Output is static markup (no script, no external reference), sized in
 * user units and scaled by the page. Every label is escaped: they are host, user and model names.
 */

// Eight hues told apart at a glance (no two teals or two violets: a legend of eight hosts needs them all).
export const PALETTE = ['#4f46e5', '#0891b2', '#059669', '#d97706', '#db2777', '#7c3aed', '#65a30d', '#64748b'];

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Keeps a label to n characters, with an ellipsis. */
function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

export interface ChartSeries {
  name: string;
  color: string;
}

const LEGEND_ROW = 16;

/** The legend, wrapped onto more rows where it would run past the right edge; rows says how many. */
function legend(series: ChartSeries[], x: number, y: number, right: number): { markup: string; rows: number } {
  let cx = x;
  let row = 0;
  const items = series.map((s) => {
    const w = 24 + Math.min(28, s.name.length) * 6.2;
    if (cx > x && cx + w - 10 > right) {
      cx = x;
      row++;
    }
    const ry = y + row * LEGEND_ROW;
    const item = `<rect x="${r1(cx)}" y="${ry - 9}" width="10" height="10" rx="2" fill="${s.color}"/><text x="${r1(cx + 14)}" y="${ry}" class="c-legend">${escapeXml(clip(s.name, 28))}</text>`;
    cx += w;
    return item;
  });
  return { markup: items.join(''), rows: row + 1 };
}

function svg(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}"><title>${escapeXml(title)}</title>${body}</svg>`;
}

/** Round numbers for an axis from 0 to at least max: 0, 5, 10 … */
export function niceTicks(max: number, count = 4, integer = false): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = integer ? Math.max(1, max / count) : max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = (integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]).map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks.length > 1 ? ticks : [0, step];
}

export interface BarRow {
  label: string;
  /** One per series; null draws nothing. */
  values: (number | null)[];
  /** Optional marker per series (e.g. the maximum behind an average bar). */
  markers?: (number | null)[];
}

/** Horizontal grouped bars, one group per row, value written at the end of each bar. */
export function barChart(opts: { title: string; series: ChartSeries[]; rows: BarRow[]; format: (v: number) => string; tickFormat?: (v: number) => string; max?: number; width?: number; labelWidth?: number; integer?: boolean }): string {
  const width = opts.width ?? 720;
  const labelW = opts.labelWidth ?? 150;
  const barH = 13;
  const groupGap = 10;
  const key = legend(opts.series, labelW, 14, width);
  const top = 30 + (key.rows - 1) * LEGEND_ROW;
  const plotW = width - labelW - 70;
  const groupH = opts.series.length * (barH + 2) + groupGap;
  const height = top + opts.rows.length * groupH + 22;
  const dataMax = Math.max(0, ...opts.rows.flatMap((r) => [...r.values, ...(r.markers ?? [])].filter((v): v is number => v !== null && Number.isFinite(v))));
  const ticks = niceTicks(opts.max ?? dataMax, 4, opts.integer);
  const max = opts.max ?? ticks[ticks.length - 1]!;
  const x = (v: number) => labelW + (max > 0 ? (Math.max(0, v) / max) * plotW : 0);
  const parts: string[] = [key.markup];
  for (const t of ticks) {
    const tx = r1(x(t));
    parts.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${height - 20}" class="c-grid"/><text x="${tx}" y="${height - 6}" class="c-axis" text-anchor="middle">${escapeXml((opts.tickFormat ?? opts.format)(t))}</text>`);
  }
  opts.rows.forEach((row, i) => {
    const gy = top + i * groupH;
    parts.push(`<text x="${labelW - 8}" y="${r1(gy + (opts.series.length * (barH + 2)) / 2 + 4)}" class="c-label" text-anchor="end">${escapeXml(clip(row.label, 22))}</text>`);
    opts.series.forEach((s, k) => {
      const v = row.values[k];
      const y = gy + k * (barH + 2);
      const marker = row.markers?.[k];
      if (marker !== null && marker !== undefined && Number.isFinite(marker)) {
        parts.push(`<rect x="${labelW}" y="${y}" width="${r1(x(marker) - labelW)}" height="${barH}" rx="2" fill="${s.color}" opacity="0.18"/>`);
      }
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      const w = Math.max(v > 0 ? 1.5 : 0, x(v) - labelW);
      const end = Math.max(labelW + w, marker !== null && marker !== undefined && Number.isFinite(marker) ? x(marker) : 0);
      parts.push(`<rect x="${labelW}" y="${y}" width="${r1(w)}" height="${barH}" rx="2" fill="${s.color}"/><text x="${r1(end + 5)}" y="${y + barH - 3}" class="c-value">${escapeXml(opts.format(v))}</text>`);
    });
  });
  return svg(width, height, opts.title, parts.join(''));
}

/** Lines over time (nulls break a line), y from 0 to yMax. */
export function lineChart(opts: { title: string; t: number[]; lines: (ChartSeries & { values: (number | null)[] })[]; yMax: number; yFormat: (v: number) => string; xFormat: (t: number) => string; width?: number; height?: number }): string {
  const width = opts.width ?? 720;
  const left = 44;
  const right = 12;
  const key = legend(opts.lines, left, 14, width - right);
  const extra = (key.rows - 1) * LEGEND_ROW;
  const height = (opts.height ?? 230) + extra;
  const top = 28 + extra;
  const bottom = 24;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const n = opts.t.length;
  const x = (i: number) => left + (n > 1 ? (i / (n - 1)) * plotW : plotW / 2);
  const y = (v: number) => top + plotH - (Math.min(Math.max(v, 0), opts.yMax) / opts.yMax) * plotH;
  const parts: string[] = [key.markup];
  for (const tick of niceTicks(opts.yMax)) {
    if (tick > opts.yMax) continue;
    parts.push(`<line x1="${left}" y1="${r1(y(tick))}" x2="${width - right}" y2="${r1(y(tick))}" class="c-grid"/><text x="${left - 6}" y="${r1(y(tick) + 3.5)}" class="c-axis" text-anchor="end">${escapeXml(opts.yFormat(tick))}</text>`);
  }
  const labels = Math.min(6, n);
  for (let k = 0; k < labels; k++) {
    const i = labels > 1 ? Math.round((k / (labels - 1)) * (n - 1)) : 0;
    const anchor = k === 0 ? 'start' : k === labels - 1 ? 'end' : 'middle';
    parts.push(`<text x="${r1(x(i))}" y="${height - 6}" class="c-axis" text-anchor="${anchor}">${escapeXml(opts.xFormat(opts.t[i]!))}</text>`);
  }
  for (const line of opts.lines) {
    let d = '';
    let pen = false;
    const dots: string[] = [];
    line.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      const next = line.values[i + 1];
      const prev = line.values[i - 1];
      // A lone point between gaps would be invisible as a path: draw it as a dot.
      if ((prev === null || prev === undefined) && (next === null || next === undefined)) dots.push(`<circle cx="${r1(x(i))}" cy="${r1(y(v))}" r="2.6" fill="${line.color}"/>`);
      d += `${pen ? 'L' : 'M'}${r1(x(i))} ${r1(y(v))} `;
      pen = true;
    });
    if (d) parts.push(`<path d="${d.trim()}" fill="none" stroke="${line.color}" stroke-width="1.6" stroke-linejoin="round"/>`);
    parts.push(...dots);
  }
  return svg(width, height, opts.title, parts.join(''));
}

/** Stacked columns per category (e.g. audit events per day: ok and failed). */
export function stackedColumns(opts: { title: string; labels: string[]; series: (ChartSeries & { values: number[] })[]; width?: number; height?: number; labelFormat?: (s: string) => string }): string {
  const width = opts.width ?? 720;
  const left = 36;
  const right = 8;
  const key = legend(opts.series, left, 14, width - right);
  const extra = (key.rows - 1) * LEGEND_ROW;
  const height = (opts.height ?? 210) + extra;
  const top = 28 + extra;
  const bottom = 24;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const n = Math.max(1, opts.labels.length);
  const totals = opts.labels.map((_, i) => opts.series.reduce((s, se) => s + (se.values[i] ?? 0), 0));
  const ticks = niceTicks(Math.max(1, ...totals), 4, true);
  const max = ticks[ticks.length - 1]!;
  const slot = plotW / n;
  const colW = Math.max(1, Math.min(28, slot * 0.7));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const parts: string[] = [key.markup];
  for (const t of ticks) parts.push(`<line x1="${left}" y1="${r1(y(t))}" x2="${width - right}" y2="${r1(y(t))}" class="c-grid"/><text x="${left - 6}" y="${r1(y(t) + 3.5)}" class="c-axis" text-anchor="end">${t}</text>`);
  const every = Math.ceil(n / 10);
  opts.labels.forEach((label, i) => {
    const cx = left + slot * i + slot / 2;
    let base = 0;
    for (const s of opts.series) {
      const v = s.values[i] ?? 0;
      if (v > 0) parts.push(`<rect x="${r1(cx - colW / 2)}" y="${r1(y(base + v))}" width="${r1(colW)}" height="${r1(y(base) - y(base + v))}" fill="${s.color}"/>`);
      base += v;
    }
    if (i % every === 0) parts.push(`<text x="${r1(cx)}" y="${height - 6}" class="c-axis" text-anchor="middle">${escapeXml(opts.labelFormat ? opts.labelFormat(label) : label)}</text>`);
  });
  return svg(width, height, opts.title, parts.join(''));
}
