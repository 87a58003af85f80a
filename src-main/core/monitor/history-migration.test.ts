import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, type Db } from '../db/database.js';
import { MIGRATIONS } from '../db/migrations.js';
import { MetricsStore } from './metrics-store.js';
import { gpuOf, valueSample } from './test-db.js';

/**
 * A database written before I/O wait, swap and per-GPU history were kept (schema 5) is migrated
 * in place: its rows stay, with NULL for what they never had, and new samples fill every series.
 */
const H = Date.UTC(2025, 0, 6, 10, 0, 0);
const M = 60_000;
let dir: string;
let db: Db;
let store: MetricsStore | undefined;
afterEach(() => {
  store?.dispose();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

function databaseAtVersion(version: number): Db {
  dir = mkdtempSync(path.join(tmpdir(), 'fd-migrate-'));
  const d = new Database(path.join(dir, 'fleetdeck.sqlite'));
  d.pragma('foreign_keys = ON');
  d.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const m of MIGRATIONS.filter((x) => x.version <= version)) {
    d.exec(m.sql);
    d.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)').run(m.version, m.name);
  }
  d.prepare("INSERT INTO hosts (id, name, address, port, user, auth, created_at, updated_at) VALUES (1, 'h1', '10.0.0.1', 22, 'u', 'agent', 0, 0)").run();
  return d;
}

describe('history migration (I/O wait, swap, per-GPU rollups)', () => {
  it('keeps rows stored before, with NULL I/O wait and swap, and fills the new series from then on', () => {
    db = databaseAtVersion(5);
    // What the schema-5 write path stored for one minute.
    db.prepare('INSERT INTO metric_raw (host_id, t, cpu, mem) VALUES (1, ?, 12, 34)').run(H);
    db.prepare('INSERT INTO metric_1m (host_id, t, samples, cpu_min, cpu_avg, cpu_max, cpu_n) VALUES (1, ?, 1, 12, 12, 12, 1)').run(H);
    db.prepare('INSERT INTO metric_1h (host_id, t, samples, cpu_min, cpu_avg, cpu_max, cpu_n) VALUES (1, ?, 1, 12, 12, 12, 1)').run(H);
    expect(() => db.prepare('SELECT iowait FROM metric_raw').all()).toThrow(/no such column/);

    expect(migrate(db)).toBeGreaterThanOrEqual(2);
    expect(db.prepare('SELECT cpu, mem, iowait, swap FROM metric_raw').get()).toEqual({ cpu: 12, mem: 34, iowait: null, swap: null });
    expect(db.prepare('SELECT cpu_avg, iowait_avg, iowait_n, swap_avg, swap_n FROM metric_1m').get()).toEqual({ cpu_avg: 12, iowait_avg: null, iowait_n: 0, swap_avg: null, swap_n: 0 });
    expect(db.prepare('SELECT COUNT(*) FROM gpu_1m').pluck().get()).toBe(0);

    store = new MetricsStore(db, { now: () => H + 10 * M });
    // A late sample into the old minute merges with it: the old row's missing values count for nothing.
    store.ingestMany([
      { hostId: 1, sample: valueSample(H + 30_000, { cpu: 20, iowait: 4, swapUsed: 2048, gpus: [gpuOf(0, { util: 75 })] }) },
      { hostId: 1, sample: valueSample(H + M, { cpu: 30, iowait: 8, swapUsed: 4096, gpus: [gpuOf(0, { util: 25 })] }) },
    ]);
    expect(db.prepare('SELECT samples, cpu_avg, iowait_min, iowait_avg, iowait_n, swap_avg, swap_n FROM metric_1m WHERE t = ?').get(H)).toEqual({
      samples: 2,
      cpu_avg: 16,
      iowait_min: 4,
      iowait_avg: 4,
      iowait_n: 1,
      swap_avg: 2048,
      swap_n: 1,
    });
    expect(store.history(1, 'iowait', H, H + 2 * M, 10, { resolution: 'raw' }).points.map((p) => p.avg)).toEqual([null, 4, 8]);
    expect(store.history(1, 'swap', H, H + 2 * M, 10, { resolution: '1h' }).points).toEqual([{ t: H, min: 2048, avg: 3072, max: 4096 }]);
    expect(store.gpuHistory(1, 'util', H, H + 2 * M, 10).gpus).toEqual([{ index: 0, points: [{ t: H, min: 75, avg: 75, max: 75 }, { t: H + M, min: 25, avg: 25, max: 25 }] }]);
  });
});
