/**
 * The resident agent, printed as ratios against baselines measured in the same run on the same
 * systemd Debian testbed host over loopback (never asserted in tests):
 *   connect:  a new SSH connection → full inventory, through the agent and through the
 *             per-connection helper, against ssh2's own bare connect + `exec true` (setNoDelay)
 *             (goal with the agent ≤ 1.3×);
 *   process:  a whole `fleetdeck inventory USER@HOST` process against a whole OpenSSH
 *             `ssh HOST cat /etc/os-release /proc/meminfo` process (goal with the agent ≤ 2.0×);
 *   backfill: 24 h of samples in the agent's buffer fetched through SSH and ingested into an empty
 *             history (goal < 5 s); then 50 hosts backfilling at once (50 entries for this host,
 *             each last seen an hour ago, over 50 connections), with the main process's CPU and
 *             how long a request waits meanwhile (the UI must not stall).
 * BENCH_ROUNDS (default 10) sets the rounds.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Client } from 'ssh2';
import type { ChangePlan } from '../src-common/change/modules.contract.js';
import type { Sample } from '../src-common/monitor/sample.schema.js';
import { helperApi, helperChannels } from '../src-common/protocol/helper-api.js';
import { Fleet } from '../src-main/core/fleet.js';
import { HostSession } from '../src-main/core/hosts/host-session.js';
import { addHost, connectTrusting } from '../e2e/integration/harness.js';
import { startDebianHost } from '../e2e/testbed/index.js';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const host = await startDebianHost({ name: 'bench-agent' });
const dataDir = mkdtempSync(path.join(tmpdir(), 'fd-bench-agent-'));
const fleet = new Fleet({ dataDir, knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'bench' });
try {
  const admin = host.users.admin!;
  const key = readFileSync(admin.keyPath!);
  const stored = await addHost(fleet, host, 'admin');
  const id = stored.id;
  if ((await connectTrusting(fleet, id)).state !== 'connected') throw new Error('could not connect');
  const spec = { ...stored, keyPath: admin.keyPath };
  const fleetInventory = async () => {
    const s = new HostSession(spec, { policy: fleet.policy });
    await s.connect();
    await s.request(helperApi.inventorySnapshot, { maxAgeMs: 60_000 }); // as the app's first read after a connect
    const via = s.state.state === 'connected' ? s.state.helper : 'none';
    s.dispose();
    return via;
  };
  const bare = () =>
    new Promise<void>((resolve, reject) => {
      const c = new Client();
      c.on('ready', () => {
        c.setNoDelay(true);
        c.exec('true', (err, ch) => {
          if (err) return reject(err);
          ch.on('close', () => (c.end(), resolve()));
          ch.resume();
        });
      });
      c.on('error', reject);
      c.connect({ host: '127.0.0.1', port: host.port, username: 'admin', privateKey: key, hostVerifier: () => true });
    });
  const sshArgs = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-i', admin.keyPath!, '-p', String(host.port), 'admin@127.0.0.1'];
  const cliDir = mkdtempSync(path.join(tmpdir(), 'fd-bench-cli-'));
  const cli = () => run(process.execPath, ['out/cli/fleetdeck.mjs', 'inventory', `admin@127.0.0.1:${host.port}`, '-i', admin.keyPath!, '--accept-new', '--json', '--data-dir', cliDir]);

  const rounds = async (label: string) => {
    const r = { bare: [] as number[], fleet: [] as number[], openssh: [] as number[], cli: [] as number[], via: '' };
    await cli(); // the CLI's own data dir and the helper in place before timing
    for (let i = 0; i < ROUNDS; i++) {
      r.bare.push(await time(bare));
      r.fleet.push(await time(async () => (r.via = (await fleetInventory()) ?? '')));
      r.openssh.push(await time(() => run('ssh', [...sshArgs, 'cat /etc/os-release /proc/meminfo'])));
      r.cli.push(await time(cli));
    }
    return { label, ...r };
  };

  const progress = (what: string) => process.stderr.write(`agent bench: ${what}\n`);
  const before = await rounds('per-connection helper');
  progress('per-connection rounds done; installing the agent');
  const p = (await fleet.call('change.plan', { id, modules: [{ id: 'agent', settings: {} }] })) as ChangePlan;
  const applied = (await fleet.call('change.apply', { id, planId: p.planId, tag: p.tag })) as { status: string; message: string | null };
  if (applied.status !== 'done') throw new Error(`the agent did not install: ${applied.message}`);
  const after = await rounds('resident agent');
  progress('agent rounds done; writing 24 h into its buffer');

  // Backfill: a day of this host's own samples (one, repeated a second apart) in the agent's buffer.
  const c = await connectTrusting(fleet, id);
  if (c.state !== 'connected') throw new Error('reconnect failed');
  const one = await new Promise<string>((resolve, reject) => {
    const s = new HostSession(spec, { policy: fleet.policy });
    void s
      .connect()
      .then(() => s.helperForMethod(helperChannels.agentHistory.method, 'try'))
      .then((h) => {
        let got = '';
        const ch = h.open(helperChannels.agentHistory, { since: 0 }, { onData: (d) => void (got ||= Buffer.from(d).toString('utf8').split('\n')[0]!) });
        return ch.finished.then(() => (s.dispose(), resolve(got)));
      }, reject);
  });
  const HOUR = 3_600_000;
  const now = Date.now();
  const start = now - 24 * HOUR - 60_000;
  const base = JSON.parse(one) as Sample;
  await host.exec(['sh', '-c', 'systemctl stop fleetdeck-agent && rm -f /var/lib/fleetdeck-agent/samples/*']);
  let lines = 0;
  for (let h = start - (start % HOUR); h < now - 60_000; h += HOUR) {
    const out: string[] = [];
    for (let t = Math.max(h, start); t < Math.min(h + HOUR, now - 60_000); t += 1000) out.push(`${t} ${JSON.stringify({ ...base, t })}`);
    lines += out.length;
    await host.exec(['sh', '-c', 'base64 -d > "/var/lib/fleetdeck-agent/samples/$1.jsonl.gz"', 'sh', String(h)], { input: gzipSync(`${out.join('\n')}\n`).toString('base64') });
  }
  const bufferBytes = (await host.exec(['sh', '-c', 'du -sb /var/lib/fleetdeck-agent/samples | cut -f1'])).stdout.trim();
  await host.exec(['sh', '-c', 'systemctl start fleetdeck-agent && sleep 1']);
  const fresh = new Fleet({ dataDir: mkdtempSync(path.join(tmpdir(), 'fd-bench-fill-')), knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'bench' });
  const logs: string[] = [];
  fresh.events.on((name, e) => name === 'hosts.onLog' && logs.push((e as { line: string }).line));
  const fid = (await addHost(fresh, host, 'admin')).id;
  await connectTrusting(fresh, fid);
  progress('backfilling 24 h');
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await fresh.call('monitor.start', { id: fid });
  while (!logs.some((l) => l.startsWith('backfill from the agent')) && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 50));
  const fillMs = Date.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const line = logs.find((l) => l.startsWith('backfill from the agent')) ?? 'no backfill line';
  fresh.close();

  // 50 hosts reconnecting at once: each connected first (sshd's MaxStartups), each last seen an hour ago.
  progress(`24 h backfilled in ${fillMs} ms; connecting 50 hosts`);
  const HOSTS = Number(process.env.BENCH_HOSTS ?? 50);
  const many = new Fleet({ dataDir: mkdtempSync(path.join(tmpdir(), 'fd-bench-many-')), knownHostsFiles: [], connectTimeoutMs: 30_000, actor: 'bench' });
  const manyDone = new Set<number>();
  const manyLogs: string[] = [];
  many.events.on((name, e) => {
    if (name !== 'hosts.onLog') return;
    const { id: hid, line: l } = e as { id: number; line: string };
    manyLogs.push(`${hid}: ${l}`);
    if (l.startsWith('backfill from the agent')) manyDone.add(hid);
  });
  const ids: number[] = [];
  for (let i = 0; i < HOSTS; i++) {
    const h = await addHost(many, host, 'admin');
    if ((await connectTrusting(many, h.id)).state !== 'connected') throw new Error(`host ${i} did not connect`);
    many.monitor.store.ingestMany([{ hostId: h.id, sample: { ...base, t: now - HOUR } }]);
    ids.push(h.id);
  }
  const delays: number[] = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const t = performance.now();
      await many.call('hosts.list', {}); // what the UI asks all the time
      delays.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  progress('50 hosts connected; backfilling an hour each at once');
  const manyCpu0 = process.cpuUsage();
  const m0 = Date.now();
  await Promise.all(ids.map((hid) => many.call('monitor.start', { id: hid })));
  progress('monitor started on all');
  while (manyDone.size < HOSTS && Date.now() - m0 < 120_000) await new Promise((r) => setTimeout(r, 50));
  if (manyDone.size < HOSTS) progress(`only ${manyDone.size} of ${HOSTS} backfilled; the hosts' last log lines:\n${manyLogs.slice(-20).join('\n')}`);
  const manyMs = Date.now() - m0;
  const manyCpu = process.cpuUsage(manyCpu0);
  probing = false;
  await probe;
  many.close();
  const sortedDelays = [...delays].sort((a, b) => a - b);
  const pctl = (q: number) => sortedDelays[Math.min(sortedDelays.length - 1, Math.floor(q * sortedDelays.length))] ?? 0;

  const show = (r: typeof before) => {
    const [b, f, o, cl] = [median(r.bare), median(r.fleet), median(r.openssh), median(r.cli)];
    console.log(`  ${r.label} (${r.via}):`);
    console.log(`    ssh2 bare connect + exec true (setNoDelay)        ${b.toFixed(0)} ms`);
    console.log(`    Fleetdeck connect → full inventory                ${f.toFixed(0)} ms   ratio ${(f / b).toFixed(2)}×${r.via === 'agent' ? ' (goal ≤ 1.30×)' : ''}`);
    console.log(`    OpenSSH process: ssh host cat os-release meminfo  ${o.toFixed(0)} ms`);
    console.log(`    fleetdeck inventory USER@HOST process             ${cl.toFixed(0)} ms   ratio ${(cl / o).toFixed(2)}×${r.via === 'agent' ? ' (goal ≤ 2.00×)' : ''}`);
  };
  console.log(`\nResident agent benchmark (median of ${ROUNDS}, Debian 12 systemd host over loopback, same run)`);
  show(before);
  show(after);
  console.log(`  backfill: ${lines} samples (24 h at 1 Hz, ${(Number(bufferBytes) / 1e6).toFixed(1)} MB gzipped on the host) fetched through SSH and ingested into an empty history: ${fillMs} ms (goal < 5000 ms); app CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
  console.log(`    ${line}`);
  const manyCpuMs = (manyCpu.user + manyCpu.system) / 1000;
  console.log(`  ${HOSTS} hosts backfilling at once (an hour each, ${HOSTS * 3600} samples): ${manyDone.size} done in ${manyMs} ms; main process CPU ${manyCpuMs.toFixed(0)} ms (${((manyCpuMs / manyMs) * 100).toFixed(0)} % of a core)`);
  console.log(`    a UI request (hosts.list) meanwhile: median ${pctl(0.5).toFixed(1)} ms, p99 ${pctl(0.99).toFixed(1)} ms, worst ${pctl(1).toFixed(1)} ms over ${delays.length} requests`);
} finally {
  fleet.close();
  await host.stop();
}
