import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ElectronApi } from './electron-api.js';

/**
 * Report HTML → PDF with Electron's own Chromium: the page (our self-contained export, but full
 * of host-supplied text) is loaded from a private temp file into a hidden, sandboxed window
 * with JavaScript off, in an in-memory session that refuses every request but that one file.
 */
const PARTITION = 'fleetdeck-print';
const TIMEOUT_MS = 60_000;
export const MAX_PRINT_HTML_BYTES = 32 * 1024 * 1024;

export type PrintElectron = Pick<ElectronApi, 'app' | 'BrowserWindow' | 'session'>;

/** Prints one report at a time: the session's request filter allows exactly the file being printed. */
export function createReportPrinter(electron: PrintElectron, options: { timeoutMs?: number } = {}): (html: string) => Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  let queue: Promise<unknown> = Promise.resolve();
  return (html) => {
    const run = queue.then(() => print(electron, html, timeoutMs));
    queue = run.catch(() => undefined);
    return run;
  };
}

async function print({ app, BrowserWindow, session }: PrintElectron, html: string, timeoutMs: number): Promise<Uint8Array> {
  const dir = await mkdtemp(path.join(app.getPath('temp'), 'fleetdeck-report-'));
  const file = path.join(dir, 'report.html');
  const url = pathToFileURL(file).href;
  const ses = session.fromPartition(PARTITION, { cache: false });
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: details.url !== url }));
  ses.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  const win = new BrowserWindow({
    show: false,
    webPreferences: { sandbox: true, javascript: false, contextIsolation: true, nodeIntegration: false, webSecurity: true, session: ses, spellcheck: false },
  });
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await writeFile(file, html, { mode: 0o600 });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`printing the report took longer than ${timeoutMs / 1000} s`)), timeoutMs);
    });
    await Promise.race([win.loadFile(file), timeout]);
    const pdf = await Promise.race([win.webContents.printToPDF({ pageSize: 'A4', printBackground: true, preferCSSPageSize: true, generateTaggedPDF: true }), timeout]);
    return new Uint8Array(pdf);
  } finally {
    clearTimeout(timer);
    win.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
