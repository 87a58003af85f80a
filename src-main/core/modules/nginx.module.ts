import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import { nginxInfo, nginxSettings, type NginxSettings } from '../../../src-common/modules/nginx.js';
import { isIp } from '../../../src-common/modules/settings-fields.js';
import { defineModule, type ModuleContext } from '../change/module.js';
import { byBackend, mirrorName } from './family.js';

/**
 * Nginx with TLS: an HTTP server (the ACME challenge, and a redirect to HTTPS) and an HTTPS
 * server that other modules add their web UIs to (a `location` file each in
 * /etc/nginx/fleetdeck.d, plus a mention of the nginx unit that reloads it). `nginx -t` runs
 * before every start and reload.
 *
 * Certificates: self-signed (openssl on the host, key never leaves it), from Fleetdeck's internal
 * CA (issued by the app, the key written 0600 as a secret file), or ACME (certbot --webroot, the
 * HTTP server answering the challenge before the HTTPS server exists).
 */
export const NGINX_TLS_DIR = '/etc/nginx/fleetdeck';
export const NGINX_SITES_DIR = '/etc/nginx/fleetdeck.d';
export const ACME_WEBROOT = '/var/www/fleetdeck-acme';
const ACME_CERT_NAME = 'fleetdeck';
const ACME_LIVE = `/etc/letsencrypt/live/${ACME_CERT_NAME}`;

/** Where the distribution's nginx.conf includes server files from. */
function confDir(probe: Probe): string {
  return byBackend(probe, { apk: '/etc/nginx/http.d' }) ?? '/etc/nginx/conf.d';
}

export function serverName(ctx: ModuleContext<NginxSettings>): string {
  return ctx.settings.serverName || ctx.facts.probe.hostname;
}

function certPaths(s: NginxSettings): { cert: string; key: string } {
  return s.tls === 'acme' ? { cert: `${ACME_LIVE}/fullchain.pem`, key: `${ACME_LIVE}/privkey.pem` } : { cert: `${NGINX_TLS_DIR}/tls.crt`, key: `${NGINX_TLS_DIR}/tls.key` };
}

const HEADER = '# Managed by Fleetdeck (nginx module). Edits here show up as drift and are undone by the next apply.\n';

export function httpServer(ctx: ModuleContext<NginxSettings>): string {
  const s = ctx.settings;
  const name = serverName(ctx);
  return `${HEADER}server {
    listen ${s.httpPort};
    listen [::]:${s.httpPort};
    server_name ${name};

    location /.well-known/acme-challenge/ {
        root ${ACME_WEBROOT};
    }
    location = /fleetdeck-health {
        access_log off;
        default_type text/plain;
        return 200 "ok\\n";
    }
    location / {
        return 301 https://$host${s.httpsPort === 443 ? '' : `:${s.httpsPort}`}$request_uri;
    }
}
`;
}

export function httpsServer(ctx: ModuleContext<NginxSettings>): string {
  const s = ctx.settings;
  const { cert, key } = certPaths(s);
  return `${HEADER}server {
    listen ${s.httpsPort} ssl;
    listen [::]:${s.httpsPort} ssl;
    server_name ${serverName(ctx)};

    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:fleetdeck:10m;
${s.tls === 'acme' ? '    add_header Strict-Transport-Security "max-age=31536000" always;\n' : ''}
    location = /fleetdeck-health {
        access_log off;
        default_type text/plain;
        return 200 "ok\\n";
    }

    # The other modules' web UIs (one file each).
    include ${NGINX_SITES_DIR}/*.conf;
}
`;
}

/** openssl SAN entry: IP:… for an address, DNS:… otherwise. */
const san = (name: string) => (isIp(name) ? `IP:${name}` : `DNS:${name}`);

/** True (exit 0) when the certificate exists, is valid for 30 more days and names `$2`. */
const CERT_FRESH = 'openssl x509 -noout -checkend 2592000 -in "$1" >/dev/null && openssl x509 -noout -ext subjectAltName -in "$1" | tr -d " " | tr "," "\\n" | grep -qxF "$2"';

