import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Fleet } from '../fleet.js';
import { checkExposure, hostMatcher, isLoopbackHost, loadTls, startWebServer, type TlsMaterial, type WebServer } from './web-server.js';

/**
 * `fleetdeck serve` keeps its token off the network: loopback as before, HTTPS (and wss) with a
 * certificate, plain HTTP elsewhere only when asked for by name, and a refusal that says why.
 */
const repo = path.resolve(import.meta.dirname, '../../..');
const noOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'openssl is not installed (apt install openssl)';
  }
})();

describe('which addresses count as loopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '127.255.255.254', '::1', '[::1]', '0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001', '::ffff:127.0.0.1', 'localhost', 'LocalHost'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '[::]', '192.168.1.20', '10.0.0.5', '128.0.0.1', '::ffff:10.0.0.1', 'fe80::1', '2001:db8::1', 'gpu-box.lab', 'localhost.localdomain', 'ip6-localhost', '127.1', ''])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it('refuses the network without TLS, saying why and what to do; TLS or --insecure-no-tls lets it through', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost']) expect(() => checkExposure(host, { tls: false, insecureNoTls: false })).not.toThrow();
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'gpu-box.lab']) {
      expect(() => checkExposure(host, { tls: false, insecureNoTls: false })).toThrow(
        expect.objectContaining({ problem: 'invalid-input', message: expect.stringMatching(new RegExp(`^--host ${host.replace(/[.]/g, '\\.')} is not a loopback address: .*access token.*unencrypted.*ssh -N -L 8080:127\\.0\\.0\\.1:8080.*--tls-cert FILE --tls-key FILE.*--insecure-no-tls`)) }),
      );
      expect(() => checkExposure(host, { tls: true, insecureNoTls: false })).not.toThrow();
      expect(() => checkExposure(host, { tls: false, insecureNoTls: true })).not.toThrow();
    }
    expect(() => checkExposure('0.0.0.0', { tls: true, insecureNoTls: true })).toThrow(expect.objectContaining({ problem: 'invalid-input', message: expect.stringMatching(/contradict/) }));
  });
});

describe('Host and Origin names the server answers to', () => {
  it('loopback names and the bound address, on this port only', () => {
    const ok = hostMatcher('127.0.0.1', 8080, 'http', []);
    for (const h of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST:8080', '[::1]:8080']) expect(ok(h)).toBe(true);
    for (const h of ['127.0.0.1:8081', '127.0.0.1', 'evil.example:8080', 'user@127.0.0.1:8080', '127.0.0.1:8080/x', '']) expect(ok(h)).toBe(false);
    expect(hostMatcher('::1', 8080, 'http', [])('[0:0:0:0:0:0:0:1]:8080')).toBe(true);
  });

  it("the certificate's names, its wildcards one label deep, and no port on 443", () => {
    const ok = hostMatcher('192.168.1.20', 443, 'https', ['fleet.lab.example', '*.gpus.example', '[2001:db8::5]']);
    for (const h of ['192.168.1.20', 'fleet.lab.example', 'FLEET.lab.example:443', 'box1.gpus.example', '[2001:db8::5]', '127.0.0.1']) expect(ok(h)).toBe(true);
    for (const h of ['gpus.example', '.gpus.example', 'a.b.gpus.example', 'evil.example', 'fleet.lab.example:8443']) expect(ok(h)).toBe(false);
  });
});

describe.skipIf(noOpenssl)(noOpenssl ? `TLS (skipped: ${noOpenssl})` : 'TLS', () => {
  let dir: string;
  let certFile: string;
  let keyFile: string;
  let tls: TlsMaterial;
  let fleet: Fleet;
  let webRoot: string;
  const run = promisify(execFile);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fd-serve-tls-'));
    certFile = path.join(dir, 'cert.pem');
    keyFile = path.join(dir, 'key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1']);
    await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path.join(dir, 'other-key.pem')]);
    await run('openssl', ['pkey', '-in', keyFile, '-aes256', '-passout', 'pass:secret', '-out', path.join(dir, 'encrypted-key.pem')]);
    tls = loadTls(certFile, keyFile);
    webRoot = path.join(dir, 'web');
    execFileSync('mkdir', [webRoot]);
    writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>Fleetdeck</title>');
    fleet = new Fleet({ dataDir: ':memory:', knownHostsFiles: [] });
  });

  afterAll(() => {
    fleet?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the certificate, its names and its key', () => {
    expect(tls.names).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(tls.validTo.getTime()).toBeGreaterThan(Date.now());
  });

  it('says which file is wrong, and how', () => {
    const missing = path.join(dir, 'nope.pem');
    expect(() => loadTls(missing, keyFile)).toThrow(expect.objectContaining({ problem: 'not-found', message: expect.stringContaining(missing) }));
    expect(() => loadTls(certFile, missing)).toThrow(expect.objectContaining({ problem: 'not-found', message: expect.stringContaining(missing) }));
    expect(() => loadTls(keyFile, certFile)).toThrow(expect.objectContaining({ problem: 'invalid-input', message: expect.stringMatching(/key\.pem is not a PEM certificate.*swapped/) }));
    expect(() => loadTls(certFile, path.join(dir, 'other-key.pem'))).toThrow(expect.objectContaining({ problem: 'invalid-input', message: expect.stringMatching(/other-key\.pem is not the private key of the certificate .*cert\.pem/) }));
    expect(() => loadTls(certFile, path.join(dir, 'encrypted-key.pem'))).toThrow(expect.objectContaining({ problem: 'invalid-input', message: expect.stringMatching(/encrypted-key\.pem is an encrypted key/) }));
    expect(() => loadTls(dir, keyFile)).toThrow(expect.objectContaining({ problem: 'invalid-input', message: expect.stringContaining(`${dir} cannot be read (EISDIR)`) }));
  });

  describe('HTTPS on 127.0.0.1', () => {
    let server: WebServer;
    beforeAll(async () => {
      server = await startWebServer({ fleet, webRoot, host: '127.0.0.1', port: 0, tls });
    });
    afterAll(() => server?.close());

    const get = (headers: Record<string, string> = {}) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port: server.port, path: '/', ca: tls.cert, servername: 'localhost', headers }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
          })
          .on('error', reject);
      });
    const socket = (origin: string, token = server.token) =>
      new WebSocket(`wss://127.0.0.1:${server.port}/api?token=${encodeURIComponent(token)}`, { ca: tls.cert, origin });
    const opened = (ws: WebSocket) =>
      new Promise<string>((resolve) => {
        ws.once('open', () => resolve('open'));
        ws.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
        ws.once('error', (e) => resolve(`error ${e.message}`));
      });

    it('serves the page over a verified TLS connection, no warning on loopback', async () => {
      expect(server.url).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${server.port}/#token=[\\w-]{32}$`));
      expect(server.warnings).toEqual([]);
      const page = await get();
      expect(page.status).toBe(200);
      expect(page.body).toContain('<title>Fleetdeck</title>');
      expect(page.headers['content-security-policy']).toContain("default-src 'self'");
      expect((await get({ host: `evil.example:${server.port}` })).status).toBe(421);
    });

    it('answers API calls over wss with the token and an https Origin of this server', async () => {
      const ws = socket(`https://127.0.0.1:${server.port}`);
      expect(await opened(ws)).toBe('open');
      const reply = new Promise<unknown>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
      ws.send(JSON.stringify({ id: 7, method: 'hosts.list', params: {} }));
      expect(await reply).toEqual({ id: 7, result: [] });
      ws.close();
    });

    it('refuses the WebSocket without the token, from another origin, or from an http origin', async () => {
      expect(await opened(socket(`https://127.0.0.1:${server.port}`, 'wrong-token'))).toBe('refused 403');
      expect(await opened(socket(`https://evil.example:${server.port}`))).toBe('refused 403');
      expect(await opened(socket(`http://127.0.0.1:${server.port}`))).toBe('refused 403');
    });
  });

  it('plain HTTP on loopback still works, and takes no https Origin', async () => {
    const server = await startWebServer({ fleet, webRoot, host: '127.0.0.1', port: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=/);
      const open = (origin: string) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { origin });
          ws.once('open', () => (ws.close(), resolve('open')));
          ws.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
        });
      expect(await open(`http://127.0.0.1:${server.port}`)).toBe('open');
      expect(await open(`https://127.0.0.1:${server.port}`)).toBe('refused 403');
    } finally {
      await server.close();
    }
  });
});

