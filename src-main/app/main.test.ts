import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { appPage, sharedElectronDouble, type FakeBrowserWindow } from './electron.test-util.js';
import { CALL_CHANNEL, EVENT_CHANNEL, PRINT_CHANNEL } from './ipc-channels.js';
import { OPEN_BUTTON } from './external-links.js';
import { MAX_PRINT_HTML_BYTES } from './print-to-pdf.js';
import { CONTENT_SECURITY_POLICY } from './session-policy.js';

/**
 * main.ts as Electron would start it, on the electron double: the composition (which module
 * gets which part of Electron, the order of start-up, the sender check wired to the real
 * window) and the behaviour a user or a hostile page sees through it. The core is a fake that
 * records calls: it runs as a child process and has its own tests.
 */
const core = vi.hoisted(() => ({
  args: [] as string[],
  started: 0,
  stopped: 0,
  calls: [] as Array<{ method: string; params: unknown }>,
  answer: (_method: string, _params: unknown): unknown => ({}),
  listeners: new Set<(name: string, payload: unknown) => void>(),
}));

vi.mock('electron', async () => (await import('./electron.test-util.js')).sharedElectronDouble().module);
vi.mock('./core-process.js', () => ({
  CoreProcess: class {
    constructor(appRoot: string, dataDir: string) {
      core.args = [appRoot, dataDir];
    }
    start() {
      core.started++;
    }
    stop() {
      core.stopped++;
    }
    async call(method: string, params: unknown) {
      core.calls.push({ method, params });
      return core.answer(method, params);
    }
    onEvent(listener: (name: string, payload: unknown) => void) {
      core.listeners.add(listener);
      return () => core.listeners.delete(listener);
    }
  },
}));

const double = sharedElectronDouble();
let win: FakeBrowserWindow;
const rendererIndex = path.join(import.meta.dirname, '../renderer/index.html');

beforeAll(async () => {
  await import('./main.js');
  await vi.waitFor(() => expect(double.windows).toHaveLength(1));
  win = double.windows[0]!;
});
afterAll(() => double.dispose());
beforeEach(() => {
  core.calls.length = 0;
  core.answer = () => ({});
  double.page = null;
  double.dialogs.length = 0;
  double.openedExternally.length = 0;
  double.answerDialog = (o) => o.cancelId ?? 0;
});

const fromPage = () => appPage(double);

describe('start-up', () => {
  it('starts the core with its data dir under userData, and sets the menu', () => {
    expect(core.args).toEqual([path.resolve(import.meta.dirname, '../..'), path.join(double.app.paths.userData!, 'data')]);
    expect(core.started).toBe(1);
    expect(double.menu.current?.template.length).toBeGreaterThan(0);
  });

  it('opens one window on the renderer file, shown once ready', () => {
    expect(win.loadedFiles).toEqual([rendererIndex]);
    expect(win.visible).toBe(false);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);
  });

  it('creates the window with the security baseline and the preload', () => {
    expect(win.webPreferences).toEqual({
      preload: path.join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    });
    // Nothing that loosens it.
    for (const key of ['nodeIntegrationInSubFrames', 'nodeIntegrationInWorker', 'allowRunningInsecureContent', 'webviewTag', 'experimentalFeatures', 'enableBlinkFeatures']) {
      expect(win.webPreferences[key], key).toBeUndefined();
    }
  });
});

describe('the window', () => {
  it('never navigates', () => {
    expect(win.webContents.navigate('https://evil.example/')).toBe(true);
    expect(win.webContents.navigate(pathToFileURL(rendererIndex).href)).toBe(true);
  });

  it('denies every new window; a web link goes to the system browser after the user agrees', async () => {
    double.answerDialog = () => OPEN_BUTTON;
    expect(win.webContents.windowOpen('https://example.com/from-host-output')).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(double.openedExternally).toEqual(['https://example.com/from-host-output']));
    expect(double.dialogs).toHaveLength(1);
    expect(double.dialogs[0]!.parent).toBe(win);
    expect(double.dialogs[0]!.options.detail).toContain('https://example.com/from-host-output');
  });

  it('opens nothing when the user cancels, and never asks about non-web links', async () => {
    expect(win.webContents.windowOpen('https://example.com/')).toEqual({ action: 'deny' });
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,x']) expect(win.webContents.windowOpen(url)).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(double.dialogs).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 10));
    expect(double.openedExternally).toEqual([]);
  });
});

