import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sharedElectronDouble } from '../src-main/app/electron.test-util.js';
import { IPC_CHANNELS } from '../src-common/ipc-channels.js';

const { call: CALL_CHANNEL, event: EVENT_CHANNEL, printToPdf: PRINT_CHANNEL } = IPC_CHANNELS;

/**
 * The preload as Electron runs it, on the electron double: what it puts in the page's world, and
 * how calls, problems and events cross. The main side here is a stub that records what arrives.
 */
vi.mock('electron', async () => (await import('../src-main/app/electron.test-util.js')).sharedElectronDouble().module);

const double = sharedElectronDouble();
const received: Array<{ channel: string; args: unknown[] }> = [];
let reply: unknown = { result: null };
const page = { sender: { id: 1 }, frameUrl: 'file:///app/out/renderer/index.html' };
double.page = page;
for (const channel of [CALL_CHANNEL, PRINT_CHANNEL]) {
  double.ipcMain.handle(channel, (_e, ...args) => {
    received.push({ channel, args });
    return reply;
  });
}

type Bridge = { call(m: string, p: unknown): Promise<unknown>; subscribe(e: string, l: (p: unknown) => void): () => unknown; printToPdf(html: string): Promise<Uint8Array> };
let bridge: Bridge;

beforeEach(async () => {
  await import('./index.js');
  bridge = double.exposed.get('fleetdeck') as Bridge;
  received.length = 0;
  reply = { result: null };
});
afterAll(() => double.dispose());

describe('the preload', () => {
  it('exposes window.fleetdeck only, with call, subscribe and printToPdf: no ipcRenderer, no Node', () => {
    expect([...double.exposed.keys()]).toEqual(['fleetdeck']);
    expect(Object.keys(bridge).sort()).toEqual(['call', 'printToPdf', 'subscribe']);
    for (const fn of Object.values(bridge)) expect(typeof fn).toBe('function');
    expect(Object.values(bridge)).not.toContain(double.ipcRenderer);
  });

  it('sends a call as method and params on the call channel and resolves with the result', async () => {
    reply = { result: { id: 3 } };
    await expect(bridge.call('hosts.get', { id: 3 })).resolves.toEqual({ id: 3 });
    expect(received).toEqual([{ channel: CALL_CHANNEL, args: ['hosts.get', { id: 3 }] }]);
  });

  it('rejects with a plain object (it crosses the context bridge whole), not an Error', async () => {
    reply = { problem: { problem: 'hostkey-changed', message: 'The host key changed', details: { fingerprint: 'SHA256:x' } } };
    const err = await bridge.call('hosts.connect', { id: 1 }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(Error);
    expect(Object.getPrototypeOf(err)).toBe(Object.prototype);
    expect(err).toEqual({ problem: 'hostkey-changed', message: 'The host key changed', details: { fingerprint: 'SHA256:x' } });
  });

  it('printToPdf sends the HTML on the print channel; a problem rejects as a plain object', async () => {
    reply = { result: new Uint8Array([37, 80, 68, 70]) };
    await expect(bridge.printToPdf('<p>r</p>')).resolves.toEqual(new Uint8Array([37, 80, 68, 70]));
    expect(received).toEqual([{ channel: PRINT_CHANNEL, args: ['<p>r</p>'] }]);
    reply = { problem: { problem: 'invalid-input', message: 'too large' } };
    const err = await bridge.printToPdf('x').catch((e: unknown) => e);
    expect(Object.getPrototypeOf(err)).toBe(Object.prototype);
    expect(err).toEqual({ problem: 'invalid-input', message: 'too large' });
  });

  it('subscribe delivers only the named event, and its unsubscribe returns nothing (never ipcRenderer)', () => {
    const seen: unknown[] = [];
    const off = bridge.subscribe('hosts.onState', (p) => seen.push(p));
    double.ipcRenderer.emit(EVENT_CHANNEL, {}, 'hosts.onLog', { line: 'x' });
    double.ipcRenderer.emit(EVENT_CHANNEL, {}, 'hosts.onState', { id: 1 });
    expect(seen).toEqual([{ id: 1 }]);
    expect(double.ipcRenderer.listenerCount(EVENT_CHANNEL)).toBe(1);
    expect(off()).toBeUndefined();
    expect(double.ipcRenderer.listenerCount(EVENT_CHANNEL)).toBe(0);
    double.ipcRenderer.emit(EVENT_CHANNEL, {}, 'hosts.onState', { id: 2 });
    expect(seen).toEqual([{ id: 1 }]);
  });

  it('hands the listener only the payload, not the IPC event (which carries the sender)', () => {
    const args: unknown[][] = [];
    bridge.subscribe('hosts.onState', (...a: unknown[]) => args.push(a));
    double.ipcRenderer.emit(EVENT_CHANNEL, { sender: double.ipcRenderer }, 'hosts.onState', { id: 1 });
    expect(args).toEqual([[{ id: 1 }]]);
  });
});
