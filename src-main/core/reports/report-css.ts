/**
 * The export's stylesheet: the app's light palette, A4 print rules (repeating table heads, no
 * row split across pages, page numbers in the margin). Inline in the document, never fetched.
 */
export const REPORT_CSS = `
@page { size: A4; margin: 14mm 12mm 16mm; @bottom-left { content: "Fleetdeck report"; font: 8pt system-ui, sans-serif; color: #6b7385; } @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt system-ui, sans-serif; color: #6b7385; } }
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 980px; padding: 28px 32px 48px; color: #101828; background: #fff; font: 10pt/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Liberation Sans', 'DejaVu Sans', Arial, sans-serif; }
.report-head { padding-bottom: 14px; margin-bottom: 18px; border-bottom: 2px solid #4f46e5; }
.brand { display: flex; align-items: center; gap: 7px; color: #4f46e5; font-weight: 700; font-size: 9pt; letter-spacing: .06em; text-transform: uppercase; }
.brand-mark { display: inline-block; width: 10px; height: 10px; border-radius: 3px; background: #4f46e5; }
h1 { margin: 6px 0 10px; font-size: 20pt; line-height: 1.2; }
h2 { margin: 22px 0 8px; font-size: 12.5pt; break-after: avoid; page-break-after: avoid; }
h2 .sub { margin-left: 8px; color: #6b7385; font-size: 9pt; font-weight: 500; }
.meta { display: grid; gap: 3px; margin: 0; }
.meta div { display: flex; gap: 10px; }
.meta dt { flex: 0 0 78px; color: #6b7385; font-weight: 600; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 1px; margin: 6px 0 10px; overflow: hidden; border: 1px solid #e4e7ec; border-radius: 8px; background: #e4e7ec; break-inside: avoid; }
.tile { padding: 9px 12px; background: #f9fafb; }
.tile-label { color: #6b7385; font-size: 7.5pt; font-weight: 600; letter-spacing: .05em; text-transform: uppercase; }
.tile-value { margin-top: 2px; font-size: 12pt; font-weight: 650; font-variant-numeric: tabular-nums; }
.tile-sub { color: #6b7385; font-size: 8pt; }
.notes { margin: 8px 0; padding: 8px 12px; border-left: 3px solid #f2a30f; background: #fff6e5; color: #7a3e00; }
.empty { margin: 6px 0 12px; padding: 14px 16px; border: 1px dashed #d0d5dd; border-radius: 8px; color: #475467; background: #f9fafb; }
.chart-block { margin: 8px 0 14px; padding: 10px 12px 6px; border: 1px solid #e4e7ec; border-radius: 8px; break-inside: avoid; page-break-inside: avoid; }
.chart-block h3 { margin: 0 0 4px; font-size: 10pt; }
svg.chart { display: block; width: 100%; height: auto; font-family: inherit; }
svg .c-grid { stroke: #eaecf0; stroke-width: 1; }
svg .c-axis { fill: #6b7385; font-size: 10px; }
svg .c-label { fill: #101828; font-size: 11px; }
svg .c-value { fill: #475467; font-size: 10px; }
svg .c-legend { fill: #475467; font-size: 11px; }
table { width: 100%; margin: 4px 0 12px; border-collapse: collapse; font-size: 8.5pt; font-variant-numeric: tabular-nums; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th { padding: 5px 7px; border-bottom: 1px solid #d0d5dd; background: #f2f4f7; color: #475467; font-size: 7.5pt; font-weight: 650; letter-spacing: .03em; text-align: left; text-transform: uppercase; white-space: nowrap; }
td { padding: 4px 7px; border-bottom: 1px solid #eaecf0; vertical-align: top; overflow-wrap: break-word; }
tbody tr:nth-child(even) td { background: #fbfbfc; }
/* Names keep a readable width ("gpu-a100-01" does not break at its hyphens); long ones still wrap.
   (A table cell's min-width does not hold in table layout; an empty block of that width does.) */
td.name::before, td.wide::before, td.when::before { content: ""; display: block; height: 0; }
td.name::before { width: 7em; }
td.wide::before { width: 10.5em; }
td.when::before { width: 8.5em; }
/* UUIDs, paths and summaries without spaces may break anywhere rather than widen the table past the page. */
td.break { overflow-wrap: anywhere; }
.th-unit { display: block; color: #6b7385; font-size: 7pt; font-weight: 500; letter-spacing: 0; text-transform: none; }
.num { text-align: right; white-space: nowrap; }
.group-note { color: #6b7385; font-style: italic; white-space: nowrap; }
.legend-notes { margin: -6px 0 12px; color: #6b7385; font-size: 7.5pt; }
.mono { font-family: ui-monospace, 'DejaVu Sans Mono', 'Liberation Mono', monospace; font-size: 7.5pt; }
.muted { color: #6b7385; }
.sub-line { color: #6b7385; font-size: 7.5pt; }
.lead { margin: 4px 0 0; color: #475467; font-size: 9pt; }
.nowrap { white-space: nowrap; }
.result-ok { color: #067647; font-weight: 600; }
.result-failed { color: #b42318; font-weight: 600; }
.page-break { break-before: page; page-break-before: always; }
@media print { body { max-width: none; padding: 0; } }
`;
