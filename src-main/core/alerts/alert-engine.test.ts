import { afterEach, describe, expect, it } from 'vitest';
import { alertRuleInputSchema, type Alert } from '../../../src-common/alerts/alert.schema.js';
import { describeIssues } from '../../../src-common/hosts/host.schema.js';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import type { Db } from '../db/database.js';
import { EventBus } from '../events.js';
import { tempDb, valueSample } from '../monitor/test-db.js';
import { AlertEngine } from './alert-engine.js';

const GiB = 1024 ** 3;
const HOSTS: Record<number, { name: string; tags: string[] }> = { 1: { name: 'gpu-1', tags: ['lab'] }, 2: { name: 'gpu-2', tags: [] } };

function gpu(index: number, temperatureC: number, utilizationPercent = 50): Sample['gpus'][number] {
  return { index, uuid: `GPU-${index}`, name: 'A100', utilizationPercent, memoryUsedBytes: 0, memoryTotalBytes: 80 * GiB, temperatureC, powerW: null, smClockMHz: null, memClockMHz: null, eccUncorrected: null };
}

function sample(over: Partial<Sample>): Sample {
  return { ...valueSample(0), ...over };
}

describe('alert engine', () => {
  let db: Db;
  let engine: AlertEngine;
  let clock = 0;
  let changes: { change: string; alert: Alert }[];
  let events = new EventBus();

  function setup(): AlertEngine {
    db = tempDb(2).db;
    for (const [id, h] of Object.entries(HOSTS)) db.prepare('UPDATE hosts SET name = ? WHERE id = ?').run(h.name, Number(id));
    clock = 1_000_000;
    changes = [];
    events = new EventBus();
    events.on((name, p) => name === 'alerts.onChange' && changes.push(p as { change: string; alert: Alert }));
    engine = new AlertEngine({ db, events, host: (id) => HOSTS[id] ?? null, now: () => clock, tickMs: 0 });
    return engine;
  }
  /** Keeps only the rules of one kind (the seeded defaults cover every kind). */
  function only(kind: string, threshold: number, forSeconds: number, scope: Parameters<AlertEngine['saveRule']>[0]['scope'] = { type: 'all' }) {
    for (const r of engine.rules()) if (r.kind !== kind) engine.deleteRule(r.id);
    const r = engine.rules().find((x) => x.kind === kind)!;
    return engine.saveRule({ id: r.id, kind: r.kind, threshold, forSeconds, scope, enabled: true });
  }
  const emit = (id: number, s: Sample) => events.emit('monitor.onSample', { id, sample: s });

  afterEach(() => {
    engine?.dispose();
    db?.close();
  });

  it('seeds sensible default rules', () => {
    setup();
    expect(engine.rules().map((r) => [r.kind, r.threshold, r.forSeconds])).toEqual([
      ['gpu-temp', 85, 60],
      ['disk-usage', 90, 0],
      ['memory-pressure', 20, 60],
      ['host-down', 1, 60],
      ['gpu-idle-memory', 1, 1800],
    ]);
  });

  it('fires a GPU temperature alert only after forSeconds, once, and resolves it when it cools', () => {
    setup();
    only('gpu-temp', 85, 60);
    emit(2, sample({ gpus: [gpu(0, 60), gpu(1, 91)] }));
    expect(engine.list({ activeOnly: true })).toEqual([]);
    clock += 30_000;
    emit(2, sample({ gpus: [gpu(0, 60), gpu(1, 91)] }));
    expect(engine.list({ activeOnly: true })).toEqual([]);
    clock += 30_000;
    emit(2, sample({ gpus: [gpu(0, 60), gpu(1, 91)] }));
    clock += 1000;
    emit(2, sample({ gpus: [gpu(0, 60), gpu(1, 92)] }));
    const active = engine.list({ activeOnly: true });
    expect(active).toHaveLength(1); // de-duplicated
    expect(active[0]).toMatchObject({ hostId: 2, hostName: 'gpu-2', subject: 'gpu:1', severity: 'critical', resolvedAt: null, acknowledged: false });
    expect(active[0]!.message).toBe('GPU 1 on gpu-2 at 91 °C (limit 85 °C) for 60 s');
    expect(changes.map((c) => c.change)).toEqual(['fired']);
    clock += 1000;
    emit(2, sample({ gpus: [gpu(0, 60), gpu(1, 70)] }));
    expect(engine.list({ activeOnly: true })).toEqual([]);
    expect(engine.list({})[0]).toMatchObject({ subject: 'gpu:1', resolvedAt: clock });
    expect(changes.map((c) => c.change)).toEqual(['fired', 'resolved']);
  });

  it('restarts the timer when the condition clears before forSeconds', () => {
    setup();
    only('gpu-temp', 85, 60);
    emit(1, sample({ gpus: [gpu(0, 90)] }));
    clock += 50_000;
    emit(1, sample({ gpus: [gpu(0, 80)] }));
    clock += 20_000;
    emit(1, sample({ gpus: [gpu(0, 90)] }));
    expect(engine.list({})).toEqual([]);
  });

  it('fires disk usage at once per mount point, and acknowledges', () => {
    setup();
    only('disk-usage', 90, 0);
    const fs = [
      { mountPoint: '/', usedBytes: 95, totalBytes: 100 },
      { mountPoint: '/data', usedBytes: 50, totalBytes: 100 },
      { mountPoint: '/scratch', usedBytes: 99, totalBytes: 100 },
    ];
    emit(1, sample({ filesystems: fs }));
    emit(1, sample({ filesystems: fs }));
    const active = engine.list({ activeOnly: true, hostId: 1 });
    expect(active.map((a) => [a.subject, a.severity]).sort()).toEqual([
      ['mount:/', 'warning'],
      ['mount:/scratch', 'critical'],
    ]);
    expect(active.find((a) => a.subject === 'mount:/')!.message).toBe('Disk / on gpu-1 is 95 % full (limit 90 %) for 0 s');
    const acked = engine.acknowledge(active[0]!.id);
    expect(acked.acknowledged).toBe(true);
    expect(changes.at(-1)).toMatchObject({ change: 'acknowledged' });
    expect(engine.list({ hostId: 2 })).toEqual([]);
  });

  it('applies a rule only to its host or tag', () => {
    setup();
    only('disk-usage', 90, 0, { type: 'tag', tag: 'lab' });
    const full = sample({ filesystems: [{ mountPoint: '/', usedBytes: 99, totalBytes: 100 }] });
    emit(1, full);
    emit(2, full);
    expect(engine.list({}).map((a) => a.hostId)).toEqual([1]);
    // Rescoped to host 2: the alert on host 1 ends, host 2 fires.
    const rule = engine.rules()[0]!;
    engine.saveRule({ ...rule, scope: { type: 'host', hostId: 2 } });
    expect(engine.list({ activeOnly: true })).toEqual([]);
    emit(1, full);
    emit(2, full);
    expect(engine.list({ activeOnly: true }).map((a) => a.hostId)).toEqual([2]);
  });

  it('memory pressure uses PSI, else used memory above 95 %', () => {
    setup();
    only('memory-pressure', 20, 0);
    const psi = (memorySome: number) => ({ cpuSome: 0, memorySome, memoryFull: 0, ioSome: 0, ioFull: 0 });
    emit(1, sample({ pressure: psi(25) }));
    expect(engine.list({ activeOnly: true })[0]!.message).toBe('Memory pressure on gpu-1 at 25 % (PSI some avg10, limit 20 %) for 0 s');
    emit(2, valueSample(0, { memPercent: 90 }));
    expect(engine.list({ hostId: 2 })).toEqual([]);
    emit(2, valueSample(0, { memPercent: 97 }));
    expect(engine.list({ hostId: 2 })[0]!.message).toContain('97 % used');
  });

  it('flags GPU memory held by a process on idle GPUs for 30 minutes', () => {
    setup();
    only('gpu-idle-memory', 1, 1800);
    const proc = (pid: number, gb: number, gpus: number[]) => ({
      pid, uid: 1000, loginUid: 1000, user: 'alice', command: 'python train.py', cpuPercent: 0, rssBytes: 0, gpuMemoryBytes: gb * GiB, gpus, kind: 'host' as const, container: null, managed: false,
    });
    // GPU 0 idle, GPU 1 busy; pid 10 holds 12 GiB on idle GPU 0, pid 11 on busy GPU 1, pid 12 only 0.5 GiB.
    const s = sample({ gpus: [gpu(0, 40, 0), gpu(1, 60, 97)], processes: [proc(10, 12, [0]), proc(11, 12, [1]), proc(12, 0.5, [0])] });
    emit(1, s);
    clock += 29 * 60_000;
    emit(1, s);
    expect(engine.list({})).toEqual([]);
    clock += 60_000;
    emit(1, s);
    const active = engine.list({ activeOnly: true });
    expect(active.map((a) => a.subject)).toEqual(['pid:10']);
    expect(active[0]!.message).toBe('PID 10 (alice: python train.py) holds 12 GiB on GPU 0 of gpu-1 at ~0 % utilisation (limit 1 GiB) for 30 min');
    // The process exits: resolved.
    emit(1, sample({ gpus: [gpu(0, 40, 0)], processes: [] }));
    expect(engine.list({ activeOnly: true })).toEqual([]);
  });

  it('fires host down from state events after forSeconds, and resolves on reconnect', () => {
    setup();
    only('host-down', 1, 60);
    const state = (id: number, connection: unknown) => events.emit('hosts.onState', { id, connection });
    state(1, { state: 'connected', since: clock });
    state(1, { state: 'lost', since: clock });
    clock += 10_000;
    state(1, { state: 'reconnecting', attempt: 1, nextInMs: 1000 });
    engine.tick();
    expect(engine.list({})).toEqual([]);
    clock += 50_000;
    engine.tick();
    const [a] = engine.list({ activeOnly: true });
    expect(a).toMatchObject({ hostId: 1, subject: 'host', severity: 'critical', kind: 'host-down' });
    expect(a!.message).toBe('gpu-1 is unreachable (connection lost) for 60 s');
    engine.tick();
    expect(engine.list({})).toHaveLength(1);
    state(1, { state: 'connected', since: clock });
    expect(engine.list({ activeOnly: true })).toEqual([]);
    // A wrong password is not "down".
    state(2, { state: 'failed', problem: 'authentication-failed', message: 'no' });
    clock += 120_000;
    engine.tick();
    expect(engine.list({ hostId: 2 })).toEqual([]);
  });

  it('keeps active alerts de-duplicated across a restart', () => {
    setup();
    only('disk-usage', 90, 0);
    const full = sample({ filesystems: [{ mountPoint: '/', usedBytes: 99, totalBytes: 100 }] });
    emit(1, full);
    engine.dispose();
    const again = new AlertEngine({ db, events, host: (id) => HOSTS[id] ?? null, now: () => clock, tickMs: 0 });
    emit(1, full);
    expect(again.list({})).toHaveLength(1);
    again.dispose();
  });

  it('resolves the active alerts of a deleted or disabled rule', () => {
    setup();
    const rule = only('disk-usage', 90, 0);
    emit(1, sample({ filesystems: [{ mountPoint: '/', usedBytes: 99, totalBytes: 100 }] }));
    engine.saveRule({ ...rule, enabled: false });
    expect(engine.list({ activeOnly: true })).toEqual([]);
    expect(engine.deleteRule(rule.id)).toBe(true);
    expect(engine.list({})[0]!.ruleId).toBeNull();
  });
});

