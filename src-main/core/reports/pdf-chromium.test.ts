import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, findChromium, htmlToPdf } from './pdf-chromium.js';

/**
 * The PDF printer is the second wall behind HTML escaping: a report page that tries every way
 * to reach out (images, styles, fonts, frames, script, preconnect, meta refresh, other local
 * files) still prints, and local listeners on 127.0.0.1 and [::1] see no connection at all.
 * The control prints the same page unlocked and shows that the listeners do catch a leak.
 */
const noChromium = findChromium() ? null : 'no Chromium on this machine (apt install chromium, or set FLEETDECK_CHROMIUM)';
const hasPdftotext = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface Listener {
  host: string;
  port: number;
  connections: number;
  /** First line of each request received. */
  requests: string[];
  close(): Promise<void>;
}

/** A raw TCP listener: counts connections (a preconnect sends no request), answers 204, and never answers /refresh so a refresh never replaces the page. */
async function listen(host: string): Promise<Listener | null> {
  const sockets = new Set<net.Socket>();
  const l = { host, port: 0, connections: 0, requests: [] as string[] };
  const server = net.createServer((socket) => {
    l.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    let head = '';
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const line = head.split('\r\n')[0]!;
      head = '';
      l.requests.push(line);
      if (!line.includes('/refresh')) socket.write('HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n');
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
  } catch {
    return null; // no such address here (a host without IPv6)
  }
  l.port = (server.address() as net.AddressInfo).port;
  return Object.assign(l, {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}

function pageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page\b(?!s)/g) ?? []).length;
}

