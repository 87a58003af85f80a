import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../../src-common/hosts/host.schema.js';
import { inventorySchema } from '../../../src-common/inventory/inventory.schema.js';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import type { TerminalInfo } from '../../../src-common/terminal/terminal.contract.js';
import type { Fleet } from '../../../src-main/core/fleet.js';
import { docker } from '../../testbed/docker.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';
import { readSshBanner } from '../../testbed/proc.js';
import { startSlowProxy, type SlowProxy } from '../../testbed/slow-proxy.js';
import { addHost, connect, connectTrusting, expectFailed, newFleet } from '../harness.js';

/**
 * Faults on a real host (one systemd Debian 12 host for the whole file, reached through the
 * testbed's unix-socket forwarder): sshd restarted under a metrics stream, the host rebooted
 * under an open terminal, the disk filling up during the helper push, and a slow link. Each one
 * ends in a stated state that recovers by itself or after the user's fix; figures are printed.
 */
const unavailable = await testbedUnavailableReason({ docker: true });

type Timed<T> = T & { at: number };

/** Everything one host tells the front end, timestamped: connection states, samples, terminal events. */
function recorder(fleet: Fleet, id: number) {
  const states: Timed<{ s: ConnectionState }>[] = [];
  const samples: Timed<{ t: number }>[] = [];
  const term: Timed<{ terminalId: string; state: string; reconnected?: boolean; message?: string }>[] = [];
  let text = '';
  const off = fleet.events.on((name, p) => {
    const at = Date.now();
    if (name === 'hosts.onState' && (p as { id: number }).id === id) states.push({ at, s: (p as { connection: ConnectionState }).connection });
    else if (name === 'monitor.onSample' && (p as { id: number }).id === id) samples.push({ at, t: (p as { sample: Sample }).sample.t });
    else if (name === 'terminals.onState') term.push({ at, ...(p as { terminalId: string; state: string }) });
    else if (name === 'terminals.onData') {
      const e = p as { terminalId: string; data: string; bytes: number };
      text += e.data;
      void fleet.call('terminals.ack', { terminalId: e.terminalId, bytes: e.bytes }).catch(() => undefined);
    }
  });
  return {
    states,
    samples,
    term,
    text: () => text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r/g, ''),
    /** The first state named `name` at or after `since`. */
    stateAt: (name: string, since: number) => states.find((x) => x.at >= since && x.s.state === name)?.at,
    stop: off,
  };
}

/** Runs a shell script as root in the host (test setup, not the app path); throws on failure. */
async function sh(deb: DebianHost, script: string): Promise<string> {
  const r = await deb.exec(['sh', '-c', script]);
  if (r.code !== 0) throw new Error(`host script failed (${r.code}): ${script}\n${r.stderr}`);
  return r.stdout;
}

/** The connection states after t0, repeats folded: "lost → reconnecting#1 → connecting → …". */
const statePath = (states: Timed<{ s: ConnectionState }>[], t0: number) =>
  states
    .filter((x) => x.at >= t0)
    .map((x) => (x.s.state === 'reconnecting' ? `reconnecting#${x.s.attempt}` : x.s.state))
    .filter((n, i, a) => n !== a[i - 1])
    .join(' → ');

const since = (t0: number, at: number | undefined) => (at === undefined ? 'never' : `${((at - t0) / 1000).toFixed(2)} s`);

