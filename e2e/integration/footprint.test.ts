import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FootprintPlan, FootprintResult } from '../../src-common/footprint/footprint.contract.js';
import { Fleet } from '../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import { addHost, connectTrusting } from './harness.js';

/**
 * "Remove host" can take away what Fleetdeck put on the host (issue 9 #8): the plan lists the
 * helper and runtime in the login user's dir and root's verified copies, the removal reads back
 * that they are gone, and nothing else is touched.
 */
const unavailable = await testbedUnavailableReason({ docker: true });
const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');

describe.skipIf(unavailable)('what Fleetdeck leaves on a host, and removing it', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  const ls = async (p: string) => (await deb.exec(['sh', '-c', `ls -A ${p} 2>/dev/null || echo ABSENT`])).stdout.trim();

  let dataDir: string;
  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-footprint' });
    dataDir = mkdtempSync(path.join(tmpdir(), 'fd-footprint-'));
    fleet = new Fleet({ dataDir, knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  it('lists the helper, the runtime and root\'s copies; removes them and reads back that they are gone, leaving a user\'s own file', async () => {
    const host = await addHost(fleet, deb, 'admin');
    expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
    await fleet.call('inventory.probe', { id: host.id }); // starts the root helper: root's copies
    await deb.exec(['sh', '-c', 'echo mine > /home/admin/.cache/fleetdeck/notes.txt'], { user: 'admin' });
    const plan = (await fleet.call('footprint.plan', { id: host.id })) as FootprintPlan;
    const kinds = plan.items.map((i) => `${i.owner}:${i.kind}`).sort();
    // root:runtime twice: root's own copy, and the one it published so that other users need no push.
    expect(kinds).toEqual(['root:helper', 'root:runtime', 'root:runtime', 'user:helper', 'user:runtime']);
    expect(plan.items.map((i) => i.path)).toContain(`/var/lib/fleetdeck/${path.basename(plan.items.find((i) => i.owner === 'user' && i.kind === 'runtime')!.path)}`);
    expect(plan.totalBytes).toBeGreaterThan(150e6);
    expect(plan.rootUnknown).toBeNull();
    expect(plan.summary).toMatch(/^Remove 5 items \(\d+\.\d MB\) that Fleetdeck put on /);
    expect(plan.items.map((i) => i.path).join('\n')).not.toContain('notes.txt');

    const result = (await fleet.call('footprint.remove', { id: host.id, planId: plan.planId, tag: plan.tag })) as FootprintResult;
    expect(result).toMatchObject({ verified: true, left: [] });
    expect(await ls('/var/lib/fleetdeck')).toBe('ABSENT');
    expect(await ls('/home/admin/.cache/fleetdeck')).toBe('notes.txt');
    const audit = fleet.audit.query({ operation: 'footprint.remove' }).events;
    expect(audit[0]).toMatchObject({ result: 'ok', hostId: host.id, summary: expect.stringMatching(/removed; read back: gone$/) });
    // Planning again: nothing left.
    const again = (await fleet.call('footprint.plan', { id: host.id })) as FootprintPlan;
    expect(again).toMatchObject({ items: [], summary: expect.stringMatching(/^Nothing of Fleetdeck's is on /) });
    await fleet.call('hosts.disconnect', { id: host.id });
  });

  it('a stale plan is refused with change-conflict, and nothing is removed', async () => {
    const host = await addHost(fleet, deb, 'admin');
    expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
    const plan = (await fleet.call('footprint.plan', { id: host.id })) as FootprintPlan;
    await deb.exec(['sh', '-c', 'mkdir /home/admin/.cache/fleetdeck/.tmp.4242'], { user: 'admin' });
    await expect(fleet.call('footprint.remove', { id: host.id, planId: plan.planId, tag: plan.tag })).rejects.toMatchObject({ problem: 'change-conflict' });
    expect(await ls('/home/admin/.cache/fleetdeck')).toMatch(/helper-/);
    await fleet.call('hosts.disconnect', { id: host.id });
  });

  it('without the sudo password, root\'s copies are said to need it rather than guessed', async () => {
    const admin = await addHost(fleet, deb, 'admin');
    await connectTrusting(fleet, admin.id);
    await fleet.call('inventory.probe', { id: admin.id }); // root's copies exist again
    const carol = await addHost(fleet, deb, 'carol');
    expect((await connectTrusting(fleet, carol.id)).state).toBe('connected');
    // Pushed once per host: carol's first connect runs the runtime root published, nothing pushed.
    expect(fleet.session(carol.id).lastDeploy).toMatchObject({ pushedRuntime: false, nodePath: expect.stringMatching(/^\/var\/lib\/fleetdeck\/runtime-node-v[\d.]+-linux-x64\/bin\/node$/) });
    expect(await ls('/home/carol/.cache/fleetdeck')).not.toMatch(/runtime-/);
    const plan = (await fleet.call('footprint.plan', { id: carol.id })) as FootprintPlan;
    expect(plan.items.every((i) => i.owner === 'user')).toBe(true);
    expect(plan.rootUnknown).toMatch(/need the sudo password of carol/);
  });

  it('the CLI: hosts remove NAME --cleanup --yes removes the files, then the host', async () => {
    const host = await addHost(fleet, deb, 'admin');
    await connectTrusting(fleet, host.id);
    await fleet.call('hosts.disconnect', { id: host.id });
    const { stdout, stderr } = await run(process.execPath, [path.join(repo, 'bin/fleetdeck.mjs'), 'hosts', 'remove', host.name, '--cleanup', '--yes', '--data-dir', dataDir]);
    expect(stderr).toMatch(/^Remove \d items/);
    expect(stdout).toMatch(new RegExp(`removed ${host.name} \\(and from the host: .*read back: gone\\)`));
    expect(await ls('/var/lib/fleetdeck/root')).toBe('ABSENT');
  });
});
