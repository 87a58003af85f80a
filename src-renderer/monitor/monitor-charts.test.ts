import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { buildChartRows, cpuChart, gpuCharts, historySeriesOf, memoryChart } from './monitor-charts.js';
import { applySample, type LiveState } from './monitor-data.js';
import { makeGpu, makeSample } from './test-samples.js';
import { monitorKeys, receiveSample, recordConnection } from './use-monitor.js';

const GiB = 1024 ** 3;

function liveOf(ts: number[]) {
  let s: LiveState | undefined;
  for (const t of ts) s = applySample(s, makeSample(t, { cpu: { totalPercent: t / 1000, perCorePercent: [], iowaitPercent: 1 } }));
  return s!.points;
}

describe('chart rows from history and the live buffer', () => {
  const ctx = { memTotal: 16 * GiB, gpuMemTotal: null, gpus: [] };

  it('5-minute view: history only before the buffer, so all series share the live rows', () => {
    const live = liveOf([100_500, 101_500, 102_500]);
    const history = { cpu: { points: [50_000, 99_000, 100_000, 101_000].map((t) => ({ t, min: 1, avg: 2, max: 3 })) } };
    const rows = buildChartRows(cpuChart(), '5m', { from: 0, to: 103_000 }, history, live);
    expect(rows.map((r) => r.t)).toEqual([50_000, 74_500, 99_000, 100_000, 100_500, 101_500, 102_500]);
    // Every live row has both series (no holes that would break a line).
    for (const r of rows.slice(-3)) expect(typeof r.cpu === 'number' && typeof r.iowait === 'number').toBe(true);
    // The long hole in history is a gap row.
    expect(rows[1]).toEqual({ t: 74_500 });
  });

  it('longer ranges drop live-only series and continue history with bucketed live points', () => {
    const rangeStep = 3_600_000 / 360; // 10 s
    const hist = [0, 1, 2, 3].map((i) => ({ t: 1_000_000 + i * rangeStep, min: 1, avg: 5, max: 9 }));
    const live = liveOf([1_035_000, 1_041_000, 1_045_000, 1_052_000]);
    const rows = buildChartRows(cpuChart(), '1h', { from: 0, to: 1_060_000 }, { cpu: { points: hist } }, live);
    expect(rows.every((r) => !('iowait' in r))).toBe(true);
    expect(rows.map((r) => r.t)).toEqual([1_000_000, 1_010_000, 1_020_000, 1_030_000, 1_040_000, 1_050_000]);
    expect(rows[4]).toMatchObject({ cpu: 1043, 'cpu:min': 1041, 'cpu:max': 1045 });
  });

  it('reads a memory history kept as a percentage with the host total', () => {
    const rows = buildChartRows(memoryChart(ctx), '24h', { from: 0, to: 10 }, { mem: { points: [{ t: 5, min: 50, avg: 50, max: 50 }] } }, []);
    expect(rows).toEqual([{ t: 5, mem: 8 * GiB, 'mem:min': 8 * GiB, 'mem:max': 8 * GiB }]);
  });

  it('GPU charts: one series per GPU live, one stored series for longer ranges', () => {
    const gctx = { memTotal: null, gpuMemTotal: 160 * GiB, gpus: [{ index: 0, name: 'A' }, { index: 1, name: 'B' }] };
    expect(gpuCharts(gctx, '5m')[0]?.series.map((s) => s.key)).toEqual(['gpu0', 'gpu1']);
    expect(historySeriesOf(gpuCharts(gctx, '5m'), '5m')).toEqual([]);
    expect(historySeriesOf(gpuCharts(gctx, '7d'), '7d')).toEqual(['gpuUtil', 'gpuMem', 'gpuTemp']);
    const s = applySample(undefined, makeSample(1000, { gpus: [makeGpu(0, 10, 40 * GiB, 80 * GiB, 50), makeGpu(1, 30, 80 * GiB, 80 * GiB, 70)] }));
    const mem = gpuCharts(gctx, '5m')[1]!;
    expect(buildChartRows(mem, '5m', { from: 0, to: 2000 }, {}, s.points)).toEqual([{ t: 1000, gpu0: 50, gpu1: 100 }]);
  });
});

describe('the cache side of use-monitor', () => {
  it('puts pushed samples into the host buffer, and refuses samples that break the schema', () => {
    const qc = new QueryClient();
    receiveSample(qc, 3, makeSample(1000));
    receiveSample(qc, 3, makeSample(2000));
    receiveSample(qc, 3, { t: 'soon' });
    const state = qc.getQueryData<LiveState>(monitorKeys.live(3));
    expect(state?.points.map((p) => p.t)).toEqual([1000, 2000]);
    expect(state?.latest?.t).toBe(2000);
    expect(state?.problem).toMatch(/refused/);
    expect(qc.getQueryData(monitorKeys.live(4))).toBeUndefined();
  });

  it('remembers when a host went away', () => {
    const qc = new QueryClient();
    recordConnection(qc, 1, { state: 'failed', problem: 'timeout', message: 'x' }, 500);
    recordConnection(qc, 1, { state: 'failed', problem: 'timeout', message: 'x' }, 900);
    expect(qc.getQueryData(monitorKeys.offline(1))).toBe(500);
    recordConnection(qc, 1, { state: 'connected', since: 1000 });
    expect(qc.getQueryData(monitorKeys.offline(1))).toBeUndefined();
    recordConnection(qc, 1, { state: 'lost', since: 1234 });
    expect(qc.getQueryData(monitorKeys.offline(1))).toBe(1234);
  });
});
