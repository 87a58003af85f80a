import { describe, expect, it } from 'vitest';
import { gpuSchema } from '../../../src-common/inventory/inventory.schema.js';
import { listFixtures, readFixture } from './fixtures.test-util.js';
import { MAX } from '../../../src-common/protocol/bounds.js';
import { attachProcesses, computeAppsFromCsv, gpusFromQueryGpuCsv, parseNvidiaSmiCsv } from './nvidia-smi-csv.js';

const MiB = 1024 ** 2;

describe('--query-gpu CSV, every fixture', () => {
  const expected = {
    'h100-80gb-hbm3-ubuntu2204-drv590-load.csv': { name: 'NVIDIA H100 80GB HBM3', serial: '0000000000000', busId: '00000000:00:09.0', driverVersion: '590.48.01', memTotalMiB: 81559, memUsedMiB: 19818, util: 100, memUtil: 11, tempC: 59, powerW: 631.95, limitW: 700, ecc: 0, columns: 212 },
    'h200-ubuntu2204-drv590-load.csv': { name: 'NVIDIA H200', serial: '0000000000000', busId: '00000000:83:00.0', driverVersion: '590.48.01', memTotalMiB: 143771, memUsedMiB: 32362, util: 100, memUtil: 7, tempC: 52, powerW: 627.4, limitW: 700, ecc: 0, columns: 212 },
    'l40s-fedora44-drv595-load.csv': { name: 'NVIDIA L40S', serial: '0000000000000', busId: '00000000:01:00.0', driverVersion: '595.80', memTotalMiB: 46068, memUsedMiB: 1235, util: 9, memUtil: 2, tempC: 54, powerW: 110.23, limitW: 350, ecc: 0, columns: 202 },
    'rtx2080super-fedora44-drv610-idle.csv': { name: 'NVIDIA GeForce RTX 2080 SUPER', serial: null, busId: '00000000:0C:00.0', driverVersion: '610.57.04', memTotalMiB: 8192, memUsedMiB: 211, util: 0, memUtil: 0, tempC: 33, powerW: 39.17, limitW: 250, ecc: null, columns: 241 },
    'rtx4080super-fedora44-drv595-load.csv': { name: 'NVIDIA GeForce RTX 4080 SUPER', serial: null, busId: '00000000:01:00.0', driverVersion: '595.71.05', memTotalMiB: 16376, memUsedMiB: 1474, util: 7, memUtil: 2, tempC: 46, powerW: 84.24, limitW: 320, ecc: null, columns: 202 },
  };

  it('covers every fixture', () => {
    expect(listFixtures('nvidia-smi/csv/query-gpu')).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s', (file, want) => {
    const text = readFixture('nvidia-smi/csv/query-gpu', file);
    const csv = parseNvidiaSmiCsv(text);
    expect(csv.columns).toHaveLength(want.columns);
    expect(csv.rows).toHaveLength(1);
    const gpus = gpusFromQueryGpuCsv(text);
    expect(gpus).toHaveLength(1);
    const g = gpus[0]!;
    expect({
      name: g.name, serial: g.serial, busId: g.busId, driverVersion: g.driverVersion, memTotalMiB: g.memoryTotalBytes! / MiB, memUsedMiB: g.memoryUsedBytes! / MiB,
      util: g.utilizationGpuPercent, memUtil: g.utilizationMemoryPercent, tempC: g.temperatureC, powerW: g.powerDrawW, limitW: g.powerLimitW, ecc: g.eccErrorsUncorrected, columns: want.columns,
    }).toEqual(want);
    expect(g.index).toBe(0);
    expect(() => gpuSchema.parse(g)).not.toThrow();
  });

  it('takes units from the headers', () => {
    const csv = parseNvidiaSmiCsv(readFixture('nvidia-smi/csv/query-gpu/h100-80gb-hbm3-ubuntu2204-drv590-load.csv'));
    expect(csv.columns.find((c) => c.name === 'memory.total')).toEqual({ name: 'memory.total', unit: 'MiB' });
    expect(csv.columns.find((c) => c.name === 'power.draw')).toEqual({ name: 'power.draw', unit: 'W' });
    expect(csv.columns.find((c) => c.name === 'temperature.gpu')).toEqual({ name: 'temperature.gpu', unit: null });
    // Empty cells exist in the published output (", ,"): they stay empty strings, not shifted columns.
    expect(csv.rows[0]!.hostname).toBe('[N/A]');
  });

  it('reads ",nounits" output through the header unit', () => {
    const [g] = gpusFromQueryGpuCsv('index, name, uuid, memory.total [MiB], memory.used [MiB], power.draw [W]\n0, Tesla T4, GPU-1, 15360, 1032, 26.78\n');
    expect(g).toMatchObject({ memoryTotalBytes: 15360 * MiB, memoryUsedBytes: 1032 * MiB, powerDrawW: 26.78 });
  });

  it('returns nothing for empty output', () => {
    expect(gpusFromQueryGpuCsv('')).toEqual([]);
  });
});

