/**
 * Helper cost benchmark, printed as ratios (never asserted): the helper streaming samples at
 * 1 Hz, and the resident agent (sampling at 1 Hz into its on-disk buffer, one client streaming)
 * started as its unit starts it, vs prometheus-node-exporter scraped once a second, side by side on
 * this machine in the same run. Goals: helper CPU ≤ 1.0× node_exporter's, RSS ≤ 60 MB; agent CPU
 * ≤ 0.3× node_exporter's, RSS ≤ 50 MB. Run as root, also the per-user agent (an admin without
 * root) as an account without root.
 * BENCH_SECONDS (default 60) sets the window.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { helperChannels } from '../src-common/protocol/helper-api.js';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAssets } from '../src-main/core/agent/assets.js';
import { HelperClient } from '../src-main/core/agent/helper-client.js';
import { socketTransport, startLocalHelper } from '../src-main/core/agent/local-helper.js';
import { NODE_FLAGS } from '../src-main/core/modules/agent.module.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const COCKPIT_BRIDGE = '/usr/bin/cockpit-bridge';
const TICKS = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function scrape(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
        let n = 0;
        res.on('data', (d: Buffer) => (n += d.length));
        res.on('end', () => resolve(n));
      })
      .on('error', reject);
  });
}

/**
 * Debian's cockpit-bridge as Cockpit's overview and metrics pages drive it: its own framing on stdio
 * ("LEN\\nCHANNEL\\nPAYLOAD"), init, then a metrics1 channel from its internal source at 1 Hz.
 */
function startCockpitMetrics(): { pid: number; frames: () => number; kill: () => void } {
  const p = spawn(COCKPIT_BRIDGE, [], { stdio: ['pipe', 'pipe', 'ignore'] });
  const send = (channel: string, msg: object) => {
    const payload = Buffer.from(`${channel}\n${JSON.stringify(msg)}`);
    p.stdin.write(`${payload.length}\n`);
    p.stdin.write(payload);
  };
  let frames = 0;
  let buf = Buffer.alloc(0);
  p.stdout.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
      const len = Number(buf.subarray(0, nl).toString());
      if (buf.length < nl + 1 + len) return;
      buf = buf.subarray(nl + 1 + len);
      frames++;
    }
  });
  const rate = (name: string) => ({ name, derive: 'rate' });
  send('', { command: 'init', version: 1, host: 'localhost' });
  send('', {
    command: 'open', channel: 'm1', payload: 'metrics1', source: 'internal', interval: 1000,
    metrics: [rate('cpu.basic.user'), rate('cpu.basic.system'), rate('cpu.basic.nice'), rate('cpu.basic.iowait'), rate('cpu.core.user'), { name: 'memory.used' }, { name: 'memory.swap-used' },
      rate('disk.all.read'), rate('disk.all.written'), rate('network.interface.rx'), rate('network.interface.tx'), { name: 'cgroup.memory.usage' }, rate('cgroup.cpu.usage')],
  });
  return { pid: p.pid!, frames: () => frames, kill: () => p.kill() };
}

if (!existsSync(NODE_EXPORTER)) {
  console.log(`helper-cost: skipped — ${NODE_EXPORTER} is not installed (apt-get install prometheus-node-exporter) to compare against.`);
  process.exit(0);
}

const port = await freePort();
const exporter = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 500));
const helper = await startLocalHelper();
let samples = 0;
const stream = helper.open(helperChannels.metricsStream, { intervalMs: 1000 }, { onData: () => void samples++ });
stream.finished.catch(() => undefined);
await scrape(port);

// The agent as its unit runs it (the same Node flags), its buffer in a temp dir: one resident as it is
// all day (nobody connected), one with a client streaming (the Monitor open).
const agentDir = mkdtempSync(path.join(tmpdir(), 'fd-agent-cost-'));
const startAgent = (name: string) =>
  spawn(process.execPath, [...NODE_FLAGS.split(' '), loadAssets().helperPath, '--agent', '--socket', path.join(agentDir, `${name}.sock`), '--data', path.join(agentDir, name), '--group', 'root'], { stdio: 'ignore' });
