import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import { monitoringInfo, monitoringSettings, type MonitoringSettings } from '../../../src-common/modules/monitoring.js';
import { defineModule, hasDocker, reachable, type ModuleContext, type ModuleSource } from '../change/module.js';
import { mirrorName } from './family.js';
import * as cfg from './monitoring-config.js';
import { grafanaChecks, grafanaResources, GRAFANA_REPO } from './monitoring-grafana.js';
import { webChecks, webResources } from './monitoring-web.js';

/**
 * Monitoring (settings and description: src-common/modules/monitoring.ts). Debian and Ubuntu
 * (apt + systemd) are built and tested live; other families are refused with the reason until
 * their package and unit names are built and tested.
 *
 * Every host gets node_exporter and the per-user usage timer; the Prometheus host (the one named
 * in prometheusHost, or every host when that is empty) also gets Prometheus, Alertmanager and the
 * rules, and the extras whose source it reaches: Grafana (apt.grafana.com), cAdvisor (gcr.io,
 * where Docker runs), the DCGM exporter (nvcr.io, where NVIDIA GPUs are). `promtool check` and
 * `amtool check-config` run before a changed config is loaded.
 */
const CADVISOR_IMAGE = 'gcr.io/cadvisor/cadvisor:v0.49.1';
const DCGM_IMAGE = 'nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04';

export const isPrometheusHost = (ctx: ModuleContext<MonitoringSettings>) => !ctx.settings.prometheusHost || ctx.settings.prometheusHost === ctx.facts.hostName;
const hasNvidia = (probe: Probe) => probe.gpuVendors.includes('nvidia');

const SOURCES: Record<'grafana' | 'cadvisor' | 'dcgm', ModuleSource> = {
  grafana: { id: 'grafana-repo', via: 'apt', url: `${GRAFANA_REPO}/gpg.key`, label: 'Grafana’s apt repository (apt.grafana.com)' },
  cadvisor: { id: 'gcr-registry', via: 'http', url: 'https://gcr.io/v2/', label: 'the gcr.io image registry (cAdvisor)' },
  dcgm: { id: 'nvcr-registry', via: 'http', url: 'https://nvcr.io/v2/', label: 'NVIDIA’s nvcr.io image registry (DCGM exporter)' },
};

/** The extras this host asks for, and which of them it can fetch. */
export function extras(ctx: ModuleContext<MonitoringSettings>): { wanted: Record<keyof typeof SOURCES, boolean>; left: { part: string; why: string }[] } {
  const s = ctx.settings;
  const { probe } = ctx.facts;
  const server = isPrometheusHost(ctx);
  const asked = { grafana: server && s.grafana, cadvisor: server && s.cadvisor && hasDocker(ctx.facts), dcgm: server && s.dcgm && hasNvidia(probe) && hasDocker(ctx.facts) };
  const left: { part: string; why: string }[] = [];
  const wanted = { ...asked };
  for (const k of Object.keys(SOURCES) as (keyof typeof SOURCES)[]) {
    if (!asked[k] || reachable(ctx.facts, SOURCES[k].id)) continue;
    wanted[k] = false;
    left.push({ part: k, why: `${SOURCES[k].label} cannot be reached from this host: ${ctx.facts.reach?.get(SOURCES[k].id)?.detail ?? 'no answer'}` });
  }
  // Asked for but not for this host: said too, so the plan accounts for every part.
  if (server && s.cadvisor && !hasDocker(ctx.facts)) left.push({ part: 'cadvisor', why: 'Docker does not run on this host (cAdvisor reports containers: install the docker module first)' });
  if (server && s.dcgm && !hasNvidia(probe)) left.push({ part: 'dcgm', why: 'this host has no NVIDIA GPU' });
  else if (server && s.dcgm && !hasDocker(ctx.facts)) left.push({ part: 'dcgm', why: 'the DCGM exporter runs as a container: install the docker module first (GPU temperature and use still come from the usage exporter)' });
  return { wanted, left };
}

function containerResource(id: string, label: string, image: string, args: string[]): Resource {
  const name = `fleetdeck-${id}`;
  return {
    kind: 'command',
    id: `monitoring-${id}`,
    label,
    argv: ['docker', 'run', '-d', '--name', name, '--restart', 'unless-stopped', '--label', 'fleetdeck.module=monitoring', ...args, image],
    unless: ['docker', 'container', 'inspect', '--format', '{{.Config.Image}}', name],
    undo: ['docker', 'rm', '-f', name],
    timeoutMs: 10 * 60_000,
  };
}

