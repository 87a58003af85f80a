import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSchema } from '../../../src-common/reports/report.schema.js';
import { Fleet } from '../../../src-main/core/fleet.js';

/**
 * Fault 1: the core is killed with SIGKILL in the middle of metric ingest and of audit writes.
 * A child process (db-writer.ts) writes through the real Fleet code as fast as it can and prints
 * each commit; it is killed at several moments, then the database is opened again with the real
 * code (WAL recovery) and checked: integrity ok, nothing committed lost, no partial batch, the
 * rollups agree with the raw rows, and the app's read paths work.
 */
const HOSTS = 20;
const BATCH = 200;
const WRITER = path.join(import.meta.dirname, 'db-writer.ts');

type Kind = 'm' | 'a';

interface Run {
  lines: string[];
  lastRaw: number;
  lastAudit: number;
  /** What the kill interrupted: the write announced by the last line ("w m" / "w a"), or nothing. */
  inside: Kind | null;
  /** From the writer's "ready" to the kill. */
  ms: number;
  /** Size of fleetdeck.sqlite-wal right after the kill: what recovery had to read. */
  walBytes: number;
}

/**
 * Runs the writer; `killAt` ms after it is ready, kills it (SIGKILL) as soon as the last line it
 * printed announces a write of that kind, so the kill lands inside that write. Without killAt the writer kills itself.
 */
