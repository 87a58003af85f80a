import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import { openDatabase, type Db } from '../db/database.js';

/**
 * Test and bench support: a real database file with hosts 1..n, and minimal samples whose
 * series values a test chooses (so expected rollups can be computed by hand).
 */
export function tempDb(hosts = 2): { db: Db; file: string } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'fd-monitor-')), 'fleetdeck.sqlite');
  const db = openDatabase(file);
  const add = db.prepare("INSERT INTO hosts (id, name, address, port, user, auth, created_at, updated_at) VALUES (?, ?, '10.0.0.1', 22, 'u', 'agent', 0, 0)");
  for (let i = 1; i <= hosts; i++) add.run(i, `h${i}`);
  return { db, file };
}

export interface Values {
  cpu?: number | null;
  memPercent?: number;
  load1?: number;
  rx?: number;
  users?: Sample['users'];
  intervalMs?: number;
  iowait?: number | null;
  swapUsed?: number;
  gpus?: Sample['gpus'];
}

export interface GpuValues {
  util?: number | null;
  memUsed?: number | null;
  memTotal?: number | null;
  temp?: number | null;
  power?: number | null;
}

/** One GPU of a sample with the values a test chooses (80 GiB of memory unless told). */
export function gpuOf(index: number, v: GpuValues = {}): Sample['gpus'][number] {
  return {
    index,
    uuid: `GPU-test-${index}`,
    name: 'NVIDIA A100-SXM4-80GB',
    utilizationPercent: v.util === undefined ? 0 : v.util,
    memoryUsedBytes: v.memUsed === undefined ? 0 : v.memUsed,
    memoryTotalBytes: v.memTotal === undefined ? 80 * 1024 ** 3 : v.memTotal,
    temperatureC: v.temp === undefined ? 30 : v.temp,
    powerW: v.power === undefined ? 50 : v.power,
    smClockMHz: null,
    memClockMHz: null,
    eccUncorrected: null,
  };
}

export function valueSample(t: number, v: Values = {}): Sample {
  return {
    t,
    intervalMs: v.intervalMs ?? 1000,
    cpu: { totalPercent: v.cpu === undefined ? 0 : v.cpu, perCorePercent: [], iowaitPercent: v.iowait ?? null },
    memory: { totalBytes: 1000, usedBytes: (v.memPercent ?? 0) * 10, availableBytes: 0, swapTotalBytes: v.swapUsed === undefined ? 0 : 4096, swapUsedBytes: v.swapUsed ?? 0 },
    load: [v.load1 ?? 0, 0, 0],
    pressure: null,
    disks: [],
    net: [{ iface: 'eth0', rxBytesPerSec: v.rx ?? 0, txBytesPerSec: 0 }],
    filesystems: [],
    gpus: v.gpus ?? [],
    processes: [],
    users: v.users ?? [],
    notes: [],
  };
}
