import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangePlan } from '../../../src-common/change/modules.contract.js';
import { Fleet } from '../../../src-main/core/fleet.js';
import { dashboardQueries } from '../../../src-main/core/modules/monitoring-grafana.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';
import { addHost, connectTrusting, runCli } from '../harness.js';

/**
 * The monitoring module, live on the systemd Debian testbed host, which reaches only Debian's
 * archive (through the testbed's apt proxy): applied from the CLI as a user would, it installs
 * node_exporter, Prometheus and Alertmanager and says Grafana, cAdvisor and the DCGM exporter
 * were left out and why. Then: Prometheus scrapes the host (`up` is 1), a forced rule fires and
 * reaches Alertmanager, the per-user usage reaches Prometheus, every dashboard query parses in
 * Prometheus's own parser, a second plan is empty, and rollback takes it all away.
 */
const unavailable = await testbedUnavailableReason({ docker: true });

describe.skipIf(unavailable)('monitoring module on a live Debian host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let id: number;
  let dataDir: string;
  let hostName: string;
  /** The CLI as a user runs it, on the same data dir: exit code and output. */
  const cli = (...args: string[]) => runCli(dataDir, args, 400_000);
  /** GET on the host's own loopback (Prometheus and Alertmanager listen there only): bash's /dev/tcp, no curl needed. */
  const local = async (port: number, urlPath: string): Promise<string> => {
    const r = await deb.exec(['bash', '-c', 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf "GET %s HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n" "$2" >&3; cat <&3', 'bash', String(port), urlPath]);
    return r.stdout.slice(r.stdout.indexOf('\r\n\r\n') + 4);
  };
  const query = async (q: string) => JSON.parse(await local(9090, `/prometheus/api/v1/query?query=${encodeURIComponent(q)}`)) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  const until = async <T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 120_000): Promise<T> => {
    const end = Date.now() + ms;
    let last = '';
    for (;;) {
      const v = await f().catch((e: unknown) => {
        last = e instanceof Error ? e.message : String(e);
        return null;
      });
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${last})` : ''}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  const settings = { diskPercent: 1 };
  const plan = (): Promise<ChangePlan> => fleet.call('change.plan', { id, modules: [{ id: 'monitoring', settings }] }) as Promise<ChangePlan>;

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-monitoring', apt: true });
    dataDir = mkdtempSync(path.join(tmpdir(), 'fd-monitoring-'));
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

  it('fleetdeck modules apply HOST monitoring --yes: node_exporter, Prometheus and Alertmanager from Debian’s archive; Grafana, cAdvisor and the DCGM exporter left out, each with why', async () => {
    const p = await plan();
    expect(p.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Left out: Grafana — Grafana’s apt repository \(apt.grafana.com\) cannot be reached from this host: https:\/\/apt.grafana.com\/gpg.key could not be fetched through apt/),
        expect.stringMatching(/^Left out: cAdvisor — Docker does not run on this host/),
        expect.stringMatching(/^Left out: the DCGM exporter — this host has no NVIDIA GPU/),
      ]),
    );
    const applied = await cli('modules', 'apply', hostName, 'monitoring', '--set', 'monitoring.diskPercent=1', '--yes');
    expect(applied.code, applied.err + applied.out).toBe(0);
    expect(applied.out).toMatch(/Left out: Grafana/);
    expect(applied.out).toMatch(/done — Applied and verified/);
    const pkgs = await deb.exec(['dpkg-query', '-W', '-f', '${Package} ${Status}\n', 'prometheus', 'prometheus-node-exporter', 'prometheus-alertmanager']);
    expect(pkgs.stdout.trim().split('\n').map((l) => l.split(' ')[0] + ' ' + l.split(' ').pop()).sort()).toEqual(['prometheus installed', 'prometheus-alertmanager installed', 'prometheus-node-exporter installed']);
    // Localhost only, except node_exporter.
    const listening = (await deb.exec(['ss', '-Hltn'])).stdout;
    expect(listening).toMatch(/127\.0\.0\.1:9090/);
    expect(listening).toMatch(/127\.0\.0\.1:9093/);
    expect(listening).not.toMatch(/(0\.0\.0\.0|\*|\[::\]):(9090|9093|9094)\b/);
  }, 600_000);

  it('Prometheus scrapes the host (up is 1), and the per-user usage from the textfile collector reaches it', async () => {
    const up = await until('up{job="node"} == 1', async () => (await query('up{job="node"}')).data.result.find((r) => r.value[1] === '1'));
    expect(up.metric.instance).toBe(hostName);
    const procs = await until('fleetdeck_user_processes{user="root"}', async () => (await query('fleetdeck_user_processes')).data.result.find((r) => r.metric.user === 'root'));
    expect(Number(procs.value[1])).toBeGreaterThan(0);
  }, 180_000);

  it('Fleetdeck reads the host’s history from that Prometheus, through the SSH connection (no port opened)', async () => {
    expect(await fleet.call('monitor.historySources', { id })).toEqual({ prometheus: { hostId: id, hostName, connected: true } });
    const to = Date.now();
    const h = (await until('memory history from Prometheus', async () => {
      const r = (await fleet.call('monitor.history', { id, series: 'mem', from: to - 10 * 60_000, to, points: 60, source: 'prometheus' })) as { points: { avg: number | null }[]; source: string; via: string };
      return r.points.some((p) => p.avg !== null) ? r : null;
    })) as { points: { t: number; avg: number | null }[]; source: string; via: string };
    expect(h).toMatchObject({ source: 'prometheus', via: hostName });
    const mem = h.points.find((p) => p.avg !== null)!.avg!;
    expect(mem).toBeGreaterThan(0);
    expect(mem).toBeLessThan(100);
  }, 180_000);

  it('a forced rule (disk above 1 %) fires and reaches Alertmanager', async () => {
    const alerts = await until('DiskUsage in Alertmanager', async () => {
      const list = JSON.parse(await local(9093, '/alertmanager/api/v2/alerts')) as { labels: Record<string, string>; status: { state: string } }[];
      return list.find((a) => a.labels.alertname === 'DiskUsage' && a.status.state === 'active') ?? null;
    });
    expect(alerts.labels).toMatchObject({ severity: 'warning', source: 'fleetdeck', instance: hostName });
  }, 180_000);

  it('every query of the provisioned Grafana dashboards parses in Prometheus’s own parser', async () => {
    for (const q of dashboardQueries().map((e) => e.replaceAll('$instance', '.*'))) {
      const r = await query(q);
      expect(r.status, `${q}: ${r.error ?? ''}`).toBe('success');
    }
  }, 120_000);

  it('plans nothing the second time; verify passes from the CLI', async () => {
    expect((await plan()).steps).toEqual([]);
    const verify = await cli('modules', 'verify', hostName);
    expect(verify.code, verify.out + verify.err).toBe(0);
    expect(verify.out).toMatch(/ok +Prometheus is ready/);
  }, 120_000);

  it('with the nginx module: Prometheus and Alertmanager published behind a login whose password the CLI shows (audited, never logged); a rollback keeps the password', async () => {
    const nginx = (await fleet.call('change.plan', { id, modules: [{ id: 'nginx', settings: { serverName: 'lab.test' } }] })) as ChangePlan;
    const nginxDone = (await fleet.call('change.apply', { id, planId: nginx.planId, tag: nginx.tag })) as { status: string; message: string | null; journalId: string };
    expect(nginxDone.status, nginxDone.message ?? '').toBe('done');
    const p = await plan();
    expect(p.steps.map((s) => s.summary)).toEqual(expect.arrayContaining([expect.stringMatching(/Generate the password of the published Prometheus/), expect.stringMatching(/^Write \/etc\/nginx\/fleetdeck\.d\/monitoring\.conf/)]));
    const published = (await fleet.call('change.apply', { id, planId: p.planId, tag: p.tag })) as { status: string; message: string | null; journalId: string; verify: { id: string; ok: boolean; evidence: string }[] };
    expect(published.status, published.message ?? '').toBe('done');
    expect(published.verify.filter((c) => !c.ok)).toEqual([]);
    expect(published.verify.map((c) => c.id)).toEqual(expect.arrayContaining(['monitoring-published', 'monitoring-web-login']));
    expect((await plan()).steps).toEqual([]);

    const shown = await cli('modules', 'secret', hostName, 'monitoring');
    expect(shown.code, shown.err).toBe(0);
    expect(shown.err).toMatch(/Prometheus and Alertmanager web password \(user admin\), from \/etc\/fleetdeck\/monitoring\/web-password/);
    const password = shown.out.trim();
    expect(password).toMatch(/^[A-Za-z0-9+/=]{24}$/);
    expect((await deb.exec(['stat', '-c', '%a %U', '/etc/fleetdeck/monitoring/web-password'])).stdout.trim()).toBe('600 root');
    expect((await deb.exec(['stat', '-c', '%a %U:%G', '/etc/nginx/fleetdeck-auth/monitoring.htpasswd'])).stdout.trim()).toBe('640 root:www-data');
    const https = async (urlPath: string, auth?: string) =>
      (await deb.exec(['sh', '-c', 'printf "GET %s HTTP/1.0\\r\\nHost: lab.test\\r\\n%s\\r\\n" "$1" "$2" | openssl s_client -quiet -connect 127.0.0.1:443 -servername lab.test 2>/dev/null | head -n1', 'sh', urlPath, auth ? `Authorization: Basic ${Buffer.from(auth).toString('base64')}\r\n` : ''])).stdout.trim();
    expect(await https('/prometheus/-/ready')).toMatch(/^HTTP\/1\.1 401/);
    expect(await https('/prometheus/-/ready', 'admin:not-the-password')).toMatch(/^HTTP\/1\.1 401/);
    expect(await https('/prometheus/-/ready', `admin:${password}`)).toMatch(/^HTTP\/1\.1 200/);
    expect(await https('/alertmanager/-/ready', `admin:${password}`)).toMatch(/^HTTP\/1\.1 200/);
    // Audited as read, by whom and from where; the value is nowhere in the log.
    const audit = JSON.stringify(await fleet.call('audit.list', {}));
    expect(audit).toMatch(/read the monitoring module’s secret “Prometheus and Alertmanager web password” from \/etc\/fleetdeck\/monitoring\/web-password on it-monitoring[^ ]* \(shown to the admin\) \(CLI\)/);
    expect(audit).not.toContain(password);

    for (const j of [published.journalId, nginxDone.journalId]) {
      const rb = (await fleet.call('change.rollback', { id, journalId: j })) as { status: string; message: string | null };
      expect(rb.status, rb.message ?? '').toBe('rolled-back');
    }
    expect((await deb.exec(['sh', '-c', 'test -e /etc/nginx/fleetdeck.d/monitoring.conf && echo site; test -e /etc/nginx/fleetdeck-auth && echo hash; test -s /etc/fleetdeck/monitoring/web-password && echo password kept; true'])).stdout.trim()).toBe('password kept');
  }, 400_000);

  it('rolls back: packages (removed; apt keeps their own config files), our configs, the usage timer and its script gone', async () => {
    const rb = await cli('modules', 'rollback', hostName, '--yes');
    expect(rb.code, rb.err + rb.out).toBe(0);
    const left = await deb.exec(['sh', '-c', 'for p in prometheus prometheus-node-exporter prometheus-alertmanager; do [ "$(dpkg-query -W -f \'${db:Status-Status}\' $p 2>/dev/null)" = installed ] && echo "$p installed"; done; for f in /usr/local/lib/fleetdeck/usage-textfile /etc/systemd/system/fleetdeck-usage.timer /etc/prometheus/fleetdeck-rules.yml; do test -e $f && echo "$f present"; done; systemctl is-active fleetdeck-usage.timer; true']);
    expect(left.stdout.trim(), rb.out).toBe('inactive');
    expect(await fleet.call('change.installed', { id })).toEqual([]);
  }, 300_000);
});