function tlsResources(ctx: ModuleContext<NginxSettings>): Resource[] {
  const s = ctx.settings;
  const name = serverName(ctx);
  if (s.tls === 'self-signed') {
    const { cert, key } = certPaths(s);
    return [
      {
        kind: 'command',
        id: 'nginx-self-signed',
        label: `Make a self-signed certificate for ${name} (EC P-256, 825 days; the key stays on the host, 0600)`,
        // umask first: the key is never readable by others, not even for a moment.
        argv: ['/bin/sh', '-c', 'umask 077 && mkdir -p "$1" && exec openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 -subj "/CN=$2" -addext "subjectAltName=$3" -keyout "$4" -out "$5"', 'sh', NGINX_TLS_DIR, name, san(name), key, cert],
        unless: ['/bin/sh', '-c', CERT_FRESH, 'sh', cert, san(name)],
        undo: ['rm', '-f', key, cert],
      },
      // A world-readable certificate (the key stays 0600).
      { kind: 'command', id: 'nginx-cert-mode', label: `Let nginx read ${cert}`, argv: ['chmod', '0644', cert], unless: ['/bin/sh', '-c', 'test "$(stat -c %a "$1")" = 644', 'sh', cert], when: ['command:nginx-self-signed'] },
    ];
  }
  if (s.tls === 'internal-ca') {
    if (!ctx.pki) throw new Error('the internal CA is not available here');
    const issued = ctx.pki.issue([name]);
    const { cert, key } = certPaths(s);
    return [
      { kind: 'file', path: key, content: issued.keyPem, mode: 0o600, owner: 'root', group: 'root', secret: true },
      { kind: 'file', path: cert, content: issued.certPem + issued.caPem, mode: 0o644, owner: 'root', group: 'root' },
    ];
  }
  // ACME: certbot answers the HTTP-01 challenge from the webroot the HTTP server serves.
  const env = s.acmeCaBundle ? { REQUESTS_CA_BUNDLE: s.acmeCaBundle } : undefined;
  return [
    {
      kind: 'command',
      id: 'nginx-acme',
      label: `Get a certificate for ${name} from ${s.acmeDirectory} (certbot, HTTP-01 on port ${s.httpPort})`,
      argv: [
        'certbot', 'certonly', '--webroot', '-w', ACME_WEBROOT, '-d', name, '--cert-name', ACME_CERT_NAME,
        '--non-interactive', '--agree-tos', '--server', s.acmeDirectory,
        ...(s.acmeEmail ? ['-m', s.acmeEmail] : ['--register-unsafely-without-email']),
        ...(s.httpPort !== 80 ? ['--http-01-port', String(s.httpPort)] : []),
      ],
      unless: ['/bin/sh', '-c', CERT_FRESH, 'sh', `${ACME_LIVE}/cert.pem`, san(name)],
      undo: ['certbot', 'delete', '--cert-name', ACME_CERT_NAME, '--non-interactive'],
      timeoutMs: 5 * 60_000,
      ...(env ? { env } : {}),
    },
    // Renewals (certbot's own timer) reload nginx so it serves the new certificate.
    { kind: 'file', path: '/etc/letsencrypt/renewal-hooks/deploy/fleetdeck-nginx', content: '#!/bin/sh\n# Managed by Fleetdeck (nginx module): serve a renewed certificate.\nexec nginx -s reload\n', mode: 0o755, owner: 'root', group: 'root' },
  ];
}

