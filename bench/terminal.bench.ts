/**
 * Terminal throughput, printed as a ratio against OpenSSH in the same run on the same host (never
 * asserted in tests): `cat` of a 200 MB text file
 *   - through Fleetdeck's terminal path: `fleetdeck serve` (the core, in its own process) → ssh2
 *     pty channel → terminals.onData events over the WebSocket → a client that acknowledges each
 *     chunk as xterm's write callback would (xterm's own rendering is not part of this number);
 *   - OpenSSH `ssh host cat FILE` (no pty) and `ssh -tt host cat FILE` (pty, like a terminal),
 *     output to /dev/null.
 * Goal: ≥ 0.9× OpenSSH. Also prints the core process's peak RSS during the run: flow control
 * must keep it bounded, whatever the file size.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { startSshdHost } from '../e2e/testbed/index.js';

const run = promisify(execFile);
const SIZE = Number(process.env.BENCH_TERMINAL_BYTES ?? 200_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const repo = path.resolve(import.meta.dirname, '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** A minimal client of the app API over the WebSocket, like the renderer's. */
class Client {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  readonly listeners = new Set<(event: string, payload: unknown) => void>();
  constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { id?: number; result?: unknown; problem?: unknown; event?: string; payload?: unknown };
      if (m.event) for (const l of this.listeners) l(m.event, m.payload);
      else if (m.id !== undefined) {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.problem) p?.reject(m.problem);
        else p?.resolve(m.result);
      }
    });
  }
  static async open(url: string): Promise<Client> {
    const u = new URL(url);
    const token = u.hash.replace('#token=', '');
    const ws = new WebSocket(`ws://${u.host}/api?token=${encodeURIComponent(token)}`, { origin: u.origin });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new Client(ws);
  }
  call<T>(method: string, params: unknown): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }
  close(): void {
    this.ws.close();
  }
}

