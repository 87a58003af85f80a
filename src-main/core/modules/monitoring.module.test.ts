import * as zm from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { checkSchema } from '../../../src-common/change/plan.schema.js';
import { resourceSchema, type CommandResource, type FileResource } from '../../../src-common/change/resource.schema.js';
import { monitoringInfo, monitoringSettings, type MonitoringSettings } from '../../../src-common/modules/monitoring.js';
import { FAMILY_HOSTS, familyFacts, type FamilyHost } from '../change/family-probes.test-util.js';
import type { ChangeModule, HostFacts } from '../change/module.js';
import { reachChecks } from '../change/host-preflight.js';
import { desiredState } from '../change/planner.js';
import { ALERTMANAGER_YML, PROMETHEUS_YML, RULES_YML, alertmanagerYml, prometheusYml, rulesYml } from './monitoring-config.js';
import { DASHBOARDS, DATASOURCE_UID, dashboardQueries } from './monitoring-grafana.js';
import { monitoringModule } from './monitoring.module.js';
import { HTPASSWD_MATCHES, MONITORING_HTPASSWD, MONITORING_SITE } from './monitoring-web.js';
import { toYaml } from './yaml.js';

/**
 * The monitoring module as pure functions of the probe, the settings and what the host reaches:
 * which parts each host gets, what is left out and why, the configs it renders, and the settings
 * refusing hostile input. Live (packages, scrape, alert, rollback):
 * e2e/integration/modules/monitoring.test.ts.
 */
const settings = (over: Record<string, unknown> = {}): MonitoringSettings => monitoringSettings.parse({ ...monitoringInfo.defaults, ...over });
function plan(facts: HostFacts, over: Record<string, unknown> = {}, installed: string[] = []) {
  const d = desiredState([{ module: monitoringModule as ChangeModule, settings: settings(over) }], facts, new Set(installed));
  return { d, resources: d.items.map((i) => i.resource) };
}
const debian = (reach: Record<string, boolean | null> = {}, probe: Parameters<typeof familyFacts>[1] = {}): HostFacts => ({
  ...familyFacts('debian-12', probe),
  reach: new Map(Object.entries(reach).map(([id, ok]) => [id, { ok, detail: ok === false ? `${id}: Could not resolve` : 'fetched' }])),
});
const file = (r: ReturnType<typeof plan>['resources'], p: string) => r.find((x): x is FileResource => x.kind === 'file' && x.path === p)!;
const docker = [{ name: 'docker' as const, present: true, accessible: true, cgroupDriver: 'cgroupfs', version: '24.0' }];