const residentProc = startAgent('resident');
const agentProc = startAgent('watched');
// The per-user agent (runAs=login: an admin without root), as an account without root (nobody), no group.
const userDir = path.join(agentDir, 'user');
const perUserProc = process.getuid?.() === 0 ? startPerUser() : null;
function startPerUser() {
  chmodSync(agentDir, 0o711);
  mkdirSync(userDir, { mode: 0o700 });
  chownSync(userDir, 65534, 65534);
  const argv = [process.execPath, ...NODE_FLAGS.split(' '), loadAssets().helperPath, '--agent', '--socket', path.join(userDir, 'agent.sock'), '--data', path.join(userDir, 'data')];
  return spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', ...argv], { stdio: 'ignore' });
}
await new Promise((r) => setTimeout(r, 1500));
const agent = await HelperClient.start(socketTransport(net.connect(path.join(agentDir, 'watched.sock'))), { label: 'agent' });
let agentSamples = 0;
agent.open(helperChannels.metricsStream, {}, { onData: () => void agentSamples++ }).finished.catch(() => undefined);
const bridge = existsSync(COCKPIT_BRIDGE) ? startCockpitMetrics() : null;
// Past start-up for all of them (JIT warm-up, V8's first memory-reducing GCs): the steady state is what a host pays.
await new Promise((r) => setTimeout(r, 10_000));

const procs = { exporter: exporter.pid!, helper: helper.init.pid, resident: residentProc.pid!, agent: agentProc.pid!, ...(bridge ? { bridge: bridge.pid } : {}), ...(perUserProc ? { perUser: perUserProc.pid! } : {}) };
type Name = keyof typeof procs;
const names = Object.keys(procs) as Name[];
const start = { ticks: Object.fromEntries(names.map((n) => [n, cpuTicks(procs[n]!)])) as Record<Name, number>, at: Date.now(), samples, agentSamples, bridgeFrames: bridge?.frames() ?? 0 };
const peak = Object.fromEntries(names.map((n) => [n, 0])) as Record<Name, number>;
let scrapedBytes = 0;
for (let i = 0; i < SECONDS; i++) {
  scrapedBytes += await scrape(port);
  for (const n of names) peak[n] = Math.max(peak[n], rssBytes(procs[n]!));
  await new Promise((r) => setTimeout(r, 1000));
}
const secs = (Date.now() - start.at) / 1000;
const cpu = Object.fromEntries(names.map((n) => [n, ((cpuTicks(procs[n]!) - start.ticks[n]) / TICKS / secs) * 100])) as Record<Name, number>;
const bridgeFrames = (bridge?.frames() ?? 0) - start.bridgeFrames;
agent.close();
agentProc.kill('SIGTERM');
residentProc.kill('SIGTERM');
perUserProc?.kill('SIGTERM');
bridge?.kill();
stream.close();
helper.close();
exporter.kill();

const mb = (b: number) => (b / 1e6).toFixed(1);
const pct = (n: Name) => `CPU ${cpu[n].toFixed(2)} % of a core, RSS peak ${mb(peak[n])} MB`;
const ratio = (n: Name) => `${(cpu[n] / cpu.exporter).toFixed(2)}×`;
console.log(`\nHelper cost at 1 Hz for ${SECONDS} s (this machine, side by side, after 10 s of warm-up)`);
console.log(`  node_exporter scraped 1/s        ${pct('exporter')} (${(scrapedBytes / SECONDS / 1024).toFixed(0)} KiB per scrape)`);
if (bridge) console.log(`  cockpit-bridge metrics1 1 Hz     ${pct('bridge' as Name)} (${bridgeFrames} frames)`);
console.log(`  fleetdeck helper 1 Hz            ${pct('helper')} (${samples - start.samples} samples with attribution)`);
console.log(`  fleetdeck agent, resident        ${pct('resident')} (1 Hz into its buffer, nobody connected)`);
console.log(`  fleetdeck agent, one client      ${pct('agent')} (${agentSamples - start.agentSamples} samples streamed with attribution, each also kept)`);
if (perUserProc) console.log(`  fleetdeck agent, per-user        ${pct('perUser' as Name)} (no root: as nobody, 1 Hz into its buffer, nobody connected)`);
console.log(`  ratio CPU helper / node_exporter ${ratio('helper')} (goal ≤ 1.00×); helper RSS ${mb(peak.helper)} MB (goal ≤ 60 MB)`);
console.log(`  ratio CPU resident agent / node_exporter ${ratio('resident')} (goal ≤ 0.30×); agent RSS ${mb(peak.resident)} MB (goal ≤ 50 MB)`);
console.log(`  ratio CPU agent with a client / node_exporter ${ratio('agent')}; RSS ${mb(peak.agent)} MB`);
if (perUserProc) console.log(`  ratio CPU per-user agent / node_exporter ${ratio('perUser' as Name)}; RSS ${mb(peak['perUser' as Name])} MB`);
if (bridge) console.log(`  ratio CPU resident agent / cockpit-bridge ${(cpu.resident / cpu.bridge!).toFixed(2)}× (stated; cockpit keeps no history and attributes nothing to users)`);
else console.log(`  cockpit-bridge: not installed (apt-get install cockpit-bridge) to compare against`);
rmSync(agentDir, { recursive: true, force: true });
