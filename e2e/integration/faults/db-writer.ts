/**
 * Child process of db-crash.test.ts: writes to a Fleetdeck data dir through the real code
 * (openDatabase, MetricsStore.ingestMany, AuditLog.record, as Fleet wires them) as fast as it can until it is killed.
 *
 *   node --import tsx db-writer.ts DATA_DIR mixed|torn HOSTS BATCH
 *
 * stdout (a pipe: synchronous on Linux, so a line that was printed was committed before it):
 *   ready raw=N audit=N          after opening, with what the database already holds
 *   w m | w a                    a metric batch / an audit event (one transaction) is about to be written
 *   m N                          metric batch committed; N raw samples in the table now
 *   a N                          audit event committed; N events in the table now
 *   wal N                        (torn) size of the WAL file before the uncommitted transaction
 * `torn` commits 3 batches, then SIGKILLs itself inside the transaction of a 20-batch write, after
 * the writer has run (pages spilled to the WAL, no commit record).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { AuditLog } from '../../../src-main/core/audit/audit-log.js';
import { openDatabase } from '../../../src-main/core/db/database.js';
import { MetricsStore } from '../../../src-main/core/monitor/metrics-store.js';
import { makeSample } from '../../../src-main/core/monitor/sample-factory.js';
import type { IngestItem } from '../../../src-main/core/monitor/sample-writer.js';

const [dataDir, mode, hostsArg, batchArg] = process.argv.slice(2);
if (!dataDir || !['mixed', 'torn'].includes(mode ?? '')) {
  console.error('usage: db-writer.ts DATA_DIR mixed|torn HOSTS BATCH');
  process.exit(2);
}
const HOSTS = Number(hostsArg ?? 20);
/** Samples per batch: HOSTS hosts × (BATCH / HOSTS) consecutive seconds, as a 1 s flush of a busy fleet would hold. */
const BATCH = Number(batchArg ?? 200);
const SECONDS_PER_BATCH = BATCH / HOSTS;
const AUDIT_RUN = 50;

// What Fleet's constructor does for these two (without loading SSH, terminals, reports…).
const db = openDatabase(path.join(dataDir, 'fleetdeck.sqlite'));
const store = new MetricsStore(db);
const auditLog = new AuditLog(db, 'crash-writer');
const hostIds = (db.prepare('SELECT id FROM hosts ORDER BY id').pluck().all() as number[]).slice(0, HOSTS);
if (hostIds.length !== HOSTS) throw new Error(`expected ${HOSTS} hosts, found ${hostIds.length}`);
let raw = db.prepare('SELECT COUNT(*) FROM metric_raw').pluck().get() as number;
let audit = db.prepare('SELECT COUNT(*) FROM audit_events').pluck().get() as number;
// Continue after what is stored, so no sample is a duplicate (the counts stay exact).
const lastT = db.prepare('SELECT MAX(t) FROM metric_raw').pluck().get() as number | null;
let nextT = lastT === null ? Date.now() - 3 * 3600_000 : lastT + 1000;

// Realistic samples (per-core CPU, 4 GPUs, 30 processes, 6 users), made once; each item is a
// copy with its own time, so the loop spends its time writing, not building objects.
const templates = Array.from({ length: 16 }, (_, i) => makeSample({ t: 0, seed: i + 1 }));
let k = 0;
function nextBatch(seconds: number): IngestItem[] {
  const items: IngestItem[] = [];
  for (let s = 0; s < seconds; s++, nextT += 1000) {
    for (const hostId of hostIds) items.push({ hostId, sample: { ...templates[k++ % templates.length]!, t: nextT } });
  }
  return items;
}

const out = (line: string) => process.stdout.write(`${line}\n`);
out(`ready raw=${raw} audit=${audit}`);

if (mode === 'torn') {
  for (let i = 0; i < 3; i++) {
    out('w m');
    raw += store.ingestMany(nextBatch(SECONDS_PER_BATCH));
    out(`m ${raw}`);
  }
  const big = nextBatch(SECONDS_PER_BATCH * 20);
  const wal = path.join(dataDir, 'fleetdeck.sqlite-wal');
  out(`wal ${existsSync(wal) ? statSync(wal).size : 0}`);
  // A small page cache makes SQLite spill the open transaction's pages into the WAL before any
  // commit (as a far larger batch would): recovery must ignore frames without a commit record.
  db.pragma('cache_size = 32');
  out('w m');
  db.transaction(() => {
    store.ingestMany(big); // a savepoint inside our open transaction
    process.kill(process.pid, 'SIGKILL');
  })();
}

// One metric batch (one transaction, as a 1 s flush of the live path), then a run of audit events
// (one statement each, as AuditLog writes them) taking about as long: a kill lands in either.
for (let i = 0; ; i++) {
  out('w m');
  raw += store.ingestMany(nextBatch(SECONDS_PER_BATCH));
  out(`m ${raw}`);
  for (let j = 0; j < AUDIT_RUN; j++) {
    const host = 1 + (audit % HOSTS);
    out('w a');
    auditLog.record({ hostId: host, hostName: `crash-${host}`, operation: 'hosts.connect', summary: `connected as fdtest to crash-${host} (event ${audit + 1})`, result: audit % 7 === 0 ? 'failed' : 'ok', problem: audit % 7 === 0 ? 'timeout' : null });
    audit++;
    out(`a ${audit}`);
  }
}
