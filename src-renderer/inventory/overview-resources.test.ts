import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../src-common/inventory/inventory.schema.js';
import { makeSample } from '../monitor/test-samples.js';
import { asOfLabel, resourceView } from './overview-resources.js';

const GiB = 1024 ** 3;
const takenAt = new Date(2025, 2, 14, 11, 13).getTime();

function inventory(): Inventory {
  return {
    takenAt,
    hostname: 'gpu-1',
    uptimeSeconds: 3600,
    cpu: { model: 'AMD EPYC 7763', sockets: 1, cores: 2, threads: 2, usagePercent: 12, perCpuUsagePercent: [10, 14] },
    memory: { totalBytes: 16 * GiB, availableBytes: 10 * GiB, usedBytes: 5 * GiB, buffersBytes: GiB, cachedBytes: GiB, swapTotalBytes: 2 * GiB, swapFreeBytes: GiB },
    load: { one: 0.5, five: 0.4, fifteen: 0.3, running: 2, total: 300 },
    filesystems: [],
    blockDevices: [],
    network: [],
    users: [],
    containers: [],
    gpus: [],
    sections: {},
  };
}

/** Issue 9, #10: Overview resources were a frozen snapshot that looked live. */
describe('resourceView', () => {
  const readAt = takenAt + 2_000;

  it('takes CPU, memory and load from the live sample while the monitor streams, and advances uptime', () => {
    const now = takenAt + 4 * 60_000;
    const sample = makeSample(now - 500, { cpu: { totalPercent: 87, perCorePercent: [80, 94], iowaitPercent: 1 }, load: [2, 1.5, 1] });
    const v = resourceView(inventory(), { live: { sample, receivedAt: now - 400 }, connected: true, snapshotReadAt: readAt, nowMs: now });
    expect(v).toMatchObject({ live: true, sourceLabel: 'Live', asOf: null, cpuPercent: 87, perCpuPercent: [80, 94], load: [2, 1.5, 1], tasks: null, uptimeFrozen: false });
    expect(v.memoryUsedBytes).toBe(4 * GiB); // total − available of the sample
    expect(v.uptimeSeconds).toBeCloseTo(3600 + (now - readAt) / 1000, 5);
  });

  it('marks snapshot numbers with the time they were read when no sample is coming, uptime still advancing while connected', () => {
    const now = takenAt + 4 * 60_000;
    const v = resourceView(inventory(), { live: null, connected: true, snapshotReadAt: readAt, nowMs: now });
    expect(v).toMatchObject({ live: false, sourceLabel: 'as of 11:13, 4 min ago', asOf: takenAt, cpuPercent: 12, tasks: { running: 2, total: 300 }, uptimeFrozen: false });
    expect(v.uptimeSeconds).toBeCloseTo(3600 + 238, 5);
    expect(v.swapUsedBytes).toBe(GiB);
  });

  it('does not call a stopped stream live', () => {
    const now = takenAt + 60_000;
    const old = { sample: makeSample(now - 30_000), receivedAt: now - 30_000 };
    expect(resourceView(inventory(), { live: old, connected: true, snapshotReadAt: readAt, nowMs: now }).live).toBe(false);
  });

  it('freezes uptime at what was read when the host is not connected', () => {
    const now = takenAt + 2 * 3_600_000;
    const v = resourceView(inventory(), { live: { sample: makeSample(now), receivedAt: now }, connected: false, snapshotReadAt: readAt, nowMs: now });
    expect(v).toMatchObject({ live: false, uptimeSeconds: 3600, uptimeFrozen: true, sourceLabel: 'as of 11:13, 2 h ago' });
  });

  it('names the day when the snapshot is not from today', () => {
    expect(asOfLabel(takenAt, takenAt + 3 * 86_400_000)).toMatch(/^as of 14 Mar 11:13, /);
  });
});
