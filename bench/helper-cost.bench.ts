/**
 * Helper cost benchmark, printed as ratios (never asserted): the helper streaming samples at
 * 1 Hz vs prometheus-node-exporter scraped once a second, side by side on this machine in the
 * same run. Goals: helper CPU ≤ 1.0× node_exporter's, helper RSS ≤ 60 MB.
 * BENCH_SECONDS (default 60) sets the window.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { helperChannels } from '../src-common/protocol/helper-api.js';
import { startLocalHelper } from '../src-main/core/agent/local-helper.js';

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

const pids = { helper: helper.init.pid, exporter: exporter.pid! };
const start = { helper: cpuTicks(pids.helper), exporter: cpuTicks(pids.exporter), at: Date.now(), samples };
const peak = { helper: 0, exporter: 0 };
let scrapedBytes = 0;
for (let i = 0; i < SECONDS; i++) {
  scrapedBytes += await scrape(port);
  peak.helper = Math.max(peak.helper, rssBytes(pids.helper));
  peak.exporter = Math.max(peak.exporter, rssBytes(pids.exporter));
  await new Promise((r) => setTimeout(r, 1000));
}
const secs = (Date.now() - start.at) / 1000;
const cpu = {
  helper: ((cpuTicks(pids.helper) - start.helper) / TICKS / secs) * 100,
  exporter: ((cpuTicks(pids.exporter) - start.exporter) / TICKS / secs) * 100,
};
stream.close();
helper.close();
exporter.kill();

const mb = (b: number) => (b / 1e6).toFixed(1);
console.log(`\nHelper cost at 1 Hz for ${SECONDS} s (this machine, side by side)`);
console.log(`  node_exporter scraped 1/s   CPU ${cpu.exporter.toFixed(2)} % of a core, RSS peak ${mb(peak.exporter)} MB (${(scrapedBytes / SECONDS / 1024).toFixed(0)} KiB per scrape)`);
console.log(`  fleetdeck helper 1 Hz       CPU ${cpu.helper.toFixed(2)} % of a core, RSS peak ${mb(peak.helper)} MB (${samples - start.samples} samples with attribution)`);
console.log(`  ratio CPU helper / node_exporter ${(cpu.helper / cpu.exporter).toFixed(2)}× (goal ≤ 1.00×); helper RSS ${mb(peak.helper)} MB (goal ≤ 60 MB)`);
