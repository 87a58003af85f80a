import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { PORTAINER_PASSWORD_FILE, portainerInfo, portainerSettings, type PortainerSettings } from '../../../src-common/modules/portainer.js';
import { defineModule, reachable, type ModuleContext } from '../change/module.js';
import { hostSecret } from './family.js';
import { NGINX_SITES_DIR } from './nginx.module.js';

/**
 * Portainer CE (settings: src-common/modules/portainer.ts) as one container on the host's Docker
 * (the docker module comes first): data on the named volume portainer_data (kept by a rollback),
 * the Docker socket mounted, HTTP on 127.0.0.1:9000 only, and the admin password read by
 * Portainer from a root-only file mounted read-only (`--admin-password-file`), so it is never on
 * a command line, in a plan or in a log.
 */
export const PORTAINER_PORT = 9000;
export const PORTAINER_PASSWORD = PORTAINER_PASSWORD_FILE;
export const PORTAINER_VOLUME = 'portainer_data';
const NAME = 'portainer';
const HEADER = '# Managed by Fleetdeck (portainer module). Edits here show up as drift and are undone by the next apply.\n';

export const NGINX_PORTAINER = `${HEADER}location /portainer/ {
    proxy_pass http://127.0.0.1:${PORTAINER_PORT}/;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
}
location /portainer/api/websocket/ {
    proxy_pass http://127.0.0.1:${PORTAINER_PORT}/api/websocket/;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
}
`;

/** Runs the container (replacing one of another image), with the password file mounted read-only. */
const RUN = 'docker rm -f "$1" >/dev/null 2>&1; exec docker run -d --name "$1" --restart unless-stopped --label fleetdeck.module=portainer -p "127.0.0.1:$2:9000" -v /var/run/docker.sock:/var/run/docker.sock -v "$3:/data" -v "$4:/run/portainer/admin-password:ro" "$5" --http-enabled --admin-password-file /run/portainer/admin-password';
const SAME_IMAGE = 'test "$(docker container inspect --format "{{.Config.Image}}" "$1" 2>/dev/null)" = "$2"';

export const portainerModule = defineModule<PortainerSettings>({
  info: portainerInfo,
  settings: portainerSettings as never,
  unsupported(facts) {
    if (facts.probe.serviceManager === 'none') return 'neither systemd nor openrc runs as init (Docker needs one)';
    return null;
  },
  sources: () => [{ id: 'dockerhub', via: 'http', url: 'https://registry-1.docker.io/v2/', label: 'Docker Hub (registry-1.docker.io)' }],
  network: (ctx) => (ctx.settings.image.includes('/') && ctx.settings.image.split('/')[0]!.includes('.') ? `the registry ${ctx.settings.image.split('/')[0]}` : 'Docker Hub (registry-1.docker.io)'),
  opens: () => [],
  ownsPort: (port) => port === PORTAINER_PORT,
  resources(ctx: ModuleContext<PortainerSettings>) {
    const s = ctx.settings;
    const password = hostSecret({
      id: 'portainer-password',
      path: PORTAINER_PASSWORD,
      given: s.adminPassword,
      bytes: 18,
      label: `Generate Portainer’s admin password on the host (${PORTAINER_PASSWORD}, root only)`,
      kept: `the password is kept, as the volume ${PORTAINER_VOLUME} is: Portainer’s admin account there was made with it`,
    });
    const out: Resource[] = [
      password,
      {
        kind: 'command',
        id: 'portainer-volume',
        label: `Create the Docker volume ${PORTAINER_VOLUME} (Portainer’s data)`,
        argv: ['docker', 'volume', 'create', PORTAINER_VOLUME],
        unless: ['docker', 'volume', 'inspect', PORTAINER_VOLUME],
        undoneWith: `the volume ${PORTAINER_VOLUME} is kept: a rollback never deletes Portainer’s data (docker volume rm ${PORTAINER_VOLUME} removes it)`,
      },
      {
        kind: 'command',
        id: 'portainer-container',
        label: `Run ${s.image} as the container ${NAME} on 127.0.0.1:${PORTAINER_PORT} (the Docker socket and ${PORTAINER_VOLUME} mounted; the admin password from ${PORTAINER_PASSWORD}, read-only)`,
        argv: ['/bin/sh', '-c', RUN, 'sh', NAME, String(PORTAINER_PORT), PORTAINER_VOLUME, PORTAINER_PASSWORD, s.image],
        unless: ['/bin/sh', '-c', SAME_IMAGE, 'sh', NAME, s.image],
        undo: ['docker', 'rm', '-f', NAME],
        timeoutMs: 10 * 60_000,
      },
    ];
    if (ctx.modules.has('nginx')) {
      const site = `${NGINX_SITES_DIR}/portainer.conf`;
      out.push({ kind: 'file', path: site, content: NGINX_PORTAINER, mode: 0o644, owner: 'root', group: 'root' }, { kind: 'unit', name: 'nginx', reloadOn: [`file:${site}`], checkBefore: ['nginx', '-t'] });
    }
    return out;
  },
  checks(ctx) {
    const checks: Check[] = [
      { kind: 'command', id: 'portainer-running', label: `The container ${NAME} runs ${ctx.settings.image}`, argv: ['docker', 'container', 'inspect', '--format', '{{.State.Running}} {{.Config.Image}}', NAME], expectOutput: `true ${ctx.settings.image}` },
      { kind: 'http', id: 'portainer-status', label: `Portainer answers on 127.0.0.1:${PORTAINER_PORT}`, port: PORTAINER_PORT, path: '/api/system/status', expectStatus: 200 },
    ];
    return checks;
  },
  warnings(ctx) {
    const w = ['Portainer controls Docker, which is root on this host: anyone with its admin password is root here.'];
    if (!ctx.settings.adminPassword) w.push(`The admin password is generated on the host: Services tab → Show password, or fleetdeck modules secret ${ctx.facts.hostName} portainer (the desktop app keeps a copy in the OS keychain). Portainer asks for it at the first login (user admin).`);
    if (!reachable(ctx.facts, 'dockerhub')) w.push(`Docker Hub cannot be reached from this host (${ctx.facts.reach?.get('dockerhub')?.detail ?? 'no answer'}): the image ${ctx.settings.image} must already be there (docker load), or name a registry the host reaches.`);
    if (!ctx.modules.has('nginx')) w.push(`Portainer listens on 127.0.0.1:${PORTAINER_PORT} only: add the nginx module to publish it with TLS, or reach it through an SSH tunnel.`);
    return w;
  },
});
