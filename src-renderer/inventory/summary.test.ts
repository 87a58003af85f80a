import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src-common/inventory/inventory.schema.js';
import { memoryInUse, osLabel, shortCpuModel, shortGpuModel, summarizeGpus } from './summary.js';

const GiB = 1024 ** 3;

function gpu(patch: Partial<Gpu>): Gpu {
  return {
    index: 0,
    name: 'NVIDIA A100-SXM4-80GB',
    uuid: 'GPU-1',
    serial: null,
    busId: null,
    driverVersion: '535.104.05',
    cudaVersion: '12.2',
    memoryTotalBytes: 80 * GiB,
    memoryUsedBytes: 40 * GiB,
    utilizationGpuPercent: 50,
    utilizationMemoryPercent: 20,
    temperatureC: 60,
    powerDrawW: 200,
    powerLimitW: 400,
    eccErrorsUncorrected: 0,
    processes: [],
    ...patch,
  };
}

describe('summarizeGpus', () => {
  it('returns null without GPUs', () => {
    expect(summarizeGpus([])).toBeNull();
  });
  it('adds memory, averages utilization and names a shared model', () => {
    const s = summarizeGpus([gpu({ utilizationGpuPercent: 100 }), gpu({ index: 1, utilizationGpuPercent: 0, memoryUsedBytes: 0 })]);
    expect(s).toMatchObject({ count: 2, model: 'NVIDIA A100-SXM4-80GB', avgUtilization: 50, memoryUsedBytes: 40 * GiB, memoryTotalBytes: 160 * GiB, memoryPercent: 25 });
  });
  it('copes with unknown readings and mixed models', () => {
    const s = summarizeGpus([gpu({ utilizationGpuPercent: null, memoryUsedBytes: null, memoryTotalBytes: null }), gpu({ name: 'Tesla T4', utilizationGpuPercent: null, memoryUsedBytes: null, memoryTotalBytes: null })]);
    expect(s).toMatchObject({ model: '2 models', avgUtilization: null, memoryPercent: null });
  });
});

describe('labels', () => {
  it('prefers PRETTY_NAME', () => {
    const os = { id: 'debian', idLike: [], versionId: '12', name: 'Debian GNU/Linux', prettyName: null, family: 'debian' as const, supported: true, matchedRow: null };
    expect(osLabel({ os })).toBe('Debian GNU/Linux 12');
    expect(osLabel({ os: { ...os, prettyName: 'Debian GNU/Linux 12 (bookworm)' } })).toBe('Debian GNU/Linux 12 (bookworm)');
  });
  it('shortens CPU models', () => {
    expect(shortCpuModel('AMD EPYC 7763 64-Core Processor')).toBe('AMD EPYC 7763');
    expect(shortCpuModel('Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz')).toBe('Intel Xeon Gold 6248R');
  });
  it('shortens GPU models', () => {
    expect(shortGpuModel('NVIDIA GeForce RTX 4090')).toBe('RTX 4090');
    expect(shortGpuModel('NVIDIA A100-SXM4-80GB')).toBe('A100-SXM4-80GB');
    expect(shortGpuModel('Tesla T4')).toBe('T4');
  });
  it('computes memory in use from available', () => {
    const m = memoryInUse({ memory: { totalBytes: 100, availableBytes: 25, usedBytes: 0, buffersBytes: 0, cachedBytes: 0, swapTotalBytes: 0, swapFreeBytes: 0 } });
    expect(m).toEqual({ used: 75, total: 100, percent: 75 });
  });
});
