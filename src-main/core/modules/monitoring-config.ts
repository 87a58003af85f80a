import type { MonitoringSettings } from '../../../src-common/modules/monitoring.js';
import { toYaml } from './yaml.js';

/**
 * What the monitoring module writes: Prometheus's scrape config and rules, Alertmanager's
 * receiver, the arguments each daemon starts with, and the per-user usage exporter that feeds
 * node_exporter's textfile collector. Pure functions of the settings, rendered as YAML whose
 * every string is quoted (yaml.ts), so nothing from settings becomes structure.
 */
export const PROMETHEUS_PORT = 9090;
export const ALERTMANAGER_PORT = 9093;
export const NODE_EXPORTER_PORT = 9100;
export const CADVISOR_PORT = 9338;
export const DCGM_PORT = 9400;
export const GRAFANA_PORT = 3000;

/** Where each UI answers (on localhost), and where nginx publishes it. */
export const PROMETHEUS_PREFIX = '/prometheus/';
export const ALERTMANAGER_PREFIX = '/alertmanager/';
export const GRAFANA_PREFIX = '/grafana/';

export const PROMETHEUS_YML = '/etc/prometheus/prometheus.yml';
export const RULES_YML = '/etc/prometheus/fleetdeck-rules.yml';
export const ALERTMANAGER_YML = '/etc/prometheus/alertmanager.yml';
export const TEXTFILE_DIR = '/var/lib/prometheus/node-exporter';
export const USAGE_SCRIPT = '/usr/local/lib/fleetdeck/usage-textfile';
export const USAGE_UNIT = 'fleetdeck-usage';

const HEADER = '# Managed by Fleetdeck (monitoring module). Edits here show up as drift and are undone by the next apply.\n';

export interface Extras {
  cadvisor: boolean;
  dcgm: boolean;
}

/** The file systems a disk alert is about (not memory-backed or read-only images). */
const REAL_FS = 'fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|iso9660|fuse.*"';

export function prometheusYml(hostName: string, s: MonitoringSettings, extras: Extras): string {
  const local = (port: number, job: string, path?: string) => ({ job_name: job, ...(path ? { metrics_path: path } : {}), static_configs: [{ targets: [`127.0.0.1:${port}`], labels: { instance: hostName } }] });
  return (
    HEADER +
    toYaml({
      global: { scrape_interval: '15s', evaluation_interval: '15s', external_labels: { fleetdeck_prometheus: hostName } },
      alerting: { alertmanagers: [{ path_prefix: ALERTMANAGER_PREFIX, static_configs: [{ targets: [`127.0.0.1:${ALERTMANAGER_PORT}`] }] }] },
      rule_files: [RULES_YML],
      scrape_configs: [
        local(PROMETHEUS_PORT, 'prometheus', `${PROMETHEUS_PREFIX}metrics`),
        { job_name: 'node', static_configs: [{ targets: [`127.0.0.1:${NODE_EXPORTER_PORT}`], labels: { instance: hostName } }, ...(s.targets.length ? [{ targets: s.targets }] : [])] },
        local(ALERTMANAGER_PORT, 'alertmanager', `${ALERTMANAGER_PREFIX}metrics`),
        ...(extras.cadvisor ? [local(CADVISOR_PORT, 'cadvisor')] : []),
        ...(extras.dcgm ? [local(DCGM_PORT, 'dcgm')] : []),
      ],
    })
  );
}

/**
 * Fleetdeck's own alert defaults (the Alerts page: host down, disk usage, memory pressure, GPU
 * temperature, GPU memory held while idle) and the backup module's age limit as Prometheus rules, so alerts reach people while no
 * laptop runs Fleetdeck.
 */
