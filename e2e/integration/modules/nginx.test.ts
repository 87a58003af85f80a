import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyResult, ChangePlan } from '../../../src-common/change/modules.contract.js';
import type { JournalEvent } from '../../../src-common/change/plan.schema.js';
import { Fleet } from '../../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';
import { addHost, connectTrusting } from '../harness.js';

/**
 * The nginx module, live on the systemd Debian testbed host: planned, applied (packages from
 * Debian's mirror through the testbed proxy), verified against the real nginx, planned again
 * with nothing to change, rolled back and applied again.
 */
const unavailable = await testbedUnavailableReason({ docker: true });

describe.skipIf(unavailable)('nginx module on a live Debian host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let id: number;
  const nginx = [{ id: 'nginx', settings: { serverName: 'web.lab.test' } }];
  const plan = (): Promise<ChangePlan> => fleet.call('change.plan', { id, modules: nginx }) as Promise<ChangePlan>;
  const apply = (p: ChangePlan): Promise<ApplyResult> => fleet.call('change.apply', { id, planId: p.planId, tag: p.tag }) as Promise<ApplyResult>;

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-nginx', apt: true });
    fleet = new Fleet({ dataDir: mkdtempSync(path.join(tmpdir(), 'fd-nginx-')), knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
    const host = await addHost(fleet, deb, 'admin');
    id = host.id;
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  let journalId: string;
  it('plans nginx with a self-signed certificate: packages, files with diffs, the unit, and says it needs the mirror', async () => {
    const p = await plan();
    expect(p.steps.map((s) => `${s.kind}:${s.action}`)).toEqual(expect.arrayContaining(['package:install', 'command:run', 'file:create', 'unit:enable']));
    const https = p.steps.find((s) => s.kind === 'file' && s.summary.includes('fleetdeck-https.conf'))!;
    expect(https.diff).toContain('+    server_name web.lab.test;');
    expect(p.network).toMatch(/package mirror/);
    expect(p.summary).toMatch(/steps on it-nginx/);
  }, 120_000);

  it('applies with progress, every step audited, then verifies against the real nginx', async () => {
    const events: JournalEvent[] = [];
    const off = fleet.events.on((name, e) => name === 'change.onProgress' && events.push((e as { event: JournalEvent }).event));
    const p = await plan();
    const r = await apply(p);
    off();
    expect(r.status, r.message ?? '').toBe('done');
    expect(r.verify.filter((c) => !c.ok)).toEqual([]);
    journalId = r.journalId!;
    expect(events.filter((e) => e.type === 'step-done').length).toBeGreaterThanOrEqual(p.steps.length - 1);
    expect(events.some((e) => e.type === 'output')).toBe(true);
    const audit = fleet.audit.query({ limit: 200 }).events.filter((e) => e.operation === 'change.step');
    expect(audit.length).toBeGreaterThanOrEqual(p.steps.length - 1);
    const served = await deb.exec(['sh', '-c', 'echo | openssl s_client -connect 127.0.0.1:443 -servername web.lab.test 2>/dev/null | openssl x509 -noout -subject -ext subjectAltName']);
    expect(served.stdout).toMatch(/CN ?= ?web\.lab\.test[\s\S]*DNS:web\.lab\.test/);
    const key = await deb.exec(['stat', '-c', '%a %U', '/etc/nginx/fleetdeck/tls.key']);
    expect(key.stdout.trim()).toBe('600 root');
  }, 300_000);

  it('plans nothing the second time, and lists nginx as installed and verified', async () => {
    const p = await plan();
    expect(p.steps).toEqual([]);
    expect(p.summary).toMatch(/Nothing to change/);
    const installed = (await fleet.call('change.installed', { id })) as { module: string; lastVerify: { ok: boolean } | null }[];
    expect(installed).toEqual([expect.objectContaining({ module: 'nginx', lastVerify: expect.objectContaining({ ok: true }) })]);
  }, 120_000);

  it('shows drift when a managed file is edited on the host', async () => {
    await deb.exec(['sh', '-c', 'echo "# edited by hand" >> /etc/nginx/conf.d/fleetdeck-https.conf']);
    const drift = (await fleet.call('change.drift', { id })) as ChangePlan;
    const step = drift.steps.find((s) => s.kind === 'file')!;
    expect(step.diff).toContain('-# edited by hand');
    const r = await apply(drift);
    expect(r.status).toBe('done');
  }, 120_000);

  it('rolls back: nginx removed, files gone; then applies again', async () => {
    const rb = (await fleet.call('change.rollback', { id, journalId })) as { status: string; message: string | null };
    expect(rb.status, rb.message ?? '').toBe('rolled-back');
    const gone = await deb.exec(['sh', '-c', 'test -e /etc/nginx/conf.d/fleetdeck-https.conf && echo present || echo absent; dpkg -s nginx >/dev/null 2>&1 && echo installed || echo removed']);
    expect(gone.stdout.split('\n').slice(0, 2)).toEqual(['absent', 'removed']);
    expect(await fleet.call('change.installed', { id })).toEqual([]);
    const again = await plan();
    expect(again.steps.length).toBeGreaterThan(3);
    const r = await apply(again);
    expect(r.status, r.message ?? '').toBe('done');
    expect(r.verify.filter((c) => !c.ok)).toEqual([]);
  }, 300_000);
});