describe('alert rule validation', () => {
  const parse = (r: unknown) => alertRuleInputSchema.safeParse(r);
  it('accepts a rule and fills defaults', () => {
    expect(parse({ kind: 'gpu-temp', threshold: 85, forSeconds: 60 })).toMatchObject({ success: true, data: { scope: { type: 'all' }, enabled: true } });
  });
  it('refuses a negative threshold with a message', () => {
    const r = parse({ kind: 'disk-usage', threshold: -3, forSeconds: 0 });
    expect(r.success).toBe(false);
    expect(describeIssues(r.error!)).toBe('threshold: The threshold must be a positive number.');
  });
  it('refuses percentages above 100, unknown kinds, negative durations and bad scopes', () => {
    expect(describeIssues(parse({ kind: 'disk-usage', threshold: 120, forSeconds: 0 }).error!)).toContain('at most 100 %');
    expect(parse({ kind: 'cpu', threshold: 1, forSeconds: 0 }).success).toBe(false);
    expect(describeIssues(parse({ kind: 'gpu-temp', threshold: 80, forSeconds: -1 }).error!)).toContain('cannot be negative');
    expect(parse({ kind: 'gpu-temp', threshold: 80, forSeconds: 0, scope: { type: 'tag', tag: 'has space' } }).success).toBe(false);
  });
});
