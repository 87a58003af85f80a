import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, safeStorage, session, shell } from 'electron';
import path from 'node:path';
import { allEvents, allRequests, apiEvents } from '../../src-common/api.js';
import { notifyAlert, type AlertChange } from './alert-notifications.js';
import { installAppMenu } from './app-menu.js';
import { CoreProcess } from './core-process.js';
import { openLink } from './external-links.js';
import { createCallHandler } from './host-secrets.js';
import { EVENT_CHANNEL } from './ipc-channels.js';
import { registerIpcHandlers } from './ipc-handlers.js';
import { Keychain } from './keychain.js';
import { createMainWindow } from './main-window.js';
import { createReportPrinter } from './print-to-pdf.js';
import { senderAllowed } from './sender-check.js';
import { applySessionPolicy } from './session-policy.js';

/**
 * The thin Electron shell, composed: one window with the security baseline, IPC derived from the
 * contracts (no method name is written here), sender checks, the OS keychain, report printing
 * and alert notifications. The logic lives in the modules beside this one, each taking the parts
 * of Electron it uses, so they are tested with the double in electron.test-util.ts.
 */
const appRoot = path.resolve(__dirname, '../..');
const rendererIndex = path.join(__dirname, '../renderer/index.html');
const preload = path.join(__dirname, '../preload/index.cjs');

let win: BrowserWindow | null = null;
const core = new CoreProcess(appRoot, path.join(app.getPath('userData'), 'data'));

void app.whenReady().then(() => {
  const keychain = new Keychain(path.join(app.getPath('userData'), 'secrets.json'), safeStorage);
  applySessionPolicy(session.defaultSession);
  core.start();
  registerIpcHandlers(
    { ipcMain },
    {
      senderAllowed: (e) => senderAllowed(e, win, rendererIndex),
      methods: new Set(allRequests().keys()),
      handleCall: createCallHandler(core, keychain),
      printToPdf: createReportPrinter({ app, BrowserWindow, session }),
    },
  );
  const events = new Set(allEvents().keys());
  core.onEvent((name, payload) => {
    if (events.has(name)) win?.webContents.send(EVENT_CHANNEL, name, payload);
    if (name === apiEvents.alerts.onChange.name) notifyAlert({ Notification }, () => win, payload as AlertChange);
  });
  installAppMenu({ Menu });
  win = createMainWindow({ BrowserWindow }, { preload, rendererIndex, openLink: (url) => void openLink({ dialog, shell }, win, url).catch((err) => console.error('fleetdeck: could not open a link', err)) });
});

app.on('window-all-closed', () => {
  core.stop();
  app.quit();
});
