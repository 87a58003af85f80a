import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { buildChartRows, cpuChart, gpuCharts, gpuHistorySeriesOf, gpusToChart, historySeriesOf, memoryChart } from './monitor-charts.js';
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

  it('longer ranges continue history with bucketed live points', () => {
    const rangeStep = 3_600_000 / 360; // 10 s
    const hist = [0, 1, 2, 3].map((i) => ({ t: 1_000_000 + i * rangeStep, min: 1, avg: 5, max: 9 }));
    const live = liveOf([1_035_000, 1_041_000, 1_045_000, 1_052_000]);
    const rows = buildChartRows(cpuChart(), '1h', { from: 0, to: 1_060_000 }, { cpu: { points: hist } }, live);
    expect(rows.map((r) => r.t)).toEqual([1_000_000, 1_010_000, 1_020_000, 1_030_000, 1_040_000, 1_050_000]);
    expect(rows[4]).toMatchObject({ cpu: 1043, 'cpu:min': 1041, 'cpu:max': 1045 });
  });

  it('draws I/O wait on the CPU chart and swap on the memory chart in every range, from their stored series', () => {
    for (const range of ['5m', '1h', '24h', '7d'] as const) {
      expect(historySeriesOf([cpuChart(), memoryChart(ctx)], range)).toEqual(['cpu', 'iowait', 'mem', 'swap']);
    }
    const point = (t: number, avg: number) => ({ t, min: avg, avg, max: avg });
    const cpu = buildChartRows(cpuChart(), '1h', { from: 0, to: 100_000 }, { cpu: { points: [point(60_000, 40)] }, iowait: { points: [point(60_000, 7.5)] } }, []);
    expect(cpu).toEqual([{ t: 60_000, cpu: 40, 'cpu:min': 40, 'cpu:max': 40, iowait: 7.5, 'iowait:min': 7.5, 'iowait:max': 7.5 }]);
    // Swap is stored in bytes (not a share of the total, as memory is).
    const mem = buildChartRows(memoryChart(ctx), '24h', { from: 0, to: 100_000 }, { mem: { points: [point(60_000, 50)] }, swap: { points: [point(60_000, 3 * GiB)] } }, []);
    expect(mem).toEqual([{ t: 60_000, mem: 8 * GiB, 'mem:min': 8 * GiB, 'mem:max': 8 * GiB, swap: 3 * GiB, 'swap:min': 3 * GiB, 'swap:max': 3 * GiB }]);
    // The live tail of a longer range carries them too.
    const tail = buildChartRows(cpuChart(), '1h', { from: 0, to: 2_000_000 }, { cpu: { points: [point(1_000_000, 1)] }, iowait: { points: [point(1_000_000, 2)] } }, liveOf([1_500_000]));
    expect(tail.at(-1)).toMatchObject({ cpu: 1500, iowait: 1 });
  });

  it('reads a memory history kept as a percentage with the host total', () => {
    const rows = buildChartRows(memoryChart(ctx), '24h', { from: 0, to: 10 }, { mem: { points: [{ t: 5, min: 50, avg: 50, max: 50 }] } }, []);
    expect(rows).toEqual([{ t: 5, mem: 8 * GiB, 'mem:min': 8 * GiB, 'mem:max': 8 * GiB }]);
  });

  it('GPU charts: a chart per metric with one line per GPU in every range, each from its own GPU history', () => {
    const gctx = { memTotal: null, gpuMemTotal: 160 * GiB, gpus: [{ index: 0, name: 'A' }, { index: 1, name: 'B' }] };
    const charts = gpuCharts(gctx);
    expect(charts.map((c) => [c.id, c.unit])).toEqual([
      ['gpu-util', 'percent'],
      ['gpu-mem', 'percent'],
      ['gpu-temp', 'celsius'],
      ['gpu-power', 'watts'],
    ]);
    for (const c of charts) expect(c.series.map((s) => [s.key, s.label])).toEqual([['gpu0', 'GPU 0'], ['gpu1', 'GPU 1']]);
    for (const range of ['5m', '1h', '24h', '7d'] as const) {
      expect(gpuHistorySeriesOf(charts, range)).toEqual(['util', 'memPercent', 'temp', 'power']);
      expect(historySeriesOf(charts, range)).toEqual([]);
    }
    const s = applySample(undefined, makeSample(1000, { gpus: [makeGpu(0, 10, 40 * GiB, 80 * GiB, 50), makeGpu(1, 30, 80 * GiB, 80 * GiB, 70)] }));
    expect(buildChartRows(charts[1]!, '5m', { from: 0, to: 2000 }, {}, s.points)).toEqual([{ t: 1000, gpu0: 50, gpu1: 100 }]);

    // 1 h: one-minute points per GPU from the per-GPU history, then the live tail.
    const M = 60_000;
    const minutes = (avg: number) => [0, 1, 2].map((i) => ({ t: i * M, min: avg - 1, avg, max: avg + 1 }));
    const gpuHistory = { util: { gpus: [{ index: 0, points: minutes(20) }, { index: 1, points: minutes(90) }] } };
    const live = applySample(undefined, makeSample(3 * M + 5000, { gpus: [makeGpu(0, 11, null, null, null), makeGpu(1, 33, null, null, null)] })).points;
    const rows = buildChartRows(charts[0]!, '1h', { from: 0, to: 4 * M }, {}, live, gpuHistory);
    expect(rows.slice(0, 3)).toEqual(minutes(0).map((p) => ({ t: p.t, gpu0: 20, 'gpu0:min': 19, 'gpu0:max': 21, gpu1: 90, 'gpu1:min': 89, 'gpu1:max': 91 })));
    expect(rows.at(-1)).toMatchObject({ gpu0: 11, gpu1: 33 });
    expect(rows.at(-1)!.t).toBeGreaterThan(2 * M);
  });

  it('joins a new host\'s first minute rollups into one line (their step is the table\'s, not the range\'s)', () => {
    const gctx = { memTotal: null, gpuMemTotal: null, gpus: [{ index: 0, name: 'A' }] };
    const M = 60_000;
    const two = { temp: { resolution: '1m' as const, gpus: [{ index: 0, points: [0, 1].map((i) => ({ t: i * M, min: 50, avg: 50, max: 50 })) }] } };
    const rows = buildChartRows(gpuCharts(gctx)[2]!, '1h', { from: 0, to: 3 * M }, {}, [], two);
    // No empty row between them: the line is not broken into two dots.
    expect(rows).toEqual([
      { t: 0, gpu0: 50, 'gpu0:min': 50, 'gpu0:max': 50 },
      { t: M, gpu0: 50, 'gpu0:min': 50, 'gpu0:max': 50 },
    ]);
  });

  it('charts a GPU that only the history of the range still has, after those of the newest sample', () => {
    const p = [{ t: 0, min: 1, avg: 1, max: 1 }];
    expect(gpusToChart([{ index: 1, name: 'B' }, { index: 0, name: 'A' }], { util: { gpus: [{ index: 0, points: p }, { index: 3, points: p }, { index: 5, points: [] }] } })).toEqual([
      { index: 0, name: 'A' },
      { index: 1, name: 'B' },
      { index: 3, name: null },
    ]);
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