describe('the session', () => {
  it('sets the CSP on every response, keeping the other headers', async () => {
    const headers = await double.session.defaultSession.receiveResponse(pathToFileURL(rendererIndex).href, { 'Content-Type': ['text/html'] });
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });

  it('replaces a CSP a response brings under the same name', async () => {
    const headers = await double.session.defaultSession.receiveResponse('file:///x', { 'Content-Security-Policy': ['default-src *'] });
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
  });

  it('the CSP allows nothing remote and no inline code', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/) as [string, ...string[]]).map(([k, ...v]) => [k, v]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|https?:|\*/);
  });

  it('denies every permission request', async () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fileSystem']) {
      expect(await double.session.defaultSession.requestPermission(permission), permission).toBe(false);
    }
  });
});

describe('IPC', () => {
  it('registers exactly the call and print channels', () => {
    expect([...double.ipcMain.handlers.keys()].sort()).toEqual([CALL_CHANNEL, PRINT_CHANNEL].sort());
  });

  it("answers the app's page with the core's result", async () => {
    core.answer = () => [{ id: 1 }];
    await expect(double.ipcMain.invoke(CALL_CHANNEL, fromPage(), 'hosts.list', {})).resolves.toEqual({ result: [{ id: 1 }] });
    expect(core.calls).toEqual([{ method: 'hosts.list', params: {} }]);
  });

  it('passes a problem back as a plain object', async () => {
    core.answer = () => {
      throw { problem: 'not-found', message: 'No host 9' };
    };
    await expect(double.ipcMain.invoke(CALL_CHANNEL, fromPage(), 'hosts.get', { id: 9 })).resolves.toEqual({ problem: { problem: 'not-found', message: 'No host 9' } });
  });

  it('refuses an unknown method without calling the core', async () => {
    for (const method of ['hosts.nope', '__proto__', 'constructor', '', 42, null]) {
      await expect(double.ipcMain.invoke(CALL_CHANNEL, fromPage(), method, {})).resolves.toEqual({ problem: { problem: 'not-found', message: `Unknown method ${String(method)}` } });
    }
    expect(core.calls).toEqual([]);
  });

  const strangers: Array<[string, () => { sender: unknown; frameUrl: string | null }]> = [
    ['another webContents', () => ({ sender: {}, frameUrl: pathToFileURL(rendererIndex).href })],
    ['another file in the window', () => ({ sender: win.webContents, frameUrl: pathToFileURL(path.join(path.dirname(rendererIndex), 'evil.html')).href })],
    ['an encoded path trick', () => ({ sender: win.webContents, frameUrl: pathToFileURL(rendererIndex).href.replace('/renderer/', '/x%2F..%2Frenderer/') })],
    ['a web page', () => ({ sender: win.webContents, frameUrl: 'https://evil.example/index.html' })],
    ['a missing frame', () => ({ sender: win.webContents, frameUrl: null })],
  ];
  for (const [who, origin] of strangers) {
    it(`refuses ${who}, on both channels, before looking at the arguments`, async () => {
      await expect(double.ipcMain.invoke(CALL_CHANNEL, origin(), 'hosts.list', {})).rejects.toThrow(/Refused: unexpected sender/);
      await expect(double.ipcMain.invoke(PRINT_CHANNEL, origin(), '<p>x</p>')).rejects.toThrow(/Refused: unexpected sender/);
      expect(core.calls).toEqual([]);
    });
  }

  it('runs hosts.connect through the keychain: no injected keychain field, nothing stored without one', async () => {
    double.safeStorage.backend = 'basic_text';
    core.answer = () => ({ state: 'connected' });
    await expect(double.ipcMain.invoke(CALL_CHANNEL, fromPage(), 'hosts.connect', { id: 4, credentials: { password: 'pw', remember: true } })).resolves.toEqual({
      problem: { problem: 'invalid-input', message: expect.stringMatching(/No OS keychain/) },
    });
    double.safeStorage.backend = 'gnome_libsecret';
    await double.ipcMain.invoke(CALL_CHANNEL, fromPage(), 'hosts.connect', { id: 4, credentials: { password: 'pw', remember: true, keychain: { read: ['password'], store: false } } });
    expect(core.calls).toEqual([{ method: 'hosts.connect', params: { id: 4, credentials: { password: 'pw', keychain: { read: [], store: true } } } }]);
    // Remembered for the next connect, which reads it from the keychain.
    await double.ipcMain.invoke(CALL_CHANNEL, fromPage(), 'hosts.connect', { id: 4 });
    expect(core.calls[1]).toEqual({ method: 'hosts.connect', params: { id: 4, credentials: { password: 'pw', keychain: { read: ['password'], store: false } } } });
  });

  it('prints a report for the page, and refuses a missing or too large one', async () => {
    const reply = (await double.ipcMain.invoke(PRINT_CHANNEL, fromPage(), '<h1>r</h1>')) as { result: Uint8Array };
    expect(Buffer.from(reply.result).toString()).toBe('%PDF-1.7 fake');
    const tooLarge = 'x'.repeat(MAX_PRINT_HTML_BYTES + 1);
    for (const html of [tooLarge, undefined, 42, { html: 'x' }]) {
      await expect(double.ipcMain.invoke(PRINT_CHANNEL, fromPage(), html)).resolves.toEqual({ problem: { problem: 'invalid-input', message: expect.any(String) } });
    }
  });

  it('reports a failed print as a problem', async () => {
    double.hooks.printToPDF = async () => {
      throw new Error('no printer backend');
    };
    try {
      await expect(double.ipcMain.invoke(PRINT_CHANNEL, fromPage(), '<h1>r</h1>')).resolves.toEqual({ problem: { problem: 'internal-error', message: 'Could not print the report to PDF: no printer backend' } });
    } finally {
      delete double.hooks.printToPDF;
    }
  });
});

