/**
 * Change-engine benchmark (never asserted in tests), against a baseline run in the same process:
 *   plan:   latency of change.plan for each module with its defaults on one connected host (the
 *           first plan reads the probe; then the median of ROUNDS warm plans), and the four
 *           modules planned on 10 hosts at once (10 systemd Debian containers), wall time
 *           (goal: a warm plan well under a second)
 *   apply:  nginx (self-signed TLS) applied by Fleetdeck — plan, apply with its journal and
 *           backups, verify — against the same by hand over OpenSSH in one `ssh` command
 *           (apt-get install, the same files, openssl, nginx -t, systemctl reload), on the same
 *           host after a rollback, both through the same caching apt proxy (ratio)
 * Run: npm run bench change
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ApplyResult, ChangePlan } from '../src-common/change/modules.contract.js';
import { newFleet } from '../e2e/integration/harness.js';
import { addHost, connectTrusting } from '../e2e/integration/harness.js';
import { startDebianHost, type DebianHost } from '../e2e/testbed/debian-host.js';
import { allModules } from '../src-main/core/modules/index.js';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const HOSTS = Number(process.env.BENCH_HOSTS ?? 10);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = process.hrtime.bigint();
  const v = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, v];
}
const ms = (n: number) => `${n.toFixed(0).padStart(6)} ms`;

const hosts: DebianHost[] = [];
const fleet = newFleet({ connectTimeoutMs: 30_000 });
try {
  const [startMs, main] = await time(() => startDebianHost({ name: 'bench-change', apt: true }));
  hosts.push(main);
  console.log(`  host ready in ${(startMs / 1000).toFixed(1)} s (apt through the caching proxy)`);
  const id = (await addHost(fleet, main, 'admin')).id;
  await connectTrusting(fleet, id);
  const modules = allModules().map((m) => m.info.id);
  const plan = (hostId: number, module: string) => fleet.call('change.plan', { id: hostId, modules: [{ id: module, settings: module === 'nginx' ? { serverName: 'bench.lab.test' } : {} }] }) as Promise<ChangePlan>;

  console.log('  plan latency, one host, connection warm (first plan includes the probe)');
  for (const m of modules) {
    try {
      const [first, p] = await time(() => plan(id, m));
      const warm: number[] = [];
      for (let i = 0; i < ROUNDS; i++) warm.push((await time(() => plan(id, m)))[0]);
      console.log(`    ${m.padEnd(9)} first ${ms(first)}   warm median ${ms(median(warm))}   (${p.steps.length} steps)`);
    } catch (err) {
      console.log(`    ${m.padEnd(9)} cannot plan here: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  // 10 hosts at once: each its own container, own SSH connection and helper.
  const [bootMs, more] = await time(() => Promise.all(Array.from({ length: HOSTS - 1 }, (_, i) => startDebianHost({ name: `bench-c${i}` }))));
  hosts.push(...more);
  const ids = [id];
  for (const h of more) ids.push((await addHost(fleet, h, 'admin')).id);
  const [connMs] = await time(() => Promise.all(ids.slice(1).map((i) => connectTrusting(fleet, i))));
  console.log(`  ${HOSTS} hosts: ${HOSTS - 1} more containers booted in ${(bootMs / 1000).toFixed(1)} s, connected in ${(connMs / 1000).toFixed(1)} s`);
  for (const m of modules) {
    try {
      await Promise.all(ids.map((i) => plan(i, m))); // probes cached
      const walls: number[] = [];
      for (let r = 0; r < ROUNDS; r++) walls.push((await time(() => Promise.all(ids.map((i) => plan(i, m)))))[0]);
      console.log(`    ${m.padEnd(9)} ${HOSTS} plans at once: wall median ${ms(median(walls))}   (${(median(walls) / HOSTS).toFixed(0)} ms per host)`);
    } catch (err) {
      console.log(`    ${m.padEnd(9)} cannot plan here: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  // Apply nginx: Fleetdeck vs by hand over OpenSSH, same host, same mirror proxy.
  const stepMs = new Map<number, number>();
  const starts = new Map<number, number>();
  const off = fleet.events.on((name: string, payload: unknown) => {
    if (name !== 'change.onProgress') return;
    const e = (payload as { event: { type: string; step?: number; t: number } }).event;
    if (e.type === 'step-start' && e.step) starts.set(e.step, e.t);
    if ((e.type === 'step-done' || e.type === 'step-skipped') && e.step && starts.has(e.step)) stepMs.set(e.step, e.t - starts.get(e.step)!);
  });
  const [fdMs, applied] = await time(async () => {
    const p = await plan(id, 'nginx');
    return (await fleet.call('change.apply', { id, planId: p.planId, tag: p.tag })) as ApplyResult;
  });
  if (applied.status !== 'done') throw new Error(`nginx apply: ${applied.status} ${applied.message}`);
  off();
  const journalId = applied.journalId!;
  const [rbMs] = await time(() => fleet.call('change.rollback', { id, journalId }));
  const admin = main.users.admin!;
  const ssh = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-i', admin.keyPath!, '-p', String(main.port), 'admin@127.0.0.1'];
  const byHand = [
    'set -e',
    // As Fleetdeck's install does: fresh package lists first.
    'sudo apt-get update -q >/dev/null',
    'sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx openssl >/dev/null',
    'sudo mkdir -p /etc/ssl/fleetdeck',
    'sudo openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj /CN=bench.lab.test -addext subjectAltName=DNS:bench.lab.test -keyout /etc/ssl/fleetdeck/nginx.key -out /etc/ssl/fleetdeck/nginx.crt 2>/dev/null',
    "printf 'server { listen 80; server_name bench.lab.test; location / { return 301 https://$host$request_uri; } }\\nserver { listen 443 ssl; server_name bench.lab.test; ssl_certificate /etc/ssl/fleetdeck/nginx.crt; ssl_certificate_key /etc/ssl/fleetdeck/nginx.key; root /var/www/html; }\\n' | sudo tee /etc/nginx/sites-available/fleetdeck >/dev/null",
    'sudo ln -sf /etc/nginx/sites-available/fleetdeck /etc/nginx/sites-enabled/fleetdeck',
    'sudo rm -f /etc/nginx/sites-enabled/default',
    'sudo nginx -t 2>/dev/null',
    'sudo systemctl enable --now nginx >/dev/null 2>&1',
    'sudo systemctl reload nginx',
    'echo | openssl s_client -connect 127.0.0.1:443 -servername bench.lab.test 2>/dev/null | grep -c "BEGIN CERTIFICATE"',
  ].join('\n');
  const [handMs, handOut] = await time(() => run('ssh', [...ssh, byHand], { timeout: 600_000 }));
  console.log('  nginx with self-signed TLS, same host, packages from the same caching proxy');
  console.log(`    Fleetdeck plan + apply + verify ${ms(fdMs)}   (${applied.verify.length} checks passed; rollback ${ms(rbMs)})`);
  console.log(`    by hand over OpenSSH, one ssh   ${ms(handMs)}   (no backups, journal or checks; HTTPS answered: ${handOut.stdout.trim() === '1' ? 'yes' : 'no'})`);
  console.log(`    ratio Fleetdeck / by hand       ${(fdMs / handMs).toFixed(2)}×`);
  if (stepMs.size) console.log(`    Fleetdeck's steps: ${[...stepMs].map(([n, t]) => `${n}: ${t} ms`).join(', ')}; the rest is plan, the re-read before apply and verify`);
} finally {
  fleet.close();
  await Promise.all(hosts.map((h) => h.stop()));
}
