import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ElectronApi } from './electron-api.js';

/**
 * The parts of the electron double (electron.test-util.ts, the one entry point): an event
 * emitter, webContents and windows, sessions, IPC both ways, safeStorage, notifications, and
 * the state they share. Tests use them through createElectronDouble.
 */
export type AnyFn = (...args: never[]) => unknown;
type Call = (...args: unknown[]) => unknown;

export class FakeEmitter {
  private readonly listeners = new Map<string, Array<{ fn: AnyFn; once: boolean }>>();

  on(name: string, fn: AnyFn): this {
    this.list(name).push({ fn, once: false });
    return this;
  }

  once(name: string, fn: AnyFn): this {
    this.list(name).push({ fn, once: true });
    return this;
  }

  removeListener(name: string, fn: AnyFn): this {
    const list = this.list(name);
    const i = list.findIndex((l) => l.fn === fn);
    if (i >= 0) list.splice(i, 1);
    return this;
  }

  off(name: string, fn: AnyFn): this {
    return this.removeListener(name, fn);
  }

  emit(name: string, ...args: unknown[]): boolean {
    const list = [...this.list(name)];
    for (const l of list) {
      if (l.once) this.removeListener(name, l.fn);
      (l.fn as Call)(...args);
    }
    return list.length > 0;
  }

  listenerCount(name: string): number {
    return this.list(name).length;
  }

  private list(name: string): Array<{ fn: AnyFn; once: boolean }> {
    let list = this.listeners.get(name);
    if (!list) this.listeners.set(name, (list = []));
    return list;
  }
}

export interface WindowOpenDetails {
  url: string;
  frameName: string;
  features: string;
  disposition: 'default' | 'foreground-tab' | 'background-tab' | 'new-window' | 'other';
}
export type WindowOpenAnswer = { action: 'allow' | 'deny' };

export class FakeWebContents extends FakeEmitter {
  /** The page's URL: set by the window's loadFile, or by a test. */
  url = '';
  windowOpenHandler: ((details: WindowOpenDetails) => WindowOpenAnswer) | null = null;
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  readonly printCalls: unknown[] = [];
  private destroyed = false;

  constructor(private readonly state: DoubleState) {
    super();
  }

  setWindowOpenHandler(handler: (details: WindowOpenDetails) => WindowOpenAnswer): void {
    this.windowOpenHandler = handler;
  }

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    const cloned = structuredClone(args);
    this.sent.push({ channel, args: cloned });
    this.state.deliverToPage(this, channel, cloned);
  }

  async printToPDF(options: unknown): Promise<Buffer> {
    this.printCalls.push(options);
    return this.state.hooks.printToPDF ? this.state.hooks.printToPDF(this, options) : Buffer.from('%PDF-1.7 fake');
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  destroy(): void {
    this.destroyed = true;
  }

  // ---- drivers: what the page does -------------------------------------------------------

  /** The page calls window.open(url) (or a target=_blank link): what the shell's handler answers. Without one, Electron opens a window. */
  windowOpen(url: string): WindowOpenAnswer {
    if (!this.windowOpenHandler) return { action: 'allow' };
    return this.windowOpenHandler({ url, frameName: '', features: 'noopener,noreferrer', disposition: 'new-window' });
  }

  /** The page tries to navigate: true when a will-navigate listener prevented it. */
  navigate(url: string): boolean {
    let prevented = false;
    const event = { url, preventDefault: () => void (prevented = true), defaultPrevented: false };
    this.emit('will-navigate', event, url);
    return prevented;
  }
}

export class FakeBrowserWindow extends FakeEmitter {
  readonly webContents: FakeWebContents;
  readonly loadedFiles: string[] = [];
  visible = false;
  focusCount = 0;
  private destroyed = false;

  constructor(
    private readonly state: DoubleState,
    readonly options: Record<string, unknown>,
  ) {
    super();
    this.webContents = new FakeWebContents(state);
    state.windows.push(this);
  }

  async loadFile(file: string): Promise<void> {
    this.loadedFiles.push(file);
    this.webContents.url = pathToFileURL(path.resolve(file)).href;
    await this.state.hooks.loadFile?.(this, file);
  }

  show(): void {
    this.visible = true;
  }

  focus(): void {
    this.focusCount++;
  }

