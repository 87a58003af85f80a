import { app, BrowserWindow, ipcMain, Menu, Notification, session, shell, type IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import type { PayloadOf } from '../../src-common/contract.js';
import { allEvents, allRequests, apiEvents } from '../../src-common/api.js';
import { CoreProcess } from './core-process.js';
import { Keychain } from './keychain.js';
import { MAX_PRINT_HTML_BYTES, printHtmlToPdf } from './print-to-pdf.js';

/**
 * The thin Electron shell: one window with the security baseline, IPC derived from the
 * contracts (no channel string is written here), sender checks, and the OS keychain.
 */
const CALL_CHANNEL = 'fleetdeck:call';
const EVENT_CHANNEL = 'fleetdeck:event';
const PRINT_CHANNEL = 'fleetdeck:printToPdf';
const appRoot = path.resolve(__dirname, '../..');
const rendererIndex = path.join(__dirname, '../renderer/index.html');

let win: BrowserWindow | null = null;
const core = new CoreProcess(appRoot, path.join(app.getPath('userData'), 'data'));
let keychain: Keychain;

function senderAllowed(e: IpcMainInvokeEvent): boolean {
  const url = e.senderFrame?.url;
  if (!url || !win || e.sender !== win.webContents) return false;
  try {
    const u = new URL(url);
    return u.protocol === 'file:' && path.normalize(decodeURIComponent(u.pathname)) === path.normalize(rendererIndex);
  } catch {
    return false;
  }
}

async function handleCall(method: string, params: unknown): Promise<unknown> {
  if (method === 'hosts.connect') {
    const p = params as { id: number; credentials?: Record<string, unknown> & { remember?: boolean } };
    // `keychain` is ours to say, never the renderer's.
    const { remember, keychain: _fromRenderer, ...given } = p.credentials ?? {};
    void _fromRenderer;
    if (remember && !keychain.available) {
      throw { problem: 'invalid-input', message: 'No OS keychain is available, so Fleetdeck will not remember secrets; it asks for them when connecting.' };
    }
    const stored = keychain.get(p.id);
    const kinds = ['password', 'passphrase', 'sudoPassword'] as const;
    const read = kinds.filter((k) => stored[k] !== undefined && given[k] === undefined);
    const state = (await core.call(method, { ...p, credentials: { ...stored, ...given, keychain: { read, store: !!remember } } })) as { state: string; problem?: string };
    // Remember only what just worked; forget a remembered secret the server refused.
    if (state.state === 'connected' && remember) for (const k of kinds) if (typeof given[k] === 'string') keychain.set(p.id, k, given[k] as string);
    if (state.state === 'failed' && state.problem === 'authentication-failed') for (const k of kinds) if (stored[k] && given[k] === undefined) keychain.forgetKind(p.id, k);
    return state;
  }
  if (method === 'hosts.remove') keychain.forget((params as { id: number }).id);
  if (method === 'hosts.update') {
    // Remembered secrets belong to one server and user; a changed address or user drops them.
    const p = params as { id: number; host: { address?: string; port?: number; user?: string } };
    const before = (await core.call('hosts.get', { id: p.id })) as { address: string; port: number; user: string };
    const after = (await core.call(method, params)) as { address: string; port: number; user: string };
    if (before.address !== after.address || before.port !== after.port || before.user !== after.user) keychain.forget(p.id);
    return after;
  }
  return core.call(method, params);
}

/** A desktop notification for each newly fired alert; clicking it brings the window forward. */
function notifyAlert(e: PayloadOf<typeof apiEvents.alerts.onChange>): void {
  if (e.change !== 'fired' || !Notification.isSupported()) return;
  const n = new Notification({ title: `${e.alert.severity === 'critical' ? 'Critical' : 'Warning'}: ${e.alert.hostName}`, body: e.alert.message });
  n.on('click', () => {
    win?.show();
    win?.focus();
  });
  n.show();
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Fleetdeck',
    show: false,
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  // Host data is untrusted: never navigate the app window, open links in the system browser.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void win.loadFile(rendererIndex);
}

void app.whenReady().then(() => {
  keychain = new Keychain(path.join(app.getPath('userData'), 'secrets.json'));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': ["default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"],
      },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  core.start();
  const methods = new Set(allRequests().keys());
  const events = new Set(allEvents().keys());
  ipcMain.handle(CALL_CHANNEL, async (e, method: unknown, params: unknown) => {
    if (!senderAllowed(e)) throw new Error('Refused: unexpected sender');
    if (typeof method !== 'string' || !methods.has(method)) return { problem: { problem: 'not-found', message: `Unknown method ${String(method)}` } };
    try {
      return { result: await handleCall(method, params) };
    } catch (problem) {
      return { problem };
    }
  });
  // Reports: the renderer hands over the core's HTML export; it is printed in a locked-down window.
  ipcMain.handle(PRINT_CHANNEL, async (e, html: unknown) => {
    if (!senderAllowed(e)) throw new Error('Refused: unexpected sender');
    if (typeof html !== 'string' || html.length > MAX_PRINT_HTML_BYTES) return { problem: { problem: 'invalid-input', message: 'The report to print is missing or too large; export it as HTML instead.' } };
    try {
      return { result: await printHtmlToPdf(html) };
    } catch (err) {
      return { problem: { problem: 'internal-error', message: `Could not print the report to PDF: ${(err as Error).message}` } };
    }
  });
  core.onEvent((name, payload) => {
    if (events.has(name)) win?.webContents.send(EVENT_CHANNEL, name, payload);
    if (name === apiEvents.alerts.onChange.name) notifyAlert(payload as PayloadOf<typeof apiEvents.alerts.onChange>);
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
      { role: 'windowMenu' },
    ]),
  );
  createWindow();
});

app.on('window-all-closed', () => {
  core.stop();
  app.quit();
});