export function rulesYml(s: MonitoringSettings): string {
  const rule = (alert: string, expr: string, forS: string, severity: 'warning' | 'critical', summary: string) => ({ alert, expr, for: forS, labels: { severity, source: 'fleetdeck' }, annotations: { summary } });
  return (
    HEADER +
    toYaml({
      groups: [
        {
          name: 'fleetdeck',
          rules: [
            rule('HostDown', 'up{job="node"} == 0', '1m', 'critical', '{{ $labels.instance }} does not answer (node_exporter down or host unreachable) for 1 minute'),
            rule('DiskUsage', `100 * (1 - node_filesystem_avail_bytes{${REAL_FS}} / node_filesystem_size_bytes{${REAL_FS}}) > ${s.diskPercent}`, '0s', 'warning', `{{ $labels.instance }}: {{ $labels.mountpoint }} is {{ printf "%.0f" $value }}% full (alert at ${s.diskPercent}%)`),
            rule('MemoryPressure', `100 * rate(node_pressure_memory_waiting_seconds_total[1m]) > ${s.memoryPressurePercent}`, '1m', 'warning', `{{ $labels.instance }}: tasks stalled on memory {{ printf "%.0f" $value }}% of the time (alert at ${s.memoryPressurePercent}%)`),
            rule('GpuTemperature', `max by (instance, gpu) (fleetdeck_gpu_temperature_celsius) > ${s.gpuTempC} or max by (instance, gpu) (DCGM_FI_DEV_GPU_TEMP) > ${s.gpuTempC}`, '1m', 'critical', `{{ $labels.instance }} GPU {{ $labels.gpu }} at {{ $value }} °C (alert at ${s.gpuTempC} °C)`),
            rule('BackupTooOld', 'time() - fleetdeck_backup_last_success_timestamp_seconds > fleetdeck_backup_max_age_seconds', '5m', 'warning', '{{ $labels.instance }}: the last good backup is older than its limit (backup module; see journalctl -u fleetdeck-backup)'),
            rule('GpuIdleMemory', 'fleetdeck_gpu_memory_used_bytes > 1073741824 and on (instance, gpu) fleetdeck_gpu_utilization_percent <= 1', '30m', 'warning', '{{ $labels.instance }} GPU {{ $labels.gpu }} holds {{ humanize1024 $value }}B while idle for 30 minutes'),
          ],
        },
      ],
    })
  );
}

export function alertmanagerYml(s: MonitoringSettings): string {
  const receiver = {
    name: 'fleetdeck',
    ...(s.alertWebhook ? { webhook_configs: [{ url: s.alertWebhook, send_resolved: true }] } : {}),
    ...(s.alertEmail ? { email_configs: [{ to: s.alertEmail, from: s.smtpFrom, smarthost: s.smtpSmarthost, send_resolved: true }] } : {}),
  };
  return (
    HEADER +
    (s.alertWebhook || s.alertEmail ? '' : '# No webhook or e-mail set: alerts show in Alertmanager (and Fleetdeck) only.\n') +
    toYaml({
      route: { receiver: 'fleetdeck', group_by: ['alertname', 'instance'], group_wait: '10s', group_interval: '1m', repeat_interval: '4h' },
      receivers: [receiver],
    })
  );
}

/** /etc/default files (ARGS, split on spaces by systemd): nothing here comes from host data. */
export function prometheusArgs(s: MonitoringSettings): string {
  return `${HEADER}ARGS="--config.file=${PROMETHEUS_YML} --web.listen-address=127.0.0.1:${PROMETHEUS_PORT} --web.external-url=http://127.0.0.1:${PROMETHEUS_PORT}${PROMETHEUS_PREFIX} --storage.tsdb.retention.time=${s.retentionDays}d"\n`;
}
export function alertmanagerArgs(): string {
  // No cluster: a single Alertmanager needs no gossip port (9094) open.
  return `${HEADER}ARGS="--config.file=${ALERTMANAGER_YML} --web.listen-address=127.0.0.1:${ALERTMANAGER_PORT} --web.external-url=http://127.0.0.1:${ALERTMANAGER_PORT}${ALERTMANAGER_PREFIX} --cluster.listen-address="\n`;
}

/**
 * Per-user usage for node_exporter's textfile collector: CPU (cores, from two ps snapshots 5 s
 * apart), resident memory, process count and GPU memory per user; temperature, utilisation and
 * memory per GPU. Runs as the prometheus user (it only reads ps and nvidia-smi), writes a temp
 * file and renames it, so node_exporter never reads half a file. Label values are escaped.
 */
