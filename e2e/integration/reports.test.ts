import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSchema, type AuditReport, type InventoryReport, type Report, type UsageReport } from '../../src-common/reports/report.schema.js';
import { formatPeriod } from '../../src-common/reports/report-format.js';
import type { Fleet } from '../../src-main/core/fleet.js';
import { num, parseReportCsv, tableObjects } from '../../src-main/core/reports/csv-parse.test-util.js';
import { findChromium } from '../../src-main/core/reports/pdf-chromium.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../testbed/index.js';
import { addHost, connectTrusting, newFleet } from './harness.js';

/**
 * Reports from real stored data: a systemd Debian host is inventoried and monitored while carol
 * runs a busy loop; then every report is built, exported in every format and read back (CSV and
 * JSON to the model's numbers, the PDF as text and as PNG pages under test-results/reports/),
 * and the CLI writes the same report from the same data dir.
 */
const unavailable = (await testbedUnavailableReason({ docker: true })) ?? (findChromium() ? null : 'no Chromium for the PDF export: apt install chromium');
const repo = path.resolve(import.meta.dirname, '../..');
const OUT = path.join(repo, 'test-results/reports');
const BURN_UNIT = 'fd-it-report-burn';

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: repo, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }));
  });
}

/** The model without the moment it was built (two builds of the same period differ only there). */
const stable = (r: Report) => ({ ...r, meta: { ...r.meta, generatedAt: 0 } });