export const nginxModule = defineModule<NginxSettings>({
  info: nginxInfo,
  settings: nginxSettings as never,
  unsupported(facts) {
    if (facts.probe.packageBackend === 'unknown') return 'no package manager Fleetdeck knows (apt, dnf, yum, zypper, pacman, apk)';
    if (facts.probe.serviceManager === 'none') return 'neither systemd nor openrc runs as init';
    return null;
  },
  network: (ctx) => `${mirrorName(ctx.facts.probe)} for nginx${ctx.settings.tls === 'acme' ? ` and certbot; the ACME server (${ctx.settings.acmeDirectory}) must reach this host on port ${ctx.settings.httpPort}` : ''}`,
  opens: (s) => [
    { port: s.httpPort, proto: 'tcp', why: 'HTTP (redirect to HTTPS, ACME challenge)' },
    { port: s.httpsPort, proto: 'tcp', why: 'HTTPS' },
  ],
  resources(ctx) {
    const { probe } = ctx.facts;
    const s = ctx.settings;
    const dir = confDir(probe);
    const httpFile = `${dir}/fleetdeck-http.conf`;
    const httpsFile = `${dir}/fleetdeck-https.conf`;
    const nginxTest = ['nginx', '-t'];
    const packages: Resource[] = [{ kind: 'package', label: 'nginx', packages: ['nginx'], state: 'present', source: mirrorName(probe) }];
    if (s.tls === 'self-signed') packages.push({ kind: 'package', label: 'OpenSSL', packages: ['openssl'], state: 'present', source: mirrorName(probe) });
    if (s.tls === 'acme') packages.push({ kind: 'package', label: 'certbot', packages: ['certbot'], state: 'present', source: mirrorName(probe) });
    const out: Resource[] = [...packages];
    // Arch's nginx.conf includes no directory: add one include line (once) to its http block.
    if (probe.packageBackend === 'pacman') {
      out.push({
        kind: 'command',
        id: 'nginx-include-confd',
        label: 'Include /etc/nginx/conf.d/*.conf from /etc/nginx/nginx.conf (Arch ships none)',
        argv: ['sed', '-i', 's|^\\(\\s*http\\s*{\\)\\s*$|\\1\\n    include /etc/nginx/conf.d/*.conf; # Fleetdeck|', '/etc/nginx/nginx.conf'],
        unless: ['grep', '-qF', 'include /etc/nginx/conf.d/*.conf;', '/etc/nginx/nginx.conf'],
        undo: ['sed', '-i', '/include \\/etc\\/nginx\\/conf.d\\/\\*.conf; # Fleetdeck/d', '/etc/nginx/nginx.conf'],
      });
    }
    out.push({ kind: 'file', path: `${ACME_WEBROOT}/index.html`, content: '<!doctype html><title>Fleetdeck</title>ACME challenge root (managed by Fleetdeck).\n', mode: 0o644, owner: 'root', group: 'root' });
    out.push({ kind: 'file', path: httpFile, content: httpServer(ctx), mode: 0o644, owner: 'root', group: 'root' });
    if (s.tls === 'acme') {
      // The HTTP server must answer the challenge before certbot asks for it.
      out.push({ kind: 'unit', name: 'nginx', enabled: true, state: 'running', reloadOn: [`file:${httpFile}`], checkBefore: nginxTest });
      out.push(...tlsResources(ctx));
      out.push({ kind: 'file', path: httpsFile, content: httpsServer(ctx), mode: 0o644, owner: 'root', group: 'root' });
      out.push({ kind: 'unit', name: 'nginx', reloadOn: [`file:${httpsFile}`, 'command:nginx-acme'], checkBefore: nginxTest });
    } else {
      out.push(...tlsResources(ctx));
      out.push({ kind: 'file', path: httpsFile, content: httpsServer(ctx), mode: 0o644, owner: 'root', group: 'root' });
      const { cert, key } = certPaths(s);
      out.push({
        kind: 'unit',
        name: 'nginx',
        enabled: true,
        state: 'running',
        reloadOn: [`file:${httpFile}`, `file:${httpsFile}`, `file:${cert}`, `file:${key}`, 'command:nginx-self-signed'],
        checkBefore: nginxTest,
      });
    }
    return out;
  },
  checks(ctx) {
    const s = ctx.settings;
    const name = serverName(ctx);
    const { cert } = certPaths(s);
    const checks: Check[] = [
      { kind: 'command', id: 'nginx-config', label: 'nginx -t accepts the configuration', argv: ['nginx', '-t'] },
      { kind: 'unit-running', id: 'nginx-running', label: 'nginx is running', unit: 'nginx' },
      { kind: 'http', id: 'nginx-http', label: `HTTP on port ${s.httpPort} redirects to HTTPS`, port: s.httpPort, path: '/', expectStatus: 301, hostHeader: name },
      { kind: 'http', id: 'nginx-https', label: `HTTPS on port ${s.httpsPort} answers for ${name}`, port: s.httpsPort, path: '/fleetdeck-health', expectStatus: 200, tls: true, hostHeader: name },
      {
        kind: 'command',
        id: 'nginx-certificate',
        label: `The certificate names ${name} and is valid for 30 more days`,
        argv: ['/bin/sh', '-c', CERT_FRESH, 'sh', s.tls === 'acme' ? `${ACME_LIVE}/cert.pem` : cert, san(name)],
      },
    ];
    return checks;
  },
  warnings(ctx) {
    const s = ctx.settings;
    const w: string[] = [];
    if (s.tls === 'self-signed') w.push('Browsers warn about a self-signed certificate; the internal CA avoids that once its certificate is trusted.');
    if (s.tls === 'acme' && isIp(serverName(ctx))) w.push('ACME servers such as Let’s Encrypt do not issue certificates for IP addresses: give a domain name.');
    return w;
  },
});
