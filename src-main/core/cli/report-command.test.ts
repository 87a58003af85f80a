import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { reportSchema, type UsageReport } from '../../../src-common/reports/report.schema.js';
import { parseReportCsv, tableObjects } from '../reports/csv-parse.test-util.js';
import { reportFixture, T0, type Fixture } from '../reports/report-fixture.test-util.js';
import { main } from './main.js';
import { parseWhen } from './when.js';
import { planReport } from './report-command.js';

describe('report --since/--until', () => {
  const now = Date.UTC(2026, 10, 22, 12, 0);
  it('reads spans back from now, "now", dates and times (local time without a zone)', () => {
    expect(parseWhen('now', 'until', now)).toBe(now);
    expect(parseWhen('90m', 'since', now)).toBe(now - 90 * 60_000);
    expect(parseWhen('24h', 'since', now)).toBe(now - 86_400_000);
    expect(parseWhen('7d', 'since', now)).toBe(now - 7 * 86_400_000);
    expect(parseWhen('2w', 'since', now)).toBe(now - 14 * 86_400_000);
    expect(parseWhen('2026-11-01', 'since', now)).toBe(new Date(2026, 10, 1).getTime());
    expect(parseWhen('2026-11-01', 'until', now)).toBe(new Date(2026, 10, 2).getTime() - 1);
    expect(parseWhen('2026-11-01T12:00', 'since', now)).toBe(new Date(2026, 10, 1, 12, 0).getTime());
    expect(parseWhen('2026-11-01 12:00:30', 'since', now)).toBe(new Date(2026, 10, 1, 12, 0, 30).getTime());
    expect(parseWhen('2026-11-01T12:00Z', 'since', now)).toBe(Date.UTC(2026, 10, 1, 12));
    expect(parseWhen('2026-11-01T12:00+02:00', 'since', now)).toBe(Date.UTC(2026, 10, 1, 10));
  });

  it('refuses anything else, naming the flag and an example', () => {
    for (const bad of ['yesterday', '2026-13-01', '2026-02-30', '2026-11-01T25:00', '7 days', '', '-7d']) {
      expect(() => parseWhen(bad, 'since', now), bad).toThrow(expect.objectContaining({ problem: 'invalid-input', message: expect.stringMatching(/^--since: .*e\.g\. --since 7d/) }));
    }
  });
});

describe('report flags', () => {
  const now = Date.UTC(2026, 10, 22, 12, 0);
  const plan = (args: string[], flags: Record<string, string | true>) => planReport(args, flags, now);
  const refuses = (args: string[], flags: Record<string, string | true>, message: RegExp) => expect(() => plan(args, flags)).toThrow(expect.objectContaining({ problem: 'invalid-input', message: expect.stringMatching(message) }));

  it('defaults to the last 7 days, and infers the format from --out', () => {
    expect(plan(['usage'], { out: 'x/usage.CSV' })).toMatchObject({ kind: 'usage', format: 'csv', out: path.resolve('x/usage.CSV'), since: now - 7 * 86_400_000, until: now, hostNames: null });
    expect(plan(['audit'], { format: 'json', out: '-', host: 'a, b,' })).toMatchObject({ format: 'json', out: null, hostNames: ['a', 'b'] });
  });

  it('says what is missing or wrong', () => {
    refuses([], {}, /Name the report/);
    refuses(['billing'], { format: 'csv' }, /Unknown report "billing"/);
    refuses(['usage', 'extra'], { format: 'csv' }, /Unexpected "extra"/);
    refuses(['usage'], {}, /--format pdf\|csv\|json\|html/);
    refuses(['usage'], { out: 'report.txt' }, /Say which format/);
    refuses(['usage'], { format: 'xlsx' }, /--format "xlsx" is not a report format/);
    refuses(['usage'], { format: 'pdf' }, /A PDF is written to a file: add --out/);
    refuses(['usage'], { format: 'pdf', out: '-' }, /add --out/);
    refuses(['usage'], { format: 'csv', since: '1d', until: '2d' }, /--since must be before --until/);
    refuses(['usage'], { format: 'csv', until: 'soon' }, /^--until: "soon" is not a time/);
    refuses(['usage'], { format: 'csv', host: ' , ' }, /--host needs host names/);
  });
});

/** The whole command through main(): stored data in, a file (or stdout) and a summary out, exit codes. */
describe('fleetdeck report end to end (in process)', () => {
  let f: Fixture;
  let out: string;
  let stdout: string;
  let stderr: string;
  const run = async (args: string[]) => {
    stdout = '';
    stderr = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, cb?: unknown) => {
      stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (typeof cb === 'function') (cb as () => void)();
      return true;
    });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      return await main([...args, '--data-dir', f.dataDir]);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  };
  const since = new Date(T0 - 3_600_000).toISOString();
  const until = new Date(T0 + 3_600_000).toISOString();

  beforeAll(async () => {
    f = await reportFixture();
    f.close();
    out = mkdtempSync(path.join(tmpdir(), 'fd-report-cli-'));
  });

  it('writes a CSV file and says what it wrote on stderr', async () => {
    const file = path.join(out, 'usage.csv');
    expect(await run(['report', 'usage', '--since', since, '--until', until, '-o', file])).toBe(0);
    expect(stderr).toMatch(new RegExp(`^wrote usage report \\(3 hosts, .+ → .+\\) to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+(\\.\\d+)? KiB\\)\\n$`));
    const csv = parseReportCsv(readFileSync(file, 'utf8'));
    expect(tableObjects(csv, 'users')[0]).toMatchObject({ user: 'alice', group: 'ml', cpu_hours: String(Number(((2 * 120) / 3600).toPrecision(6))) });
    expect(existsSync(`${file}.${process.pid}.tmp`)).toBe(false);
  });

  it('prints JSON to stdout for one host picked by name', async () => {
    expect(await run(['report', 'usage', '--since', since, '--until', until, '--format', 'json', '--host', 'GPU-1'])).toBe(0);
    const r = reportSchema.parse(JSON.parse(stdout)) as UsageReport;
    expect(r.meta.hosts.map((h) => h.name)).toEqual(['gpu-1']);
    expect(r.users.map((u) => u.user)).toEqual(['alice', 'bob']);
    expect(stderr).toMatch(/^wrote usage report \(1 host, .*\) to stdout/);
  });

  it('exits 5 naming the known hosts for an unknown one, 2 for bad flags', async () => {
    expect(await run(['report', 'inventory', '--format', 'csv', '--host', 'gpu-1,nope'])).toBe(5);
    expect(stderr).toMatch(/not-found: No host named "nope"\. Known hosts: .*gpu-1/);
    expect(await run(['report', 'usage', '--format', 'pdf'])).toBe(2);
    expect(stderr).toMatch(/invalid-input: A PDF is written to a file/);
    expect(await run(['report', 'usage', '--format', 'csv', '--since', 'yesterday'])).toBe(2);
  });
});