export const USAGE_SH = `#!/bin/sh
${HEADER}set -eu
dir=${TEXTFILE_DIR}
out="$dir/fleetdeck-usage.prom"
tmp="$dir/.fleetdeck-usage.prom.$$"
trap 'rm -f "$tmp" "$tmp.a" "$tmp.b"' EXIT
ps -e -o pid=,user:64=,times=,rss= > "$tmp.a"
sleep 5
ps -e -o pid=,user:64=,times=,rss= > "$tmp.b"
gpu_apps=""
if command -v nvidia-smi >/dev/null 2>&1; then
  gpu_apps=$(nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits 2>/dev/null || true)
fi
{
  awk -v gpu_apps="$gpu_apps" '
    function esc(s) { gsub(/\\\\/, "\\\\\\\\", s); gsub(/"/, "\\\\\\"", s); gsub(/\\n/, "\\\\n", s); return s }
    FNR == NR { t0[$1] = $3; next }
    { user[$1] = $2; cpu[$2] += ($1 in t0 ? $3 - t0[$1] : 0); mem[$2] += $4 * 1024; procs[$2]++ }
    END {
      n = split(gpu_apps, lines, "\\n")
      for (i = 1; i <= n; i++) { split(lines[i], f, ", *"); if (f[1] in user) gmem[user[f[1]]] += f[2] * 1048576 }
      print "# HELP fleetdeck_user_cpu_cores CPU used by the user'"'"'s processes (cores, over 5 s)."
      print "# TYPE fleetdeck_user_cpu_cores gauge"
      for (u in cpu) printf "fleetdeck_user_cpu_cores{user=\\"%s\\"} %.3f\\n", esc(u), (cpu[u] < 0 ? 0 : cpu[u] / 5)
      print "# HELP fleetdeck_user_memory_bytes Resident memory of the user'"'"'s processes."
      print "# TYPE fleetdeck_user_memory_bytes gauge"
      for (u in mem) printf "fleetdeck_user_memory_bytes{user=\\"%s\\"} %.0f\\n", esc(u), mem[u]
      print "# HELP fleetdeck_user_processes Processes the user runs."
      print "# TYPE fleetdeck_user_processes gauge"
      for (u in procs) printf "fleetdeck_user_processes{user=\\"%s\\"} %.0f\\n", esc(u), procs[u]
      print "# HELP fleetdeck_user_gpu_memory_bytes GPU memory held by the user'"'"'s processes."
      print "# TYPE fleetdeck_user_gpu_memory_bytes gauge"
      for (u in gmem) printf "fleetdeck_user_gpu_memory_bytes{user=\\"%s\\"} %.0f\\n", esc(u), gmem[u]
    }' "$tmp.a" "$tmp.b"
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=index,temperature.gpu,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits 2>/dev/null | awk -F', *' '
      BEGIN { print "# TYPE fleetdeck_gpu_temperature_celsius gauge"; print "# TYPE fleetdeck_gpu_utilization_percent gauge"; print "# TYPE fleetdeck_gpu_memory_used_bytes gauge"; print "# TYPE fleetdeck_gpu_memory_total_bytes gauge" }
      $1 ~ /^[0-9]+$/ {
        if ($2 ~ /^[0-9.]+$/) printf "fleetdeck_gpu_temperature_celsius{gpu=\\"%s\\"} %s\\n", $1, $2
        if ($3 ~ /^[0-9.]+$/) printf "fleetdeck_gpu_utilization_percent{gpu=\\"%s\\"} %s\\n", $1, $3
        if ($4 ~ /^[0-9.]+$/) printf "fleetdeck_gpu_memory_used_bytes{gpu=\\"%s\\"} %.0f\\n", $1, $4 * 1048576
        if ($5 ~ /^[0-9.]+$/) printf "fleetdeck_gpu_memory_total_bytes{gpu=\\"%s\\"} %.0f\\n", $1, $5 * 1048576
      }' || true
  fi
} > "$tmp"
chmod 0644 "$tmp"
mv "$tmp" "$out"
`;

export const USAGE_SERVICE = `${HEADER}[Unit]
Description=Fleetdeck per-user usage for node_exporter's textfile collector
After=prometheus-node-exporter.service

[Service]
Type=oneshot
User=prometheus
ExecStart=${USAGE_SCRIPT}
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ReadWritePaths=${TEXTFILE_DIR}
`;

export const USAGE_TIMER = `${HEADER}[Unit]
Description=Fleetdeck per-user usage every 30 s

[Timer]
OnBootSec=30s
OnUnitActiveSec=30s
AccuracySec=1s

[Install]
WantedBy=timers.target
`;
