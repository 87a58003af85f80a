/**
 * Helper cost benchmark, printed as ratios (never asserted): the helper streaming samples at
 * 1 Hz, and the resident agent (sampling at 1 Hz into its on-disk buffer, one client streaming)
 * started as its unit starts it, vs prometheus-node-exporter scraped once a second, side by side on
 * this machine in the same run. Goals: helper CPU ≤ 1.0× node_exporter's, RSS ≤ 60 MB; agent CPU
 * ≤ 0.3× node_exporter's, RSS ≤ 50 MB.
 * BENCH_SECONDS (default 60) sets the window.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { helperChannels } from '../src-common/protocol/helper-api.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAssets } from '../src-main/core/agent/assets.js';
import { HelperClient } from '../src-main/core/agent/helper-client.js';
import { socketTransport, startLocalHelper } from '../src-main/core/agent/local-helper.js';
import { NODE_FLAGS } from '../src-main/core/modules/agent.module.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
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
await new Promise((r) => setTimeout(r, 3000)); // both warmed up: first scrape and first samples done
await scrape(port);

// The agent as its unit runs it (the same Node flags), its buffer in a temp dir, one client streaming.
const agentDir = mkdtempSync(path.join(tmpdir(), 'fd-agent-cost-'));
const agentProc = spawn(process.execPath, [...NODE_FLAGS.split(' '), loadAssets().helperPath, '--agent', '--socket', path.join(agentDir, 'a.sock'), '--data', path.join(agentDir, 'data'), '--group', 'root'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 1500));
const agent = await HelperClient.start(socketTransport(net.connect(path.join(agentDir, 'a.sock'))), { label: 'agent' });
let agentSamples = 0;
agent.open(helperChannels.metricsStream, {}, { onData: () => void agentSamples++ }).finished.catch(() => undefined);
await new Promise((r) => setTimeout(r, 2000));

const pids = { helper: helper.init.pid, exporter: exporter.pid!, agent: agentProc.pid! };
const start = { helper: cpuTicks(pids.helper), exporter: cpuTicks(pids.exporter), agent: cpuTicks(pids.agent), at: Date.now(), samples, agentSamples };
const peak = { helper: 0, exporter: 0, agent: 0 };
let scrapedBytes = 0;
for (let i = 0; i < SECONDS; i++) {
  scrapedBytes += await scrape(port);
  peak.helper = Math.max(peak.helper, rssBytes(pids.helper));
  peak.exporter = Math.max(peak.exporter, rssBytes(pids.exporter));
  peak.agent = Math.max(peak.agent, rssBytes(pids.agent));
  await new Promise((r) => setTimeout(r, 1000));
}
const secs = (Date.now() - start.at) / 1000;
const cpu = {
  helper: ((cpuTicks(pids.helper) - start.helper) / TICKS / secs) * 100,
  exporter: ((cpuTicks(pids.exporter) - start.exporter) / TICKS / secs) * 100,
  agent: ((cpuTicks(pids.agent) - start.agent) / TICKS / secs) * 100,
};
agent.close();
agentProc.kill('SIGTERM');
stream.close();
helper.close();
exporter.kill();

const mb = (b: number) => (b / 1e6).toFixed(1);
console.log(`\nHelper cost at 1 Hz for ${SECONDS} s (this machine, side by side)`);
console.log(`  node_exporter scraped 1/s   CPU ${cpu.exporter.toFixed(2)} % of a core, RSS peak ${mb(peak.exporter)} MB (${(scrapedBytes / SECONDS / 1024).toFixed(0)} KiB per scrape)`);
console.log(`  fleetdeck helper 1 Hz       CPU ${cpu.helper.toFixed(2)} % of a core, RSS peak ${mb(peak.helper)} MB (${samples - start.samples} samples with attribution)`);
console.log(`  fleetdeck agent 1 Hz        CPU ${cpu.agent.toFixed(2)} % of a core, RSS peak ${mb(peak.agent)} MB (${agentSamples - start.agentSamples} samples streamed, each also kept in its buffer)`);
console.log(`  ratio CPU helper / node_exporter ${(cpu.helper / cpu.exporter).toFixed(2)}× (goal ≤ 1.00×); helper RSS ${mb(peak.helper)} MB (goal ≤ 60 MB)`);
console.log(`  ratio CPU agent / node_exporter ${(cpu.agent / cpu.exporter).toFixed(2)}× (goal ≤ 0.30×); agent RSS ${mb(peak.agent)} MB (goal ≤ 50 MB)`);
rmSync(agentDir, { recursive: true, force: true });
