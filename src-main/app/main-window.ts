import type { BrowserWindow, WebPreferences } from 'electron';
import type { ElectronApi } from './electron-api.js';

/**
 * The app window with Electron's security baseline: the page runs sandboxed, isolated from the
 * preload, without Node; it never navigates (host data is untrusted), and a link it opens goes
 * to `openLink` (the system browser, after the checks in external-links.ts), never a new window.
 */
export function baselineWebPreferences(preload: string): WebPreferences {
  return { preload, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false };
}

export function createMainWindow(
  electron: Pick<ElectronApi, 'BrowserWindow'>,
  o: { preload: string; rendererIndex: string; openLink(url: string): void },
): BrowserWindow {
  const win = new electron.BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Fleetdeck',
    show: false,
    webPreferences: baselineWebPreferences(o.preload),
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    o.openLink(url);
    return { action: 'deny' };
  });
  void win.loadFile(o.rendererIndex);
  return win;
}
