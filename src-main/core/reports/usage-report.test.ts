import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageReportSchema, type UsageReport } from '../../../src-common/reports/report.schema.js';
import { EVIL_HOST, EVIL_USER, FORMULA_USER, NOW, reportFixture, T0, type Fixture } from './report-fixture.test-util.js';

/** The model keeps six significant digits (report-round.ts): what a hand-computed figure reads as there. */
const sig6 = (v: number) => Number(v.toPrecision(6));

/** Usage figures from history written by the real MetricsStore, checked against hand-computed values. */
describe('usage report from stored monitoring history', () => {
  let f: Fixture;
  let r: UsageReport;
  beforeAll(async () => {
    f = await reportFixture();
    r = usageReportSchema.parse(await f.service.build({ kind: 'usage', since: T0 - 3_600_000, until: NOW, timeZone: 'UTC' }));
  });
  afterAll(() => f.close());

  it('totals CPU-, memory- and GPU-hours per user across hosts, with the primary group', () => {
    const alice = r.users.find((u) => u.user === 'alice')!;
    // 200 % for 120 s = 2 × 120 / 3600 CPU-hours; 2 GPUs × 120 s; 2 GiB × 120 s; 3 GiB GPU memory × 120 s.
    expect(alice.cpuHours).toBe(sig6((2 * 120) / 3600));
    expect(alice.gpuHours).toBe(sig6((2 * 120) / 3600));
    expect(alice.memoryGibHours).toBe(sig6((2 * 120) / 3600));
    expect(alice.gpuMemoryGibHours).toBe(sig6((3 * 120) / 3600));
    expect(alice.activeHours).toBe(sig6(120 / 3600));
    expect(alice.peakGpuMemoryBytes).toBe(3 * 1024 ** 3);
    expect(alice).toMatchObject({ group: 'ml', groupMissing: null, hosts: ['gpu-1'] });
    const bob = r.users.find((u) => u.user === 'bob')!;
    expect(bob.cpuHours).toBe(sig6((0.5 * 60) / 3600));
    expect(bob).toMatchObject({ group: 'bob', gpuHours: 0 });
    // Users the inventory does not list (and hostile names) have no group, say why, and stay text.
    expect(r.users.find((u) => u.user === EVIL_USER)).toMatchObject({ group: null, groupMissing: 'not-in-inventory', hosts: [EVIL_HOST] });
    expect(r.users.map((u) => u.user)).toEqual(['alice', 'bob', EVIL_USER, FORMULA_USER]);
  });

  it('sums groups from their users and the totals from everyone', () => {
    const ml = r.groups.find((g) => g.group === 'ml')!;
    expect(ml.users).toEqual(['alice']);
    expect(ml.cpuHours).toBe(r.users[0]!.cpuHours);
    const unknown = r.groups.find((g) => g.group === null)!;
    expect(unknown.groupMissing).toBe('not-in-inventory');
    expect(unknown.users.sort()).toEqual([EVIL_USER, FORMULA_USER].sort());
    expect(unknown.cpuHours).toBe(sig6((1 * 30 + 0.1 * 30) / 3600));
    // Totals are summed before rounding: they agree with the rounded parts to the sixth digit.
    const sum = r.users.reduce((s, u) => s + u.cpuHours, 0);
    expect(Math.abs(r.totals.cpuHours - sum) / sum).toBeLessThan(1e-5);
    expect(r.totals).toMatchObject({ users: 4, monitoredHosts: 2 });
    expect(r.hostUsers).toHaveLength(4);
  });

  it('reports per-host utilisation from the rollups, and hosts without history as empty', () => {
    const gpu = r.hosts.find((h) => h.host === 'gpu-1')!;
    expect(gpu).toMatchObject({ samples: 120, cpuAvg: 40, cpuMax: 60, memAvg: 50, gpuUtilAvg: 80, gpuUtilMax: 80, gpuMemAvg: 25, load1Avg: 1.5 });
    expect(gpu.monitoredHours).toBe(sig6(2 / 60)); // two stored minutes
    expect(r.hosts.find((h) => h.host === EVIL_HOST)).toMatchObject({ samples: 30, cpuAvg: 30, gpuUtilAvg: null });
    expect(r.hosts.find((h) => h.host === f.quote.name)).toMatchObject({ samples: 0, cpuAvg: null, monitoredHours: 0 });
    expect(r.resolution).toBe('1m');
  });

  it('lays out a timeline in aligned buckets, values where history exists', () => {
    const { t, bucketMs, hosts } = r.timeline;
    expect(t.length).toBeLessThanOrEqual(121);
    expect(t[1]! - t[0]!).toBe(bucketMs);
    const gpu = hosts.find((h) => h.host === 'gpu-1')!;
    expect(gpu.cpu).toHaveLength(t.length);
    const filled = gpu.cpu.map((v, i) => (v === null ? null : t[i])).filter((x) => x !== null);
    expect(filled.length).toBeGreaterThan(0);
    expect(filled.every((x) => x! >= T0 - bucketMs && x! <= T0 + 120_000)).toBe(true);
  });

  it('counts only what overlaps the period, and only the chosen hosts', async () => {
    const later = await f.service.build({ kind: 'usage', since: T0 + 10 * 60_000, until: NOW });
    expect(later.kind === 'usage' && later.users).toEqual([]);
    const oneHost = (await f.service.build({ kind: 'usage', since: T0 - 3_600_000, until: NOW, hostIds: [f.evil.id] })) as UsageReport;
    expect(oneHost.users.map((u) => u.user).sort()).toEqual([EVIL_USER, FORMULA_USER].sort());
    expect(oneHost.meta).toMatchObject({ hostSelection: true, hosts: [{ id: f.evil.id, name: EVIL_HOST }] });
    // A period of 30 s inside the first minute still counts that whole stored minute.
    const short = (await f.service.build({ kind: 'usage', since: T0 + 10_000, until: T0 + 40_000, hostIds: [f.gpu.id] })) as UsageReport;
    expect(short.users[0]!.cpuHours).toBe(sig6((2 * 60) / 3600));
  });

  it('says when the period reaches past per-user retention, and reads hourly rollups there', async () => {
    const old = (await f.service.build({ kind: 'usage', since: NOW - 60 * 86_400_000, until: NOW })) as UsageReport;
    expect(old.resolution).toBe('1h');
    expect(old.notes.join(' ')).toMatch(/kept 30 days/);
    expect(old.hosts.find((h) => h.host === 'gpu-1')).toMatchObject({ samples: 120, cpuAvg: 40, monitoredHours: 1 });
  });

  it('refuses a reversed period, an unknown host and an unknown time zone', async () => {
    await expect(f.service.build({ kind: 'usage', since: NOW, until: T0 })).rejects.toMatchObject({ problem: 'invalid-input' });
    await expect(f.service.build({ kind: 'usage', hostIds: [999] })).rejects.toMatchObject({ problem: 'not-found', message: expect.stringMatching(/999/) });
    await expect(f.service.build({ kind: 'usage', timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ problem: 'invalid-input', message: expect.stringMatching(/Mars/) });
  });

  it('defaults to the last 7 days up to now', async () => {
    const d = await f.service.build({ kind: 'usage' });
    expect(d.meta.until).toBe(NOW);
    expect(d.meta.since).toBe(NOW - 7 * 86_400_000);
    expect(d.meta.hostSelection).toBe(false);
    expect(d.meta.fleetdeckVersion).toMatch(/^\d+\.\d+\.\d+/);
  });
});