export const monitoringModule = defineModule<MonitoringSettings>({
  info: monitoringInfo,
  settings: monitoringSettings as never,
  unsupported(facts) {
    if (facts.probe.packageBackend !== 'apt' || facts.probe.serviceManager !== 'systemd') {
      return `monitoring is built for apt hosts with systemd (Debian, Ubuntu) so far; ${facts.probe.os.prettyName ?? facts.probe.os.name} uses ${facts.probe.packageBackend} and ${facts.probe.serviceManager}, where Prometheus’s package and unit names differ`;
    }
    return null;
  },
  sources(s, probe) {
    const out: ModuleSource[] = [{ id: 'mirror', via: 'mirror', url: '', label: mirrorName(probe) }];
    if (s.grafana) out.push(SOURCES.grafana);
    if (s.cadvisor && probe.containerRuntimes.some((r) => r.name === 'docker' && r.present)) out.push(SOURCES.cadvisor);
    if (s.dcgm && hasNvidia(probe)) out.push(SOURCES.dcgm);
    return out;
  },
  network(ctx) {
    const { wanted } = extras(ctx);
    const parts = [`${mirrorName(ctx.facts.probe)} for node_exporter${isPrometheusHost(ctx) ? ', Prometheus and Alertmanager' : ''}`];
    if (wanted.grafana) parts.push(SOURCES.grafana.label);
    if (wanted.cadvisor) parts.push(SOURCES.cadvisor.label);
    if (wanted.dcgm) parts.push(SOURCES.dcgm.label);
    return parts.join('; ');
  },
  opens: () => [{ port: cfg.NODE_EXPORTER_PORT, proto: 'tcp', why: 'node_exporter (the Prometheus host scrapes it)' }],
  ownsPort: (port) => [cfg.NODE_EXPORTER_PORT, cfg.PROMETHEUS_PORT, cfg.ALERTMANAGER_PORT, cfg.GRAFANA_PORT].includes(port),
  resources(ctx) {
    const s = ctx.settings;
    const mirror = mirrorName(ctx.facts.probe);
    const file = (path: string, content: string, mode = 0o644): Resource => ({ kind: 'file', path, content, mode, owner: 'root', group: 'root' });
    const out: Resource[] = [
      { kind: 'package', label: 'Prometheus node_exporter', packages: ['prometheus-node-exporter'], state: 'present', source: mirror },
      { kind: 'unit', name: 'prometheus-node-exporter', enabled: true, state: 'running' },
      {
        // The usage exporter runs as prometheus (node_exporter's own user), not as root.
        kind: 'command',
        id: 'monitoring-textfile-dir',
        label: `Let the prometheus user write the per-user usage into ${cfg.TEXTFILE_DIR} (group prometheus, mode 0775)`,
        argv: ['/bin/sh', '-c', 'chgrp prometheus "$1" && chmod 0775 "$1"', 'sh', cfg.TEXTFILE_DIR],
        unless: ['/bin/sh', '-c', 'test "$(stat -c %G:%a "$1")" = prometheus:775', 'sh', cfg.TEXTFILE_DIR],
        undo: ['/bin/sh', '-c', 'test ! -d "$1" || { chgrp root "$1" && chmod 0755 "$1"; }', 'sh', cfg.TEXTFILE_DIR],
      },
      file(cfg.USAGE_SCRIPT, cfg.USAGE_SH, 0o755),
      file(`/etc/systemd/system/${cfg.USAGE_UNIT}.service`, cfg.USAGE_SERVICE),
      file(`/etc/systemd/system/${cfg.USAGE_UNIT}.timer`, cfg.USAGE_TIMER),
      { kind: 'unit', name: `${cfg.USAGE_UNIT}.timer`, enabled: true, state: 'running', restartOn: [`file:/etc/systemd/system/${cfg.USAGE_UNIT}.timer`, `file:/etc/systemd/system/${cfg.USAGE_UNIT}.service`] },
    ];
    if (!isPrometheusHost(ctx)) return out;
    const { wanted } = extras(ctx);
    const promtool = ['promtool', 'check', 'config', cfg.PROMETHEUS_YML];
    out.push(
      { kind: 'package', label: 'Prometheus and Alertmanager', packages: ['prometheus', 'prometheus-alertmanager'], state: 'present', source: mirror },
      file(cfg.RULES_YML, cfg.rulesYml(s)),
      file(cfg.PROMETHEUS_YML, cfg.prometheusYml(ctx.facts.hostName, s, wanted)),
      file('/etc/default/prometheus', cfg.prometheusArgs(s)),
      { kind: 'unit', name: 'prometheus', enabled: true, state: 'running', reloadOn: [`file:${cfg.PROMETHEUS_YML}`, `file:${cfg.RULES_YML}`], restartOn: ['file:/etc/default/prometheus'], checkBefore: promtool },
      file(cfg.ALERTMANAGER_YML, cfg.alertmanagerYml(s)),
      file('/etc/default/prometheus-alertmanager', cfg.alertmanagerArgs()),
      { kind: 'unit', name: 'prometheus-alertmanager', enabled: true, state: 'running', reloadOn: [`file:${cfg.ALERTMANAGER_YML}`], restartOn: ['file:/etc/default/prometheus-alertmanager'], checkBefore: ['amtool', 'check-config', cfg.ALERTMANAGER_YML] },
    );
    if (wanted.grafana) out.push(...grafanaResources(ctx));
    if (wanted.cadvisor) {
      out.push(containerResource('cadvisor', `Run cAdvisor (${CADVISOR_IMAGE}) on 127.0.0.1:${cfg.CADVISOR_PORT}, reading Docker’s containers read-only`, CADVISOR_IMAGE, ['-p', `127.0.0.1:${cfg.CADVISOR_PORT}:8080`, '-v', '/:/rootfs:ro', '-v', '/var/run:/var/run:ro', '-v', '/sys:/sys:ro', '-v', '/var/lib/docker/:/var/lib/docker:ro', '--device', '/dev/kmsg']));
    }
    if (wanted.dcgm) {
      out.push(containerResource('dcgm', `Run NVIDIA’s DCGM exporter (${DCGM_IMAGE}) on 127.0.0.1:${cfg.DCGM_PORT}`, DCGM_IMAGE, ['--gpus', 'all', '--cap-add', 'SYS_ADMIN', '-p', `127.0.0.1:${cfg.DCGM_PORT}:9400`]));
    }
    // Published on the nginx module's HTTPS site (Prometheus and Alertmanager behind a login).
    if (ctx.modules.has('nginx')) out.push(...webResources(ctx, wanted.grafana));
    return out;
  },
  checks(ctx) {
    const checks: Check[] = [
      { kind: 'unit-running', id: 'monitoring-node-exporter', label: 'node_exporter is running', unit: 'prometheus-node-exporter' },
      { kind: 'http', id: 'monitoring-node-metrics', label: `node_exporter answers on port ${cfg.NODE_EXPORTER_PORT}`, port: cfg.NODE_EXPORTER_PORT, path: '/metrics', expectStatus: 200 },
      { kind: 'unit-running', id: 'monitoring-usage-timer', label: 'The per-user usage timer is active', unit: `${cfg.USAGE_UNIT}.timer` },
    ];
    if (!isPrometheusHost(ctx)) return checks;
    checks.push(
      { kind: 'command', id: 'monitoring-prometheus-config', label: 'promtool accepts the configuration and rules', argv: ['promtool', 'check', 'config', cfg.PROMETHEUS_YML] },
      { kind: 'unit-running', id: 'monitoring-prometheus', label: 'Prometheus is running', unit: 'prometheus' },
      { kind: 'http', id: 'monitoring-prometheus-ready', label: `Prometheus is ready on 127.0.0.1:${cfg.PROMETHEUS_PORT}${cfg.PROMETHEUS_PREFIX}`, port: cfg.PROMETHEUS_PORT, path: `${cfg.PROMETHEUS_PREFIX}-/ready`, expectStatus: 200 },
      { kind: 'unit-running', id: 'monitoring-alertmanager', label: 'Alertmanager is running', unit: 'prometheus-alertmanager' },
      { kind: 'http', id: 'monitoring-alertmanager-ready', label: `Alertmanager is ready on 127.0.0.1:${cfg.ALERTMANAGER_PORT}${cfg.ALERTMANAGER_PREFIX}`, port: cfg.ALERTMANAGER_PORT, path: `${cfg.ALERTMANAGER_PREFIX}-/ready`, expectStatus: 200 },
    );
    const { wanted } = extras(ctx);
    if (wanted.grafana) checks.push(...grafanaChecks());
    if (wanted.cadvisor) checks.push({ kind: 'http', id: 'monitoring-cadvisor', label: `cAdvisor answers on 127.0.0.1:${cfg.CADVISOR_PORT}`, port: cfg.CADVISOR_PORT, path: '/healthz', expectStatus: 200 });
    if (ctx.modules.has('nginx')) checks.push(...webChecks());
    if (wanted.dcgm) checks.push({ kind: 'http', id: 'monitoring-dcgm', label: `The DCGM exporter answers on 127.0.0.1:${cfg.DCGM_PORT}`, port: cfg.DCGM_PORT, path: '/metrics', expectStatus: 200 });
    return checks;
  },
  warnings(ctx) {
    const w = extras(ctx).left.map((l) => `Left out: ${l.part === 'grafana' ? 'Grafana' : l.part === 'cadvisor' ? 'cAdvisor' : 'the DCGM exporter'} — ${l.why}.`);
    const mirror = ctx.facts.reach?.get('mirror');
    if (mirror?.ok === false) w.unshift(`The package mirror cannot be reached from this host (${mirror.detail}): the package steps will fail until it can.`);
    if (!isPrometheusHost(ctx)) w.push(`Prometheus runs on ${ctx.settings.prometheusHost}: add this host’s node_exporter (port ${cfg.NODE_EXPORTER_PORT}) to its targets, and open that port to it (firewall module).`);
    if (isPrometheusHost(ctx) && !ctx.modules.has('nginx')) w.push('The web UIs listen on 127.0.0.1 only (Fleetdeck reads Prometheus through SSH): add the nginx module to publish them with TLS, Prometheus and Alertmanager behind a login.');
    else if (isPrometheusHost(ctx)) w.push(`Prometheus and Alertmanager are published behind a login (user admin); its password ${ctx.settings.webPassword ? 'is the one given, set once: where the host has one already, that one is kept' : 'is generated on the host: Services tab → Show password'}.`);
    if (isPrometheusHost(ctx) && !ctx.settings.alertWebhook && !ctx.settings.alertEmail) w.push('No alert receiver (webhook or e-mail): alerts show in Alertmanager and Fleetdeck only.');
    return w;
  },
});