describe('monitoring module', () => {
  it('refuses hostile or malformed settings with what to do', () => {
    const bad = (over: Record<string, unknown>) => monitoringSettings.safeParse({ ...monitoringInfo.defaults, ...over }).error?.issues[0]?.message;
    expect(bad({ targets: ['gpu-2:9100', 'a;rm -rf /:9100'] })).toMatch(/host name or address with the port/);
    expect(bad({ targets: ['gpu-2'] })).toMatch(/host:port|with the port/);
    expect(bad({ targets: ['gpu-2:99999'] })).toMatch(/with the port/);
    expect(bad({ targets: 'gpu-2:9100, gpu-2:9100' })).toMatch(/listed twice/);
    expect(bad({ alertWebhook: 'javascript:alert(1)' })).toMatch(/http\(s\) URL/);
    expect(bad({ alertEmail: 'ops@lab.example.org' })).toMatch(/SMTP relay/);
    expect(bad({ prometheusHost: 'gpu 1' })).toMatch(/no spaces/);
    expect(bad({ retentionDays: 0 })).toMatch(/1 to 3650/);
    expect(settings({ targets: 'gpu-2.lab:9100 [2001:db8::7]:9100' }).targets).toEqual(['gpu-2.lab:9100', '[2001:db8::7]:9100']);
  });

  it('is built for apt + systemd; other families are refused with the reason', () => {
    for (const f of Object.keys(FAMILY_HOSTS) as FamilyHost[]) {
      const why = monitoringModule.unsupported(familyFacts(f), settings());
      if (FAMILY_HOSTS[f].backend === 'apt') expect(why, f).toBeNull();
      else expect(why, f).toMatch(/built for apt hosts with systemd/);
    }
  });

  it('the Prometheus host: node_exporter, the usage timer, Prometheus and Alertmanager, each config checked before it loads; Grafana left out when its repository cannot be reached, and said', () => {
    const { d, resources } = plan(debian({ mirror: true, 'grafana-repo': false }));
    for (const r of resources) expect(zm.safeParse(resourceSchema, r).success, JSON.stringify(r)).toBe(true);
    for (const c of d.checks) expect(zm.safeParse(checkSchema, c).success, JSON.stringify(c)).toBe(true);
    expect(resources.filter((r) => r.kind === 'package').flatMap((r) => (r.kind === 'package' ? r.packages : []))).toEqual(['prometheus-node-exporter', 'prometheus', 'prometheus-alertmanager']);
    const units = resources.filter((r) => r.kind === 'unit');
    expect(units.find((u) => u.kind === 'unit' && u.name === 'prometheus')).toMatchObject({ checkBefore: ['promtool', 'check', 'config', PROMETHEUS_YML], reloadOn: [`file:${PROMETHEUS_YML}`, `file:${RULES_YML}`] });
    expect(units.find((u) => u.kind === 'unit' && u.name === 'prometheus-alertmanager')).toMatchObject({ checkBefore: ['amtool', 'check-config', ALERTMANAGER_YML] });
    expect(file(resources, '/etc/default/prometheus').content).toContain('--web.listen-address=127.0.0.1:9090');
    expect(file(resources, '/etc/default/prometheus-alertmanager').content).toContain('--cluster.listen-address=');
    expect(resources.some((r) => r.kind === 'package' && r.packages.includes('grafana'))).toBe(false);
    expect(d.warnings.join('\n')).toMatch(/Left out: Grafana — Grafana’s apt repository \(apt.grafana.com\) cannot be reached from this host: grafana-repo: Could not resolve/);
    expect(d.warnings.filter((w) => w.startsWith('Left out'))).toEqual([
      expect.stringMatching(/^Left out: Grafana/),
      'Left out: cAdvisor — Docker does not run on this host (cAdvisor reports containers: install the docker module first).',
      'Left out: the DCGM exporter — this host has no NVIDIA GPU.',
    ]);
    expect(monitoringModule.network({ facts: debian({ 'grafana-repo': false }), settings: settings(), modules: new Set(), ports: [] })).not.toMatch(/grafana/i);
    expect(d.checks.map((c) => c.id)).toEqual(['monitoring-node-exporter', 'monitoring-node-metrics', 'monitoring-usage-timer', 'monitoring-prometheus-config', 'monitoring-prometheus', 'monitoring-prometheus-ready', 'monitoring-alertmanager', 'monitoring-alertmanager-ready']);
  });

  it('Grafana, cAdvisor and the DCGM exporter where their sources answer (Docker and an NVIDIA GPU present)', () => {
    const facts = debian({ mirror: true, 'grafana-repo': true, 'gcr-registry': true, 'nvcr-registry': true }, { containerRuntimes: docker, gpuVendors: ['nvidia'] });
    expect(monitoringModule.sources!(settings(), facts.probe).map((s) => s.id)).toEqual(['mirror', 'grafana-repo', 'gcr-registry', 'nvcr-registry']);
    const { d, resources } = plan(facts);
    expect(resources.some((r) => r.kind === 'package' && r.packages.includes('grafana'))).toBe(true);
    const ids = resources.filter((r): r is CommandResource => r.kind === 'command').map((r) => r.id);
    expect(ids).toEqual(['monitoring-textfile-dir', 'monitoring-grafana-key', 'monitoring-grafana-password', 'monitoring-cadvisor', 'monitoring-dcgm']);
    // Grafana's admin password: generated on the host before its first start, never admin/admin.
    expect(resources.find((r) => r.kind === 'file' && r.path.endsWith('grafana-server.service.d/fleetdeck.conf'))).toMatchObject({ content: expect.stringContaining('GF_SECURITY_ADMIN_PASSWORD__FILE=/etc/fleetdeck/monitoring/grafana-admin-password') });
    const prom = file(resources, PROMETHEUS_YML).content!;
    expect(prom).toMatch(/job_name: "cadvisor"[\s\S]*127.0.0.1:9338/);
    expect(prom).toMatch(/job_name: "dcgm"[\s\S]*127.0.0.1:9400/);
    expect(d.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['monitoring-grafana-health', 'monitoring-cadvisor', 'monitoring-dcgm']));
    // Not reachable: each left out, each said.
    const off = plan(debian({ mirror: true, 'grafana-repo': false, 'gcr-registry': false, 'nvcr-registry': false }, { containerRuntimes: docker, gpuVendors: ['nvidia'] }));
    expect(off.resources.filter((r) => r.kind === 'command').map((r) => (r.kind === 'command' ? r.id : ''))).toEqual(['monitoring-textfile-dir']);
    expect(off.d.warnings.filter((w) => w.startsWith('Left out'))).toHaveLength(3);
    expect(file(off.resources, PROMETHEUS_YML).content).not.toMatch(/cadvisor|dcgm/);
  });

  it('another host: node_exporter and the usage timer only, and says where Prometheus runs', () => {
    const { d, resources } = plan(debian({ mirror: true }), { prometheusHost: 'gpu-9', targets: ['gpu-1:9100'] });
    expect(resources.filter((r) => r.kind === 'package').flatMap((r) => (r.kind === 'package' ? r.packages : []))).toEqual(['prometheus-node-exporter']);
    expect(d.warnings.join('\n')).toMatch(/Prometheus runs on gpu-9: add this host’s node_exporter \(port 9100\)/);
    expect(d.checks.map((c) => c.id)).toEqual(['monitoring-node-exporter', 'monitoring-node-metrics', 'monitoring-usage-timer']);
  });

  it('an unreachable mirror is said at the top of the plan', () => {
    expect(plan(debian({ mirror: false })).d.warnings[0]).toMatch(/^The package mirror cannot be reached from this host \(mirror: Could not resolve\)/);
  });

  it('renders Prometheus, rules and Alertmanager with every string quoted: a value never becomes structure', () => {
    const s = settings({ targets: ['gpu-2.lab:9100'], alertWebhook: 'https://hooks.lab.example.org/alert?x="1"#y', diskPercent: 1 });
    const prom = prometheusYml('lab: {evil}\n- x', s, { cadvisor: false, dcgm: false });
    expect(prom).toContain('instance: "lab: {evil}\\n- x"');
    expect(prom).toContain('- "gpu-2.lab:9100"');
    expect(prom).toContain(`rule_files:\n  - "${RULES_YML}"`);
    expect(rulesYml(s)).toMatch(/expr: "100 \* \(1 - node_filesystem_avail_bytes\{fstype!~\\"tmpfs[^"]*\\"\} \/ node_filesystem_size_bytes\{[^}]*\}\) > 1"/);
    expect(alertmanagerYml(s)).toContain('url: "https://hooks.lab.example.org/alert?x=\\"1\\"#y"');
    expect(alertmanagerYml(settings())).toContain('# No webhook or e-mail set');
    expect(toYaml({ a: [], b: {}, c: [{ d: 1, e: [true, null] }], 'x y': 'z' })).toBe('a: []\nb: {}\nc:\n  - d: 1\n    e:\n      - true\n      - null\n"x y": "z"\n');
  });

  it('Grafana’s dashboards are valid JSON, each query on the provisioned data source', () => {
    for (const [name, d] of Object.entries(DASHBOARDS)) {
      const json = JSON.parse(JSON.stringify(d)) as { uid: string; panels: { datasource: { uid: string }; targets: { datasource: { uid: string }; expr: string }[] }[] };
      expect(json.uid, name).toMatch(/^fleetdeck-/);
      for (const p of json.panels) {
        expect(p.datasource.uid).toBe(DATASOURCE_UID);
        for (const t of p.targets) expect(t.datasource.uid).toBe(DATASOURCE_UID);
      }
    }
    expect(dashboardQueries().length).toBeGreaterThan(10);
  });

  it('with nginx: Prometheus and Alertmanager published behind a login (a generated password, nginx holding only its hash), Grafana with its own', () => {
    const { d, resources } = plan(debian({ mirror: true, 'grafana-repo': true }), {}, ['nginx']);
    const site = file(resources, MONITORING_SITE).content!;
    expect(site.match(/auth_basic_user_file/g)).toHaveLength(2);
    expect(site).toMatch(/location \/prometheus\/ \{\n    auth_basic "Fleetdeck monitoring";[\s\S]*proxy_pass http:\/\/127\.0\.0\.1:9090;/);
    expect(site).toMatch(/location \/grafana\/ \{\n    proxy_pass http:\/\/127\.0\.0\.1:3000;/);
    const secret = resources.find((r): r is CommandResource => r.kind === 'command' && r.id === 'monitoring-web-password')!;
    expect(secret.unless).toEqual(['test', '-s', '/etc/fleetdeck/monitoring/web-password']);
    const hash = resources.find((r): r is CommandResource => r.kind === 'command' && r.id === 'monitoring-htpasswd')!;
    expect(hash.argv.slice(4)).toEqual(['/etc/fleetdeck/monitoring/web-password', MONITORING_HTPASSWD, 'admin']);
    expect(hash.unless![2]).toBe(HTPASSWD_MATCHES);
    expect(resources.find((r) => r.kind === 'unit' && r.name === 'nginx')).toMatchObject({ reloadOn: [`file:${MONITORING_SITE}`, 'command:monitoring-htpasswd'], checkBefore: ['nginx', '-t'] });
    expect(d.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['monitoring-published', 'monitoring-web-login']));
    expect(d.warnings.join('\n')).toMatch(/published behind a login \(user admin\)/);
    // A given password is a secret file, set once (kept where the host has one), never in a plan.
    const given = plan(debian({ mirror: true }), { webPassword: 'correct horse battery' }, ['nginx']);
    expect(given.resources.find((r) => r.kind === 'file' && r.path === '/etc/fleetdeck/monitoring/web-password')).toMatchObject({ secret: true, keep: true, mode: 0o600 });
    // Without nginx: localhost only, and said.
    expect(plan(debian({ mirror: true })).d.warnings.join('\n')).toMatch(/listen on 127\.0\.0\.1 only[\s\S]*add the nginx module/);
    expect(() => settings({ webPassword: 'short' })).toThrow(/at least 12 characters/);
  });

  it('the wizard’s preflight says what the host reached of the sources the module needs', () => {
    const checks = reachChecks(debian({ mirror: true, 'grafana-repo': false }), [monitoringModule as ChangeModule<never>]);
    expect(checks).toEqual([
      { id: 'reach-mirror', label: 'Package mirror', state: 'ok', detail: 'reached from the host: fetched' },
      { id: 'reach-grafana-repo', label: 'Source: Grafana’s apt repository (apt.grafana.com)', state: 'warn', detail: 'Not reachable from the host (grafana-repo: Could not resolve): the plan leaves out what needs it, and says so.' },
    ]);
  });
});