describe.skipIf(unavailable)('reports from a real monitored host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let id: number;
  let hostName: string;
  let since: number;
  let until: number;
  const reports = {} as { usage: UsageReport; inventory: InventoryReport; audit: AuditReport };

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    for (const f of readdirSync(OUT).filter((n) => /^it-/.test(n))) rmSync(path.join(OUT, f));
    // The CLI test runs the bundle: build it from the sources under test.
    const [host] = await Promise.all([startDebianHost({ name: 'it-report' }), run(process.execPath, ['scripts/build-cli.mjs'])]);
    deb = host;
    fleet = newFleet();
    const h = await addHost(fleet, deb, 'admin');
    id = h.id;
    hostName = h.name;
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
  }, 600_000);

  afterAll(async () => {
    await deb?.exec(['systemctl', 'stop', BURN_UNIT]).catch(() => undefined);
    fleet?.close();
    await deb?.stop();
  });

  it('stores facts and monitoring history while carol keeps a CPU busy', async () => {
    since = Date.now() - 1000;
    await fleet.call('inventory.probe', { id });
    await fleet.call('inventory.snapshot', { id });
    await deb.exec(['systemd-run', '--quiet', '--uid=carol', `--unit=${BURN_UNIT}`, 'timeout', '300', 'sh', '-c', 'while :; do :; done']);
    expect(await fleet.call('monitor.start', { id, intervalMs: 500 })).toEqual({ ok: true });
    // Per-user minutes are written as samples arrive (about once a second).
    const carolSeconds = () => (fleet.db.prepare("SELECT COALESCE(SUM(seconds), 0) AS s FROM usage_1m WHERE host_id = ? AND user = 'carol'").get(id) as { s: number }).s;
    await expect.poll(carolSeconds, { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(8);
    await fleet.call('monitor.stop', { id });
    await deb.exec(['systemctl', 'stop', BURN_UNIT]);
    await new Promise((r) => setTimeout(r, 1500)); // the last queued samples reach the database
    until = Date.now();
  });

  it('builds the usage report from the stored history: carol’s CPU-hours match her busy loop', async () => {
    reports.usage = reportSchema.parse(await fleet.call('reports.build', { kind: 'usage', since, until })) as UsageReport;
    const r = reports.usage;
    const carol = r.users.find((u) => u.user === 'carol')!;
    expect(carol, JSON.stringify(r.users.map((u) => u.user))).toBeDefined();
    expect(carol.group).toBe('carol'); // primary group from the stored inventory
    expect(carol.hosts).toEqual([hostName]);
    // One busy loop is one core: CPU-hours ≈ the hours carol was seen (her loop ran the whole time).
    expect(carol.activeHours).toBeGreaterThanOrEqual(8 / 3600);
    expect(carol.cpuHours / carol.activeHours).toBeGreaterThan(0.5);
    expect(carol.cpuHours / carol.activeHours).toBeLessThan(1.3);
    // The model agrees with the stored minutes, summed here the way the schema comment says.
    const stored = fleet.db
      .prepare("SELECT SUM(cpu_avg / 100.0 * seconds) / 3600.0 AS cpu, SUM(seconds) / 3600.0 AS active FROM usage_1m WHERE host_id = ? AND user = 'carol'")
      .get(id) as { cpu: number; active: number };
    // The same sums, to the six significant digits the model keeps (report-round.ts).
    expect(carol.cpuHours).toBe(Number(stored.cpu.toPrecision(6)));
    expect(carol.activeHours).toBe(Number(stored.active.toPrecision(6)));
    expect(Number.isInteger(carol.peakMemoryBytes)).toBe(true);
    expect(r.users.map((u) => u.user)).toContain('admin'); // the helper's own user
    // A system account (root runs systemd here) has its primary group where the stored inventory
    // lists it, and otherwise says that the inventory does not list it: never a bare "unknown".
    for (const u of r.users.filter((x) => x.group === null)) expect(u.groupMissing, u.user).toBe('not-in-inventory');
    const root = r.users.find((u) => u.user === 'root');
    if (root && root.group !== null) expect(root.group).toBe('root');
    const host = r.hosts.find((h) => h.hostId === id)!;
    expect(host.samples).toBeGreaterThanOrEqual(16);
    expect(host.cpuAvg).toBeGreaterThan(10);
    expect(host.memAvg).toBeGreaterThan(0);
    expect(host.gpuUtilAvg).toBeNull(); // the test host has no GPU
    expect(r.timeline.hosts[0]!.cpu.some((v) => v !== null)).toBe(true);
    expect(r.groups.find((g) => g.group === 'carol')?.cpuHours).toBe(carol.cpuHours);
  });

  it('builds the inventory and audit reports from the stored facts and log', async () => {
    reports.inventory = reportSchema.parse(await fleet.call('reports.build', { kind: 'inventory', since, until })) as InventoryReport;
    const h = reports.inventory.hosts[0]!;
    expect(h).toMatchObject({ host: hostName, distro: expect.stringMatching(/^Debian GNU\/Linux 12/), hostname: 'it-report', note: null });
    expect(h.kernel).toBeTruthy();
    expect(h.memoryBytes).toBeGreaterThan(0);
    expect(h.threads).toBeGreaterThan(0);
    reports.audit = reportSchema.parse(await fleet.call('reports.build', { kind: 'audit', since: since - 600_000, until })) as AuditReport;
    expect(reports.audit.events.map((e) => e.operation)).toEqual(expect.arrayContaining(['hosts.add', 'hostkeys.trust']));
    expect(reports.audit.byDay.reduce((s, d) => s + d.ok + d.failed, 0)).toBe(reports.audit.events.length);
  });

  it('exports JSON and CSV that read back to the same numbers', async () => {
    for (const kind of ['usage', 'inventory', 'audit'] as const) {
      const q = { kind, since: kind === 'audit' ? since - 600_000 : since, until };
      const json = (await fleet.call('reports.export', { ...q, format: 'json' })) as { contentBase64: string; fileName: string };
      const text = Buffer.from(json.contentBase64, 'base64').toString('utf8');
      writeFileSync(path.join(OUT, `it-${kind}.json`), text);
      expect(stable(reportSchema.parse(JSON.parse(text)))).toEqual(stable(reports[kind]));
      const csv = (await fleet.call('reports.export', { ...q, format: 'csv' })) as { contentBase64: string };
      const csvText = Buffer.from(csv.contentBase64, 'base64').toString('utf8');
      writeFileSync(path.join(OUT, `it-${kind}.csv`), csvText);
      const parsed = parseReportCsv(csvText);
      expect(parsed.comments.join('\n')).toContain(`period: ${formatPeriod(q.since, q.until, reports[kind].meta.timeZone)}`);
      expect(parsed.comments.join('\n')).toContain(`hosts: ${hostName} (all hosts)`);
      if (kind === 'usage') {
        const users = tableObjects(parsed, 'users');
        for (const u of reports.usage.users) {
          const row = users.find((x) => x.user === u.user)!;
          expect([num(row.cpu_hours), num(row.memory_gib_hours), num(row.gpu_hours), num(row.active_hours), num(row.peak_memory_bytes)]).toEqual([u.cpuHours, u.memoryGibHours, u.gpuHours, u.activeHours, u.peakMemoryBytes]);
        }
        const hosts = tableObjects(parsed, 'hosts');
        expect([num(hosts[0]!.cpu_avg_percent), num(hosts[0]!.cpu_max_percent), num(hosts[0]!.samples)]).toEqual([reports.usage.hosts[0]!.cpuAvg, reports.usage.hosts[0]!.cpuMax, reports.usage.hosts[0]!.samples]);
      }
      if (kind === 'inventory') expect(num(tableObjects(parsed, 'hosts')[0]!.memory_bytes)).toBe(reports.inventory.hosts[0]!.memoryBytes);
      if (kind === 'audit') expect(tableObjects(parsed, 'events').map((e) => Number(e.id))).toEqual(reports.audit.events.map((e) => e.id));
    }
  });

  it('exports HTML and PDF; the PDF pages render to PNG and read back as text', async () => {
    for (const kind of ['usage', 'inventory', 'audit'] as const) {
      const q = { kind, since: kind === 'audit' ? since - 600_000 : since, until };
      const html = (await fleet.call('reports.export', { ...q, format: 'html' })) as { contentBase64: string };
      const page = Buffer.from(html.contentBase64, 'base64').toString('utf8');
      expect(page).not.toMatch(/<script/i);
      writeFileSync(path.join(OUT, `it-${kind}.html`), page);
      const started = Date.now();
      const pdf = (await fleet.call('reports.export', { ...q, format: 'pdf' })) as { contentBase64: string; bytes: number; fileName: string };
      const ms = Date.now() - started;
      const file = path.join(OUT, `it-${kind}.pdf`);
      writeFileSync(file, Buffer.from(pdf.contentBase64, 'base64'));
      execFileSync('pdftoppm', ['-png', '-r', '70', file, path.join(OUT, `it-${kind}-page`)]);
      const pages = readdirSync(OUT).filter((n) => n.startsWith(`it-${kind}-page-`) && n.endsWith('.png'));
      expect(pages.length).toBeGreaterThanOrEqual(1);
      for (const p of pages) expect(statSync(path.join(OUT, p)).size).toBeGreaterThan(5000);
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      expect(text).toContain(reports[kind].meta.title);
      expect(text).toContain(formatPeriod(q.since, q.until, reports[kind].meta.timeZone));
      expect(text).toContain(hostName);
      expect(text).toMatch(/Generated\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
      if (kind === 'usage') {
        for (const u of ['carol', 'admin']) expect(text).toContain(u);
        // Seconds of busy loop read as CPU-seconds (or minutes), never as 0.00x CPU-hours.
        expect(text).toMatch(/CPU-(seconds|minutes)/);
        expect(text).not.toMatch(/\b0\.0\d{3,}/);
      }
      if (kind === 'inventory') for (const s of ['Debian GNU/Linux', 'bookworm']) expect(text).toContain(s);
      if (kind === 'audit') expect(text).toContain('hostkeys.trust');
      console.log(`${kind} PDF: ${pdf.bytes} bytes, ${pages.length} page(s), ${ms} ms`);
    }
  });

  it('the CLI writes the same report from the same data dir', async () => {
    const dataDir = path.dirname(fleet.db.name);
    const iso = (t: number) => new Date(t).toISOString();
    const csvFile = path.join(OUT, 'it-cli-usage.csv');
    const r = await run(process.execPath, ['bin/fleetdeck.mjs', 'report', 'usage', '--since', iso(since), '--until', iso(until), '-o', csvFile, '--host', hostName, '--data-dir', dataDir]);
    expect(r.stderr).toMatch(new RegExp(`^wrote usage report \\(1 host, .+ → .+\\) to .*it-cli-usage\\.csv \\(\\d+(\\.\\d+)? KiB\\)\\n$`));
    expect(r.code).toBe(0);
    // ISO times carry milliseconds, so the CLI's period is exactly the one built above.
    const users = tableObjects(parseReportCsv(readFileSync(csvFile, 'utf8')), 'users');
    expect(num(users.find((u) => u.user === 'carol')!.cpu_hours)).toBe(reports.usage.users.find((u) => u.user === 'carol')!.cpuHours);

    const pdfFile = path.join(OUT, 'it-cli-inventory.pdf');
    const p = await run(process.execPath, ['bin/fleetdeck.mjs', 'report', 'inventory', '--format', 'pdf', '--out', pdfFile, '--data-dir', dataDir]);
    expect(p.code, p.stderr).toBe(0);
    expect(readFileSync(pdfFile).subarray(0, 5).toString()).toBe('%PDF-');

    const bad = await run(process.execPath, ['bin/fleetdeck.mjs', 'report', 'usage', '--format', 'csv', '--host', 'no-such-host', '--data-dir', dataDir]);
    expect(bad.code).toBe(5);
    expect(bad.stderr).toContain(`Known hosts: ${hostName}`);
  });
});
