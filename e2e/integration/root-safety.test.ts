import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadAssets } from '../../src-main/core/agent/assets.js';
import type { Fleet } from '../../src-main/core/fleet.js';
import { encodeFrame } from '../../src-common/protocol/frames.js';
import { PROTOCOL_VERSION } from '../../src-common/protocol/messages.js';
import { dockerOk } from '../testbed/docker.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import { addHost, connectTrusting, newFleet } from './harness.js';

/**
 * Root must never run what another user can change (issue 8). A Debian host of its own: these
 * tests plant files in /usr/local/bin and replace the helper under the admin's feet.
 *
 * The planted programs write a marker into /var/tmp (sticky, writable by all) whenever they run,
 * as whichever uid ran them; every test ends by checking that marker is absent.
 */
const unavailable = await testbedUnavailableReason({ docker: true });
const MARKER = '/var/tmp/planted-ran';
const PLANTED_NODE = [
  '#!/bin/sh',
  `echo "uid=$(id -u) args=$*" >> ${MARKER}`,
  // Pretends to be a usable Node so that a careless bootstrap would pick it.
  'if [ "$1" = --version ]; then echo v20.11.0; exit 0; fi',
  'exit 1',
  '',
].join('\n');

describe.skipIf(unavailable)('root never runs what another user can change', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  const sh = async (script: string, user?: string) => {
    const r = await deb.exec(['sh', '-c', script], user ? { user } : {});
    if (r.code !== 0) throw new Error(`${script}: ${r.stderr}`);
    return r.stdout;
  };
  const markerLines = async () => (await deb.exec(['sh', '-c', `cat ${MARKER} 2>/dev/null || true`])).stdout.trim();
  const rootHelperPid = async () => (await sh("pgrep -n -u 0 -f 'helper-[0-9a-f]*/helper.cjs'")).trim();

  /** Connects as admin (NOPASSWD sudo) and asks for what needs root: the probe and the inventory. */
  async function connectAndInventory(): Promise<{ id: number; log: string[] }> {
    const host = await addHost(fleet, deb, 'admin');
    const log: string[] = [];
    fleet.events.on((name, payload) => {
      const p = payload as { id?: number; line?: string };
      if (name === 'hosts.onLog' && p.id === host.id && p.line) log.push(p.line);
    });
    expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
    await fleet.call('inventory.probe', { id: host.id });
    await fleet.call('inventory.snapshot', { id: host.id });
    return { id: host.id, log };
  }

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-rootsafe' });
    fleet = newFleet();
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });
  beforeEach(async () => {
    // Each case starts with no planted file, no marker, and root's copies gone.
    await sh(`rm -f ${MARKER} /usr/local/bin/node; chmod 755 /usr/local/bin; rm -rf /var/lib/fleetdeck/root`);
  });

  const plantings: [string, string][] = [
    ['a node owned by another user (carol) first in PATH', `cat > /usr/local/bin/node && chown carol:carol /usr/local/bin/node && chmod 755 /usr/local/bin/node`],
    ['a root-owned node with mode 0777', `cat > /usr/local/bin/node && chmod 0777 /usr/local/bin/node`],
    ['a root-owned node in a 0777 (non-sticky) /usr/local/bin', `cat > /usr/local/bin/node && chmod 755 /usr/local/bin/node && chmod 0777 /usr/local/bin`],
  ];
  for (const [what, plant] of plantings) {
    it(`${what}: never runs, not even for --version; the pushed runtime runs as admin and as root`, async () => {
      await deb.exec(['sh', '-c', plant], { input: PLANTED_NODE });
      const { id, log } = await connectAndInventory();
      expect(await markerLines()).toBe('');
      const deployed = fleet.session(id).lastDeploy!;
      expect(deployed.nodePath).toMatch(/\/\.cache\/fleetdeck\/runtime-[^/]+\/bin\/node$/);
      expect(deployed.facts.nodeUntrusted).toContain('/usr/local/bin/node');
      expect(log.join('\n')).toMatch(/not using \/usr\/local\/bin\/node: another user could change it/);
      // Root runs its own verified copy of the runtime, from a root-only dir.
      const pid = await rootHelperPid();
      expect(pid).toMatch(/^\d+$/);
      expect((await sh(`readlink /proc/${pid}/exe`)).trim()).toMatch(/^\/var\/lib\/fleetdeck\/root\/runtime-[^/]+\/bin\/node$/);
      expect((await sh('stat -c "%U %a" /var/lib/fleetdeck/root')).trim()).toBe('root 700');
      await fleet.call('hosts.disconnect', { id });
    });
  }

  it('a trustworthy root-owned node is used as is, by admin and by root', async () => {
    // The pushed runtime's binary, installed the way a distribution would.
    await dockerOk(['cp', loadAssets().runtimes[0]!.gzPath, `${deb.containerId}:/root/node.gz`]);
    await sh('gzip -dc /root/node.gz > /usr/local/bin/node && chmod 755 /usr/local/bin/node && rm /root/node.gz');
    const { id } = await connectAndInventory();
    expect(fleet.session(id).lastDeploy!.nodePath).toBe('/usr/local/bin/node');
    expect((await sh(`readlink /proc/${await rootHelperPid()}/exe`)).trim()).toBe('/usr/local/bin/node');
    await fleet.call('hosts.disconnect', { id });
  });

  it('the root helper gets a fixed PATH and no other environment through sudo', async () => {
    const { id } = await connectAndInventory();
    const environ = (await sh(`tr '\\0' '\\n' < /proc/${await rootHelperPid()}/environ`)).trim().split('\n').sort();
    expect(environ).toEqual(['LC_ALL=C', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin']);
    await fleet.call('hosts.disconnect', { id });
  });

  it('helper.cjs replaced after connect by one that fakes the init message: root refuses it, the genuine build runs', async () => {
    const assets = loadAssets();
    const host = await addHost(fleet, deb, 'admin');
    expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
    const helperPath = fleet.session(host.id).lastDeploy!.helperPath;
    // A liar: claims to be the expected build in its init message, and marks that it ran.
    const init = encodeFrame('', JSON.stringify({ command: 'init', version: PROTOCOL_VERSION, helperHash: assets.helperHash, capabilities: [], pid: 1, uid: 0, user: 'root', node: 'v20' }));
    const fake = [
      `require('fs').appendFileSync(${JSON.stringify(MARKER)}, 'fake helper uid=' + process.getuid() + '\\n');`,
      `process.stdout.write(Buffer.from(${JSON.stringify(Buffer.from(init).toString('base64'))}, 'base64'));`,
      'process.stdin.resume();',
      '',
    ].join('\n');
    await deb.exec(['sh', '-c', `cat > ${helperPath}`], { user: 'admin', input: fake });

    const log: string[] = [];
    fleet.events.on((name, payload) => {
      const p = payload as { id?: number; line?: string };
      if (name === 'hosts.onLog' && p.id === host.id && p.line) log.push(p.line);
    });
    const inv = (await fleet.call('inventory.snapshot', { id: host.id })) as { users: unknown[] };
    expect(inv.users.length).toBeGreaterThan(0);
    expect(await markerLines()).toBe('');
    expect(log.join('\n')).toMatch(/is not the expected build .*pushing it again/);
    // Root's copy is the genuine build, root-owned, and what runs.
    const rootCopy = `/var/lib/fleetdeck/root/helper-${assets.helperHash}/helper.cjs`;
    expect((await sh(`sha256sum ${rootCopy} | cut -d' ' -f1`)).trim()).toBe(assets.helperHash);
    expect((await sh(`stat -c "%U %a" ${rootCopy}`)).trim()).toBe('root 700');
    expect(await sh(`tr '\\0' ' ' < /proc/${await rootHelperPid()}/cmdline`)).toContain(rootCopy);

    // Once root has its verified copy, a later swap of the user's file changes nothing for root.
    await deb.exec(['sh', '-c', `cat > ${helperPath}`], { user: 'admin', input: fake });
    await fleet.call('hosts.disconnect', { id: host.id });
    await deb.exec(['sh', '-c', `cat > ${helperPath}`], { user: 'admin', input: fake });
    await fleet.call('hosts.connect', { id: host.id });
    await fleet.call('inventory.probe', { id: host.id });
    expect(await markerLines()).toBe('');
    await fleet.call('hosts.disconnect', { id: host.id });
  });

  it('a root copy tampered with (by root) is refused and replaced by the verified build', async () => {
    const { id } = await connectAndInventory();
    await fleet.call('hosts.disconnect', { id });
    const hash = loadAssets().helperHash;
    await sh(`echo "require('fs').appendFileSync('${MARKER}', 'tampered root copy\\n')" > /var/lib/fleetdeck/root/helper-${hash}/helper.cjs`);
    await fleet.call('hosts.connect', { id });
    await fleet.call('inventory.probe', { id });
    expect(await markerLines()).toBe('');
    expect((await sh(`sha256sum /var/lib/fleetdeck/root/helper-${hash}/helper.cjs | cut -d' ' -f1`)).trim()).toBe(hash);
    await fleet.call('hosts.disconnect', { id });
  });
});
