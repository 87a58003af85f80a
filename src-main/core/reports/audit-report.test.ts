import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reportsContract } from '../../../src-common/reports/report.contract.js';
import { auditReportSchema, type AuditReport } from '../../../src-common/reports/report.schema.js';
import { EVIL_HOST, reportFixture, type Fixture } from './report-fixture.test-util.js';

/** The audit report over events recorded by the real AuditLog at chosen times. */
describe('audit report', () => {
  let f: Fixture;
  // 23:30 UTC on the 20th is already the 21st in Berlin.
  const DAY1 = Date.UTC(2026, 10, 20, 9, 0);
  const LATE = Date.UTC(2026, 10, 20, 23, 30);
  const DAY3 = Date.UTC(2026, 10, 22, 12, 0);
  beforeAll(async () => {
    f = await reportFixture();
    vi.useFakeTimers({ toFake: ['Date'] });
    const at = (t: number, e: Parameters<Fixture['audit']['record']>[0]) => {
      vi.setSystemTime(t);
      f.audit.record(e);
    };
    at(DAY1, { hostId: f.gpu.id, hostName: 'gpu-1', operation: 'hosts.add', summary: 'added admin@10.0.0.1:22', result: 'ok' });
    at(DAY1 + 60_000, { hostId: f.evil.id, hostName: EVIL_HOST, operation: 'processes.kill', summary: 'kill -TERM 42 <b>x</b>', result: 'failed', problem: 'access-denied' });
    at(LATE, { hostId: f.gpu.id, hostName: 'gpu-1', operation: 'terminal.open', summary: 'opened a terminal', result: 'ok' });
    at(DAY3, { operation: 'settings.change', summary: 'changed a setting', result: 'ok' });
    vi.useRealTimers();
  });
  afterAll(() => f.close());

  const build = async (q: object) => auditReportSchema.parse(await f.service.build({ kind: 'audit', since: Date.UTC(2026, 10, 20), until: Date.UTC(2026, 10, 23), ...q })) as AuditReport;

  it('lists the period’s events oldest first, with totals', async () => {
    const r = await build({ timeZone: 'UTC' });
    expect(r.events.map((e) => e.operation)).toEqual(['hosts.add', 'processes.kill', 'terminal.open', 'settings.change']);
    expect(r.totals).toEqual({ events: 4, ok: 3, failed: 1, actors: 1, hosts: 2 });
    expect(r.byOperation[0]).toEqual({ operation: 'hosts.add', ok: 1, failed: 0 });
    expect(r.byOperation.find((o) => o.operation === 'processes.kill')).toEqual({ operation: 'processes.kill', ok: 0, failed: 1 });
  });

  it('a preview keeps only the newest events, says how many it left out, and still counts them all', async () => {
    const r = await build({ timeZone: 'UTC', previewEvents: 2 });
    expect(r.events.map((e) => e.operation)).toEqual(['terminal.open', 'settings.change']);
    expect(r.eventsOmitted).toBe(2);
    expect(r.totals.events).toBe(4);
    expect(r.byDay.reduce((n, d) => n + d.ok + d.failed, 0)).toBe(4);
    expect((await build({ timeZone: 'UTC' })).eventsOmitted).toBe(0);
    expect(reportsContract.build.params.safeParse({ kind: 'audit', previewEvents: 0 }).success).toBe(false);
  });

  it('counts per calendar day in the report’s time zone, quiet days included', async () => {
    expect((await build({ timeZone: 'UTC' })).byDay).toEqual([
      { day: '2026-11-20', ok: 2, failed: 1 },
      { day: '2026-11-21', ok: 0, failed: 0 },
      { day: '2026-11-22', ok: 1, failed: 0 },
    ]);
    const berlin = await build({ timeZone: 'Europe/Berlin' });
    expect(berlin.byDay.find((d) => d.day === '2026-11-21')).toEqual({ day: '2026-11-21', ok: 1, failed: 0 });
  });

  it('keeps only the chosen hosts’ events with a selection', async () => {
    const r = await build({ hostIds: [f.evil.id] });
    expect(r.events.map((e) => e.hostName)).toEqual([EVIL_HOST]);
    expect(r.meta.hostSelection).toBe(true);
  });
});
