import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { TOKEN_PARAM, WS_PATH, type WireServerMessage } from '../../../src-common/wire.js';
import type { Fleet } from '../fleet.js';
import { dispatchWire } from './wire-dispatch.js';

/**
 * `fleetdeck serve`: the same UI as the desktop app, in a browser. Bound to 127.0.0.1 by default;
 * the WebSocket API requires the random token printed in the URL, an Origin of this server and a
 * Host header naming it (no DNS rebinding), and it validates every call like the IPC bridge does.
 */
export interface WebServerOptions {
  fleet: Fleet;
  webRoot: string;
  host?: string;
  port?: number;
  token?: string;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('base64url');
  if (!existsSync(path.join(opts.webRoot, 'index.html'))) {
    throw new Error(`The web UI is not built (${opts.webRoot}/index.html missing): run "npm run build:web".`);
  }
  let port = opts.port ?? 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host}:${port}`]);

  const server = http.createServer((req, res) => {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('Misdirected request');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad request');
      return;
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(opts.webRoot, `.${path.posix.normalize(rel)}`);
    if (!file.startsWith(path.resolve(opts.webRoot) + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': rel === '/index.html' ? 'no-store' : 'max-age=3600',
    });
    createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin ?? '';
    let originOk = false;
    try {
      const o = new URL(origin);
      originOk = o.protocol === 'http:' && allowedHosts().has(o.host);
    } catch {
      originOk = false;
    }
    const given = url.searchParams.get(TOKEN_PARAM) ?? '';
    if (url.pathname !== WS_PATH || !allowedHosts().has(req.headers.host ?? '') || !originOk || !safeEqual(given, token)) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, opts.fleet));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  port = (server.address() as { port: number }).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/#${TOKEN_PARAM}=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

function serveSocket(ws: WebSocket, fleet: Fleet): void {
  const send = (m: WireServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  const unsubscribe = fleet.events.on((event, payload) => send({ event, payload }));
  ws.on('close', unsubscribe);
  ws.on('message', async (data) => {
    const response = await dispatchWire(fleet, String(data));
    if (response) send(response);
    else ws.close(1003, 'malformed request');
  });
}
