/**
 * Metrics ingest benchmark (printed, never asserted):
 *   live:    200 simulated hosts streaming one JSON sample a second for BENCH_SECONDS (30) through
 *            the real MonitorService (line splitting, zod validation, queue, batched writes,
 *            monitor.onSample), main-process CPU % of one core vs the feeding harness alone
 *            (goal ≤ 30 %)
 *   history: a 24 h query over 86,400 raw samples of one host → 300 points, median ms (goal ≤ 20 ms);
 *            the same for one series of each of its 4 GPUs (per-GPU minute rollups)
 *   bulk:    ingestMany rate in samples/s (goal ≥ 200k/s)
 * Samples are realistic (32 cores, 4 GPUs, 30 processes, 6 users: ~12 KiB of JSON each).
 * Not included: SSH decryption and helper framing, which happen before a channel's onData.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { sampleSchema, type Sample } from '../src-common/monitor/sample.schema.js';
import { EventBus } from '../src-main/core/events.js';
import { FakeSession } from '../src-main/core/monitor/fake-helper.js';
import { MetricsStore } from '../src-main/core/monitor/metrics-store.js';
import { MonitorService } from '../src-main/core/monitor/monitor-service.js';
import { makeSample } from '../src-main/core/monitor/sample-factory.js';
import { tempDb } from '../src-main/core/monitor/test-db.js';

const HOSTS = 200;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const VARIANTS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Pre-serialized lines, so the harness spends no CPU on JSON.stringify while measuring: the
 * template is everything after `{"t":<t>`, since t is the first key.
 */
function templates(host: number): string[] {
  return Array.from({ length: VARIANTS }, (_, v) => {
    const json = JSON.stringify(makeSample({ t: 0, seed: host * 100 + v }));
    return json.slice('{"t":0'.length);
  });
}

/** Runs `feed` for every host once a second (spread over the second, as real hosts are) and measures CPU. */
async function measure(feed: (host: number, line: Uint8Array) => void): Promise<{ cpuPercent: number; lines: number }> {
  const tpl = Array.from({ length: HOSTS }, (_, h) => templates(h + 1));
  const encoder = new TextEncoder();
  let lines = 0;
  const timers: ReturnType<typeof setInterval>[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let h = 0; h < HOSTS; h++) {
    const start = setTimeout(() => {
      let n = 0;
      timers.push(
        setInterval(() => {
          feed(h + 1, encoder.encode(`{"t":${Date.now()}${tpl[h]![n++ % VARIANTS]}\n`));
          lines++;
        }, 1000),
      );
    }, (h * 1000) / HOSTS);
    timers.push(start);
  }
  await new Promise((r) => setTimeout(r, SECONDS * 1000 + 500));
  timers.forEach((t) => clearTimeout(t));
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;
  return { cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, lines };
}

async function live(): Promise<void> {
  const { db, file } = tempDb(HOSTS);
  const events = new EventBus();
  let pushed = 0;
  events.on((name) => name === 'monitor.onSample' && pushed++);
  const sessions = Array.from({ length: HOSTS }, (_, i) => new FakeSession(i + 1, events));
  const service = new MonitorService({ db, events, session: (id) => sessions[id - 1], hostName: (id) => `h${id}` });
  for (const s of sessions) s.connect();
  for (let id = 1; id <= HOSTS; id++) await service.start(id, 1000);
  const channels = sessions.map((s) => s.helper.channels[0]!);

  const harness = await measure(() => undefined);
  const real = await measure((host, line) => channels[host - 1]!.send(line));
  service.dispose();
  const stored = db.prepare('SELECT COUNT(*) FROM metric_raw').pluck().get() as number;
  db.close();
  rmSync(path.dirname(file), { recursive: true, force: true });

  console.log(`\nFleetdeck metrics ingest benchmark`);
  console.log(`  live: ${HOSTS} hosts × 1 Hz for ${SECONDS} s through MonitorService (${real.lines} samples, ${stored} stored, ${pushed} pushed)`);
  console.log(`    feeding harness alone                      ${harness.cpuPercent.toFixed(1)} % of one core`);
  console.log(`    harness + parse/validate/store/push        ${real.cpuPercent.toFixed(1)} % of one core   (monitoring's own share ${(real.cpuPercent - harness.cpuPercent).toFixed(1)} %; goal ≤ 30 %)`);
}

