import type { ProcessSample, Sample, UserUsage } from '../../src-common/monitor/sample.schema.js';

/** Builders for unit tests: a valid sample with overridable parts. */

const GiB = 1024 ** 3;

export function makeProcess(p: Partial<ProcessSample> & { pid: number }): ProcessSample {
  return {
    uid: 1000,
    loginUid: 1000,
    user: 'alice',
    command: 'python train.py',
    cpuPercent: 0,
    rssBytes: 0,
    gpuMemoryBytes: 0,
    gpus: [],
    kind: 'host',
    container: null,
    managed: false,
    ...p,
  };
}

export function makeUser(u: Partial<UserUsage> & { user: string }): UserUsage {
  return { uid: null, cpuPercent: 0, memoryBytes: 0, gpuMemoryBytes: 0, gpusTouched: [], processes: 1, ...u };
}

export function makeSample(t: number, over: Partial<Sample> = {}): Sample {
  return {
    t,
    intervalMs: 1000,
    cpu: { totalPercent: 50, perCorePercent: [40, 60], iowaitPercent: 2 },
    memory: { totalBytes: 16 * GiB, usedBytes: 4 * GiB, availableBytes: 12 * GiB, swapTotalBytes: 2 * GiB, swapUsedBytes: 0 },
    load: [1, 0.5, 0.25],
    pressure: null,
    disks: [{ device: 'sda', readBytesPerSec: 100, writeBytesPerSec: 200 }],
    net: [
      { iface: 'lo', rxBytesPerSec: 999, txBytesPerSec: 999 },
      { iface: 'eth0', rxBytesPerSec: 10, txBytesPerSec: 20 },
      { iface: 'eth1', rxBytesPerSec: 5, txBytesPerSec: 5 },
    ],
    filesystems: [],
    gpus: [],
    processes: [],
    users: [],
    notes: [],
    ...over,
  };
}

export function makeGpu(index: number, util: number | null, used: number | null, total: number | null, temp: number | null): Sample['gpus'][number] {
  return {
    index,
    uuid: `GPU-${index}`,
    name: 'NVIDIA A100-SXM4-80GB',
    utilizationPercent: util,
    memoryUsedBytes: used,
    memoryTotalBytes: total,
    temperatureC: temp,
    powerW: null,
    smClockMHz: null,
    memClockMHz: null,
    eccUncorrected: null,
  };
}