// A real OpenSSH server on plain loopback TCP (no forwarder in this process to share the CPU with).
const host = await startSshdHost({ name: 'bench-term' });
const dataDir = mkdtempSync(path.join(tmpdir(), 'fd-bench-term-'));
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const server = spawn(process.execPath, [path.join(repo, 'bin/fleetdeck.mjs'), 'serve', '--port', '0', '--data-dir', dataDir], { cwd: repo, env, stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const admin = host.users.fdtest!;
  // A text file the size of a big log: printable lines, like what people cat. (Data only: nothing is run from it.)
  const bigFile = path.join(mkdtempSync(path.join(tmpdir(), 'fd-bench-data-')), 'big.txt');
  await run('sh', ['-c', `yes 'Fleetdeck terminal throughput benchmark: 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ' | head -c ${SIZE} > "$1" && chmod 755 "$(dirname "$1")" && chmod 644 "$1"`, 'sh', bigFile]);

  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  const client = await Client.open(url);
  const added = await client.call<{ id: number }>('hosts.add', { name: 'bench', address: host.address, port: host.port, user: admin.name, auth: 'key', keyPath: admin.keyPath });
  let state = await client.call<{ state: string; problem?: string; details?: { fingerprint: string } }>('hosts.connect', { id: added.id });
  if (state.problem === 'unknown-hostkey') {
    await client.call('hosts.trustHostKey', { id: added.id, fingerprint: state.details!.fingerprint });
    state = await client.call('hosts.connect', { id: added.id });
  }
  if (state.state !== 'connected') throw new Error(`could not connect: ${JSON.stringify(state)}`);

  const sshArgs = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-i', admin.keyPath!, '-p', String(host.port), `${admin.name}@127.0.0.1`];
  const devNull = openSync('/dev/null', 'w');
  const sshOnce = (tty: boolean) =>
    new Promise<number>((resolve, reject) => {
      const t = process.hrtime.bigint();
      const p = spawn('ssh', [...(tty ? ['-tt'] : []), ...sshArgs, `cat ${bigFile}`], { stdio: ['ignore', devNull, 'inherit'] });
      p.once('error', reject);
      p.once('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t) / 1e6) : reject(new Error(`ssh exited ${code}`))));
    });

  const MARK = 'FD_BENCH_42_END';
  const fleetdeckOnce = async () => {
    const term = await client.call<{ terminalId: string }>('terminals.open', { id: added.id, cols: 200, rows: 50 });
    let text = '';
    let bytes = 0;
    let peakRss = 0;
    let startAt = 0n;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((r) => (done = r));
    let phase: 'prompt' | 'cat' = 'prompt';
    const listener = (event: string, payload: unknown) => {
      const p = payload as { terminalId: string; data: string; bytes: number };
      if (event !== 'terminals.onData' || p.terminalId !== term.terminalId) return;
      bytes += p.bytes;
      void client.call('terminals.ack', { terminalId: term.terminalId, bytes: p.bytes });
      // Only the tail matters for the marker; keep memory flat.
      text = (text + p.data).slice(-200);
      if (phase === 'prompt' && text.includes('FD_READY_7')) {
        phase = 'cat';
        text = '';
        bytes = 0;
        startAt = process.hrtime.bigint();
        void client.call('terminals.input', { terminalId: term.terminalId, data: `cat ${bigFile}; echo FD_BENCH_$((6*7))_END\n` });
      } else if (phase === 'cat' && text.includes(MARK)) done();
    };
    client.listeners.add(listener);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssKiB(server.pid!))), 50);
    await client.call('terminals.input', { terminalId: term.terminalId, data: 'stty -echo; echo FD_READY_$((3+4))\n' });
    await finished;
    const ms = Number(process.hrtime.bigint() - startAt) / 1e6;
    clearInterval(sampler);
    client.listeners.delete(listener);
    await client.call('terminals.close', { terminalId: term.terminalId });
    return { ms, bytes, peakRss };
  };

  const rssBefore = rssKiB(server.pid!);
  const plain: number[] = [];
  const tty: number[] = [];
  const fd: number[] = [];
  let peak = 0;
  let received = 0;
  for (let i = 0; i < ROUNDS; i++) {
    plain.push(await sshOnce(false));
    tty.push(await sshOnce(true));
    const r = await fleetdeckOnce();
    fd.push(r.ms);
    peak = Math.max(peak, r.peakRss);
    received = r.bytes;
  }
  client.close();
  const mb = SIZE / 1e6;
  const rate = (ms: number) => `${((mb / ms) * 1000).toFixed(0).padStart(4)} MB/s`;
  const [p, t, f] = [median(plain), median(tty), median(fd)];
  console.log(`\nFleetdeck terminal throughput (median of ${ROUNDS}, cat of ${mb.toFixed(0)} MB, OpenSSH server on loopback)`);
  console.log(`  OpenSSH  ssh host cat FILE > /dev/null        ${p.toFixed(0).padStart(6)} ms  ${rate(p)}`);
  console.log(`  OpenSSH  ssh -tt host cat FILE > /dev/null    ${t.toFixed(0).padStart(6)} ms  ${rate(t)}`);
  console.log(`  Fleetdeck terminal (core → WebSocket → acks)  ${f.toFixed(0).padStart(6)} ms  ${rate(f)}   ratio ${(p / f).toFixed(2)}× of ssh, ${(t / f).toFixed(2)}× of ssh -tt (goal ≥ 0.90×)`);
  console.log(`  bytes through the terminal: ${(received / 1e6).toFixed(1)} MB (pty turns \\n into \\r\\n)`);
  console.log(`  core RSS: ${(rssBefore / 1024).toFixed(0)} MiB before, peak ${(peak / 1024).toFixed(0)} MiB during (flow control holds at most 1 MiB unacknowledged, whatever the file size)`);
} finally {
  server.kill('SIGTERM');
  await host.stop();
}