/** A day of 1 Hz samples for one host, built from a few realistic bases (t changes, the rest is shared). */
function daySamples(start: number, count: number, hostId: number): { hostId: number; sample: Sample }[] {
  const bases = Array.from({ length: 60 }, (_, i) => makeSample({ t: 0, seed: i }));
  return Array.from({ length: count }, (_, i) => ({ hostId, sample: { ...bases[i % bases.length]!, t: start + i * 1000 } }));
}

function chunks<T>(xs: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size));
}

function historyAndBulk(): void {
  const { db, file } = tempDb(HOSTS);
  const now = Date.now();
  const from = now - 86_400_000;
  const store = new MetricsStore(db, { now: () => now });

  // Bulk: one host's day in batches of 3,600 (an hour), after a warm-up on another host so the
  // figure is the long-running app's, not the JIT's first minutes.
  // Three rounds (hosts 3..5), median and best: one round is under half a second, and a shared
  // 2-core machine's neighbours move a single round by ±30 %.
  for (const b of chunks(daySamples(from, 36_000, 2), 3600)) store.ingestMany(b);
  const rates = [3, 4, 5].map((host) => {
    const batches = chunks(daySamples(from, 86_400, host), 3600);
    const t = performance.now();
    for (const b of batches) store.ingestMany(b);
    return 86_400 / ((performance.now() - t) / 1000);
  });
  for (const b of chunks(daySamples(from, 86_400, 1), 3600)) store.ingestMany(b);
  let t0: number;

  // Live-shaped batches: 200 hosts, one sample each per 1-second flush.
  const base = makeSample({ t: 0, seed: 1 });
  const liveBatches = Array.from({ length: 120 }, (_, s) => Array.from({ length: HOSTS }, (_, h) => ({ hostId: h + 1, sample: { ...base, t: from + s * 1000 } })));
  t0 = performance.now();
  for (const b of liveBatches) store.ingestMany(b);
  const liveMs = performance.now() - t0;

  // Parse + validate, the other per-sample cost of the live path.
  const line = JSON.stringify(makeSample({ t: now, seed: 9 }));
  t0 = performance.now();
  for (let i = 0; i < 5000; i++) sampleSchema.parse(JSON.parse(line));
  const parseUs = ((performance.now() - t0) / 5000) * 1000;

  const runs = (fn: () => unknown) => median(Array.from({ length: 51 }, () => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  }));
  const auto = store.history(1, 'cpu', from, now, 300);
  const autoMs = runs(() => store.history(1, 'cpu', from, now, 300));
  const rawMs = runs(() => store.history(1, 'cpu', from, now, 300, { resolution: 'raw' }));
  const twoHourMs = runs(() => store.history(1, 'cpu', now - 7_200_000, now, 300));
  const gpuDay = store.gpuHistory(1, 'util', from, now, 288);
  const gpuDayMs = runs(() => store.gpuHistory(1, 'util', from, now, 288));
  const gpuHourMs = runs(() => store.gpuHistory(1, 'temp', now - 3_600_000, now, 360));

  console.log(`  history: 24 h of one host (86,400 raw samples) → ${auto.points.length} points`);
  console.log(`    chosen resolution ${auto.resolution}                          median ${autoMs.toFixed(2)} ms   (goal ≤ 20 ms)`);
  console.log(`    same range forced to raw rows (for scale)      median ${rawMs.toFixed(2)} ms   ratio ${(rawMs / autoMs).toFixed(0)}×`);
  console.log(`    last 2 h from raw rows (7,200 samples)         median ${twoHourMs.toFixed(2)} ms`);
  console.log(`    per GPU, 24 h (${gpuDay.gpus.length} GPUs × ${gpuDay.gpus[0]?.points.length ?? 0} points, ${gpuDay.resolution})         median ${gpuDayMs.toFixed(2)} ms`);
  console.log(`    per GPU, last 1 h (one point a minute)         median ${gpuHourMs.toFixed(2)} ms`);
  console.log(`  bulk ingest (ingestMany, one transaction per batch)`);
  console.log(`    one host's day, batches of 3,600, median of 3  ${Math.round(median(rates)).toLocaleString('en')} samples/s   (best ${Math.round(Math.max(...rates)).toLocaleString('en')}; goal ≥ 200,000/s)`);
  console.log(`    200 hosts, one sample each per batch (live)    ${Math.round((120 * HOSTS) / (liveMs / 1000)).toLocaleString('en')} samples/s`);
  console.log(`    JSON.parse + zod validation of one sample      ${parseUs.toFixed(0)} µs  (${Math.round(1e6 / parseUs).toLocaleString('en')} samples/s)`);
  store.dispose();
  db.close();
  rmSync(path.dirname(file), { recursive: true, force: true });
}

await live();
historyAndBulk();
