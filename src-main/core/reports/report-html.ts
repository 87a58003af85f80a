import type { Report } from '../../../src-common/reports/report.schema.js';
import { formatDateTime, formatPeriod, formatTimeZone } from '../../../src-common/reports/report-format.js';
import { auditSections } from './html-audit.js';
import { inventorySections } from './html-inventory.js';
import { html, raw, type Html } from './html-template.js';
import { REPORT_CSS } from './report-css.js';
import { usageSections } from './html-usage.js';

/**
 * The self-contained HTML export (also what the PDF is printed from): inline CSS, inline SVG
 * charts, no script and nothing fetched; the CSP meta says so to whatever opens the file.
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

function hostsLine(r: Report): string {
  const names = r.meta.hosts.map((h) => h.name);
  if (!names.length) return 'none';
  const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')} and ${names.length - 12} more` : names.join(', ');
  return `${names.length} ${names.length === 1 ? 'host' : 'hosts'}${r.meta.hostSelection ? '' : ' (all)'}: ${shown}`;
}

function sections(r: Report): Html {
  switch (r.kind) {
    case 'usage':
      return usageSections(r);
    case 'inventory':
      return inventorySections(r);
    case 'audit':
      return auditSections(r);
  }
}

export function reportHtml(r: Report): string {
  const m = r.meta;
  const tz = m.timeZone;
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${raw(REPORT_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Fleetdeck ${m.fleetdeckVersion}">
<title>${m.title} · Fleetdeck</title>
<style>${raw(REPORT_CSS)}</style>
</head>
<body class="kind-${m.kind}">
<header class="report-head">
  <div class="brand"><span class="brand-mark"></span>Fleetdeck</div>
  <h1>${m.title}</h1>
  <dl class="meta">
    <div><dt>Period</dt><dd data-field="period">${formatPeriod(m.since, m.until, tz)}</dd></div>
    <div><dt>Hosts</dt><dd data-field="hosts">${hostsLine(r)}</dd></div>
    <div><dt>Generated</dt><dd data-field="generated">${formatDateTime(m.generatedAt, tz)} (${formatTimeZone(tz, m.generatedAt)}) by Fleetdeck ${m.fleetdeckVersion}</dd></div>
  </dl>
</header>
<main>
${sections(r)}
</main>
</body>
</html>
`;
  return doc.value;
}
