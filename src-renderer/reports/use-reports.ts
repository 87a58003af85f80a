import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ReportFormat, ReportKind } from '../../src-common/reports/report.contract.js';
import { formatBytes } from '../../src-common/reports/report-format.js';
import { errorMessage } from '../api/api-error.js';
import { useApi } from '../api/api-context.js';
import { useToast } from '../app/toast.js';
import { base64ToBytes, exportBytes, pdfBridge, saveFile } from './report-download.js';

export interface ReportRequest {
  kind: ReportKind;
  since: number;
  until: number;
  /** Undefined: every host. */
  hostIds?: number[];
  timeZone: string;
}

export const reportKeys = {
  all: ['reports'] as const,
  build: (q: ReportRequest | null) => ['reports', 'build', q] as const,
};

/** The newest audit events the preview lists (the export has them all). */
export const PREVIEW_EVENTS = 2000;

/** The preview's model. Stored data only, so it is cheap; the previous one stays up while the next loads. */
export function useReport(q: ReportRequest | null) {
  const { client } = useApi();
  return useQuery({
    queryKey: reportKeys.build(q),
    queryFn: () => client.reports.build({ ...q!, previewEvents: PREVIEW_EVENTS }),
    enabled: q !== null,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
}

export const FORMAT_LABELS: Record<ReportFormat, string> = { pdf: 'PDF', csv: 'CSV', json: 'JSON', html: 'HTML' };

/**
 * Export to a file: the core renders it; in the desktop app a PDF is printed by Electron from
 * the core's HTML (no Chromium needed on the machine). One export at a time.
 */
export function useReportExport() {
  const { client } = useApi();
  const toast = useToast();
  const [busy, setBusy] = useState<ReportFormat | null>(null);
  const run = async (q: ReportRequest, format: ReportFormat) => {
    if (busy) return;
    setBusy(format);
    try {
      const bridge = format === 'pdf' ? pdfBridge() : null;
      let bytes: Uint8Array<ArrayBuffer>;
      let fileName: string;
      let mimeType = 'application/pdf';
      if (bridge) {
        const html = await client.reports.export({ ...q, format: 'html' });
        const pdf = await bridge.printToPdf(new TextDecoder().decode(base64ToBytes(html.contentBase64)));
        bytes = new Uint8Array(pdf);
        fileName = html.fileName.replace(/\.html$/, '.pdf');
      } else {
        const e = await client.reports.export({ ...q, format });
        bytes = exportBytes(e);
        fileName = e.fileName;
        mimeType = e.mimeType;
      }
      saveFile(bytes, fileName, mimeType);
      toast({ tone: 'success', title: `Saved ${fileName}`, message: `${FORMAT_LABELS[format]}, ${formatBytes(bytes.length)}` });
    } catch (err) {
      toast({ tone: 'error', title: `Could not export the report as ${FORMAT_LABELS[format]}`, message: errorMessage(err) });
    } finally {
      setBusy(null);
    }
  };
  return { busy, run };
}
