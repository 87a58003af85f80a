import type { ReportExport, ReportFormat, ReportQuery } from '../../../src-common/reports/report.contract.js';
import type { Report } from '../../../src-common/reports/report.schema.js';
import { reportFileName } from '../../../src-common/reports/report-format.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Db } from '../db/database.js';
import type { HostStore } from '../hosts/host-store.js';
import { buildAuditReport } from './audit-report.js';
import { buildInventoryReport } from './inventory-report.js';
import { reportCsv } from './report-csv.js';
import { reportHtml } from './report-html.js';
import { resolveQuery } from './report-query.js';
import { buildUsageReport } from './usage-report.js';
import { htmlToPdf } from './pdf-chromium.js';
import { handlersFor, type Capability } from '../capability.js';
import { api } from '../../../src-common/api.js';

/** Builds reports from stored data (facts, monitoring history, audit log) and exports them. */
export interface ReportDeps {
  db: Db;
  hosts: HostStore;
  audit: AuditLog;
  now?: () => number;
  /** HTML → PDF; a headless Chromium on this machine unless replaced (tests). */
  printPdf?: (html: string) => Promise<Buffer>;
}

const MIME: Record<ReportFormat, string> = {
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  html: 'text/html; charset=utf-8',
};

export class ReportService implements Capability {
  handlers() {
    return handlersFor(api.reports, {
      build: async (p) => this.build(p),
      export: async (p) => this.export(p),
    });
  }

  constructor(private readonly deps: ReportDeps) {}

  async build(query: ReportQuery & { previewEvents?: number }): Promise<Report> {
    const now = this.deps.now?.() ?? Date.now();
    const q = resolveQuery(query, this.deps.hosts, now);
    switch (q.kind) {
      case 'inventory':
        return buildInventoryReport(q, this.deps.hosts);
      case 'usage':
        return buildUsageReport(q, this.deps.db, this.deps.hosts, now);
      case 'audit':
        return buildAuditReport(q, this.deps.audit, query.previewEvents);
    }
  }

  /** The report's file bytes, as they are written to disk or downloaded. */
  async render(report: Report, format: ReportFormat): Promise<Buffer> {
    switch (format) {
      case 'json':
        return Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8');
      case 'csv':
        return Buffer.from(reportCsv(report), 'utf8');
      case 'html':
        return Buffer.from(reportHtml(report), 'utf8');
      case 'pdf':
        return (this.deps.printPdf ?? htmlToPdf)(reportHtml(report));
    }
  }

  async export(query: ReportQuery & { format: ReportFormat }): Promise<ReportExport> {
    const { format, ...rest } = query;
    const report = await this.build(rest);
    const bytes = await this.render(report, format);
    const m = report.meta;
    return {
      fileName: reportFileName(m.kind, m.since, m.until, m.timeZone, format),
      mimeType: MIME[format],
      contentBase64: bytes.toString('base64'),
      bytes: bytes.length,
    };
  }
}