function runWriter(dataDir: string, mode: 'mixed' | 'torn', killAt?: { ms: number; kind: Kind }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir, mode, String(HOSTS), String(BATCH)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let stderr = '';
    let readyAt = 0;
    let killedAt = 0;
    let armed = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      if (!readyAt && buf.includes('ready ')) {
        readyAt = Date.now();
        if (killAt) setTimeout(() => (armed = true), killAt.ms);
      }
      // Only when the announcement is the last thing printed: the writer is inside that write now.
      if (armed && !killedAt && buf.endsWith(`w ${killAt!.kind}\n`)) {
        child.kill('SIGKILL');
        killedAt = Date.now();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer ended with ${code ?? signal}, not by SIGKILL:\n${stderr}`));
      const lines = buf.split('\n').filter(Boolean);
      const ready = /^ready raw=(\d+) audit=(\d+)$/.exec(lines[0] ?? '');
      if (!ready) return reject(new Error(`writer did not start:\n${buf}\n${stderr}`));
      let lastRaw = Number(ready[1]);
      let lastAudit = Number(ready[2]);
      for (const l of lines) {
        if (l.startsWith('m ')) lastRaw = Number(l.slice(2));
        else if (l.startsWith('a ')) lastAudit = Number(l.slice(2));
      }
      const last = lines.at(-1) ?? '';
      const wal = path.join(dataDir, 'fleetdeck.sqlite-wal');
      const walBytes = existsSync(wal) ? statSync(wal).size : 0;
      resolve({ lines, lastRaw, lastAudit, inside: last.startsWith('w ') ? (last.slice(2) as Kind) : null, ms: (killedAt || Date.now()) - readyAt, walBytes });
    });
  });
}

function reopen(dataDir: string): Fleet {
  return new Fleet({ dataDir, knownHostsFiles: [], actor: 'after-crash' });
}

/** What the tables hold now. */
function counts(dataDir: string): { raw: number; audit: number } {
  const fleet = reopen(dataDir);
  try {
    const one = (sql: string) => fleet.db.prepare(sql).pluck().get() as number;
    return { raw: one('SELECT COUNT(*) FROM metric_raw'), audit: one('SELECT COUNT(*) FROM audit_events') };
  } finally {
    fleet.close();
  }
}

/** The checks after every kill; returns the counts found. */
function checkRecovered(dataDir: string, run: Run): { raw: number; audit: number } {
  const fleet = reopen(dataDir); // the real open path: WAL recovery, migrations
  try {
    const db = fleet.db;
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const one = (sql: string) => db.prepare(sql).pluck().get() as number;
    const raw = one('SELECT COUNT(*) FROM metric_raw');
    const audit = one('SELECT COUNT(*) FROM audit_events');
    // Nothing the writer reported as committed is lost; at most the write in flight when it
    // died is there too (committed, not yet printed), and only as a whole batch.
    expect(raw).toBeGreaterThanOrEqual(run.lastRaw);
    expect([0, BATCH]).toContain(raw - run.lastRaw);
    expect(raw % BATCH).toBe(0);
    expect(audit).toBeGreaterThanOrEqual(run.lastAudit);
    expect([0, 1]).toContain(audit - run.lastAudit);
    expect(one('SELECT MAX(id) FROM audit_events')).toBe(audit);
    // Rollups and last-seen are written in the same transaction as the raw rows: they agree.
    expect(one('SELECT IFNULL(SUM(samples), 0) FROM metric_1m')).toBe(raw);
    expect(one('SELECT IFNULL(SUM(samples), 0) FROM metric_1h')).toBe(raw);
    if (raw) {
      const stale = db.prepare('SELECT COUNT(*) FROM monitor_last_seen s WHERE s.sample_t <> (SELECT MAX(t) FROM metric_raw r WHERE r.host_id = s.host_id)').pluck().get();
      expect(stale).toBe(0);
    }
    return { raw, audit };
  } finally {
    fleet.close();
  }
}

describe('fault: the core is killed (SIGKILL) while writing its database', () => {
  let dataDir: string;
  const figures: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'fd-crash-'));
    const fleet = reopen(dataDir);
    for (let i = 1; i <= HOSTS; i++) await fleet.call('hosts.add', { name: `crash-${i}`, address: `10.0.0.${i}`, port: 22, user: 'fdtest', auth: 'agent' });
    fleet.close();
  });
  afterAll(() => {
    console.log(`[fault db-crash]\n${figures.join('\n')}`);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  // ~200 ms, ~700 ms and ~1.5 s into the writing, each inside the next write of the kind named.
  const kills: { ms: number; kind: Kind }[] = [
    { ms: 200, kind: 'm' },
    { ms: 700, kind: 'a' },
    { ms: 1500, kind: 'm' },
    { ms: 1500, kind: 'a' },
  ];

  it(`killed inside a metric batch and inside an audit write (${kills.map((k) => `${k.ms} ms ${k.kind === 'm' ? 'metrics' : 'audit'}`).join(', ')}): reopens with everything committed`, async () => {
    let before = counts(dataDir);
    const hit = new Set<Kind | null>();
    for (const k of kills) {
      const run = await runWriter(dataDir, 'mixed', k);
      const after = checkRecovered(dataDir, run);
      hit.add(run.inside);
      const commits = { m: run.lines.filter((l) => l.startsWith('m ')).length, a: run.lines.filter((l) => l.startsWith('a ')).length };
      figures.push(
        `kill at ${run.ms} ms, ${run.inside === 'm' ? 'inside a metric batch' : run.inside === 'a' ? 'inside an audit write' : 'between writes'}: ` +
          `${commits.m} batches + ${commits.a} audit events reported committed; found +${after.raw - before.raw} samples, +${after.audit - before.audit} events ` +
          `(${(after.raw - run.lastRaw) / BATCH} batch / ${after.audit - run.lastAudit} event committed but not yet reported); WAL at the kill ${(run.walBytes / 1e6).toFixed(1)} MB`,
      );
      before = after;
    }
    expect(hit).toContain('m');
    expect(hit).toContain('a');
  });

  it('a transaction that was never committed (killed inside it, pages already in the WAL) leaves no trace', async () => {
    const before = counts(dataDir);
    const run = await runWriter(dataDir, 'torn');
    expect(run.inside).toBe('m');
    const after = checkRecovered(dataDir, run);
    expect(after.raw).toBe(run.lastRaw);
    expect(after.raw - before.raw).toBe(3 * BATCH);
    const walBefore = Number(run.lines.find((l) => l.startsWith('wal '))?.slice(4));
    expect(run.walBytes, 'the open transaction had spilled pages into the WAL').toBeGreaterThan(walBefore);
    figures.push(`torn batch: ${20 * BATCH} samples written inside an open transaction (WAL ${(walBefore / 1e6).toFixed(1)} → ${(run.walBytes / 1e6).toFixed(1)} MB: uncommitted pages spilled), then SIGKILL: 0 of them found; the 3 committed batches (${3 * BATCH} samples) all there`);
  });

  it('the recovered database serves the app: monitor history, audit list, reports; and takes new writes', async () => {
    const fleet = reopen(dataDir);
    try {
      const span = fleet.db.prepare('SELECT MIN(t) AS lo, MAX(t) AS hi FROM metric_raw WHERE host_id = 1').get() as { lo: number; hi: number };
      const to = span.hi + 1;
      const from = Math.max(span.lo, to - 2 * 3600_000 + 1);
      const h = (await fleet.call('monitor.history', { id: 1, series: 'cpu', from, to, points: 300 })) as { resolution: string; points: { avg: number }[] };
      expect(h.resolution).toBe('raw');
      expect(h.points.length).toBeGreaterThan(0);
      expect(h.points.every((p) => p.avg >= 0 && p.avg <= 100)).toBe(true);
      const page = (await fleet.call('audit.list', { limit: 50 })) as { events: { operation: string }[]; hasMore: boolean };
      expect(page.events.length).toBe(50);
      expect(page.hasMore).toBe(true);
      const usage = reportSchema.parse(await fleet.call('reports.build', { kind: 'usage', since: span.lo, until: span.hi + 60_000 }));
      expect(JSON.stringify(usage)).toContain('alice');
      const auditReport = reportSchema.parse(await fleet.call('reports.build', { kind: 'audit', since: 0, until: Date.now() + 1000 }));
      expect(JSON.stringify(auditReport)).toContain('crash-writer');
      const n = fleet.db.prepare('SELECT COUNT(*) FROM audit_events').pluck().get() as number;
      fleet.audit.record({ operation: 'hosts.add', summary: 'after the crash', result: 'ok' });
      expect(fleet.db.prepare('SELECT COUNT(*) FROM audit_events').pluck().get()).toBe(n + 1);
    } finally {
      fleet.close();
    }
  });
});
