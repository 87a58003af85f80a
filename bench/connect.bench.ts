/**
 * Connect benchmark, printed as ratios against OpenSSH measured in the same run on the same host
 * (never asserted in tests):
 *   warm:   new SSH connection → helper already deployed → full inventory snapshot
 *           vs `ssh host 'cat /etc/os-release /proc/meminfo'` (goal ≤ 1.3×)
 *   cold:   first connect to a host without Node, including the portable runtime push (goal ≤ 3 s)
 *   link:   the same cold first connect over a 100 Mbit/s link with 20 ms RTT (a throttling proxy
 *           in front of the host: this kernel has no netem), to the first inventory (goal ≤ 6 s);
 *           and a second user's first connect once root's runtime is shared on the host
 *   bundle: the helper's size (budget 400 KiB)
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { helperApi } from '../src-common/protocol/helper-api.js';
import { loadAssets } from '../src-main/core/agent/assets.js';
import { HostSession } from '../src-main/core/hosts/host-session.js';
import { newFleet } from '../e2e/integration/harness.js';
import { startDebianHost } from '../e2e/testbed/index.js';
import { startSlowProxy } from '../e2e/testbed/slow-proxy.js';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const host = await startDebianHost({ name: 'bench-deb' });
const fleet = newFleet();
try {
  const admin = host.users.admin!;
  const spec = { id: 1, name: 'bench', address: host.address, port: host.port, user: 'admin', auth: 'key' as const, keyPath: admin.keyPath, jump: [], tags: [], createdAt: 0, updatedAt: 0 };
  const session = (policyAccept: boolean) => new HostSession(spec, { policy: fleet.policy, acceptNewHostKey: policyAccept });

  // Cold: first connect ever, runtime and helper pushed.
  const cold = session(true);
  const coldMs = await time(() => cold.connect());
  const pushed = cold.lastDeploy!;
  cold.dispose();

  const sshArgs = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-i', admin.keyPath!, '-p', String(host.port), 'admin@127.0.0.1'];
  const openssh: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    openssh.push(await time(() => run('ssh', [...sshArgs, 'cat /etc/os-release /proc/meminfo'])));
    warm.push(
      await time(async () => {
        const s = session(false);
        await s.connect();
        await s.request(helperApi.inventorySnapshot, {});
        s.dispose();
      }),
    );
  }
  // Cold over a realistic link: the user's install dir emptied, then connect → first inventory through a 100 Mbit/s, 20 ms RTT proxy.
  await host.exec(['rm', '-rf', pushed.facts.dir!]);
  const link = await startSlowProxy({ target: { path: host.socketPath(22) }, delayMs: 10, bitsPerSec: 100_000_000 });
  const linkSession = new HostSession({ ...spec, address: '127.0.0.1', port: link.port }, { policy: fleet.policy, acceptNewHostKey: true });
  const linkMs = await time(async () => {
    await linkSession.connect();
    await linkSession.request(helperApi.inventorySnapshot, {});
  });
  const linkDeploy = linkSession.lastDeploy!;
  const linkBytes = link.stats().up;
  await linkSession.helperFor('require'); // root's helper starts: root publishes its verified runtime for every user
  linkSession.dispose();
  // A second user's first connect over the same link: nothing of 37 MB pushed again.
  const carol = host.users.carol!;
  const carolSession = new HostSession({ ...spec, user: 'carol', keyPath: carol.keyPath, address: '127.0.0.1', port: link.port }, { policy: fleet.policy, acceptNewHostKey: true });
  const upBefore = link.stats().up;
  const secondMs = await time(async () => {
    await carolSession.connect();
    await carolSession.request(helperApi.inventorySnapshot, {});
  });
  const secondDeploy = carolSession.lastDeploy!;
  const secondBytes = link.stats().up - upBefore;
  carolSession.dispose();
  await link.close();
  const bundle = readFileSync(loadAssets().helperPath).length;
  const o = median(openssh);
  const w = median(warm);
  console.log(`\nFleetdeck connect benchmark (median of ${ROUNDS}, Debian 12 systemd host over loopback)`);
  console.log(`  OpenSSH  ssh host 'cat /etc/os-release /proc/meminfo'   ${o.toFixed(0)} ms`);
  console.log(`  Fleetdeck warm connect → full inventory                ${w.toFixed(0)} ms   ratio ${(w / o).toFixed(2)}× (goal ≤ 1.30×)`);
  console.log(`  Fleetdeck cold first connect incl. runtime push        ${coldMs.toFixed(0)} ms   (goal ≤ 3000 ms; runtime pushed: ${pushed.pushedRuntime}, helper pushed: ${pushed.pushedHelper})`);
  console.log(`  Fleetdeck cold first connect → inventory, 100 Mbit/s 20 ms RTT   ${linkMs.toFixed(0)} ms   (goal ≤ 6000 ms; runtime pushed: ${linkDeploy.pushedRuntime}, ${(linkBytes / 1e6).toFixed(1)} MB up the link)`);
  console.log(`  a second user's first connect → inventory, same link          ${secondMs.toFixed(0)} ms   (runtime pushed: ${secondDeploy.pushedRuntime}, node ${secondDeploy.nodePath}, ${(secondBytes / 1e6).toFixed(2)} MB up)`);
  console.log(`  helper bundle                                          ${(bundle / 1024).toFixed(1)} KiB (budget 400 KiB)`);
} finally {
  fleet.close();
  await host.stop();
}