describe.skipIf(unavailable)('faults on a real host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let admin: number;
  const figures: string[] = [];
  const direct: Record<string, number> = {};

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-faults' });
    fleet = newFleet();
    admin = (await addHost(fleet, deb, 'admin')).id;
    // Trust the host key first, so the timed connect is only the cold connect (incl. runtime push).
    const first = expectFailed(await connect(fleet, admin));
    await fleet.call('hosts.trustHostKey', { id: admin, fingerprint: (first.details as { fingerprint: string }).fingerprint });
    const t = Date.now();
    expect((await connect(fleet, admin)).state).toBe('connected');
    direct.cold = Date.now() - t;
    expect(fleet.session(admin).lastDeploy).toMatchObject({ pushedRuntime: true, pushedHelper: true });
  }, 600_000);
  afterAll(async () => {
    console.log(`[faults on a real host]\n${figures.join('\n')}`);
    fleet?.close();
    await deb?.stop();
  });

  it('sshd restarted while streaming: the stream is lost, the host reconnects by itself, samples resume in order, none twice', async () => {
    const rec = recorder(fleet, admin);
    try {
      expect(await fleet.call('monitor.start', { id: admin, intervalMs: 500 })).toEqual({ ok: true });
      await expect.poll(() => rec.samples.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      // The session's own sshd processes ("sshd: admin [priv]", "sshd: admin@notty") are the
      // sshd ancestors of the helper below the listener (whose parent is PID 1).
      const helperPid = fleet.session(admin).lastDeploy!.helper.init.pid;
      const ps = (await sh(deb, 'ps -eo pid=,ppid=,comm=')).trim().split('\n').map((l) => l.trim().split(/\s+/));
      const parent = new Map(ps.map(([pid, ppid, comm]) => [Number(pid), { ppid: Number(ppid), comm }]));
      const sessionSshd: number[] = [];
      for (let p = parent.get(helperPid)?.ppid; p && p !== 1; p = parent.get(p)?.ppid) {
        if (parent.get(p)?.comm === 'sshd' && parent.get(p)?.ppid !== 1) sessionSshd.push(p);
      }
      expect(sessionSshd.length, JSON.stringify(ps)).toBeGreaterThanOrEqual(1);

      const t0 = Date.now();
      // The session dies with its sshd, and the listener restarts (as after an upgrade of openssh-server).
      await sh(deb, `kill -KILL ${sessionSshd.join(' ')} && systemctl restart ssh`);
      await expect.poll(() => rec.stateAt('connected', t0), { timeout: 60_000 }).toBeDefined();
      const lost = rec.stateAt('lost', t0);
      const connected = rec.stateAt('connected', t0)!;
      expect(lost, 'the session noticed the link was gone').toBeDefined();
      expect(connected, 'and reconnected by itself').toBeGreaterThan(lost!);
      // A sample already in flight when sshd died may still arrive; the new stream's come after `connected`.
      await expect.poll(() => rec.samples.some((x) => x.at > connected), { timeout: 30_000 }).toBe(true);
      const firstNew = rec.samples.find((x) => x.at > connected)!;
      const lastOld = rec.samples.filter((x) => x.at < connected).at(-1)!;
      expect(rec.states.filter((x) => x.at >= t0).map((x) => x.s.state)).not.toContain('failed');
      expect(fleet.monitor.isStreaming(admin)).toBe(true);

      // Let a few more samples arrive, then compare what was emitted with what was stored.
      const resumed = rec.samples.length;
      await expect.poll(() => rec.samples.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(resumed + 2);
      const ts = rec.samples.map((x) => x.t);
      for (let i = 1; i < ts.length; i++) expect(ts[i], `sample ${i} after ${ts[i - 1]}`).toBeGreaterThan(ts[i - 1]!);
      fleet.monitor.store.flush({ prune: false });
      const stored = fleet.db.prepare('SELECT t FROM metric_raw WHERE host_id = ? AND t >= ? ORDER BY t').pluck().all(admin, ts[0]) as number[];
      expect(stored).toEqual(ts.filter((t) => t <= stored.at(-1)!).map((t) => Math.round(t)));
      const attempts = rec.states.filter((x) => x.at >= t0 && x.s.state === 'reconnecting').length;
      figures.push(
        `sshd restart: kill → lost ${since(t0, lost)}, → connected ${since(t0, connected)} (${attempts} reconnect attempt(s)), → first new sample ${since(t0, firstNew.at)}; ` +
          `gap in the series ${((firstNew.t - lastOld.t) / 1000).toFixed(1)} s at 0.5 s interval (${rec.samples.filter((x) => x.at > t0 && x.at < connected).length} in-flight sample(s) after the kill); ${ts.length} samples emitted = ${ts.length} stored, in order, no duplicates\n  states: ${statePath(rec.states, t0)}`,
      );
    } finally {
      rec.stop();
      await fleet.call('monitor.stop', { id: admin });
    }
  });

  it('the host reboots (docker restart) under an open terminal: lost, then reopened in place, and typing works again', async () => {
    const rec = recorder(fleet, admin);
    const info = (await fleet.call('terminals.open', { id: admin, cols: 100, rows: 30 })) as TerminalInfo;
    try {
      await fleet.call('terminals.input', { terminalId: info.terminalId, data: 'echo before-$((6*7))\n' });
      await expect.poll(() => rec.text(), { timeout: 10_000 }).toMatch(/before-42\n/);
      const startedBefore = (await docker(['inspect', '-f', '{{.State.StartedAt}}', deb.containerId])).stdout.trim();
      const forwarderPort = deb.port;

      const t0 = Date.now();
      const restart = await docker(['restart', deb.containerId], { timeoutMs: 120_000 });
      expect(restart.code, restart.stderr).toBe(0);
      const restarted = Date.now();
      const termStates = () => rec.term.filter((x) => x.terminalId === info.terminalId).map((x) => (x.reconnected ? `${x.state}:reconnected` : x.state));
      await expect.poll(termStates, { timeout: 90_000 }).toContain('open:reconnected');
      expect(termStates()[0], JSON.stringify(rec.term)).toBe('lost');
      const lostAt = rec.term.find((x) => x.terminalId === info.terminalId && x.state === 'lost')!.at;
      const reopenedAt = rec.term.find((x) => x.terminalId === info.terminalId && x.reconnected)!.at;

      // A new boot: PID 1 started again. The same terminal id takes input and answers.
      expect((await docker(['inspect', '-f', '{{.State.StartedAt}}', deb.containerId])).stdout.trim()).not.toBe(startedBefore);
      await fleet.call('terminals.input', { terminalId: info.terminalId, data: 'echo after-$((6*7)) pid1=$(cat /proc/1/comm)\n' });
      await expect.poll(() => rec.text(), { timeout: 10_000 }).toMatch(/after-42 pid1=systemd\n/);
      const typedAt = Date.now();
      // The testbed's forwarder (in this process) outlived the reboot: same port, still speaks SSH.
      expect(deb.port).toBe(forwarderPort);
      expect(await readSshBanner(deb.port)).toMatch(/^SSH-2\.0-OpenSSH/);
      const list = (await fleet.call('terminals.list', {})) as TerminalInfo[];
      expect(list.find((t) => t.terminalId === info.terminalId)?.state).toBe('open');
      const attempts = rec.states.filter((x) => x.at >= t0 && x.s.state === 'reconnecting').length;
      figures.push(
        `host reboot: docker restart took ${since(t0, restarted)}; terminal lost at ${since(t0, lostAt)}, host connected at ${since(t0, rec.stateAt('connected', t0))} ` +
          `(${attempts} reconnect attempt(s)), terminal reopened at ${since(t0, reopenedAt)}, typing answered at ${since(t0, typedAt)}; terminal downtime ${((reopenedAt - lostAt) / 1000).toFixed(2)} s\n  states: ${statePath(rec.states, t0)}`,
      );
    } finally {
      rec.stop();
      await fleet.call('terminals.close', { terminalId: info.terminalId });
    }
  });

  // The slow link's cold connect spends ~30 s waiting on the link (37 MB at 10 Mbit/s), so it runs
  // beside the disk-full tests, which use another user (carol) and another install dir.
  describe('the disk fills up, and a slow link (side by side)', () => {
    let proxy: SlowProxy;
    let slowId: number;
    let slowCold: Promise<{ state: ConnectionState; ms: number }>;
    /** Warm reconnect and inventory of one host. */
    async function warmAndInventory(id: number, into: Record<string, number>) {
      await fleet.call('hosts.disconnect', { id });
      let t = Date.now();
      expect((await connect(fleet, id)).state).toBe('connected');
      into.warm = Date.now() - t;
      expect(fleet.session(id).lastDeploy).toMatchObject({ pushedRuntime: false, pushedHelper: false });
      t = Date.now();
      inventorySchema.parse(await fleet.call('inventory.snapshot', { id }));
      into.inventory = Date.now() - t;
    }

    /** Monitoring of both hosts at once (1 s interval): time to the first sample, then the rate over 5 s. */
    async function monitorBoth(hosts: [number, Record<string, number>][]) {
      const recs = hosts.map(([id]) => recorder(fleet, id));
      try {
        await Promise.all(
          hosts.map(async ([id, into], i) => {
            const rec = recs[i]!;
            const t = Date.now();
            await fleet.call('monitor.start', { id, intervalMs: 1000 });
            await expect.poll(() => rec.samples.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
            into.firstSample = rec.samples[0]!.at - t;
          }),
        );
        const from = Date.now();
        await new Promise((r) => setTimeout(r, 5000));
        hosts.forEach(([, into], i) => (into.rate = (recs[i]!.samples.filter((s) => s.at > from).length / (Date.now() - from)) * 1000));
      } finally {
        recs.forEach((r) => r.stop());
        for (const [id] of hosts) await fleet.call('monitor.stop', { id });
      }
    }

    beforeAll(async () => {
      // The direct link's figures first, with nothing else running.
      await warmAndInventory(admin, direct);
      await fleet.call('hosts.disconnect', { id: admin });
      proxy = await startSlowProxy({ target: { path: deb.socketPath(22) }, delayMs: 200, bitsPerSec: 10_000_000 });
      slowId = (await addHost(fleet, { ...deb, port: proxy.port }, 'admin')).id;
      const first = expectFailed(await connect(fleet, slowId));
      await fleet.call('hosts.trustHostKey', { id: slowId, fingerprint: (first.details as { fingerprint: string }).fingerprint });
      // Cold again: the runtime and helper are pushed through the slow link. The runtime root
      // published for every user (after admin's sudo above) goes too: carol's disk tests below push their own.
      await sh(deb, 'rm -rf /home/admin/.cache/fleetdeck /var/lib/fleetdeck/runtime-*');
      const t = Date.now();
      slowCold = connect(fleet, slowId).then((state) => ({ state, ms: Date.now() - t }));
      slowCold.catch(() => undefined);
    });
    afterAll(async () => {
      await slowCold?.catch(() => undefined);
      await proxy?.close();
    });

    describe('the disk fills up during the helper push (a small tmpfs on ~/.cache)', () => {
      // carol: her own install dir, so admin's session above is untouched.
      const cache = '/home/carol/.cache';
      const dir = `${cache}/fleetdeck`;
      let carol: number;
      const leftovers = async () => (await sh(deb, `ls -A ${dir} 2>/dev/null || true`)).split('\n').filter(Boolean);

      beforeAll(async () => {
        carol = (await addHost(fleet, deb, 'carol')).id;
        await sh(deb, `install -d -o carol -g carol -m 700 ${cache} && mount -t tmpfs -o size=50m,uid=1001,gid=1001,mode=700 tmpfs ${cache}`);
      });
      afterAll(async () => {
        await fleet.call('hosts.disconnect', { id: carol });
        await deb.exec(['umount', cache]);
      });

      it('too little space for the runtime: no-space before anything is written, saying where and what to do', async () => {
        // Same host and port as admin's: its key is trusted already.
        const failed = expectFailed(await connectTrusting(fleet, carol));
        expect(failed.problem).toBe('no-space');
        expect(failed.message).toContain(dir);
        expect(failed.message).toMatch(/Free some space|free/i);
        expect(await leftovers()).toEqual([]);
        figures.push(`disk full (50 MB, runtime): ${failed.problem}: ${failed.message}`);
      });

      it('the disk fills up while the runtime is written: no-space, the temp dir is removed; after remounting bigger, connect works', async () => {
        await sh(deb, `mount -o remount,size=130m ${cache}`); // passes the free-space check (~126 MB)
        // Another process fills the disk as soon as the runtime starts landing (a job writing a checkpoint).
        const filler = deb.exec([
          'sh', '-c',
          `for i in $(seq 1000); do for t in ${dir}/.runtime-*.tmp.*; do if [ -e "$t/bin/node" ]; then exec dd if=/dev/zero of=${cache}/filler bs=1M 2>/dev/null; fi; done; sleep 0.01; done; exit 9`,
        ]);
        const failed = expectFailed(await connect(fleet, carol));
        expect((await filler).code, 'the filler ran and hit the end of the disk').toBe(1);
        expect(failed.problem).toBe('no-space');
        expect(failed.message).toContain(dir);
        expect(failed.message).toMatch(/Free some space/);
        expect(await leftovers(), 'no temp dir, no partial runtime').toEqual([]);
        figures.push(`disk full (during runtime push): ${failed.problem}: ${failed.message}`);

        await sh(deb, `rm -f ${cache}/filler && mount -o remount,size=200m ${cache}`);
        expect((await connect(fleet, carol)).state).toBe('connected');
        expect(fleet.session(carol).lastDeploy).toMatchObject({ pushedRuntime: true, pushedHelper: true });
      });

      it('the disk is full when a new helper is pushed (~110 KB): no-space, nothing half-installed, the runtime intact; after freeing space, connect works', async () => {
        await fleet.call('hosts.disconnect', { id: carol });
        // A new Fleetdeck version: its helper is not on the host yet. Then the disk fills up.
        await sh(deb, `rm -rf ${dir}/helper-* && (dd if=/dev/zero of=${cache}/filler bs=64k 2>/dev/null; true) && df -Pk ${cache} | awk 'NR==2 {exit $4 != 0}'`);
        const failed = expectFailed(await connect(fleet, carol));
        expect(failed.problem).toBe('no-space');
        expect(failed.message).toContain(dir);
        expect(failed.message).toMatch(/helper/);
        const left = await leftovers();
        expect(left.filter((f) => !/^runtime-node-v[\d.]+-linux-x64$/.test(f)), 'only the runtime remains').toEqual([]);
        expect((await sh(deb, `su carol -c '${dir}/${left[0]}/bin/node --version'`)).trim()).toMatch(/^v20\./);
        figures.push(`disk full (helper push): ${failed.problem}: ${failed.message}`);

        await sh(deb, `rm -f ${cache}/filler`);
        expect((await connect(fleet, carol)).state).toBe('connected');
        expect(fleet.session(carol).lastDeploy).toMatchObject({ pushedRuntime: false, pushedHelper: true });
      });
    });

    describe('a slow link: 200 ms each way, 10 Mbit/s each way (userspace proxy)', () => {
      it('connect (cold with runtime push, and warm), inventory and streaming work; figures against the direct link', async () => {
        const { state, ms } = await slowCold;
        const slow: Record<string, number> = { cold: ms };
        expect(state.state, JSON.stringify(state)).toBe('connected');
        expect(fleet.session(slowId).lastDeploy).toMatchObject({ pushedRuntime: true, pushedHelper: true });
        // Sanity bound only: the push of ~37 MB at 10 Mbit/s is ~30 s; the runtime push allows 300 s.
        expect(slow.cold).toBeLessThan(300_000);
        await warmAndInventory(slowId, slow);
        expect((await connect(fleet, admin)).state).toBe('connected');
        await monitorBoth([
          [admin, direct],
          [slowId, slow],
        ]);
        await fleet.call('hosts.disconnect', { id: slowId });
        expect(slow.rate).toBeGreaterThan(0.5);

        const rows = [
          ['cold connect (runtime + helper push; the slow one beside the disk-full tests)', 'cold', 'ms'],
          ['warm reconnect', 'warm', 'ms'],
          ['inventory snapshot', 'inventory', 'ms'],
          ['monitor.start → first sample', 'firstSample', 'ms'],
          ['samples per second over 5 s (1 s interval)', 'rate', '/s'],
        ] as const;
        const fmt = (v: number | undefined, unit: string) => (v === undefined ? '?' : unit === 'ms' ? `${Math.round(v)} ms` : `${v.toFixed(2)}/s`);
        figures.push(
          `slow link (200 ms each way, 10 Mbit/s each way; ${(proxy.stats().down / 1e6).toFixed(1)} MB down / ${(proxy.stats().up / 1e6).toFixed(1)} MB up through the proxy):`,
          ...rows.map(([label, k, unit]) => `  ${label}: direct ${fmt(direct[k], unit)}, slow ${fmt(slow[k], unit)}, ratio ${direct[k] && slow[k] ? (slow[k]! / direct[k]!).toFixed(1) : '?'}×`),
        );
      });
    });
  });
});
