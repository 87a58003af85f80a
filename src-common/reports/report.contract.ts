import { z } from 'zod';
import { request } from '../contract.js';
import { hostIdSchema } from '../hosts/host.schema.js';
import { reportSchema } from './report.schema.js';

/**
 * Reports: inventory, usage over a period (from the monitoring history) and audit. The core
 * builds a report model from stored data; the front end previews it and exports it.
 * (The model's schema lives in report.schema.ts.)
 */
export const reportKindSchema = z.enum(['inventory', 'usage', 'audit']);
export type ReportKind = z.infer<typeof reportKindSchema>;
export const reportFormatSchema = z.enum(['pdf', 'csv', 'json', 'html']);
export type ReportFormat = z.infer<typeof reportFormatSchema>;

export const reportQuerySchema = z
  .object({
    kind: reportKindSchema,
    /** Period, Unix epoch ms. Defaults: the last 7 days up to now. */
    since: z.number().int().nonnegative().optional(),
    until: z.number().int().nonnegative().optional(),
    /** Hosts to include; all when absent. */
    hostIds: z.array(hostIdSchema).max(1000).optional(),
    /** IANA time zone to show times and days in (the viewer's); this machine's when absent. */
    timeZone: z.string().min(1).max(64).optional(),
  })
  .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, { message: 'since must be before until' });
export type ReportQuery = z.input<typeof reportQuerySchema>;

export const reportExportSchema = z.object({
  fileName: z.string(),
  mimeType: z.string(),
  /** The file's bytes, base64. */
  contentBase64: z.string(),
  bytes: z.number().int(),
});
export type ReportExport = z.infer<typeof reportExportSchema>;

export const reportsContract = {
  /**
   * The report's model, for the preview. Nothing on any host is touched: stored data only.
   * previewEvents keeps an audit preview light on a long log: only that many of the newest events
   * come back (counts and charts still cover them all; exports always hold every event).
   */
  build: request('reports.build', reportQuerySchema.and(z.object({ previewEvents: z.number().int().min(1).max(100_000).optional() })), reportSchema),
  /** The report as a file (PDF through a headless Chromium on this machine). */
  export: request('reports.export', reportQuerySchema.and(z.object({ format: reportFormatSchema })), reportExportSchema),
} as const;
