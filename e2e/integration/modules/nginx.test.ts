import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyResult, ChangePlan } from '../../../src-common/change/modules.contract.js';
import type { JournalEvent } from '../../../src-common/change/plan.schema.js';
import { Fleet } from '../../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';
import { addHost, connectTrusting, runCli } from '../harness.js';

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
  let dataDir: string;
  let hostName: string;
  /** The CLI as a user runs it, on the same data dir: exit code and output. */
  const cli = (...args: string[]) => runCli(dataDir, args);
  const nginx = [{ id: 'nginx', settings: { serverName: 'web.lab.test' } }];
  const plan = (): Promise<ChangePlan> => fleet.call('change.plan', { id, modules: nginx }) as Promise<ChangePlan>;
  const apply = (p: ChangePlan): Promise<ApplyResult> => fleet.call('change.apply', { id, planId: p.planId, tag: p.tag }) as Promise<ApplyResult>;

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-nginx', apt: true });
    dataDir = mkdtempSync(path.join(tmpdir(), 'fd-nginx-'));
    fleet = new Fleet({ dataDir, knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
    const host = await addHost(fleet, deb, 'admin');
    id = host.id;
    hostName = host.name;
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

  it('from the CLI: plan says nothing to change, verify passes, apply asks for --yes off a terminal, then changes the name and verifies', async () => {
    const plan = await cli('modules', 'plan', hostName, 'nginx', '--set', 'serverName=web.lab.test');
    expect(plan.code, plan.err).toBe(0);
    expect(plan.out).toMatch(/Nothing to change/);
    const verify = await cli('modules', 'verify', hostName);
    expect(verify.code, verify.err + verify.out).toBe(0);
    expect(verify.out).toMatch(/ok +nginx -t accepts the configuration/);
    const refused = await cli('modules', 'apply', hostName, 'nginx', '--set', 'serverName=cli.lab.test');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/add --yes/);
    const bad = await cli('modules', 'plan', hostName, 'nginx', '--set', 'serverName=bad name;rm -rf /');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/serverName: A domain name has no spaces/);
    const applied = await cli('modules', 'apply', hostName, 'nginx', '--set', 'serverName=cli.lab.test', '--yes');
    expect(applied.code, applied.err + applied.out).toBe(0);
    expect(applied.out).toMatch(/done — Applied and verified/);
    expect(applied.err).toMatch(/\[\d+\/\d+\] .*done/);
    const journals = await cli('modules', 'journals', hostName);
    expect(journals.out.split('\n')[0]).toMatch(/done +nginx/);
  }, 300_000);

  it('internal CA: the certificate is issued by Fleetdeck\'s CA, which `modules ca-cert` exports and which verifies it', async () => {
    const ca = [{ id: 'nginx', settings: { serverName: 'ca.lab.test', tls: 'internal-ca' } }];
    const p = (await fleet.call('change.plan', { id, modules: ca })) as ChangePlan;
    const key = p.steps.find((s) => s.resource.kind === 'file' && s.resource.secret);
    expect(key, 'the key is a secret file step').toBeTruthy();
    expect(JSON.stringify(p)).not.toMatch(/PRIVATE KEY/); // never shown in the plan, nor in the resource it carries
    const r = await apply(p);
    expect(r.status, r.message ?? '').toBe('done');
    expect(r.verify.filter((c) => !c.ok)).toEqual([]);
    const exported = await cli('modules', 'ca-cert');
    expect(exported.code, exported.err).toBe(0);
    expect(exported.err).toMatch(/fingerprint SHA256:/);
    const verified = await deb.exec(['sh', '-c', 'cat >/tmp/fleetdeck-ca.crt; echo | openssl s_client -connect 127.0.0.1:443 -servername ca.lab.test -CAfile /tmp/fleetdeck-ca.crt -verify_hostname ca.lab.test 2>&1 | grep -E "Verify return code|issuer="'], { input: exported.out });
    expect(verified.stdout).toMatch(/Verify return code: 0 \(ok\)/);
    expect(((await fleet.call('change.caCertificate', {})) as { pem: string }).pem).toBe(exported.out);
  }, 300_000);

  it('ACME for real: certbot gets a certificate from pebble (Debian\'s RFC 8555 test server) on the host, nginx serves it', async () => {
    // The ACME server: pebble on https://localhost:14000 with a certificate of our own, validating
    // HTTP-01 on port 80 of the name, which resolves to this host.
    const setup = await deb.exec([
      'sh',
      '-c',
      [
        'set -e',
        'DEBIAN_FRONTEND=noninteractive apt-get install -y -q pebble >/dev/null',
        'mkdir -p /etc/pebble',
        'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout /etc/pebble/key.pem -out /etc/pebble/cert.pem 2>/dev/null',
        'printf \'{"pebble":{"listenAddress":"127.0.0.1:14000","managementListenAddress":"127.0.0.1:15000","certificate":"/etc/pebble/cert.pem","privateKey":"/etc/pebble/key.pem","httpPort":80,"tlsPort":5001,"ocspResponderURL":"","externalAccountBindingRequired":false}}\' >/etc/pebble/config.json',
        'echo "127.0.0.1 acme.lab.test" >>/etc/hosts',
        'systemd-run --unit=pebble -E PEBBLE_VA_NOSLEEP=1 -E PEBBLE_WFE_NONCEREJECT=0 /usr/bin/pebble -config /etc/pebble/config.json',
        'for i in $(seq 50); do openssl s_client -connect 127.0.0.1:14000 </dev/null >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1',
      ].join('\n'),
    ]);
    expect(setup.code, setup.stderr).toBe(0);
    const acme = [{ id: 'nginx', settings: { serverName: 'acme.lab.test', tls: 'acme', acmeDirectory: 'https://localhost:14000/dir', acmeCaBundle: '/etc/pebble/cert.pem' } }];
    const p = (await fleet.call('change.plan', { id, modules: acme })) as ChangePlan;
    expect(p.steps.map((s) => s.summary).join('\n')).toMatch(/Install certbot[\s\S]*Get a certificate for acme\.lab\.test/);
    const r = await apply(p);
    if (r.status !== 'done') console.log((await deb.exec(['sh', '-c', 'tail -n 30 /var/log/nginx/error.log; ls -ld /var/www /var/www/*; namei -l /var/www/fleetdeck-acme/.well-known/acme-challenge; grep -rn "acme\|listen\|server_name\|root" /etc/nginx/sites-enabled/ /etc/nginx/conf.d/ 2>&1 | head -40'])).stdout);
    expect(r.status, r.message ?? '').toBe('done');
    expect(r.verify.filter((c) => !c.ok)).toEqual([]);
    const served = await deb.exec(['sh', '-c', 'echo | openssl s_client -connect 127.0.0.1:443 -servername acme.lab.test 2>/dev/null | openssl x509 -noout -issuer -ext subjectAltName']);
    expect(served.stdout).toMatch(/issuer=.*Pebble Intermediate/i);
    expect(served.stdout).toMatch(/DNS:acme\.lab\.test/);
    const again = (await fleet.call('change.plan', { id, modules: acme })) as ChangePlan;
    expect(again.steps).toEqual([]);
  }, 300_000);
});