describe('core events', () => {
  const emit = (name: string, payload: unknown) => {
    for (const l of core.listeners) l(name, payload);
  };
  const alert = { id: 1, ruleId: 1, kind: 'gpu-temp', hostId: 2, hostName: 'gpu-2', subject: 'gpu:0', message: 'GPU 0 at 91 °C', severity: 'critical', startedAt: 0, resolvedAt: null, acknowledged: false };

  it('sends the events the contracts declare to the window, and drops others', () => {
    win.webContents.sent.length = 0;
    emit('hosts.onState', { id: 1, connection: { state: 'connected' } });
    emit('internal.secret', { x: 1 });
    expect(win.webContents.sent).toEqual([{ channel: EVENT_CHANNEL, args: ['hosts.onState', { id: 1, connection: { state: 'connected' } }] }]);
  });

  it('shows a notification for a fired alert that brings the window forward when clicked', () => {
    double.notifications.length = 0;
    emit('alerts.onChange', { change: 'fired', alert });
    emit('alerts.onChange', { change: 'resolved', alert });
    expect(double.notifications).toHaveLength(1);
    const n = double.notifications[0]!;
    expect(n.options).toEqual({ title: 'Critical: gpu-2', body: 'GPU 0 at 91 °C' });
    expect(n.shown).toBe(true);
    const before = win.focusCount;
    n.click();
    expect(win.focusCount).toBe(before + 1);
  });

  it('shows no notification where the OS has none', () => {
    double.notifications.length = 0;
    double.notificationsSupported = false;
    emit('alerts.onChange', { change: 'fired', alert });
    double.notificationsSupported = true;
    expect(double.notifications).toEqual([]);
  });
});

describe('the preload bridge against this shell', () => {
  it('calls, subscribes and prints through the real channels', async () => {
    await import('../../src-preload/index.js');
    const bridge = double.exposed.get('fleetdeck') as { call(m: string, p: unknown): Promise<unknown>; subscribe(e: string, l: (p: unknown) => void): () => void; printToPdf(html: string): Promise<Uint8Array> };
    core.answer = () => ['h'];
    await expect(bridge.call('hosts.list', {})).resolves.toEqual(['h']);
    await expect(bridge.call('hosts.nope', {})).rejects.toEqual({ problem: 'not-found', message: 'Unknown method hosts.nope', details: undefined });
    const seen: unknown[] = [];
    const off = bridge.subscribe('hosts.onLog', (p) => seen.push(p));
    for (const l of core.listeners) l('hosts.onLog', { id: 1, at: 0, line: 'tcp ok' });
    off();
    for (const l of core.listeners) l('hosts.onLog', { id: 1, at: 1, line: 'after' });
    expect(seen).toEqual([{ id: 1, at: 0, line: 'tcp ok' }]);
    expect(Buffer.from(await bridge.printToPdf('<p>r</p>')).toString()).toBe('%PDF-1.7 fake');
  });
});

describe('shut-down', () => {
  it('stops the core and quits when the last window closes', () => {
    double.app.emit('window-all-closed');
    expect(core.stopped).toBe(1);
    expect(double.app.quitCount).toBe(1);
  });
});
