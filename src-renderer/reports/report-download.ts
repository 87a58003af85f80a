import type { ReportExport } from '../../src-common/reports/report.contract.js';

/** Turning an export into a file the browser saves, and the Electron PDF bridge when present. */

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Saves through a temporary <a download>; the object URL is released once the save started. */
export function saveFile(bytes: Uint8Array<ArrayBuffer>, fileName: string, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function exportBytes(e: ReportExport): Uint8Array<ArrayBuffer> {
  return base64ToBytes(e.contentBase64);
}

type PrintBridge = { printToPdf(html: string): Promise<Uint8Array> };

/** The desktop app's printToPdf (Electron's own Chromium), or null in a browser. */
export function pdfBridge(): PrintBridge | null {
  const bridge = (window as { fleetdeck?: Partial<PrintBridge> }).fleetdeck;
  return bridge && typeof bridge.printToPdf === 'function' ? (bridge as PrintBridge) : null;
}