/** The real `fleetdeck` binary (the bundle `npm install`/`npm test` build). */
describe('fleetdeck serve (spawned)', () => {
  const bin = path.join(repo, 'bin/fleetdeck.mjs');
  const run = promisify(execFile);
  let dataDir: string;

  beforeAll(() => {
    if (!existsSync(path.join(repo, 'out/cli/fleetdeck.mjs'))) throw new Error('The CLI bundle is missing: run "npm run build:cli" first.');
    dataDir = mkdtempSync(path.join(tmpdir(), 'fd-serve-bin-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses --host 0.0.0.0 without TLS: exit 2, why and what to do, nothing opened', async () => {
    const r = await run(process.execPath, [bin, 'serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir], { cwd: repo, timeout: 20_000 }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/^fleetdeck: invalid-input: --host 0\.0\.0\.0 is not a loopback address: .*access token .*unencrypted.*ssh -N -L 8080:127\.0\.0\.1:8080 .*--tls-cert FILE --tls-key FILE.*--insecure-no-tls\.\n$/);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('names a missing certificate file: exit 5 (not-found)', async () => {
    const missing = path.join(dataDir, 'no-cert.pem');
    const r = await run(process.execPath, [bin, 'serve', '--tls-cert', missing, '--tls-key', missing, '--data-dir', dataDir], { cwd: repo, timeout: 20_000 }).catch((e: { code: number; stderr: string }) => e);
    expect(r).toMatchObject({ code: 5, stderr: `fleetdeck: not-found: The TLS certificate file ${missing} does not exist: give the path of a PEM file.\n` });
    const half = await run(process.execPath, [bin, 'serve', '--tls-cert', missing, '--data-dir', dataDir], { cwd: repo, timeout: 20_000 }).catch((e: { code: number; stderr: string }) => e);
    expect(half).toMatchObject({ code: 2, stderr: 'fleetdeck: invalid-input: HTTPS needs both --tls-cert FILE and --tls-key FILE.\n' });
  });

  it.skipIf(noOpenssl)('serves HTTPS with --tls-cert and --tls-key', { timeout: 60_000 }, async () => {
    if (!existsSync(path.join(repo, 'out/web/index.html'))) throw new Error('The web UI is not built: run "npm run build:web" first.');
    const certFile = path.join(dataDir, 'cert.pem');
    const keyFile = path.join(dataDir, 'key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1']);
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--tls-cert', certFile, '--tls-key', keyFile, '--data-dir', path.join(dataDir, 'data')], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /https:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(out);
          if (m) resolve(m[0]);
        });
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      const status = await new Promise<number>((resolve, reject) => {
        https.get(url.replace(/#.*/, ''), { ca: readFileSync(certFile) }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject);
      });
      expect(status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
