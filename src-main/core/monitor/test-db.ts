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
}

export function valueSample(t: number, v: Values = {}): Sample {
  return {
    t,
    intervalMs: v.intervalMs ?? 1000,
    cpu: { totalPercent: v.cpu === undefined ? 0 : v.cpu, perCorePercent: [], iowaitPercent: null },
    memory: { totalBytes: 1000, usedBytes: (v.memPercent ?? 0) * 10, availableBytes: 0, swapTotalBytes: 0, swapUsedBytes: 0 },
    load: [v.load1 ?? 0, 0, 0],
    pressure: null,
    disks: [],
    net: [{ iface: 'eth0', rxBytesPerSec: v.rx ?? 0, txBytesPerSec: 0 }],
    filesystems: [],
    gpus: [],
    processes: [],
    users: v.users ?? [],
    notes: [],
  };
}
