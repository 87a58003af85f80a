import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { FleetdeckError } from '../../../src-common/problems.js';

/**
 * HTML → PDF with a headless Chromium on this machine (the CLI and `fleetdeck serve`; the
 * desktop app prints with Electron instead). Reports carry strings from hosts, which a
 * compromised host controls; they are escaped, and this printer is the second wall: Chromium is
 * driven over the DevTools protocol on a pipe (no port), the page is handed over from memory
 * (no file, no web server), scripts are off, and nothing else may load or even connect:
 *
 *  - `--blink-settings=scriptEnabled=false`: no script anywhere. (It cannot be combined with
 *    `--print-to-pdf`: that switch prints through a chrome://headless page that needs script,
 *    and silently writes nothing; so the page is printed with Page.printToPDF instead.)
 *  - The report is served at a made-up http URL with a `sandbox` CSP header: no script, no meta
 *    refresh, no forms; `default-src 'none'`: Blink requests no subresource; an http origin
 *    may not read file:// URLs, so other local files stay out of the PDF.
 *  - Fetch interception fails every request other than that one navigation.
 *  - `--host-resolver-rules=MAP * ~NOTFOUND` fails every name and IP literal before a socket is
 *    opened; that is what stops `<link rel=preconnect>`, which no request filter sees. Measured
 *    with strace on Chromium 156: no TCP socket at all, not even to the proxy below.
 *  - `--proxy-server` to 127.0.0.1:9 (discard: a privileged port, normally closed), loopback
 *    included (`<-loopback>`): should a connection escape the resolver rules, it goes nowhere.
 */
const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const TIMEOUT_MS = 60_000;
const REPORT_URL = 'http://fleetdeck-report.invalid/report.html';
const REPORT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:";

const LOCKDOWN_ARGS = [
  '--blink-settings=scriptEnabled=false',
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
];

export interface PdfOptions {
  chromium?: string;
  timeoutMs?: number;
  /**
   * Test-only: print the way Fleetdeck did before the lockdown (a file:// page, script on, the
   * network open), so the leak test can show that its listeners do catch a leak.
   */
  unlocked?: boolean;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** FLEETDECK_CHROMIUM, else /usr/bin/chromium, else the first candidate on PATH. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.FLEETDECK_CHROMIUM) return isExecutable(env.FLEETDECK_CHROMIUM) ? env.FLEETDECK_CHROMIUM : null;
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of CANDIDATES) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return file;
    }
  }
  return null;
}

export function chromiumArgs(o: { profileDir: string; asRoot: boolean; locked: boolean }): string[] {
  return [
    '--headless',
    // Chromium refuses to start as root with its sandbox on ("Running as root without
    // --no-sandbox is not supported"); as any other user the sandbox stays on.
    ...(o.asRoot ? ['--no-sandbox'] : []),
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--no-first-run',
    '--no-default-browser-check',
    `--user-data-dir=${o.profileDir}`,
    '--remote-debugging-pipe',
    ...(o.locked ? LOCKDOWN_ARGS : []),
    'about:blank',
  ];
}

export async function htmlToPdf(html: string, opts: PdfOptions = {}): Promise<Buffer> {
  const chromium = opts.chromium ?? findChromium();
  if (!chromium) {
    const hint = process.env.FLEETDECK_CHROMIUM ? ` (FLEETDECK_CHROMIUM=${process.env.FLEETDECK_CHROMIUM} is not an executable)` : '';
    throw new FleetdeckError('not-found', `PDF export needs Chromium on this machine${hint}: install it (Debian/Ubuntu: sudo apt install chromium), set FLEETDECK_CHROMIUM to its path, export HTML instead, or use the desktop app.`);
  }
  const locked = !opts.unlocked;
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const dir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-report-'));
  try {
    let url = REPORT_URL;
    if (!locked) {
      const page = path.join(dir, 'report.html');
      await writeFile(page, html, { mode: 0o600 });
      url = pathToFileURL(page).href;
    }
    const argv = chromiumArgs({ profileDir: path.join(dir, 'profile'), asRoot: process.getuid?.() === 0, locked });
    return await runChromium(chromium, argv, { ...process.env, HOME: dir }, timeoutMs, (devtools) => printPage(devtools, url, locked ? html : null));
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

interface DevToolsEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

/** The Chrome DevTools Protocol over --remote-debugging-pipe: Chromium reads fd 3 and writes fd 4, one JSON message per NUL. */
class DevTools {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; method: string }>();
  private readonly listeners = new Set<(e: DevToolsEvent) => void>();
  private partial: Buffer[] = [];

  constructor(private readonly input: Writable, output: Readable) {
    // A dead Chromium shows up as its exit; these only keep a broken pipe from throwing.
    input.on('error', () => undefined);
    output.on('error', () => undefined);
    output.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  send<T>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      this.input.write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    });
  }

  on(listener: (e: DevToolsEvent) => void): void {
    this.listeners.add(listener);
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(0); end !== -1; end = chunk.indexOf(0, start)) {
      this.partial.push(chunk.subarray(start, end));
      const text = Buffer.concat(this.partial).toString('utf8');
      this.partial = [];
      start = end + 1;
      this.dispatch(JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string } } & Partial<DevToolsEvent>);
    }
    if (start < chunk.length) this.partial.push(chunk.subarray(start));
  }

  private dispatch(m: { id?: number; result?: unknown; error?: { message: string } } & Partial<DevToolsEvent>): void {
    if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(`${p.method}: ${m.error.message}`));
      else p?.resolve(m.result);
    } else if (m.method) {
      for (const l of this.listeners) l(m as DevToolsEvent);
    }
  }
}

