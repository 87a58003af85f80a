import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { MONITORING_WEB_PASSWORD } from '../../../src-common/modules/monitoring.js';
import { hostSecret, mirrorName } from './family.js';
import { ALERTMANAGER_PORT, ALERTMANAGER_PREFIX, GRAFANA_PORT, GRAFANA_PREFIX, PROMETHEUS_PORT, PROMETHEUS_PREFIX } from './monitoring-config.js';
import { NGINX_SITES_DIR } from './nginx.module.js';
import type { ModuleContext } from '../change/module.js';
import type { MonitoringSettings } from '../../../src-common/modules/monitoring.js';

/**
 * The monitoring UIs on the nginx module's HTTPS site: Prometheus and Alertmanager have no login
 * of their own, so nginx asks for one (user admin, HTTP basic auth over TLS) whose password is
 * generated on the host, or given, into a root-only file; nginx reads only its SHA-512 crypt hash
 * (root:www-data 0640). Grafana has its own login: its admin password is set the same way.
 */
export const MONITORING_SITE = `${NGINX_SITES_DIR}/monitoring.conf`;
/** Not in NGINX_TLS_DIR (root only, 0700, for the TLS key): nginx's workers (www-data) read this. */
export const MONITORING_HTPASSWD = '/etc/nginx/fleetdeck-auth/monitoring.htpasswd';
export const WEB_USER = 'admin';

const HEADER = '# Managed by Fleetdeck (monitoring module). Edits here show up as drift and are undone by the next apply.\n';

function proxied(prefix: string, port: number, auth: boolean): string {
  const login = auth ? `    auth_basic "Fleetdeck monitoring";\n    auth_basic_user_file ${MONITORING_HTPASSWD};\n` : '';
  return `location ${prefix} {
${login}    proxy_pass http://127.0.0.1:${port};
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
}
`;
}

export function nginxMonitoring(grafana: boolean): string {
  let out = HEADER + proxied(PROMETHEUS_PREFIX, PROMETHEUS_PORT, true) + proxied(ALERTMANAGER_PREFIX, ALERTMANAGER_PORT, true);
  if (grafana) {
    out += proxied(GRAFANA_PREFIX, GRAFANA_PORT, false);
    // Grafana Live (dashboards that update themselves) is a WebSocket.
    out += `location ${GRAFANA_PREFIX}api/live/ {
    proxy_pass http://127.0.0.1:${GRAFANA_PORT};
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
    proxy_set_header Host $host;
}
`;
  }
  return out;
}

/** Writes "admin:<sha512-crypt of the password>" for nginx (root:www-data 0640); its check recomputes it with the same salt. */
const HTPASSWD = `set -e; umask 027; install -d -m 0750 -o root -g www-data "$(dirname "$2")"; h=$(head -n1 "$1" | openssl passwd -6 -stdin); printf '%s:%s\\n' "$3" "$h" > "$2.tmp"; chgrp www-data "$2.tmp"; chmod 0640 "$2.tmp"; mv "$2.tmp" "$2"`;
export const HTPASSWD_MATCHES = `h=$(sed -n "s/^$3://p" "$2" 2>/dev/null); s=$(printf '%s' "$h" | cut -d '$' -f3); test -n "$s" && test "$(head -n1 "$1" | openssl passwd -6 -salt "$s" -stdin)" = "$h"`;

export function webResources(ctx: ModuleContext<MonitoringSettings>, grafana: boolean): Resource[] {
  return [
    { kind: 'package', label: 'OpenSSL (to hash the web password for nginx)', packages: ['openssl'], state: 'present', source: mirrorName(ctx.facts.probe) },
    hostSecret({
      id: 'monitoring-web-password',
      path: MONITORING_WEB_PASSWORD,
      given: ctx.settings.webPassword && `${ctx.settings.webPassword}\n`,
      bytes: 18,
      label: `Generate the password of the published Prometheus and Alertmanager (user ${WEB_USER}) on the host (${MONITORING_WEB_PASSWORD}, root only)`,
      kept: 'the password is kept: Fleetdeck’s keychain and your browser may hold it',
    }),
    {
      kind: 'command',
      id: 'monitoring-htpasswd',
      label: `Let nginx check that password: its hash (SHA-512 crypt) in ${MONITORING_HTPASSWD} (root:www-data, 0640, in a directory only root and www-data enter)`,
      argv: ['/bin/sh', '-c', HTPASSWD, 'sh', MONITORING_WEB_PASSWORD, MONITORING_HTPASSWD, WEB_USER],
      unless: ['/bin/sh', '-c', HTPASSWD_MATCHES, 'sh', MONITORING_WEB_PASSWORD, MONITORING_HTPASSWD, WEB_USER],
      undo: ['/bin/sh', '-c', 'rm -f "$1"; rmdir "$(dirname "$1")" 2>/dev/null; true', 'sh', MONITORING_HTPASSWD],
    },
    { kind: 'file', path: MONITORING_SITE, content: nginxMonitoring(grafana), mode: 0o644, owner: 'root', group: 'root' },
    { kind: 'unit', name: 'nginx', reloadOn: [`file:${MONITORING_SITE}`, 'command:monitoring-htpasswd'], checkBefore: ['nginx', '-t'] },
  ];
}

export function webChecks(): Check[] {
  return [
    { kind: 'file-contains', id: 'monitoring-published', label: `nginx publishes Prometheus and Alertmanager at ${PROMETHEUS_PREFIX} and ${ALERTMANAGER_PREFIX}, behind a login`, path: MONITORING_SITE, contains: `auth_basic_user_file ${MONITORING_HTPASSWD};` },
    { kind: 'command', id: 'monitoring-web-login', label: `nginx’s password hash matches the web password (user ${WEB_USER})`, argv: ['/bin/sh', '-c', HTPASSWD_MATCHES, 'sh', MONITORING_WEB_PASSWORD, MONITORING_HTPASSWD, WEB_USER] },
  ];
}
