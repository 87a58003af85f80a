import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventorySchema } from '../../src-common/inventory/inventory.schema.js';
import { probeSchema } from '../../src-common/inventory/probe.schema.js';
import { dockerOk } from '../testbed/docker.js';
import { ensureKeys, startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import type { RunResult } from '../testbed/proc.js';

/**
 * `fleetdeck` as an npm package, for real: the tarball `npm pack` makes is installed with
 * `npm i -g --offline` in a Debian 12 host that has no network and nothing but this machine's Node
 * and npm copied in, and every kind of command runs there as a normal user — local facts, a
 * probe over SSH (the host's own sshd), stored reports, and `fleetdeck serve`.
 */
const unavailable = await testbedUnavailableReason({ docker: true });
const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

/** Talks to `fleetdeck serve` from inside the host: the page, then its WebSocket API with and without the token. */
const CLIENT = String.raw`
const http = require('node:http');
const crypto = require('node:crypto');
const [url] = process.argv.slice(1);
const u = new URL(url);
const token = u.hash.replace('#token=', '');
const base = u.origin;
function get(p) {
  return new Promise((resolve, reject) => {
    http.get(base + p, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode, csp: res.headers['content-security-policy'] ?? '', body }));
    }).on('error', reject);
  });
}
function frame(text) {
  const payload = Buffer.from(text);
  const mask = crypto.randomBytes(4);
  const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([head, mask, body]);
}
function call(tokenGiven) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + '/api' + (tokenGiven === null ? '' : '?token=' + encodeURIComponent(tokenGiven)), {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'), Origin: base },
    });
    req.on('response', (res) => resolve({ status: res.statusCode }));
    req.on('upgrade', (res, socket) => {
      let buf = Buffer.alloc(0);
      socket.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          if (buf.length < 2) return;
          let len = buf[1] & 127;
          let off = 2;
          if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
          else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
          if (buf.length < off + len) return;
          const msg = JSON.parse(buf.subarray(off, off + len).toString('utf8'));
          buf = buf.subarray(off + len);
          if (msg.id === 1) { socket.destroy(); resolve({ status: res.statusCode, message: msg }); return; }
        }
      });
      socket.write(frame(JSON.stringify({ id: 1, method: 'hosts.list', params: {} })));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => reject(new Error('no answer from ' + base)));
    req.end();
  });
}
(async () => {
  const page = await get('/');
  const noToken = await call(null);
  const wrongToken = await call('x'.repeat(token.length));
  const withToken = await call(token);
  process.stdout.write(JSON.stringify({ page, noToken, wrongToken, withToken }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe.skipIf(unavailable)('the npm package (npm pack → npm i -g on a Debian host without network)', () => {
  let host: DebianHost;
  let packDir: string;
  let pack: PackResult;
  const timings: string[] = [];

  /** A shell command as the host's user admin (uid 1000), with a login-like environment. */
  const asAdmin = (cmd: string): Promise<RunResult> =>
    host.exec(['env', '-i', 'HOME=/home/admin', 'USER=admin', 'LOGNAME=admin', 'PATH=/usr/local/bin:/usr/bin:/bin', 'sh', '-c', `cd "$HOME" || exit 1; ${cmd}`], { user: 'admin' });
  const ok = (r: RunResult, what: string): RunResult => {
    if (r.code !== 0) throw new Error(`${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
  };

  beforeAll(async () => {
    const t0 = Date.now();
    // npm test has built helper, CLI and web UI ("prepack" would rebuild them in this checkout,
    // under other tests' feet): pack what is there, without scripts.
    if (!existsSync(path.join(repo, 'out/cli/fleetdeck.mjs')) || !existsSync(path.join(repo, 'out/web/index.html'))) {
      await run('npm', ['run', '--silent', 'build:web'], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
    }
    packDir = mkdtempSync(path.join(tmpdir(), 'fd-pack-'));
    const [packed, started] = await Promise.all([
      run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: repo, maxBuffer: 16 * 1024 * 1024 }),
      startDebianHost({ name: 'it-npm' }),
    ]);
    host = started;
    pack = (JSON.parse(packed.stdout) as PackResult[])[0]!;
    timings.push(`pack + host ${Date.now() - t0} ms`);

    // Only Node and npm, copied from this machine (same glibc: Debian 12), under /usr/local.
    const t1 = Date.now();
    const npmRoot = (await run('npm', ['root', '-g'])).stdout.trim();
    ok(await host.exec(['mkdir', '-p', '/usr/local/lib/node_modules', '/home/admin/.ssh']), 'mkdir');
    await dockerOk(['cp', process.execPath, `${host.containerId}:/usr/local/bin/node`], { timeoutMs: 120_000 });
    await dockerOk(['cp', path.join(npmRoot, 'npm'), `${host.containerId}:/usr/local/lib/node_modules/npm`], { timeoutMs: 120_000 });
    await dockerOk(['cp', path.join(packDir, pack.filename), `${host.containerId}:/root/${pack.filename}`]);
    const key = (await ensureKeys()).plain.path;
    await dockerOk(['cp', key, `${host.containerId}:/home/admin/.ssh/id_ed25519`]);
    ok(
      await host.exec([
        'sh', '-c',
        'chown root:root /usr/local/bin/node && chmod 755 /usr/local/bin/node && ' +
          'chown -R root:root /usr/local/lib/node_modules/npm && ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ' +
          'chown -R admin:admin /home/admin/.ssh && chmod 600 /home/admin/.ssh/id_ed25519',
      ]),
      'setting up node, npm and the key',
    );
    timings.push(`node + npm copied ${Date.now() - t1} ms`);
  }, 300_000);

  afterAll(async () => {
    console.log(`npm package test: ${timings.join(', ')}`);
    await host?.stop();
    if (packDir) rmSync(packDir, { recursive: true, force: true });
  });

  it('packs the CLI, the helper, the web UI and the host scripts — no sources, no node_modules, no runtime', () => {
    const files = pack.files.map((f) => f.path);
    console.log(`tarball ${pack.filename}: ${(pack.size / 1e6).toFixed(2)} MB packed, ${(pack.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${files.length} files`);
    for (const f of ['package.json', 'bin/fleetdeck.mjs', 'out/cli/fleetdeck.mjs', 'out/cli/native/better_sqlite3.node', 'out/helper/helper.cjs', 'out/helper/manifest.json', 'out/web/index.html', 'remote-scripts/bootstrap.sh']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^(src-|e2e\/|test\/|scripts\/|node_modules\/|\.cache\/)|\.map$|\.ts$/.test(f))).toEqual([]);
    expect(pack.size).toBeLessThan(10 * 1024 * 1024);
  });

  it('installs offline with npm i -g: nothing fetched, nothing compiled', async () => {
    const t = Date.now();
    const r = ok(await host.exec(['npm', 'i', '-g', '--offline', '--no-audit', '--no-fund', `/root/${pack.filename}`]), 'npm i -g');
    timings.push(`npm i -g ${Date.now() - t} ms`);
    expect(r.stdout).toMatch(/added 1 package/);
    expect(ok(await asAdmin('command -v fleetdeck'), 'command -v').stdout.trim()).toBe('/usr/local/bin/fleetdeck');
    // No dependency was installed beside it: everything is in out/cli.
    expect((await host.exec(['ls', '/usr/local/lib/node_modules/fleetdeck'])).stdout.split('\n')).not.toContain('node_modules');
  });

  it('probe, inventory and watch of the machine itself (--local)', async () => {
    const probe = ok(await asAdmin('fleetdeck probe --local'), 'probe --local');
    expect(probe.stdout).toMatch(/Debian GNU\/Linux 12/);
    const inv = inventorySchema.parse(JSON.parse(ok(await asAdmin('fleetdeck inventory --local --json'), 'inventory --local').stdout));
    expect(inv.memory.totalBytes).toBeGreaterThan(0);
    const lines = ok(await asAdmin('fleetdeck watch --local --count 2 --interval 0.5 --json'), 'watch --local').stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(JSON.parse(l)).toBeTypeOf('object');
  });

  it('probes a host over SSH (this host\'s own sshd), trusting its new key', async () => {
    const r = ok(await asAdmin('fleetdeck probe admin@127.0.0.1 --accept-new -i ~/.ssh/id_ed25519 --json'), 'probe over ssh');
    const probe = probeSchema.parse(JSON.parse(r.stdout));
    expect(probe.os).toMatchObject({ id: 'debian', versionId: '12' });
    // The host's Node (the one copied in) ran the helper: the package carries no portable runtime.
    expect((await host.exec(['ls', '/home/admin/.cache/fleetdeck'])).stdout).not.toMatch(/runtime-/);
  });

  it('reports from the stored data: JSON and HTML; PDF says it needs Chromium', async () => {
    const inv = JSON.parse(ok(await asAdmin('fleetdeck report inventory --format json'), 'report inventory json').stdout) as { kind: string };
    expect(inv.kind).toBe('inventory');
    const html = ok(await asAdmin('fleetdeck report inventory --format html'), 'report inventory html').stdout;
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toMatch(/Content-Security-Policy/i);
    // The SSH probe above was recorded in the package's own SQLite database.
    expect(ok(await asAdmin('fleetdeck report audit --format json'), 'report audit').stdout).toMatch(/hosts\.connect/);
    const pdf = await asAdmin('fleetdeck report inventory --format pdf -o inventory.pdf');
    expect(pdf.code).not.toBe(0);
    expect(pdf.stderr).toMatch(/PDF export needs Chromium on this machine/);
  });

  it('serves the web UI; its API needs the token', async () => {
    ok(await asAdmin('fleetdeck serve --port 0 >serve.log 2>&1 </dev/null & echo $! >serve.pid'), 'serve');
    const waited = ok(
      await asAdmin('for i in $(seq 100); do grep -q "#token=" serve.log && break; sleep 0.1; done; cat serve.log'),
      'waiting for serve',
    ).stdout;
    const url = /(http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(waited)?.[1];
    expect(url, waited).toBeDefined();
    const r = JSON.parse(ok(await asAdmin(`node -e ${shellQuote(CLIENT)} ${shellQuote(url!)}`), 'client').stdout) as {
      page: { status: number; csp: string; body: string };
      noToken: { status: number };
      wrongToken: { status: number };
      withToken: { status: number; message: { id: number; result?: unknown } };
    };
    expect(r.page.status).toBe(200);
    expect(r.page.body).toMatch(/<script type="module"[^>]*src="\.\/assets\/index-[\w-]+\.js"/);
    expect(r.page.csp).toMatch(/script-src 'self'/);
    expect(r.noToken.status).toBe(403);
    expect(r.wrongToken.status).toBe(403);
    expect(r.withToken.status).toBe(101);
    expect(r.withToken.message.result).toEqual([]);
    ok(await asAdmin('kill "$(cat serve.pid)"'), 'stopping serve');
  });
});

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