describe('--query-compute-apps CSV, every fixture', () => {
  const expected = {
    'h100-80gb-hbm3-ubuntu2204-drv590-load.csv': [[11327, '/root/tools/memhog', 2566], [11328, '/root/tools/memhog', 1542], [11345, './gpu_burn', 15690]],
    'h200-ubuntu2204-drv590-load.csv': [[10291, '/root/tools/memhog', 2566], [10293, '/root/tools/memhog', 1542], [10309, './gpu_burn', 28234]],
    'rtx2080super-fedora44-drv610-idle-empty.csv': [],
    'rtx4080super-fedora44-drv595-load.csv': [[2165, '/usr/bin/kwin_wayland', 25], [5022, 'ffmpeg', 503], [5021, 'ffmpeg', 360]],
  };

  it('covers every fixture', () => {
    expect(listFixtures('nvidia-smi/csv/query-compute-apps')).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s', (file, want) => {
    const apps = computeAppsFromCsv(readFixture('nvidia-smi/csv/query-compute-apps', file));
    expect(apps.map((a) => [a.pid, a.name, a.usedMemoryBytes! / MiB])).toEqual(want);
    for (const a of apps) expect(a.gpuUuid).toBe('GPU-00000000-0000-0000-0000-000000000000');
  });

  it('joins a process name that contains ", " back together', () => {
    const text = 'pid, process_name, used_gpu_memory [MiB]\n42, /opt/app --flag=a, b --x, 12 MiB\n';
    expect(computeAppsFromCsv(text)).toEqual([{ pid: 42, name: '/opt/app --flag=a, b --x', type: 'C', usedMemoryBytes: 12 * MiB, gpuUuid: null, gpuBusId: null }]);
  });

  it('attaches apps to GPUs by bus id (the samples mask every UUID to zeros)', () => {
    const gpus = gpusFromQueryGpuCsv(readFixture('nvidia-smi/csv/query-gpu/h100-80gb-hbm3-ubuntu2204-drv590-load.csv'));
    const apps = computeAppsFromCsv(readFixture('nvidia-smi/csv/query-compute-apps/h100-80gb-hbm3-ubuntu2204-drv590-load.csv'));
    const [gpu] = attachProcesses(gpus, apps);
    expect(gpu!.processes.map((p) => p.pid)).toEqual([11327, 11328, 11345]);
    // The processes' memory adds up to less than the GPU's used memory: the driver's own share is not attributed.
    const attributed = gpu!.processes.reduce((s, p) => s + (p.usedMemoryBytes ?? 0), 0);
    expect(attributed).toBe((2566 + 1542 + 15690) * MiB);
    expect(attributed).toBeLessThanOrEqual(gpu!.memoryUsedBytes!);
    const other = attachProcesses([{ ...gpu!, busId: '00000000:AA:00.0', processes: [] }], apps);
    expect(other[0]!.processes).toEqual([]);
  });
});

describe('nvidia-smi CSV on hostile input', () => {
  const timed = <T>(f: () => T): [T, number] => {
    const start = performance.now();
    const value = f();
    return [value, performance.now() - start];
  };

  it('reads a 64 KB header of "[" in under 100 ms (the unit regex retried from every "[")', () => {
    const [csv, ms] = timed(() => parseNvidiaSmiCsv(`name [${'['.repeat(64_000)}\n`));
    expect(ms).toBeLessThan(100);
    expect(csv.columns).toHaveLength(1);
  });

  it('keeps "name [unit]" columns as the regex read them', () => {
    expect(parseNvidiaSmiCsv('a [MiB], b [x] [W], c [], d]\n').columns).toEqual([
      { name: 'a', unit: 'MiB' },
      { name: 'b [x]', unit: 'W' },
      { name: 'c []', unit: null },
      { name: 'd]', unit: null },
    ]);
  });

  it('reads 2,000 one-cell rows under a 2,000-column header in under 100 ms, with only the cells each row has', () => {
    const header = Array.from({ length: 2_000 }, (_, i) => `c${i}`).join(', ');
    const [csv, ms] = timed(() => parseNvidiaSmiCsv(`${header}\n${'x\n'.repeat(2_000)}`));
    expect(ms).toBeLessThan(100);
    expect(csv.rows[0]).toEqual({ c0: 'x' });
  });

  it(`keeps at most ${MAX.gpus} GPUs, the most the core accepts`, () => {
    expect(gpusFromQueryGpuCsv(`index, name\n${'0, x\n'.repeat(1000)}`)).toHaveLength(MAX.gpus);
  });

  it('attaches each compute app to one GPU, the first that matches, and in linear time', () => {
    const gpus = gpusFromQueryGpuCsv(`index, uuid\n0, GPU-1\n1, GPU-1\n`);
    const apps = computeAppsFromCsv(`pid, gpu_uuid, process_name\n${'7, GPU-1, x\n'.repeat(4_000)}`);
    const [attached, ms] = timed(() => attachProcesses(gpus, apps));
    expect(ms).toBeLessThan(100);
    expect(attached.map((g) => g.processes.length)).toEqual([4_000, 0]);
  });
});
