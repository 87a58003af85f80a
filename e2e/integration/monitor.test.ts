import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleSchema, type Sample } from '../../src-common/monitor/sample.schema.js';
import type { Fleet } from '../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import { installFakeNvidiaSmi, removeFakeNvidiaSmi } from './fake-nvidia-smi.js';
import { addHost, connectTrusting, newFleet } from './harness.js';

/** Live monitoring end to end: helper stream over SSH → core ingest → events, latest and history. */
const unavailable = await testbedUnavailableReason({ docker: true });

describe.skipIf(unavailable)('live monitoring of a real host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let id: number;

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-mon' });
    fleet = newFleet();
    id = (await addHost(fleet, deb, 'admin')).id;
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  it('streams schema-valid samples as events, with per-user attribution', async () => {
    await installFakeNvidiaSmi(deb, 'tesla-t4-drv515-2procs.xml');
    const samples: Sample[] = [];
    const off = fleet.events.on((name, p) => {
      const e = p as { id: number; sample: Sample };
      if (name === 'monitor.onSample' && e.id === id) samples.push(e.sample);
    });
    try {
      expect(await fleet.call('monitor.start', { id, intervalMs: 500 })).toEqual({ ok: true });
      await expect.poll(() => samples.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
      const s = sampleSchema.parse(samples.at(-1));
      expect(s.cpu.totalPercent).not.toBeNull();
      expect(s.memory.totalBytes).toBeGreaterThan(0);
      // The admin user's own session (sshd, helper) is visible and totalled.
      expect(s.users.map((u) => u.user)).toContain('admin');
      // The recorded T4 sample replayed by nvidia-smi on the host: one GPU, its processes listed.
      expect(s.gpus.map((g) => g.name)).toEqual(['Tesla T4']);
      expect(s.processes.filter((p) => p.gpus.includes(0)).map((p) => p.pid).sort((a, b) => a - b)).toEqual([675, 5762]);
      expect(await fleet.call('monitor.latest', { id })).toMatchObject({ t: s.t });

      // Per-GPU history, read back as the Monitor tab's 1 h view reads it: the T4's recorded figures.
      const now = Date.now();
      const read = async (series: string) => ((await fleet.call('monitor.gpuHistory', { id, series, from: now - 3_600_000, to: now + 60_000, points: 360 })) as { resolution: string; gpus: { index: number; points: { avg: number | null }[] }[] });
      const temp = await read('temp');
      expect(temp.resolution).toBe('1m');
      expect(temp.gpus.map((g) => g.index)).toEqual([0]);
      expect(temp.gpus[0]!.points.length).toBeGreaterThanOrEqual(1);
      expect(temp.gpus[0]!.points.every((p) => p.avg === 40)).toBe(true);
      expect((await read('power')).gpus[0]!.points.at(-1)!.avg).toBeCloseTo(26.78, 2);
      expect((await read('memUsed')).gpus[0]!.points.at(-1)!.avg).toBe(1032 * 1024 ** 2);
      expect((await read('memPercent')).gpus[0]!.points.at(-1)!.avg).toBeCloseTo((1032 / 15360) * 100, 6);
      expect((await read('util')).gpus[0]!.points.at(-1)!.avg).toBe(0);
    } finally {
      off();
      await removeFakeNvidiaSmi(deb);
    }
  });

  it('keeps history: raw points for the last minutes', async () => {
    const now = Date.now();
    await expect
      .poll(async () => ((await fleet.call('monitor.history', { id, series: 'cpu', from: now - 5 * 60_000, to: now + 60_000 })) as { points: unknown[] }).points.length, { timeout: 15_000 })
      .toBeGreaterThan(0);
    const h = (await fleet.call('monitor.history', { id, series: 'mem', from: now - 5 * 60_000, to: now + 60_000 })) as { resolution: string; points: { avg: number }[] };
    expect(h.resolution).toBe('raw');
    expect(h.points[0]!.avg).toBeGreaterThan(0);
    // I/O wait and swap are kept beside them (the Monitor tab's 1 h CPU and memory charts draw them).
    for (const series of ['iowait', 'swap']) {
      const r = (await fleet.call('monitor.history', { id, series, from: now - 5 * 60_000, to: now + 60_000 })) as { points: { avg: number | null }[] };
      expect(r.points.length, series).toBeGreaterThan(0);
      expect(r.points.some((p) => typeof p.avg === 'number' && p.avg >= 0), series).toBe(true);
    }
  });

  it('refuses to monitor a host that is not connected, saying so', async () => {
    await fleet.call('monitor.stop', { id });
    await fleet.call('hosts.disconnect', { id });
    await expect(fleet.call('monitor.start', { id })).rejects.toMatchObject({ problem: 'disconnected' });
  });
});
