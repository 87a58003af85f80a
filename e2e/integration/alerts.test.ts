import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, AlertRule } from '../../src-common/alerts/alert.schema.js';
import type { Fleet } from '../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import { installFakeNvidiaSmi, removeFakeNvidiaSmi } from './fake-nvidia-smi.js';
import { addHost, connectTrusting, newFleet } from './harness.js';

/** Alerts end to end: real helper samples over SSH → alert engine → alerts.list and alerts.onChange. */
const unavailable = await testbedUnavailableReason({ docker: true });

describe.skipIf(unavailable)('alerts on a real host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let id: number;

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-alerts' });
    fleet = newFleet();
    id = (await addHost(fleet, deb, 'admin')).id;
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
    await installFakeNvidiaSmi(deb, 'tesla-t4-drv515-2procs.xml');
  }, 600_000);
  afterAll(async () => {
    if (deb) await removeFakeNvidiaSmi(deb).catch(() => undefined);
    fleet?.close();
    await deb?.stop();
  });

  it('fires a GPU temperature alert (recorded T4 at 40 °C, limit 30 °C) and a disk alert on / (limit 1 %)', async () => {
    const rules = (await fleet.call('alerts.rules', {})) as AlertRule[];
    const byKind = (k: string) => rules.find((r) => r.kind === k)!;
    await fleet.call('alerts.saveRule', { ...byKind('gpu-temp'), threshold: 30, forSeconds: 0, scope: { type: 'host', hostId: id } });
    await fleet.call('alerts.saveRule', { ...byKind('disk-usage'), threshold: 1, forSeconds: 0 });
    const fired: Alert[] = [];
    const off = fleet.events.on((name, p) => {
      const e = p as { change: string; alert: Alert };
      if (name === 'alerts.onChange' && e.change === 'fired') fired.push(e.alert);
    });
    try {
      expect(await fleet.call('monitor.start', { id, intervalMs: 500 })).toEqual({ ok: true });
      const active = async () => (await fleet.call('alerts.list', { activeOnly: true, hostId: id })) as Alert[];
      await expect.poll(async () => (await active()).map((a) => a.subject).sort(), { timeout: 30_000 }).toEqual(expect.arrayContaining(['gpu:0', 'mount:/']));
      const list = await active();
      const gpu = list.find((a) => a.subject === 'gpu:0')!;
      expect(gpu).toMatchObject({ kind: 'gpu-temp', hostId: id, severity: 'critical', resolvedAt: null });
      expect(gpu.message).toMatch(/^GPU 0 on .+ at 40 °C \(limit 30 °C\) for 0 s$/);
      expect(list.find((a) => a.subject === 'mount:/')!.message).toMatch(/^Disk \/ on .+ % full \(limit 1 %\) for 0 s$/);
      // De-duplicated: more samples do not add alerts.
      await new Promise((r) => setTimeout(r, 2000));
      expect((await active()).filter((a) => a.subject === 'gpu:0')).toHaveLength(1);
      expect(fired.filter((a) => a.subject === 'gpu:0')).toHaveLength(1);
      // Raising the limit clears it with the next sample.
      await fleet.call('alerts.saveRule', { ...byKind('gpu-temp'), threshold: 85, forSeconds: 0, scope: { type: 'host', hostId: id } });
      await expect.poll(async () => (await active()).some((a) => a.subject === 'gpu:0'), { timeout: 15_000 }).toBe(false);
      await expect(fleet.call('alerts.saveRule', { kind: 'disk-usage', threshold: -3, forSeconds: 0 })).rejects.toMatchObject({ problem: 'invalid-input', message: 'threshold: The threshold must be a positive number.' });
    } finally {
      off();
      await fleet.call('monitor.stop', { id });
    }
  });
});
