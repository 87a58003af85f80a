import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { GRAFANA_ADMIN_PASSWORD, type MonitoringSettings } from '../../../src-common/modules/monitoring.js';
import type { ModuleContext } from '../change/module.js';
import { APT_KEYRINGS, FETCH_KEY, hostSecret, mirrorName } from './family.js';
import { GRAFANA_PORT, GRAFANA_PREFIX, PROMETHEUS_PORT, PROMETHEUS_PREFIX } from './monitoring-config.js';
import { toYaml } from './yaml.js';

/**
 * Grafana for the monitoring module: from Grafana's own apt repository (Debian has no package),
 * on localhost with the /grafana/ sub-path (nginx publishes it), a provisioned Prometheus data
 * source and three dashboards (hosts, GPUs, per-user usage). Its admin password is generated on
 * the host before its first start (GF_SECURITY_ADMIN_PASSWORD__FILE), never admin/admin.
 */
export const GRAFANA_REPO = 'https://apt.grafana.com';
export const DATASOURCE_UID = 'fleetdeck-prometheus';
const PROVISIONING = '/etc/grafana/provisioning';
export const DASHBOARD_DIR = '/etc/grafana/dashboards/fleetdeck';
const HEADER = '# Managed by Fleetdeck (monitoring module). Edits here show up as drift and are undone by the next apply.\n';

interface Panel {
  title: string;
  unit: string;
  exprs: { expr: string; legend: string }[];
}

/** A dashboard: one time-series panel per row pair, every query on the provisioned data source. */
export function dashboard(uid: string, title: string, panels: Panel[]): Record<string, unknown> {
  const ds = { type: 'prometheus', uid: DATASOURCE_UID };
  return {
    uid,
    title,
    tags: ['fleetdeck'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [{ name: 'instance', type: 'query', datasource: ds, query: 'label_values(up{job="node"}, instance)', refresh: 2, includeAll: true, multi: true, current: { text: 'All', value: '$__all' } }] },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      datasource: ds,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: p.exprs.map((e, j) => ({ refId: String.fromCharCode(65 + j), datasource: ds, expr: e.expr, legendFormat: e.legend })),
    })),
  };
}

const I = 'instance=~"$instance"';
export const DASHBOARDS: Record<string, Record<string, unknown>> = {
  'fleetdeck-hosts.json': dashboard('fleetdeck-hosts', 'Fleetdeck · Hosts', [
    { title: 'CPU used', unit: 'percent', exprs: [{ expr: `100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle",${I}}[5m])))`, legend: '{{instance}}' }] },
    { title: 'Memory used', unit: 'bytes', exprs: [{ expr: `node_memory_MemTotal_bytes{${I}} - node_memory_MemAvailable_bytes{${I}}`, legend: '{{instance}}' }] },
    { title: 'Disk used', unit: 'percent', exprs: [{ expr: `100 * (1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs",${I}} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs",${I}})`, legend: '{{instance}} {{mountpoint}}' }] },
    { title: 'Network', unit: 'Bps', exprs: [{ expr: `sum by (instance) (rate(node_network_receive_bytes_total{device!="lo",${I}}[5m]))`, legend: '{{instance}} in' }, { expr: `sum by (instance) (rate(node_network_transmit_bytes_total{device!="lo",${I}}[5m]))`, legend: '{{instance}} out' }] },
    { title: 'Load (1 min)', unit: 'short', exprs: [{ expr: `node_load1{${I}}`, legend: '{{instance}}' }] },
    { title: 'Memory pressure (stalled)', unit: 'percent', exprs: [{ expr: `100 * rate(node_pressure_memory_waiting_seconds_total{${I}}[5m])`, legend: '{{instance}}' }] },
  ]),
  'fleetdeck-gpus.json': dashboard('fleetdeck-gpus', 'Fleetdeck · GPUs', [
    { title: 'GPU utilisation', unit: 'percent', exprs: [{ expr: `fleetdeck_gpu_utilization_percent{${I}}`, legend: '{{instance}} GPU {{gpu}}' }, { expr: `DCGM_FI_DEV_GPU_UTIL{${I}}`, legend: '{{instance}} GPU {{gpu}} (DCGM)' }] },
    { title: 'GPU memory used', unit: 'bytes', exprs: [{ expr: `fleetdeck_gpu_memory_used_bytes{${I}}`, legend: '{{instance}} GPU {{gpu}}' }] },
    { title: 'GPU temperature', unit: 'celsius', exprs: [{ expr: `fleetdeck_gpu_temperature_celsius{${I}}`, legend: '{{instance}} GPU {{gpu}}' }, { expr: `DCGM_FI_DEV_GPU_TEMP{${I}}`, legend: '{{instance}} GPU {{gpu}} (DCGM)' }] },
    { title: 'GPU memory per user', unit: 'bytes', exprs: [{ expr: `sum by (user) (fleetdeck_user_gpu_memory_bytes{${I}})`, legend: '{{user}}' }] },
  ]),
  'fleetdeck-users.json': dashboard('fleetdeck-users', 'Fleetdeck · Per-user usage', [
    { title: 'CPU per user (cores)', unit: 'short', exprs: [{ expr: `sum by (user) (fleetdeck_user_cpu_cores{${I}})`, legend: '{{user}}' }] },
    { title: 'Memory per user', unit: 'bytes', exprs: [{ expr: `sum by (user) (fleetdeck_user_memory_bytes{${I}})`, legend: '{{user}}' }] },
    { title: 'Processes per user', unit: 'short', exprs: [{ expr: `sum by (user) (fleetdeck_user_processes{${I}})`, legend: '{{user}}' }] },
    { title: 'GPU memory per user', unit: 'bytes', exprs: [{ expr: `sum by (user) (fleetdeck_user_gpu_memory_bytes{${I}})`, legend: '{{user}}' }] },
  ]),
};

