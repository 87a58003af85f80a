import type { ProcessSample, Sample, UserUsage } from '../../../src-common/monitor/sample.schema.js';

/**
 * Realistic samples for tests and benchmarks: the shape and size of what a lab GPU box sends
 * (per-core CPU, several disks and interfaces, GPUs, a few dozen processes, several users),
 * deterministic for a given seed.
 */
export interface SampleShape {
  t: number;
  intervalMs?: number;
  seed?: number;
  cores?: number;
  gpus?: number;
  processes?: number;
  users?: string[];
  /** Overrides applied last, for hand-computed test values. */
  cpuPercent?: number | null;
}

const GiB = 1024 ** 3;

/** Small LCG: the same seed gives the same sample, so bench runs are comparable. */
function rng(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

export function makeSample(shape: SampleShape): Sample {
  const r = rng(shape.seed ?? shape.t);
  const cores = shape.cores ?? 32;
  const gpuCount = shape.gpus ?? 4;
  const users = shape.users ?? ['alice', 'bob', 'carol', 'dave', 'root', 'jupyter'];
  const perCore = Array.from({ length: cores }, () => Math.round(r() * 10000) / 100);
  const total = perCore.reduce((a, b) => a + b, 0) / cores;
  const gpus = Array.from({ length: gpuCount }, (_, i) => ({
    index: i,
    uuid: `GPU-${(0xabc000 + i).toString(16)}-7f3e-4d1a-9c2b-${(shape.seed ?? 0).toString(16).padStart(12, '0')}`,
    name: 'NVIDIA A100-SXM4-80GB',
    utilizationPercent: Math.round(r() * 100),
    memoryUsedBytes: Math.round(r() * 80 * GiB),
    memoryTotalBytes: 80 * GiB,
    temperatureC: 35 + Math.round(r() * 45),
    powerW: 60 + Math.round(r() * 340),
    smClockMHz: 1410,
    memClockMHz: 1593,
    eccUncorrected: 0,
  }));
  const processes: ProcessSample[] = Array.from({ length: shape.processes ?? 30 }, (_, i) => {
    const user = users[i % users.length]!;
    const onGpu = i < gpuCount * 2;
    const inContainer = i % 5 === 0;
    return {
      pid: 1000 + i * 37,
      uid: 1000 + (i % users.length),
      loginUid: 1000 + (i % users.length),
      user,
      command: onGpu ? `python train.py --config configs/run-${i}.yaml --epochs 100` : `/usr/bin/python3 -m ipykernel_launcher -f /home/${user}/.local/share/jupyter/runtime/kernel-${i}.json`,
      cpuPercent: Math.round(r() * 40000) / 100,
      rssBytes: Math.round(r() * 32 * GiB),
      gpuMemoryBytes: onGpu ? Math.round(r() * 40 * GiB) : 0,
      gpus: onGpu ? [i % gpuCount] : [],
      kind: inContainer ? 'container' : onGpu ? 'host' : 'jupyter-kernel',
      container: inContainer ? { id: `c0ffee${i}`.padEnd(64, '0'), name: `${user}-exp-${i}`, runtime: 'docker', owner: user, ownerSource: 'label' } : null,
      managed: inContainer,
    };
  });
  const usage: UserUsage[] = users.map((user, u) => {
    const mine = processes.filter((p) => p.user === user);
    return {
      user,
      uid: 1000 + u,
      cpuPercent: mine.reduce((a, p) => a + p.cpuPercent, 0),
      memoryBytes: mine.reduce((a, p) => a + p.rssBytes, 0),
      gpuMemoryBytes: mine.reduce((a, p) => a + p.gpuMemoryBytes, 0),
      gpusTouched: [...new Set(mine.flatMap((p) => p.gpus))].sort((a, b) => a - b),
      processes: mine.length,
    };
  });
  return {
    t: shape.t,
    intervalMs: shape.intervalMs ?? 1000,
    cpu: { totalPercent: shape.cpuPercent === undefined ? Math.round(total * 100) / 100 : shape.cpuPercent, perCorePercent: perCore, iowaitPercent: Math.round(r() * 500) / 100 },
    memory: { totalBytes: 512 * GiB, usedBytes: Math.round(r() * 400 * GiB), availableBytes: Math.round(100 * GiB), swapTotalBytes: 8 * GiB, swapUsedBytes: 0 },
    load: [Math.round(r() * 3200) / 100, 12.5, 11.75],
    pressure: { cpuSome: r() * 10, memorySome: 0, memoryFull: 0, ioSome: r() * 5, ioFull: 0 },
    disks: ['nvme0n1', 'nvme1n1', 'sda'].map((device) => ({ device, readBytesPerSec: Math.round(r() * 5e8), writeBytesPerSec: Math.round(r() * 2e8) })),
    net: [
      { iface: 'lo', rxBytesPerSec: 1e6, txBytesPerSec: 1e6 },
      { iface: 'eno1', rxBytesPerSec: Math.round(r() * 1.25e9), txBytesPerSec: Math.round(r() * 1.25e9) },
      { iface: 'ib0', rxBytesPerSec: Math.round(r() * 1e10), txBytesPerSec: Math.round(r() * 1e10) },
      { iface: 'docker0', rxBytesPerSec: 5e5, txBytesPerSec: 5e5 },
    ],
    filesystems: [
      { mountPoint: '/', usedBytes: 120 * GiB, totalBytes: 500 * GiB },
      { mountPoint: '/home', usedBytes: 3000 * GiB, totalBytes: 7000 * GiB },
      { mountPoint: '/scratch', usedBytes: 1500 * GiB, totalBytes: 3500 * GiB },
    ],
    gpus,
    processes,
    users: usage,
    notes: [],
  };
}
