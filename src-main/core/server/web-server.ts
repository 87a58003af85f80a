import { createPrivateKey, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { FleetdeckError } from '../../../src-common/problems.js';
import { TOKEN_PARAM, WS_PATH, type WireServerMessage } from '../../../src-common/wire.js';
import type { Fleet } from '../fleet.js';
import { dispatchWire } from './wire-dispatch.js';

/**
 * `fleetdeck serve`: the same UI as the desktop app, in a browser. Bound to 127.0.0.1 by default;
 * the WebSocket API requires the random token printed in the URL, an Origin of this server and a
 * Host header naming it (no DNS rebinding), and it validates every call like the IPC bridge does.
 *
 * The token is the key to the whole fleet, so it must not cross a network in clear: an address
 * other than loopback is served over HTTPS (`tls`), or over plain HTTP only when the caller says
 * so explicitly (`insecureNoTls`), with a warning that says how to do it safely.
 */
export interface WebServerOptions {
  fleet: Fleet;
  webRoot: string;
  host?: string;
  port?: number;
  token?: string;
  /** Serve HTTPS (and wss) with this certificate and key (see loadTls). */
  tls?: TlsMaterial;
  /** Serve plain HTTP on an address other than loopback anyway. */
  insecureNoTls?: boolean;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  /** What the person starting the server must know about who can reach it; empty on loopback. */
  warnings: string[];
  close(): Promise<void>;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** Host names and addresses the certificate is valid for (its subjectAltName), lower case; IPv6 in brackets. */
  names: string[];
  validTo: Date;
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

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether only this machine can reach an address: 127.0.0.0/8, ::1 (any spelling, IPv4-mapped too) or "localhost". Other names are not resolved: they count as network. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().replace(/^\[(.*)\]$/, '$1');
  if (h.toLowerCase() === 'localhost') return true;
  const family = net.isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

function isWildcard(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1');
  return net.isIP(h) !== 0 && /^[0:.]+$/.test(h);
}

/** An address or name as it appears in a URL and a Host header: lower case, IPv6 compressed and in brackets. */
function urlHostname(host: string): string {
  const h = host.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return net.isIPv6(h) ? new URL(`http://[${h}]/`).hostname : h;
}

/** Reads and checks a PEM certificate and its unencrypted private key; every problem names the file. */
export function loadTls(certFile: string, keyFile: string): TlsMaterial {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new FleetdeckError('not-found', `The TLS ${what} file ${file} does not exist: give the path of a PEM file.`);
      throw new FleetdeckError('invalid-input', `The TLS ${what} file ${file} cannot be read (${code ?? (err as Error).message}).`);
    }
  };
  const cert = read(certFile, 'certificate');
  const key = read(keyFile, 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new FleetdeckError('invalid-input', `${certFile} is not a PEM certificate (it should start with "-----BEGIN CERTIFICATE-----"); is --tls-cert swapped with --tls-key?`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    const encrypted = (err as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE' || /^-----BEGIN ENCRYPTED|^Proc-Type: 4,ENCRYPTED/m.test(key.toString('latin1', 0, 256));
    throw new FleetdeckError('invalid-input', encrypted ? `${keyFile} is an encrypted key: give an unencrypted one (openssl pkey -in ${keyFile} -out key.pem), readable only by you.` : `${keyFile} is not a PEM private key (it should start with "-----BEGIN PRIVATE KEY-----" or similar).`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw new FleetdeckError('invalid-input', `${keyFile} is not the private key of the certificate ${certFile}.`);
  const names = (x509.subjectAltName ?? '')
    .split(', ')
    .map((entry) => /^(?:DNS:|IP Address:)(.+)$/.exec(entry)?.[1])
    .filter((n): n is string => !!n && /^[\w.*:-]+$/.test(n))
    .map(urlHostname);
  return { cert, key, names, validTo: new Date(x509.validTo) };
}

/** Host headers (and Origin hosts) that name this server: loopback names, the bound address, the certificate's names, and this machine's own names when bound to every interface. */
export function hostMatcher(bind: string, port: number, scheme: 'http' | 'https', tlsNames: string[]): (hostHeader: string) => boolean {
  const exact = new Set(['127.0.0.1', 'localhost', '[::1]', ...tlsNames.filter((n) => !n.startsWith('*.'))]);
  const wildcards = tlsNames.filter((n) => n.startsWith('*.')).map((n) => n.slice(1));
  if (isWildcard(bind)) {
    exact.add(os.hostname().toLowerCase());
    for (const addrs of Object.values(os.networkInterfaces())) for (const a of addrs ?? []) if (!a.scopeid) exact.add(urlHostname(a.address));
  } else exact.add(urlHostname(bind));
  const defaultPort = scheme === 'https' ? 443 : 80;
  return (hostHeader) => {
    const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(hostHeader);
    if (!m || Number(m[2] ?? defaultPort) !== port) return false;
    const name = urlHostname(m[1]!);
    return exact.has(name) || wildcards.some((w) => name.endsWith(w) && /^[a-z0-9-]+$/.test(name.slice(0, -w.length)));
  };
}

function refusal(host: string): FleetdeckError {
  return new FleetdeckError(
    'invalid-input',
    `--host ${host} is not a loopback address: other machines could connect, and over plain HTTP the access token in the URL (and everything the UI sends, passwords included) would cross the network unencrypted. ` +
      'Recommended: keep the default 127.0.0.1 and tunnel from your own machine: run "fleetdeck serve --port 8080" here and "ssh -N -L 8080:127.0.0.1:8080 USER@THIS-HOST" there, then open the printed URL there. ' +
      'Or serve HTTPS: --tls-cert FILE --tls-key FILE. Or, on a network you trust completely, add --insecure-no-tls.',
  );
}

function exposureWarnings(host: string, port: number, tls: TlsMaterial | undefined): string[] {
  if (tls) {
    const expired = tls.validTo.getTime() < Date.now() ? [`Warning: the TLS certificate expired on ${tls.validTo.toISOString().slice(0, 10)}; browsers will refuse it.`] : [];
    return [`Note: serving HTTPS on ${host}, reachable from other machines; anyone with the URL (it carries the token) gets in.`, ...expired];
  }
  return [
    `WARNING: plain HTTP on ${host}, reachable from other machines (--insecure-no-tls): the access token in the URL, and everything the UI shows and sends (passwords included), cross the network unencrypted; anyone who can see the traffic can take over this Fleetdeck.`,
    `  Safer: serve on 127.0.0.1 (the default) and tunnel from your machine: "ssh -N -L ${port}:127.0.0.1:${port} USER@THIS-HOST" (the same port on both ends), then open http://127.0.0.1:${port}/#${TOKEN_PARAM}=… there.`,
    '  Or serve HTTPS here: --tls-cert FILE --tls-key FILE.',
  ];
}

/** The host to print in the URL: the bound address, or for every-interface binds a name other machines can use. */
function shownHost(bind: string, tls: TlsMaterial | undefined): string {
  if (!isWildcard(bind)) return urlHostname(bind);
  const named = tls?.names.find((n) => !n.startsWith('*.') && !isLoopbackHost(n));
  if (named) return named;
  const lan = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
  return lan?.address ?? '127.0.0.1';
}

/** Refuses to put the token on a network in clear: an address other than loopback needs TLS, or insecureNoTls said out loud. */
export function checkExposure(host: string, o: { tls: boolean; insecureNoTls: boolean }): void {
  if (o.tls && o.insecureNoTls) throw new FleetdeckError('invalid-input', '--insecure-no-tls and --tls-cert contradict each other: drop --insecure-no-tls to serve HTTPS.');
  if (!isLoopbackHost(host) && !o.tls && !o.insecureNoTls) throw refusal(host);
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  checkExposure(host, { tls: !!opts.tls, insecureNoTls: !!opts.insecureNoTls });
  const token = opts.token ?? randomBytes(24).toString('base64url');
  if (!existsSync(path.join(opts.webRoot, 'index.html'))) {
    throw new Error(`The web UI is not built (${opts.webRoot}/index.html missing): run "npm run build:web".`);
  }
  const scheme = opts.tls ? 'https' : 'http';
  let port = opts.port ?? 0;
  let hostAllowed: (hostHeader: string) => boolean = () => false; // set once the port is known

  const serveFile: http.RequestListener = (req, res) => {
    if (!hostAllowed(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('Misdirected request');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
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
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, serveFile) : http.createServer(serveFile);

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let originOk = false;
    try {
      const o = new URL(req.headers.origin ?? '');
      originOk = o.protocol === `${scheme}:` && hostAllowed(o.host);
    } catch {
      originOk = false;
    }
    const given = url.searchParams.get(TOKEN_PARAM) ?? '';
    if (url.pathname !== WS_PATH || !hostAllowed(req.headers.host ?? '') || !originOk || !safeEqual(given, token)) {
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
  const bound = server.address() as net.AddressInfo;
  port = bound.port;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  if (loopback && !isLoopbackHost(bound.address)) {
    await close();
    throw new FleetdeckError('invalid-input', `--host ${host} resolved to ${bound.address}, which is not a loopback address: use 127.0.0.1 or ::1.`);
  }
  hostAllowed = hostMatcher(host, port, scheme, opts.tls?.names ?? []);
  const urlHost = shownHost(host, opts.tls);
  const defaultPort = scheme === 'https' ? 443 : 80;
  return {
    url: `${scheme}://${urlHost}${port === defaultPort ? '' : `:${port}`}/#${TOKEN_PARAM}=${token}`,
    port,
    token,
    warnings: loopback ? [] : exposureWarnings(host, port, opts.tls),
    close,
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