/** Loads the page in a fresh tab and prints it. With `html`, the page is served from memory at REPORT_URL and every other request fails. */
async function printPage(devtools: DevTools, url: string, html: string | null): Promise<Buffer> {
  const { targetId } = await devtools.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await devtools.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
  const page = <T>(method: string, params: Record<string, unknown> = {}) => devtools.send<T>(method, params, sessionId);
  let served = false;
  const loaded = new Promise<void>((resolve) => {
    devtools.on((e) => {
      if (e.sessionId !== sessionId) return;
      if (e.method === 'Page.loadEventFired') resolve();
      if (e.method !== 'Fetch.requestPaused' || html === null) return;
      const { requestId, request, resourceType } = e.params as { requestId: string; request: { url: string }; resourceType: string };
      if (!served && resourceType === 'Document' && request.url === url) {
        served = true;
        const responseHeaders = [
          { name: 'Content-Type', value: 'text/html; charset=utf-8' },
          { name: 'Content-Security-Policy', value: REPORT_CSP },
        ];
        void page('Fetch.fulfillRequest', { requestId, responseCode: 200, responseHeaders, body: Buffer.from(html).toString('base64') }).catch(() => undefined);
      } else {
        // An aborted navigation leaves the report in place (a blocked one would print an error page).
        void page('Fetch.failRequest', { requestId, errorReason: resourceType === 'Document' ? 'Aborted' : 'BlockedByClient' }).catch(() => undefined);
      }
    });
  });
  await page('Page.enable');
  if (html !== null) await page('Fetch.enable', { patterns: [{ urlPattern: '*' }] });
  const nav = await page<{ errorText?: string }>('Page.navigate', { url });
  if (nav.errorText) throw new Error(`the page did not load (${nav.errorText})`);
  await loaded;
  // The options `--print-to-pdf` uses, without its header and footer.
  const { data } = await page<{ data: string }>('Page.printToPDF', { printBackground: true, preferCSSPageSize: true, displayHeaderFooter: false, generateTaggedPDF: true });
  return Buffer.from(data, 'base64');
}

/** Starts Chromium, runs `work` against it, and always stops it: closed politely when done, killed on a timeout. */
function runChromium(chromium: string, argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number, work: (d: DevTools) => Promise<Buffer>): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const child = spawn(chromium, argv, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], env });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-16_384)));
    const devtools = new DevTools(child.stdio[3] as Writable, child.stdio[4] as Readable);
    let settled = false;
    const finish = (err: Error | null, pdf?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stopChromium(child, devtools, err !== null).then(() => (err ? reject(err) : resolve(pdf!)));
    };
    const timer = setTimeout(() => finish(new FleetdeckError('timeout', `Chromium did not finish the PDF within ${Math.ceil(timeoutMs / 1000)} s; try again, or export HTML and print it from a browser.`)), timeoutMs);
    child.once('error', (e) => finish(new FleetdeckError('internal-error', `Chromium (${chromium}) could not start: ${e.message}`)));
    child.once('exit', (code, signal) => finish(chromiumExited(chromium, stderr, code, signal)));
    work(devtools).then(
      (pdf) => finish(null, pdf),
      (e: Error) => finish(e instanceof FleetdeckError ? e : new FleetdeckError('internal-error', `Chromium (${chromium}) could not print the report: ${e.message}`)),
    );
  });
}

async function stopChromium(child: ChildProcess, devtools: DevTools, kill: boolean): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  if (kill) child.kill('SIGKILL');
  else void devtools.send('Browser.close').catch(() => undefined);
  const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(force);
}

function chromiumExited(chromium: string, stderr: string, code: number | null, signal: NodeJS.Signals | null): FleetdeckError {
  if (/No usable sandbox/i.test(stderr)) {
    return new FleetdeckError('internal-error', `Chromium (${chromium}) cannot start its sandbox on this machine (it needs unprivileged user namespaces): allow them (Debian: sysctl kernel.unprivileged_userns_clone=1; Ubuntu 23.10+: an AppArmor profile for Chromium), or export HTML and print it from a browser.`);
  }
  const why = stderr.trim().split('\n').filter((l) => l.trim() && !/^\[\d+:\d+:/.test(l)).slice(-1)[0] ?? `it exited with ${signal ?? `code ${code}`}`;
  return new FleetdeckError('internal-error', `Chromium (${chromium}) stopped before printing the report: ${why}`);
}