/** Every query of every provisioned dashboard (checked against Prometheus's own parser in the live test). */
export function dashboardQueries(): string[] {
  return Object.values(DASHBOARDS).flatMap((d) => (d.panels as { targets: { expr: string }[] }[]).flatMap((p) => p.targets.map((t) => t.expr)));
}

export function grafanaResources(ctx: ModuleContext<MonitoringSettings>): Resource[] {
  const key = `${APT_KEYRINGS}/grafana.asc`;
  const file = (path: string, content: string, mode = 0o644): Resource => ({ kind: 'file', path, content, mode, owner: 'root', group: 'root' });
  const provisioned = [`${PROVISIONING}/datasources/fleetdeck.yaml`, `${PROVISIONING}/dashboards/fleetdeck.yaml`, ...Object.keys(DASHBOARDS).map((f) => `${DASHBOARD_DIR}/${f}`)];
  const dropIn = '/etc/systemd/system/grafana-server.service.d/fleetdeck.conf';
  return [
    { kind: 'package', label: 'curl and CA certificates (to fetch Grafana’s key)', packages: ['ca-certificates', 'curl'], state: 'present', source: mirrorName(ctx.facts.probe) },
    {
      kind: 'command',
      id: 'monitoring-grafana-key',
      label: `Fetch Grafana’s apt signing key from ${GRAFANA_REPO}/gpg.key to ${key}`,
      argv: ['/bin/sh', '-c', FETCH_KEY, 'sh', `${GRAFANA_REPO}/gpg.key`, key],
      unless: ['test', '-s', key],
      undo: ['rm', '-f', key],
      timeoutMs: 3 * 60_000,
    },
    file('/etc/apt/sources.list.d/grafana.list', `${HEADER}deb [signed-by=${key}] ${GRAFANA_REPO} stable main\n`),
    { kind: 'package', label: 'Grafana', packages: ['grafana'], state: 'present', source: 'Grafana’s apt repository (apt.grafana.com)' },
    // Its admin password, read by Grafana (group grafana) when it makes its database at the first start.
    hostSecret({ id: 'monitoring-grafana-password', path: GRAFANA_ADMIN_PASSWORD, given: '', bytes: 18, group: 'grafana', label: `Generate Grafana’s admin password on the host (${GRAFANA_ADMIN_PASSWORD}, root and grafana only)`, kept: 'the password is kept, as Grafana’s database is: its admin account was made with it' }),
    file(
      `${PROVISIONING}/datasources/fleetdeck.yaml`,
      HEADER + toYaml({ apiVersion: 1, datasources: [{ name: 'Prometheus (Fleetdeck)', uid: DATASOURCE_UID, type: 'prometheus', access: 'proxy', url: `http://127.0.0.1:${PROMETHEUS_PORT}${PROMETHEUS_PREFIX.replace(/\/$/, '')}`, isDefault: true, editable: false }] }),
    ),
    file(`${PROVISIONING}/dashboards/fleetdeck.yaml`, HEADER + toYaml({ apiVersion: 1, providers: [{ name: 'fleetdeck', folder: 'Fleetdeck', type: 'file', disableDeletion: true, allowUiUpdates: false, options: { path: DASHBOARD_DIR } }] })),
    ...Object.entries(DASHBOARDS).map(([f, d]) => file(`${DASHBOARD_DIR}/${f}`, `${JSON.stringify(d, null, 2)}\n`)),
    file(dropIn, `${HEADER}[Service]\nEnvironment=GF_SERVER_HTTP_ADDR=127.0.0.1\nEnvironment=GF_SERVER_HTTP_PORT=${GRAFANA_PORT}\nEnvironment="GF_SERVER_ROOT_URL=%%(protocol)s://%%(domain)s:%%(http_port)s${GRAFANA_PREFIX}"\nEnvironment=GF_SERVER_SERVE_FROM_SUB_PATH=true\nEnvironment=GF_SECURITY_ADMIN_PASSWORD__FILE=${GRAFANA_ADMIN_PASSWORD}\nEnvironment=GF_ANALYTICS_REPORTING_ENABLED=false\nEnvironment=GF_ANALYTICS_CHECK_FOR_UPDATES=false\n`),
    { kind: 'unit', name: 'grafana-server', enabled: true, state: 'running', restartOn: [`file:${dropIn}`, 'command:monitoring-grafana-password', ...provisioned.map((p) => `file:${p}`)] },
  ];
}

export function grafanaChecks(): Check[] {
  return [
    { kind: 'unit-running', id: 'monitoring-grafana', label: 'Grafana is running', unit: 'grafana-server' },
    { kind: 'http', id: 'monitoring-grafana-health', label: `Grafana answers on 127.0.0.1:${GRAFANA_PORT}${GRAFANA_PREFIX}`, port: GRAFANA_PORT, path: `${GRAFANA_PREFIX}api/health`, expectStatus: 200 },
  ];
}
