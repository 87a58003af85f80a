import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ElectronApi } from './electron-api.js';
import {
  DoubleState,
  FakeBrowserWindow,
  FakeEmitter,
  FakeNotificationBase,
  FakeSafeStorage,
  FakeSession,
  type AnyFn,
  type DialogCall,
  type DoubleHooks,
  type FakeIpcMain,
  type FakeIpcRenderer,
  type IpcOrigin,
} from './electron-fakes.test-util.js';

export type { DialogCall, FakeBrowserWindow, FakeIpcMain, FakeIpcRenderer, FakeNotificationBase, FakeSafeStorage, FakeSession, IpcOrigin };
export type { FakeWebContents, IpcEvent, WindowOpenAnswer, WindowOpenDetails } from './electron-fakes.test-util.js';

/**
 * A test double of the `electron` module, for testing the shell (src-main/app) and the preload
 * without an Electron binary. It implements what the shell uses, records what the shell did
 * (windows and their options, IPC handlers, session hooks, dialogs, opened links), and has
 * drivers for what Chromium or the user would do (invoke from a page, navigate, window.open,
 * a response arriving, a permission request, a dialog answer, a notification click).
 *
 * Two ways in:
 *  - pass `double.module` where a module takes the Electron API as a parameter;
 *  - for code that imports 'electron' itself (main.ts, the preload), mock the module with the
 *    file's one shared double:
 *      vi.mock('electron', async () => (await import('./electron.test-util.js')).sharedElectronDouble().module);
 *
 * It behaves like Electron where the shell's correctness depends on it: IPC arguments and
 * replies are structured-cloned, a handler that throws rejects the renderer's invoke with an
 * Error naming the channel, a second handler for a channel throws, the preload's page gets
 * only the events sent to its own webContents, safeStorage refuses to work when unavailable.
 * What it cannot show is Chromium itself: see e2e/electron for the real binary.
 */

export interface ElectronDouble {
  /** The `electron` module as the code under test sees it. */
  module: ElectronApi;
  app: {
    readonly paths: Record<string, string>;
    quitCount: number;
    /** Runs the app's listeners for an app event (e.g. 'window-all-closed'). */
    emit(name: string, ...args: unknown[]): boolean;
  };
  /** Every BrowserWindow created, in order. */
  windows: FakeBrowserWindow[];
  ipcMain: FakeIpcMain;
  ipcRenderer: FakeIpcRenderer;
  /** What the preload put in the page's main world, by key. */
  exposed: Map<string, unknown>;
  session: { defaultSession: FakeSession; partitions: Map<string, FakeSession> };
  /** URLs handed to shell.openExternal. */
  openedExternally: string[];
  dialogs: DialogCall[];
  /** Which button each message box gets (default: its cancelId, as Esc would). */
  answerDialog: (options: DialogCall['options']) => number;
  safeStorage: FakeSafeStorage;
  menu: { current: { template: unknown[] } | null };
  notifications: FakeNotificationBase[];
  notificationsSupported: boolean;
  hooks: DoubleHooks;
  /** The page the preload runs in, for IPC from it (default: the first window's page). */
  page: IpcOrigin | null;
  /** Removes the temp dirs behind app.getPath. */
  dispose(): void;
}

export function createElectronDouble(): ElectronDouble {
  const state = new DoubleState();
  const root = mkdtempSync(path.join(os.tmpdir(), 'fleetdeck-electron-double-'));
  const paths: Record<string, string> = { userData: path.join(root, 'userData'), temp: path.join(root, 'temp'), home: path.join(root, 'home') };
  for (const p of Object.values(paths)) mkdirSync(p);
  const appEvents = new FakeEmitter();
  const defaultSession = new FakeSession('');
  const partitions = new Map<string, FakeSession>();
  const exposed = new Map<string, unknown>();

  const double: ElectronDouble = {
    module: null as unknown as ElectronApi,
    app: { paths, quitCount: 0, emit: (name, ...args) => appEvents.emit(name, ...args) },
    windows: state.windows,
    ipcMain: state.ipcMain,
    ipcRenderer: state.ipcRenderer,
    exposed,
    session: { defaultSession, partitions },
    openedExternally: [],
    dialogs: [],
    answerDialog: (options) => options.cancelId ?? 0,
    safeStorage: new FakeSafeStorage(),
    menu: { current: null },
    notifications: [],
    notificationsSupported: true,
    hooks: state.hooks,
    get page() {
      return state.page;
    },
    set page(origin) {
      state.page = origin;
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };

  const app = {
    getPath(name: string): string {
      const p = paths[name];
      if (!p) throw new Error(`Failed to get '${name}' path`);
      return p;
    },
    whenReady: () => Promise.resolve(),
    isReady: () => true,
    on: (name: string, fn: AnyFn) => (appEvents.on(name, fn), app),
    once: (name: string, fn: AnyFn) => (appEvents.once(name, fn), app),
    quit: () => void double.app.quitCount++,
  };

  class BrowserWindow extends FakeBrowserWindow {
    constructor(options: Record<string, unknown> = {}) {
      super(state, options);
    }
  }

  class Notification extends FakeNotificationBase {
    static isSupported(): boolean {
      return double.notificationsSupported;
    }

    constructor(options: { title?: string; body?: string }) {
      super(options);
      double.notifications.push(this);
    }
  }

  const moduleObject = {
    app,
    BrowserWindow,
    Notification,
    ipcMain: state.ipcMain,
    ipcRenderer: state.ipcRenderer,
    contextBridge: {
      exposeInMainWorld(key: string, api: unknown): void {
        if (exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object`);
        exposed.set(key, api);
      },
    },
    session: {
      defaultSession,
      fromPartition(partition: string, options: Record<string, unknown> = {}): FakeSession {
        let s = partitions.get(partition);
        if (!s) partitions.set(partition, (s = new FakeSession(partition, options)));
        return s;
      },
    },
    shell: {
      async openExternal(url: string): Promise<void> {
        double.openedExternally.push(url);
      },
    },
    dialog: {
      async showMessageBox(parentOrOptions: unknown, maybeOptions?: DialogCall['options']): Promise<{ response: number; checkboxChecked: boolean }> {
        const call: DialogCall = maybeOptions ? { parent: parentOrOptions, options: maybeOptions } : { parent: null, options: parentOrOptions as DialogCall['options'] };
        double.dialogs.push(call);
        return { response: double.answerDialog(call.options), checkboxChecked: false };
      },
    },
    safeStorage: double.safeStorage,
    Menu: {
      buildFromTemplate: (template: unknown[]) => ({ template }),
      setApplicationMenu: (menu: { template: unknown[] } | null) => void (double.menu.current = menu),
    },
  };
  double.module = moduleObject as unknown as ElectronApi;
  return double;
}

let shared: ElectronDouble | null = null;

/** The one double of a test file that mocks the 'electron' module (vitest isolates files, so each file gets its own). */
export function sharedElectronDouble(): ElectronDouble {
  return (shared ??= createElectronDouble());
}

/** The origin of the app's own page: the first window at the file it loaded. */
export function appPage(double: ElectronDouble): IpcOrigin {
  const win = double.windows[0];
  if (!win) throw new Error('electron double: no window yet');
  return { sender: win.webContents, frameUrl: win.webContents.url };
}