  destroy(): void {
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** The web preferences the window was created with. */
  get webPreferences(): Record<string, unknown> {
    return (this.options.webPreferences ?? {}) as Record<string, unknown>;
  }
}

type HeadersListener = (details: { url: string; responseHeaders?: Record<string, string[]> }, callback: (response: { cancel?: boolean; responseHeaders?: Record<string, string[]> }) => void) => void;
type BeforeRequestListener = (details: { url: string }, callback: (response: { cancel?: boolean; redirectURL?: string }) => void) => void;
type PermissionHandler = (webContents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;

export class FakeSession {
  headersListener: HeadersListener | null = null;
  beforeRequestListener: BeforeRequestListener | null = null;
  permissionRequestHandler: PermissionHandler | null = null;
  readonly webRequest = {
    onHeadersReceived: (listener: HeadersListener | null) => void (this.headersListener = listener),
    onBeforeRequest: (filterOrListener: unknown, listener?: BeforeRequestListener | null) =>
      void (this.beforeRequestListener = (listener === undefined ? filterOrListener : listener) as BeforeRequestListener | null),
  };

  constructor(
    readonly partition: string,
    readonly options: Record<string, unknown> = {},
  ) {}

  setPermissionRequestHandler(handler: PermissionHandler | null): void {
    this.permissionRequestHandler = handler;
  }

  // ---- drivers: what Chromium does ---------------------------------------------------------

  /** A response arrives: the headers the page gets (unchanged when no listener is set). */
  async receiveResponse(url: string, responseHeaders: Record<string, string[]> = {}): Promise<Record<string, string[]>> {
    const listener = this.headersListener;
    if (!listener) return responseHeaders;
    return new Promise((resolve) => listener({ url, responseHeaders }, (r) => resolve(r.responseHeaders ?? responseHeaders)));
  }

  /** A request is about to start: whether it is cancelled (Chromium lets it through when no listener is set). */
  async request(url: string): Promise<{ cancelled: boolean }> {
    const listener = this.beforeRequestListener;
    if (!listener) return { cancelled: false };
    return new Promise((resolve) => listener({ url }, (r) => resolve({ cancelled: r.cancel === true })));
  }

  /** A page asks for a permission: whether it is granted (Electron grants it when no handler is set). */
  async requestPermission(permission: string): Promise<boolean> {
    const handler = this.permissionRequestHandler;
    if (!handler) return true;
    return new Promise((resolve) => handler({}, permission, resolve, { requestingUrl: 'file:///' }));
  }
}

type IpcHandler = (event: IpcEvent, ...args: unknown[]) => unknown;
export interface IpcEvent {
  sender: unknown;
  senderFrame: { url: string } | null;
}
/** Who sends an IPC message: a webContents and the URL of its frame (null: the frame is gone). */
export interface IpcOrigin {
  sender: unknown;
  frameUrl: string | null;
}

export class FakeIpcMain {
  readonly handlers = new Map<string, IpcHandler>();

  handle(channel: string, handler: IpcHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** A renderer's ipcRenderer.invoke, as Electron runs it: cloned arguments and reply; a throw rejects with an Error naming the channel. */
  async invoke(channel: string, from: IpcOrigin, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    const event: IpcEvent = { sender: from.sender, senderFrame: from.frameUrl === null ? null : { url: from.frameUrl } };
    let reply: unknown;
    try {
      reply = await handler(event, ...structuredClone(args));
    } catch (err) {
      throw new Error(`Error invoking remote method '${channel}': ${String(err)}`);
    }
    return structuredClone(reply);
  }
}

export class FakeIpcRenderer extends FakeEmitter {
  constructor(private readonly state: DoubleState) {
    super();
  }

  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    return this.state.ipcMain.invoke(channel, this.state.pageOrigin(), ...args);
  }
}

type StorageBackend = ReturnType<ElectronApi['safeStorage']['getSelectedStorageBackend']>;

export class FakeSafeStorage {
  encryptionAvailable = true;
  backend: StorageBackend = 'gnome_libsecret';
  /** Every string encrypted, to check that nothing else was. */
  readonly encrypted: string[] = [];

  isEncryptionAvailable(): boolean {
    return this.encryptionAvailable;
  }

  getSelectedStorageBackend(): StorageBackend {
    return this.backend;
  }

  encryptString(plain: string): Buffer {
    if (!this.encryptionAvailable) throw new Error('Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.');
    this.encrypted.push(plain);
    return Buffer.concat([MAGIC, scramble(Buffer.from(plain, 'utf8'))]);
  }

  decryptString(cipher: Buffer): string {
    if (!this.encryptionAvailable) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString. Decryption is not available.');
    if (!cipher.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return scramble(cipher.subarray(MAGIC.length)).toString('utf8');
  }
}

// Like the real thing: a version prefix, then bytes that do not contain the plain text.
const MAGIC = Buffer.from('v11');
function scramble(bytes: Buffer): Buffer {
  return Buffer.from(bytes.map((b, i) => b ^ (0xa5 + i * 7) % 256));
}

export interface DialogCall {
  parent: unknown;
  options: { message: string; detail?: string; buttons?: string[]; defaultId?: number; cancelId?: number; type?: string; title?: string; noLink?: boolean };
}

export class FakeNotificationBase extends FakeEmitter {
  shown = false;

  constructor(readonly options: { title?: string; body?: string }) {
    super();
  }

  show(): void {
    this.shown = true;
  }

  /** The user clicks the notification. */
  click(): void {
    this.emit('click');
  }
}

export interface DoubleHooks {
  /** Runs inside BrowserWindow.loadFile (after the URL is set): delay it, fail it, read the file. */
  loadFile?: (win: FakeBrowserWindow, file: string) => Promise<void> | void;
  printToPDF?: (webContents: FakeWebContents, options: unknown) => Promise<Buffer>;
}

export class DoubleState {
  readonly windows: FakeBrowserWindow[] = [];
  readonly ipcMain = new FakeIpcMain();
  readonly ipcRenderer: FakeIpcRenderer = new FakeIpcRenderer(this);
  readonly hooks: DoubleHooks = {};
  /** Who the preload's page is; by default the first window, at whatever it loaded. */
  page: IpcOrigin | null = null;

  pageOrigin(): IpcOrigin {
    if (this.page) return this.page;
    const win = this.windows[0];
    if (!win) throw new Error('electron double: no window yet, so no page to send from (set double.page)');
    return { sender: win.webContents, frameUrl: win.webContents.url };
  }

  deliverToPage(from: FakeWebContents, channel: string, args: unknown[]): void {
    const page = this.page ?? (this.windows[0] ? { sender: this.windows[0].webContents } : null);
    if (page?.sender === from) this.ipcRenderer.emit(channel, { sender: this.ipcRenderer }, ...args);
  }
}
