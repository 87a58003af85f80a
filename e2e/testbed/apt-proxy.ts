// The package mirror of the Debian test hosts. Hosts run with --network none; apt inside talks
// to 127.0.0.1:3142, a socket unit that systemd-socket-proxyd forwards to a unix socket in the
// host's bind-mounted run dir, and this process answers there: an HTTP proxy that only fetches
// from deb.debian.org (the mirror this machine's own apt uses) and keeps what it fetched in a
// cache on this machine, so the second install of nginx in a test run downloads nothing.
//
// Immutable files (pool/*.deb, dists/**/by-hash/**) are cached forever; the rest of dists/
// (InRelease, Release) for six hours. Anything else is refused with 403.
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';

const UPSTREAMS = new Set(['deb.debian.org']);
const CACHE_DIR = process.env.FLEETDECK_APT_CACHE ?? '/var/cache/fleetdeck-testbed/apt-proxy';
const INDEX_TTL_MS = 6 * 3600_000;

export interface AptProxy {
  /** Serve on this unix socket too (one per host run dir); resolves once listening. */
  listen(socketPath: string): Promise<void>;
  close(socketPath: string): Promise<void>;
  /** Requests answered from the cache / fetched, for tests and the log. */
  stats: { hits: number; fetched: number; refused: number };
}

function cachePath(host: string, path: string): string | null {
  if (!/^\/[A-Za-z0-9._~+/%-]*$/.test(path) || path.split('/').includes('..')) return null;
  return join(CACHE_DIR, host, decodeURIComponent(path));
}

function fresh(file: string, path: string): boolean {
  if (!existsSync(file)) return false;
  const immutable = path.includes('/pool/') || path.includes('/by-hash/');
  return immutable || Date.now() - statSync(file).mtimeMs < INDEX_TTL_MS;
}

function createProxy(stats: AptProxy['stats']): http.Server {
  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '', 'http://invalid');
    } catch {
      url = new URL('http://invalid/');
    }
    const file = UPSTREAMS.has(url.hostname) && (req.method === 'GET' || req.method === 'HEAD') ? cachePath(url.hostname, url.pathname) : null;
    if (!file) {
      stats.refused++;
      res.writeHead(403, { 'content-type': 'text/plain' }).end('the testbed mirror proxy only fetches from deb.debian.org\n');
      return;
    }
    if (fresh(file, url.pathname)) {
      stats.hits++;
      res.writeHead(200, { 'content-length': statSync(file).size });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
      return;
    }
    const up = http.get({ host: url.hostname, port: 80, path: url.pathname, headers: { 'user-agent': 'fleetdeck-testbed-apt-proxy' }, timeout: 60_000 }, (upRes) => {
      const status = upRes.statusCode ?? 502;
      const headers: http.OutgoingHttpHeaders = {};
      for (const h of ['content-type', 'content-length', 'last-modified']) if (upRes.headers[h]) headers[h] = upRes.headers[h];
      res.writeHead(status, headers);
      if (status !== 200 || req.method === 'HEAD') {
        upRes.pipe(res);
        return;
      }
      stats.fetched++;
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
      const out = createWriteStream(tmp);
      let failed = false;
      upRes.on('data', (chunk: Buffer) => {
        out.write(chunk);
        res.write(chunk);
      });
      upRes.on('error', () => {
        failed = true;
        res.destroy();
      });
      upRes.on('end', () => {
        res.end();
        out.end(() => {
          if (failed || upRes.readableAborted) rmSync(tmp, { force: true });
          else renameSync(tmp, file);
        });
      });
    });
    up.on('timeout', () => up.destroy(new Error('upstream timeout')));
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`mirror unreachable: ${e.message}\n`);
    });
  });
  return server;
}

let shared: { proxy: AptProxy; servers: Map<string, http.Server> } | null = null;

/** The process-wide proxy; each host gets its own unix socket in its run dir. */
export function aptProxy(): AptProxy {
  if (shared) return shared.proxy;
  const servers = new Map<string, http.Server>();
  const stats = { hits: 0, fetched: 0, refused: 0 };
  const proxy: AptProxy = {
    stats,
    async listen(socketPath) {
      const server = createProxy(stats);
      rmSync(socketPath, { force: true });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => resolve());
      });
      server.unref();
      servers.set(socketPath, server);
    },
    async close(socketPath) {
      const server = servers.get(socketPath);
      servers.delete(socketPath);
      if (server) await new Promise<void>((r) => server.close(() => r()));
      server?.closeAllConnections?.();
    },
  };
  shared = { proxy, servers };
  return proxy;
}

/** The units and apt config a host needs to use it (written at start, not baked into the image). */
export const APT_PROXY_SETUP = `set -e
cat >/etc/systemd/system/testbed-apt.socket <<'EOF'
[Unit]
Description=The testbed's package mirror on 127.0.0.1:3142

[Socket]
ListenStream=127.0.0.1:3142
EOF
cat >/etc/systemd/system/testbed-apt.service <<'EOF'
[Unit]
Description=Forward 127.0.0.1:3142 to the test machine's mirror proxy
Requires=testbed-apt.socket
After=testbed-apt.socket

[Service]
ExecStart=/lib/systemd/systemd-socket-proxyd /testbed/apt.sock
EOF
printf 'Acquire::http::Proxy "http://127.0.0.1:3142/";\\nAcquire::Retries "3";\\n' >/etc/apt/apt.conf.d/01testbed-proxy
systemctl daemon-reload
systemctl start testbed-apt.socket
`;
