/**
 * History benchmark (never asserted in tests): the Monitor tab's 24 h chart (300 points) of one
 * host read from this laptop's SQLite against the same chart read from the fleet's Prometheus
 * (the monitoring module on a systemd Debian testbed host, PromQL over HTTP through the SSH
 * connection), in the same run, through the same API call (monitor.history).
 *   SQLite:      a day of 1 Hz samples ingested for the host (the app's own write path), read
 *                from the 1-minute rollups as the app does for 24 h
 *   Prometheus:  a day of node_exporter series at its 15 s scrape interval backfilled with
 *                `promtool tsdb create-blocks-from openmetrics`, then queried as the app does
 * Prints the median of ROUNDS reads of each, for memory (two gauges) and CPU (a rate over two
 * counters), and the ratio. Run: npm run bench history
 */
import { type Sample } from '../src-common/monitor/sample.schema.js';
import type { ApplyResult, ChangePlan } from '../src-common/change/modules.contract.js';
import { addHost, connectTrusting, newFleet } from '../e2e/integration/harness.js';
import { startDebianHost } from '../e2e/testbed/debian-host.js';
import { makeSample } from '../src-main/core/monitor/sample-factory.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const DAY = 86_400_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** A day of the node_exporter series the memory and CPU charts read, as OpenMetrics, every 15 s. */
function openMetrics(instance: string, from: number, to: number): string {
  const labels = (extra = '') => `{instance="${instance}",job="node"${extra}}`;
  const lines: string[] = ['# TYPE node_memory_MemTotal_bytes gauge'];
  const steps: number[] = [];
  for (let t = from; t < to; t += 15_000) steps.push(t / 1000);
  for (const s of steps) lines.push(`node_memory_MemTotal_bytes${labels()} 25769803776 ${s}`);
  lines.push('# TYPE node_memory_MemAvailable_bytes gauge');
  steps.forEach((s, i) => lines.push(`node_memory_MemAvailable_bytes${labels()} ${20e9 + 2e9 * Math.sin(i / 200)} ${s}`));
  lines.push('# TYPE node_cpu_seconds counter');
  for (const cpu of ['0', '1']) {
    let idle = 0;
    for (const s of steps) {
      idle += 15 * (0.5 + 0.4 * Math.sin(s / 3000));
      lines.push(`node_cpu_seconds_total${labels(`,cpu="${cpu}",mode="idle"`)} ${idle.toFixed(3)} ${s}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const deb = await startDebianHost({ name: 'bench-history', apt: true });
  const fleet = newFleet({ connectTimeoutMs: 20_000 });
  try {
    const host = await addHost(fleet, deb, 'admin');
    if ((await connectTrusting(fleet, host.id)).state !== 'connected') throw new Error('could not connect');
    const plan = (await fleet.call('change.plan', { id: host.id, modules: [{ id: 'monitoring', settings: { grafana: false } }] })) as ChangePlan;
    const applied = (await fleet.call('change.apply', { id: host.id, planId: plan.planId, tag: plan.tag })) as ApplyResult;
    if (applied.status !== 'done') throw new Error(`monitoring: ${applied.message}`);

    const now = Date.now();
    const from = now - DAY;
    // Prometheus: the day backfilled into its own data directory, then loaded by a restart.
    const om = openMetrics(host.name, from - 3_600_000, now - 3 * 3_600_000);
    const fill = await deb.exec(
      ['sh', '-c', 'set -e; cat > /tmp/day.om; cd /tmp && runuser -u prometheus -- promtool tsdb create-blocks-from openmetrics /tmp/day.om /var/lib/prometheus/metrics2 >/dev/null; systemctl restart prometheus; for i in $(seq 60); do bash -c "exec 3<>/dev/tcp/127.0.0.1/9090" 2>/dev/null && exit 0; sleep 0.5; done; exit 1'],
      { input: om },
    );
    if (fill.code !== 0) throw new Error(`backfill: ${fill.stderr}`);
    // SQLite: a day at 1 Hz through the app's own write path.
    const bases = Array.from({ length: 60 }, (_, i) => makeSample({ t: 0, seed: i }));
    for (let h = 0; h < 24; h++) {
      const batch: { hostId: number; sample: Sample }[] = [];
      for (let i = 0; i < 3600; i++) batch.push({ hostId: host.id, sample: { ...bases[i % 60]!, t: from + (h * 3600 + i) * 1000 } });
      fleet.monitor.store.ingestMany(batch);
    }
    fleet.monitor.store.flush();

    const read = (series: string, source: string) => fleet.call('monitor.history', { id: host.id, series, from, to: now, points: 300, source }) as Promise<{ points: { avg: number | null }[] }>;
    console.log(`24 h chart, 300 points, median of ${ROUNDS} reads (one host; Prometheus through the SSH connection on loopback):`);
    for (const series of ['mem', 'cpu']) {
      for (const source of ['local', 'prometheus']) await read(series, source); // warm
      const local: number[] = [];
      const prom: number[] = [];
      let got = { local: 0, prometheus: 0 };
      for (let i = 0; i < ROUNDS; i++) {
        local.push(await time(async () => (got.local = (await read(series, 'local')).points.filter((p) => p.avg !== null).length)));
        prom.push(await time(async () => (got.prometheus = (await read(series, 'prometheus')).points.filter((p) => p.avg !== null).length)));
      }
      const l = median(local);
      const p = median(prom);
      console.log(`  ${series.padEnd(4)} SQLite ${l.toFixed(1)} ms (${got.local} points) · Prometheus ${p.toFixed(1)} ms (${got.prometheus} points) · ratio ${(p / l).toFixed(1)}×`);
      got = { local: 0, prometheus: 0 };
    }
  } finally {
    fleet.close();
    await deb.stop();
  }
}

await main();
