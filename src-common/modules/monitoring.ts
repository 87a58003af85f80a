import { z } from 'zod';
import type { ModuleInfo } from '../change/modules.contract.js';
import { domainName, email, httpsUrl, listOf, setOncePassword } from './settings-fields.js';

/**
 * Monitoring: node_exporter on every chosen host (with Fleetdeck's per-user usage through its
 * textfile collector); Prometheus and Alertmanager on the host the admin picks, scraping the
 * chosen hosts, with alert rules equal to Fleetdeck's own alert defaults; Grafana with a
 * provisioned data source and dashboards, cAdvisor where Docker runs and NVIDIA's DCGM exporter
 * where NVIDIA GPUs are — each of those three only where its source can be reached from the host
 * (the plan says what was left out and why).
 */
export const MAX_SCRAPE_TARGETS = 256;

/** The login of Prometheus and Alertmanager as nginx publishes them (user admin): root-only on the host. */
export const MONITORING_WEB_PASSWORD = '/etc/fleetdeck/monitoring/web-password';
/** Grafana's admin password (root and the grafana group, 0640: Grafana reads it at its first start). */
export const GRAFANA_ADMIN_PASSWORD = '/etc/fleetdeck/monitoring/grafana-admin-password';

/** A scrape target: host or address with a port ("gpu-2.lab:9100", "10.0.0.7:9100", "[2001:db8::7]:9100"). */
const target = () =>
  z
    .string()
    .trim()
    .max(300, 'A target has at most 300 characters.')
    .refine((v) => {
      const m = /^(\[[0-9A-Fa-f:]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(v);
      if (!m) return false;
      const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
      const p = Number(m[2]);
      return p >= 1 && p <= 65535 && domainName().safeParse(host).success;
    }, 'A target is a host name or address with the port node_exporter listens on, e.g. gpu-2.lab.example.org:9100.');

const targetList = listOf(target(), { what: 'targets', example: '["gpu-2.lab:9100"]', max: MAX_SCRAPE_TARGETS });

const percent = (what: string) =>
  z.coerce
    .number({ message: `${what} is a percentage from 1 to 100.` })
    .min(1, `${what} is a percentage from 1 to 100.`)
    .max(100, `${what} is a percentage from 1 to 100.`);

export const monitoringSettings = z
  .object({
    /**
     * The Fleetdeck name of the host that runs Prometheus, Alertmanager and Grafana; the others
     * run node_exporter only. Empty: every chosen host runs its own.
     */
    prometheusHost: z.union([z.literal(''), domainName()]).default(''),
    /** What Prometheus scrapes besides its own host's node_exporter (the other chosen hosts). */
    targets: targetList.default([]),
    retentionDays: z.coerce
      .number({ message: 'Retention is a whole number of days from 1 to 3650.' })
      .int('Retention is a whole number of days from 1 to 3650.')
      .min(1, 'Retention is a whole number of days from 1 to 3650.')
      .max(3650, 'Retention is a whole number of days from 1 to 3650.')
      .default(30),
    /** Alertmanager's receiver: a webhook (Slack-compatible bridges, ntfy, a chat bot) … */
    alertWebhook: z.union([z.literal(''), httpsUrl()]).default(''),
    /** … and/or e-mail through an SMTP relay (host:port). */
    alertEmail: z.union([z.literal(''), email()]).default(''),
    smtpSmarthost: z
      .union([z.literal(''), z.string().trim().regex(/^[A-Za-z0-9.-]{1,253}:\d{1,5}$/, 'The SMTP relay is host:port, e.g. smtp.lab.example.org:587.')])
      .default(''),
    smtpFrom: z.union([z.literal(''), email()]).default(''),
    /** The rules, as Fleetdeck's own alert defaults (Alerts page) have them. */
    diskPercent: percent('The disk alert').default(90),
    memoryPressurePercent: percent('The memory pressure alert').default(20),
    gpuTempC: z.coerce.number({ message: 'The GPU temperature alert is in °C, 30 to 120.' }).min(30, 'The GPU temperature alert is in °C, 30 to 120.').max(120, 'The GPU temperature alert is in °C, 30 to 120.').default(85),
    /** The extras, each left out (and said) where its source cannot be reached. */
    grafana: z.boolean({ message: 'grafana is true or false.' }).default(true),
    cadvisor: z.boolean({ message: 'cadvisor is true or false.' }).default(true),
    dcgm: z.boolean({ message: 'dcgm is true or false.' }).default(true),
    /** The login (user admin) nginx asks for before Prometheus and Alertmanager; empty: generated on the host. */
    webPassword: setOncePassword('The web password', 12),
  })
  .strict()
  .refine((s) => !s.alertEmail || s.smtpSmarthost, { message: 'E-mail alerts need an SMTP relay (host:port).', path: ['smtpSmarthost'] })
  .refine((s) => !s.alertEmail || s.smtpFrom, { message: 'E-mail alerts need a sender address.', path: ['smtpFrom'] });
export type MonitoringSettings = z.infer<typeof monitoringSettings>;

export const monitoringInfo: ModuleInfo = {
  id: 'monitoring',
  title: 'Monitoring: Prometheus, Alertmanager, node_exporter, Grafana',
  summary:
    'node_exporter on each host (with per-user CPU, memory and GPU usage from Fleetdeck); Prometheus and Alertmanager on the host you pick, scraping the others, with the same alert rules as Fleetdeck’s own; Grafana with ready dashboards, cAdvisor for containers and the DCGM exporter for NVIDIA GPUs where their sources can be reached. The web UIs listen on localhost only: publish them through the nginx module.',
  needs: [],
  notes: [
    'node_exporter listens on port 9100 (the Prometheus host scrapes it); Prometheus, Alertmanager and Grafana listen on localhost only',
    'Prometheus, Alertmanager and node_exporter come from the distribution’s mirror; Grafana from its own repository (apt.grafana.com), cAdvisor and the DCGM exporter as container images: each is left out, and the plan says so, where the host cannot reach it',
    'with the nginx module, the UIs are at /prometheus/, /alertmanager/ (behind a login, user admin) and /grafana/ (its own login) on its HTTPS site',
  ],
  fields: [
    { key: 'prometheusHost', label: 'Host that runs Prometheus', kind: 'text', placeholder: 'each host its own', help: 'The Fleetdeck name of one chosen host; the others run node_exporter only.' },
    { key: 'targets', label: 'Other hosts to scrape', kind: 'list', placeholder: 'gpu-2.lab:9100, gpu-3.lab:9100', help: 'host:port of each other host’s node_exporter.' },
    { key: 'retentionDays', label: 'Keep history (days)', kind: 'number' },
    { key: 'alertWebhook', label: 'Alert webhook URL', kind: 'text', placeholder: 'none', help: 'Alertmanager posts firing alerts here (JSON).' },
    { key: 'alertEmail', label: 'Alert e-mail to', kind: 'text', placeholder: 'none' },
    { key: 'smtpSmarthost', label: 'SMTP relay (host:port)', kind: 'text', help: 'Only for e-mail alerts.' },
    { key: 'smtpFrom', label: 'Alert e-mail from', kind: 'text', help: 'Only for e-mail alerts.' },
    { key: 'diskPercent', label: 'Disk alert at (% used)', kind: 'number' },
    { key: 'memoryPressurePercent', label: 'Memory pressure alert at (% of time stalled)', kind: 'number' },
    { key: 'gpuTempC', label: 'GPU temperature alert at (°C)', kind: 'number' },
    { key: 'grafana', label: 'Grafana with dashboards (from apt.grafana.com)', kind: 'boolean' },
    { key: 'cadvisor', label: 'cAdvisor, where Docker runs (image from gcr.io)', kind: 'boolean' },
    { key: 'dcgm', label: 'DCGM exporter, where NVIDIA GPUs are (image from nvcr.io)', kind: 'boolean' },
    { key: 'webPassword', label: 'Web password (user admin)', kind: 'secret', placeholder: 'generated on the host', help: 'With the nginx module: the login for /prometheus/ and /alertmanager/. Empty: generated on the host (Services tab → Show password). Set once.' },
  ],
  defaults: { prometheusHost: '', targets: [], retentionDays: 30, alertWebhook: '', alertEmail: '', smtpSmarthost: '', smtpFrom: '', diskPercent: 90, memoryPressurePercent: 20, gpuTempC: 85, grafana: true, cadvisor: true, dcgm: true, webPassword: '' },
  secrets: [
    { key: 'webPassword', label: 'Prometheus and Alertmanager web password', user: 'admin', path: MONITORING_WEB_PASSWORD, withModule: 'nginx' },
    { key: 'grafanaPassword', label: 'Grafana admin password', user: 'admin', path: GRAFANA_ADMIN_PASSWORD, withSetting: 'grafana' },
  ],
};
