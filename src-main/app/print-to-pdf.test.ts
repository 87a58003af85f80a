import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createElectronDouble, type ElectronDouble } from './electron.test-util.js';
import { createReportPrinter } from './print-to-pdf.js';

let double: ElectronDouble;
beforeEach(() => {
  double = createElectronDouble();
});
afterEach(() => double.dispose());

const HTML = '<!doctype html><title>Report</title><h1>gpu-1</h1>';

describe('createReportPrinter', () => {
  it('prints in a hidden, sandboxed window with JavaScript off, no preload and its own in-memory session', async () => {
    const pdf = await createReportPrinter(double.module)(HTML);
    expect(Buffer.from(pdf).toString()).toBe('%PDF-1.7 fake');
    expect(double.windows).toHaveLength(1);
    const win = double.windows[0]!;
    expect(win.options.show).toBe(false);
    const prefs = win.webPreferences;
    expect(prefs).toMatchObject({ sandbox: true, javascript: false, contextIsolation: true, nodeIntegration: false, webSecurity: true });
    expect(prefs.preload).toBeUndefined();
    expect(prefs.nodeIntegrationInSubFrames).toBeUndefined();
    const ses = double.session.partitions.get('fleetdeck-print');
    expect(prefs.session).toBe(ses);
    expect(ses!.options).toEqual({ cache: false });
    // Not persisted: a partition without "persist:" lives in memory.
    expect(ses!.partition.startsWith('persist:')).toBe(false);
  });

  it('loads exactly the report, from a private temp file, and removes it afterwards', async () => {
    let seen: { file: string; html: string; mode: number } | null = null;
    double.hooks.loadFile = (_win, file) => {
      seen = { file, html: readFileSync(file, 'utf8'), mode: statSync(file).mode & 0o777 };
    };
    await createReportPrinter(double.module)(HTML);
    expect(seen).not.toBeNull();
    const { file, html, mode } = seen!;
    expect(html).toBe(HTML);
    expect(mode).toBe(0o600);
    expect(path.dirname(path.dirname(file))).toBe(double.app.paths.temp);
    expect(existsSync(path.dirname(file))).toBe(false);
    expect(double.windows[0]!.isDestroyed()).toBe(true);
  });

  it("lets the print session load that one file and nothing else, and grants no permission", async () => {
    const cancelled: Record<string, boolean> = {};
    let granted: boolean | null = null;
    double.hooks.loadFile = async (_win, file) => {
      const ses = double.session.partitions.get('fleetdeck-print')!;
      const requests = { report: pathToFileURL(file).href, web: 'https://example.com/track.png', otherFile: 'file:///etc/passwd', sibling: pathToFileURL(path.join(path.dirname(file), 'other.html')).href };
      for (const [name, url] of Object.entries(requests)) cancelled[name] = (await ses.request(url)).cancelled;
      granted = await ses.requestPermission('media');
    };
    await createReportPrinter(double.module)(HTML);
    expect(cancelled).toEqual({ report: false, web: true, otherFile: true, sibling: true });
    expect(granted).toBe(false);
  });

  it('never navigates or opens windows from the report', async () => {
    double.hooks.loadFile = (win) => {
      expect(win.webContents.navigate('https://example.com/')).toBe(true);
      expect(win.webContents.windowOpen('https://example.com/')).toEqual({ action: 'deny' });
    };
    await createReportPrinter(double.module)(HTML);
    expect(double.openedExternally).toEqual([]);
  });

  it('prints A4 with backgrounds, the page size the report asks for, and a tagged PDF', async () => {
    await createReportPrinter(double.module)(HTML);
    expect(double.windows[0]!.webContents.printCalls).toEqual([{ pageSize: 'A4', printBackground: true, preferCSSPageSize: true, generateTaggedPDF: true }]);
  });

  it('gives up after the timeout, and still cleans up', async () => {
    const print = createReportPrinter(double.module, { timeoutMs: 50 });
    let file = '';
    double.hooks.loadFile = (_w, f) => {
      file = f;
      return new Promise(() => {});
    };
    await expect(print(HTML)).rejects.toThrow(/took longer than 0.05 s/);
    expect(double.windows[0]!.isDestroyed()).toBe(true);
    expect(existsSync(file)).toBe(false);
  });

  it('prints one report at a time, and one failure does not stop the next', async () => {
    const order: string[] = [];
    let release!: () => void;
    double.hooks.loadFile = (_w, file) => {
      const html = readFileSync(file, 'utf8');
      order.push(`load ${html}`);
      if (html === 'first') return new Promise<void>((resolve) => (release = resolve));
      if (html === 'second') throw new Error('load failed');
    };
    const print = createReportPrinter(double.module);
    const first = print('first');
    const second = print('second');
    const third = print('third');
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['load first']);
    release();
    await expect(first).resolves.toBeInstanceOf(Uint8Array);
    await expect(second).rejects.toThrow('load failed');
    await expect(third).resolves.toBeInstanceOf(Uint8Array);
    expect(order).toEqual(['load first', 'load second', 'load third']);
    expect(double.windows.every((w) => w.isDestroyed())).toBe(true);
  });
});
