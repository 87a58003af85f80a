import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src-common/audit/audit.contract.js';
import type { Fleet } from '../../src-main/core/fleet.js';
import { startSshdHost, testbedUnavailableReason, type SshdHost } from '../testbed/index.js';
import { addHost, connect, connectTrusting, newFleet } from './harness.js';

/**
 * A host's connection as the admin lives it, and what the audit log says about it (issue 9, items
 * 1 and 6): a disconnect stays disconnected; a lost link that comes back, a root helper started
 * through sudo, a rename and a first look at a host key are each recorded as what they are.
 */
const unavailable = await testbedUnavailableReason({ docker: false });

describe.skipIf(unavailable)('connection lifecycle and its audit trail (real sshd)', () => {
  let sshd: SshdHost;
  let fleet: Fleet;
  const events = async (host: string): Promise<AuditEvent[]> => ((await fleet.call('audit.list', { host, limit: 100 })) as { events: AuditEvent[] }).events;

  beforeAll(async () => {
    sshd = await startSshdHost({ name: 'it-life' });
    fleet = newFleet({ connectTimeoutMs: 5000 });
  });
  afterAll(async () => {
    fleet?.close();
    await sshd?.stop();
  });

  it('Disconnect stays disconnected: no reconnect, no "link lost", both helpers gone; recorded', async () => {
    const host = await addHost(fleet, sshd, 'fdtest');
    expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
    // The probe starts the root helper too (NOPASSWD sudo): two helpers to close.
    await fleet.call('inventory.probe', { id: host.id });
    const states: string[] = [];
    const logs: string[] = [];
    const off = fleet.events.on((name, p) => {
      const e = p as { id: number; connection?: { state: string }; line?: string };
      if (e.id !== host.id) return;
      if (name === 'hosts.onState') states.push(e.connection!.state);
      if (name === 'hosts.onLog') logs.push(e.line!);
    });
    await fleet.call('hosts.disconnect', { id: host.id });
    // Long enough for the first backoff step (1 s) to have fired, were one scheduled.
    await new Promise((r) => setTimeout(r, 2500));
    off();
    expect(states).toEqual(['idle']);
    expect(logs.join('\n')).not.toMatch(/link lost|1\/5 tcp/);
    expect(fleet.session(host.id).state.state).toBe('idle');
    const ops = (await events(host.name)).map((e) => e.operation);
    expect(ops).toEqual(expect.arrayContaining(['hosts.disconnect', 'hosts.elevate', 'hosts.connect']));
    const elevate = (await events(host.name)).find((e) => e.operation === 'hosts.elevate')!;
    expect(elevate).toMatchObject({ result: 'ok', summary: expect.stringMatching(/started the root helper on .* through sudo -n \(NOPASSWD\) \(pid \d+\)/) });
  });

  it('a lost link that comes back by itself is recorded as a reconnect, with how long it was away', async () => {
    const host = await addHost(fleet, sshd, 'fdtest');
    expect((await connectTrusting(fleet, host.id)).state).toBe('connected');
    const pid = fleet.session(host.id).lastDeploy!.helper.init.pid;
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => fleet.session(host.id).state.state, { timeout: 15_000 }).toBe('connected');
    await expect.poll(async () => (await events(host.name)).find((e) => e.operation === 'hosts.reconnect'), { timeout: 5000 }).toMatchObject({
      result: 'ok',
      summary: expect.stringMatching(/reconnected to .* by itself after \d+\.\d s \(1 attempt\); the link was lost: The helper on .* stopped/),
    });
    await fleet.call('hosts.disconnect', { id: host.id });
  });

  it('a first look at a host key is a question, not a failed connect', async () => {
    const fresh = newFleet({ connectTimeoutMs: 5000 });
    try {
      const host = await addHost(fresh, sshd, 'fdtest');
      expect((await connect(fresh, host.id)).state).toBe('failed');
      const page = (await fresh.call('audit.list', { limit: 50 })) as { events: AuditEvent[] };
      expect(page.events.filter((e) => e.operation === 'hosts.connect')).toEqual([]);
      expect((await connectTrusting(fresh, host.id)).state).toBe('connected');
      const after = ((await fresh.call('audit.list', { limit: 50 })) as { events: AuditEvent[] }).events.map((e) => `${e.operation} ${e.result}`);
      expect(after).toEqual(expect.arrayContaining(['hostkeys.trust ok', 'hosts.connect ok']));
      expect(after).not.toContain('hosts.connect failed');
    } finally {
      fresh.close();
    }
  });

  it('a rename keeps the host\'s history under its new name, and the update says what changed', async () => {
    const host = await addHost(fleet, sshd, 'fdtest', { tags: ['lab'] });
    await fleet.call('hosts.update', { id: host.id, host: { name: 'renamed-box', address: host.address, port: host.port, user: host.user, auth: host.auth, keyPath: host.keyPath, tags: ['lab', 'gpu'] } });
    const list = await events('renamed-box');
    const add = list.find((e) => e.operation === 'hosts.add')!;
    expect(add).toMatchObject({ hostName: 'renamed-box', recordedHostName: host.name, hostId: host.id });
    expect(list.find((e) => e.operation === 'hosts.update')!.summary).toBe(`updated renamed-box: renamed ${host.name} → renamed-box; tags lab → lab, gpu`);
    // The old name finds nothing now: it belongs to no stored host, and the events follow the host.
    expect(await events(host.name)).toEqual([]);
    const facets = (await fleet.call('audit.facets', {})) as { hosts: string[] };
    expect(facets.hosts).toContain('renamed-box');
    expect(facets.hosts).not.toContain(host.name);
  });
});
