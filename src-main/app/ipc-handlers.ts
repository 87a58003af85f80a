import type { ElectronApi } from './electron-api.js';
import { CALL_CHANNEL, PRINT_CHANNEL } from './ipc-channels.js';
import { MAX_PRINT_HTML_BYTES } from './print-to-pdf.js';
import type { IpcSender } from './sender-check.js';

/**
 * The main side of the preload bridge. Replies are `{ result }` or `{ problem }` (a plain
 * object, which survives IPC whole); a message from anywhere but the app's page is refused
 * before its arguments are looked at, and a method the contracts do not declare never reaches
 * the core.
 */
export interface IpcRoutes {
  senderAllowed(e: IpcSender): boolean;
  /** The methods the contracts declare (allRequests()). */
  methods: ReadonlySet<string>;
  handleCall(method: string, params: unknown): Promise<unknown>;
  printToPdf(html: string): Promise<Uint8Array>;
}

const REFUSED = 'Refused: unexpected sender';

export function registerIpcHandlers(electron: Pick<ElectronApi, 'ipcMain'>, routes: IpcRoutes): void {
  electron.ipcMain.handle(CALL_CHANNEL, async (e, method: unknown, params: unknown) => {
    if (!routes.senderAllowed(e)) throw new Error(REFUSED);
    if (typeof method !== 'string' || !routes.methods.has(method)) return { problem: { problem: 'not-found', message: `Unknown method ${String(method)}` } };
    try {
      return { result: await routes.handleCall(method, params) };
    } catch (problem) {
      return { problem };
    }
  });
  // Reports: the renderer hands over the core's HTML export; it is printed in a locked-down window.
  electron.ipcMain.handle(PRINT_CHANNEL, async (e, html: unknown) => {
    if (!routes.senderAllowed(e)) throw new Error(REFUSED);
    if (typeof html !== 'string' || html.length > MAX_PRINT_HTML_BYTES) return { problem: { problem: 'invalid-input', message: 'The report to print is missing or too large; export it as HTML instead.' } };
    try {
      return { result: await routes.printToPdf(html) };
    } catch (err) {
      return { problem: { problem: 'internal-error', message: `Could not print the report to PDF: ${(err as Error).message}` } };
    }
  });
}