function pdfText(pdf: Buffer, dir: string): string | null {
  if (!hasPdftotext) return null;
  const file = path.join(dir, `out-${Date.now()}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

describe('chromiumArgs', () => {
  it('keeps the sandbox on unless running as root, and locks down script and network', () => {
    const user = chromiumArgs({ profileDir: '/p', asRoot: false, locked: true });
    expect(user).not.toContain('--no-sandbox');
    expect(chromiumArgs({ profileDir: '/p', asRoot: true, locked: true })).toContain('--no-sandbox');
    expect(user).toEqual(expect.arrayContaining(['--blink-settings=scriptEnabled=false', '--host-resolver-rules=MAP * ~NOTFOUND', '--proxy-server=http://127.0.0.1:9', '--proxy-bypass-list=<-loopback>', '--remote-debugging-pipe']));
    expect(user.some((a) => a.startsWith('--remote-debugging-port'))).toBe(false);
    expect(chromiumArgs({ profileDir: '/p', asRoot: false, locked: false }).some((a) => /scriptEnabled|resolver|proxy/.test(a))).toBe(false);
  });
});

describe('when Chromium fails', () => {
  it('says so when it stops before printing, and when it takes too long', { timeout: 30_000 }, async () => {
    await expect(htmlToPdf('<p>x</p>', { chromium: '/bin/false' })).rejects.toMatchObject({ problem: 'internal-error', message: 'Chromium (/bin/false) stopped before printing the report: it exited with code 1' });
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-pdf-hang-'));
    try {
      const hang = path.join(dir, 'hang');
      writeFileSync(hang, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
      const started = Date.now();
      await expect(htmlToPdf('<p>x</p>', { chromium: hang, timeoutMs: 300 })).rejects.toMatchObject({ problem: 'timeout', message: expect.stringMatching(/^Chromium did not finish the PDF within 1 s/) });
      expect(Date.now() - started).toBeLessThan(5_000); // killed, not waited for
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(noChromium)(noChromium ? `PDF lockdown (skipped: ${noChromium})` : 'PDF lockdown', () => {
  let dir: string;
  let v4: Listener;
  let v6: Listener | null;
  let html: string;
  const listeners = () => [v4, ...(v6 ? [v6] : [])];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fd-pdf-lockdown-'));
    // Another local file: its text, or a 30-page-tall image, in the PDF would show it was read.
    const other = path.join(dir, 'other');
    mkdirSync(other);
    writeFileSync(path.join(other, 'secret.html'), '<p>LOCAL-FILE-MARKER</p>');
    writeFileSync(path.join(other, 'tall.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="50" height="30000"><rect width="50" height="30000"/></svg>');
    writeFileSync(path.join(other, 'evil.css'), 'body::after { content: "LOCAL-CSS-MARKER" }');
    const fileUrl = (name: string) => pathToFileURL(path.join(other, name)).href;
    v4 = (await listen('127.0.0.1'))!;
    v6 = await listen('::1');
    const at = (p: string) => `http://127.0.0.1:${v4.port}/${p}`;
    const at6 = (p: string) => (v6 ? `http://[::1]:${v6.port}/${p}` : at(`${p}-no-ipv6`));
    html = `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="0;url=${at('refresh')}">
<link rel="stylesheet" href="${at('link.css')}">
<link rel="stylesheet" href="${fileUrl('evil.css')}">
<link rel="preconnect" href="${at6('preconnect')}">
<link rel="prefetch" href="${at('prefetch')}">
<style>
@import url("${at('import.css')}");
body { background: url("${at6('background.png')}"); }
@font-face { font-family: leak; src: url("${at('font.woff2')}"); }
p { font-family: leak, sans-serif; }
</style></head><body>
<p>REPORT-BODY-MARKER</p>
<img src="${at('img')}"><img src="${at6('img6')}">
<iframe src="${at('iframe')}"></iframe>
<iframe src="${fileUrl('secret.html')}"></iframe>
<img src="${fileUrl('tall.svg')}">
<object data="${at('object')}"></object>
<video poster="${at('poster')}"></video>
<script>fetch('${at('fetch')}'); fetch('${at6('fetch6')}'); document.body.insertAdjacentHTML('beforeend', '<p>SCRIPT-RAN-MARKER</p>');</script>
</body></html>`;
  });

  afterEach(() => {
    for (const l of listeners()) {
      l.connections = 0;
      l.requests = [];
    }
  });

  afterAll(async () => {
    await Promise.all(listeners().map((l) => l.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the page while nothing connects to 127.0.0.1 or [::1], no script runs and no other file is read', { timeout: 90_000 }, async () => {
    if (!v6) console.log('no IPv6 loopback here: the [::1] vectors point at 127.0.0.1');
    const pdf = await htmlToPdf(html);
    await new Promise((r) => setTimeout(r, 300)); // a straggling connection would land by now
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(listeners().map((l) => ({ host: l.host, connections: l.connections, requests: l.requests }))).toEqual(listeners().map((l) => ({ host: l.host, connections: 0, requests: [] })));
    expect(pageCount(pdf)).toBe(1); // the 30-page local image was not loaded
    const text = pdfText(pdf, dir);
    if (text !== null) {
      expect(text).toContain('REPORT-BODY-MARKER'); // the report itself, not a refresh target or an error page
      for (const absent of ['SCRIPT-RAN-MARKER', 'LOCAL-FILE-MARKER', 'LOCAL-CSS-MARKER']) expect(text).not.toContain(absent);
    }
  });

  it('control: the same page printed unlocked reaches both listeners, runs script and reads the other file', { timeout: 90_000 }, async () => {
    const pdf = await htmlToPdf(html, { unlocked: true });
    await new Promise((r) => setTimeout(r, 300));
    console.log(`unlocked control: ${listeners().map((l) => `${l.host}: ${l.connections} connections, requests ${l.requests.map((r) => r.split(' ')[1]).join(' ')}`).join('; ')}; ${pageCount(pdf)} pages`);
    expect(v4.connections).toBeGreaterThan(0);
    expect(v4.requests).toEqual(expect.arrayContaining([expect.stringMatching(/^GET \/img /), expect.stringMatching(/^GET \/fetch /)]));
    if (v6) expect(v6.requests).toEqual(expect.arrayContaining([expect.stringMatching(/^GET \/fetch6 /)]));
    expect(pageCount(pdf)).toBeGreaterThan(10);
    const text = pdfText(pdf, dir);
    if (text !== null) for (const present of ['REPORT-BODY-MARKER', 'SCRIPT-RAN-MARKER', 'LOCAL-FILE-MARKER']) expect(text).toContain(present);
  });
});
