import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Fleet } from '../fleet.js';
import { makeSample } from './sample-factory.js';

/** The monitor.* methods through Fleet.call, as every front door reaches them. */
let fleet: Fleet | null = null;
afterEach(() => {
  fleet?.close();
  fleet = null;
  vi.useRealTimers();
});

describe('monitor API', () => {
  it('validates, refuses a disconnected host with a clear problem, and answers reads', async () => {
    fleet = new Fleet({ dataDir: mkdtempSync(path.join(tmpdir(), 'fd-monitor-api-')), knownHostsFiles: [], actor: 'tester' });
    const host = (await fleet.call('hosts.add', { name: 'gpu-1', address: '10.0.0.5', user: 'admin' })) as { id: number };
    await expect(fleet.call('monitor.start', { id: host.id })).rejects.toMatchObject({ problem: 'disconnected', message: expect.stringMatching(/gpu-1 is not connected/) });
    await expect(fleet.call('monitor.start', { id: host.id, intervalMs: 10 })).rejects.toMatchObject({ problem: 'invalid-input' });
    await expect(fleet.call('monitor.latest', { id: 999 })).rejects.toMatchObject({ problem: 'not-found' });
    await expect(fleet.call('monitor.history', { id: host.id, series: 'nope', from: 0, to: 1 })).rejects.toMatchObject({ problem: 'invalid-input' });
    expect(await fleet.call('monitor.latest', { id: host.id })).toBeNull();
    expect(await fleet.call('monitor.stop', { id: host.id })).toEqual({ ok: true });
    const now = Date.now();
    expect(await fleet.call('monitor.history', { id: host.id, series: 'cpu', from: now - 3_600_000, to: now })).toEqual({ resolution: 'raw', points: [] });
    expect(await fleet.call('monitor.history', { id: host.id, series: 'gpuTemp', from: now - 86_400_000, to: now, points: 300 })).toEqual({ resolution: '1m', points: [] });
  });

  it('answers monitor.gpuHistory: every GPU of the host, or one; bounded, validated params', async () => {
    fleet = new Fleet({ dataDir: mkdtempSync(path.join(tmpdir(), 'fd-monitor-api-')), knownHostsFiles: [], actor: 'tester' });
    const host = (await fleet.call('hosts.add', { name: 'gpu-1', address: '10.0.0.5', user: 'admin' })) as { id: number };
    const now = Date.now();
    fleet.monitor.store.ingestMany(Array.from({ length: 3 }, (_, i) => ({ hostId: host.id, sample: makeSample({ t: now - 120_000 + i * 60_000, gpus: 2 }) })));
    const all = (await fleet.call('monitor.gpuHistory', { id: host.id, series: 'temp', from: now - 3_600_000, to: now })) as { resolution: string; gpus: { index: number; points: unknown[] }[] };
    expect(all.resolution).toBe('1m');
    expect(all.gpus.map((g) => [g.index, g.points.length])).toEqual([
      [0, 3],
      [1, 3],
    ]);
    expect(((await fleet.call('monitor.gpuHistory', { id: host.id, series: 'power', gpu: 1, from: now - 3_600_000, to: now, points: 10 })) as typeof all).gpus.map((g) => g.index)).toEqual([1]);
    for (const bad of [{ gpu: 64 }, { gpu: -1 }, { gpu: 1.5 }, { series: 'gpuUtil' }, { points: 5000 }, { from: -1 }, { to: 'now' }]) {
      await expect(fleet.call('monitor.gpuHistory', { id: host.id, series: 'util', from: 0, to: now, ...bad }), JSON.stringify(bad)).rejects.toMatchObject({ problem: 'invalid-input' });
    }
    await expect(fleet.call('monitor.gpuHistory', { id: 999, series: 'util', from: 0, to: now })).rejects.toMatchObject({ problem: 'not-found' });
  });

  it('removing a host removes its metrics, rollups, usage and last-seen', async () => {
    fleet = new Fleet({ dataDir: mkdtempSync(path.join(tmpdir(), 'fd-monitor-api-')), knownHostsFiles: [], actor: 'tester' });
    const host = (await fleet.call('hosts.add', { name: 'gpu-1', address: '10.0.0.5', user: 'admin' })) as { id: number };
    fleet.monitor.store.ingestMany([{ hostId: host.id, sample: makeSample({ t: Date.now() }) }]);
    const count = () => fleet!.db.prepare('SELECT (SELECT COUNT(*) FROM metric_raw) + (SELECT COUNT(*) FROM metric_1m) + (SELECT COUNT(*) FROM usage_1m) + (SELECT COUNT(*) FROM monitor_last_seen) + (SELECT COUNT(*) FROM gpu_1m) + (SELECT COUNT(*) FROM gpu_1h)').pluck().get();
    expect(count()).toBeGreaterThan(3 + 8);
    await fleet.call('hosts.remove', { id: host.id });
    expect(count()).toBe(0);
  });

  it('close leaves no timer behind', async () => {
    vi.useFakeTimers();
    fleet = new Fleet({ dataDir: ':memory:', knownHostsFiles: [], actor: 'tester' });
    const host = (await fleet.call('hosts.add', { name: 'gpu-1', address: '10.0.0.5', user: 'admin' })) as { id: number };
    fleet.monitor.store.ingest(host.id, makeSample({ t: Date.now() }));
    fleet.close();
    fleet = null;
    expect(vi.getTimerCount()).toBe(0);
  });
});
