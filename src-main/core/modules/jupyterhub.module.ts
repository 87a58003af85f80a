import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { jupyterhubInfo, jupyterhubSettings, type JupyterhubSettings } from '../../../src-common/modules/jupyterhub.js';
import { defineModule, type ModuleContext } from '../change/module.js';
import { mirrorName } from './family.js';
import { CONTAINERS_DIR } from './limits-containers.js';
import { installMode, PACKAGE_SOURCE, VENV, VENV_PROXY, VENV_SOURCES, VENV_UNIT, venvResources, venvUnit, venvWarnings } from './jupyterhub-venv.js';
import { NGINX_SITES_DIR } from './nginx.module.js';

/**
 * JupyterHub (settings: src-common/modules/jupyterhub.ts), built for Debian and Ubuntu (their
 * jupyterhub package, systemd). Fleetdeck's own config file is started by a drop-in of Debian's
 * unit; the hub listens on 127.0.0.1:8000 under /jupyter/ and nginx (when that module is there)
 * publishes it with TLS.
 *
 * The spawner is Fleetdeck's: each user's server is `systemd-run --unit jupyter-USER --slice
 * user-UID.slice --uid … --gid …`, a service of its own in the user's slice, so the limits the
 * limits module set on that slice (memory, CPU, tasks) hold for the notebook and its kernels,
 * whatever the hub's own unit allows. (Debian's LocalProcessSpawner would leave them in
 * jupyterhub.service, outside every user limit.) The server's environment (its API token among
 * it) goes through a root-only EnvironmentFile, never the command line or `systemctl show`.
 * GPUs: CUDA_VISIBLE_DEVICES from the user's allocation (the limits module's containers.d file).
 * Idle: the notebook server culls idle kernels and shuts itself down after idleMinutes.
 */
export const JUPYTER_CONFIG = '/etc/jupyterhub/fleetdeck_config.py';
export const JUPYTER_DROP_IN = '/etc/systemd/system/jupyterhub.service.d/fleetdeck.conf';
export const JUPYTER_PORT = 8000;
export const JUPYTER_PREFIX = '/jupyter/';
const HEADER = '# Managed by Fleetdeck (jupyterhub module). Edits here show up as drift and are undone by the next apply.\n';

/** A Python string literal (JSON's escapes are Python's too). */
const py = (s: string) => JSON.stringify(s);

export function jupyterConfig(s: JupyterhubSettings, mode: 'package' | 'venv' = 'package'): string {
  const idle = s.idleMinutes * 60;
  // Debian's notebook server still reads NotebookApp.*; the venv's (Jupyter Server 2) ServerApp.*.
  const app = mode === 'venv' ? 'ServerApp' : 'NotebookApp';
  const venv = mode === 'venv' ? `c.ConfigurableHTTPProxy.command = [${py(VENV_PROXY)}]\nc.Spawner.cmd = [${py(`${VENV}/bin/jupyterhub-singleuser`)}]\n` : '';
  return `${HEADER}import asyncio
import os
import pwd

from jupyterhub.spawner import Spawner
from jupyterhub.utils import random_port

c = get_config()  # noqa: F821 (given by JupyterHub)

c.JupyterHub.bind_url = ${py(`http://127.0.0.1:${JUPYTER_PORT}${JUPYTER_PREFIX}`)}
c.JupyterHub.proxy_class = "jupyterhub.proxy.ConfigurableHTTPProxy"
c.JupyterHub.cookie_secret_file = "/var/lib/jupyterhub/jupyterhub_cookie_secret"
c.JupyterHub.db_url = "sqlite:////var/lib/jupyterhub/jupyterhub.sqlite"
c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
# The spawner puts each server in the user's own slice: no PAM session of the hub's.
c.PAMAuthenticator.open_sessions = False
${s.group ? `c.LocalAuthenticator.allowed_groups = set([${py(s.group)}])\n` : ''}c.Authenticator.admin_users = set([${s.admins.map(py).join(', ')}])
c.Spawner.default_url = "/tree"
${venv}c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
c.Spawner.args = [
    "--${app}.shutdown_no_activity_timeout=${idle}",
    "--MappingKernelManager.cull_idle_timeout=${idle}",
    "--MappingKernelManager.cull_interval=60",
]

ENV_DIR = "/run/fleetdeck-jupyter"
GPU_DIR = ${py(CONTAINERS_DIR)}


async def _run(*argv):
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    return proc.returncode, out.decode("utf-8", "replace").strip()


def _gpus(uid):
    """The user's GPUs from the limits module's allocation (gpus=0,1), or None."""
    try:
        with open(f"{GPU_DIR}/{uid}.conf", encoding="utf-8") as f:
            for line in f:
                if line.startswith("gpus=") and all(p.isdigit() for p in line[5:].strip().split(",")):
                    return line[5:].strip()
    except OSError:
        pass
    return None


def _env_line(key, value):
    # systemd's EnvironmentFile: a double-quoted value with C escapes.
    escaped = str(value).replace("\\\\", "\\\\\\\\").replace('"', '\\\\"').replace("\\n", "\\\\n")
    return f'{key}="{escaped}"\\n'


class FleetdeckSliceSpawner(Spawner):
    """Each server a systemd service in its user's slice, so that user's limits hold for it."""

    def _unit(self):
        return f"jupyter-{self.user.name}.service"

    def get_state(self):
        state = super().get_state()
        if self.port:
            state["port"] = self.port
        return state

    def load_state(self, state):
        super().load_state(state)
        self.port = state.get("port", 0)

    def clear_state(self):
        super().clear_state()
        self.port = 0

    async def start(self):
        pw = pwd.getpwnam(self.user.name)
        self.port = random_port()
        self.ip = "127.0.0.1"
        env = self.get_env()
        env.update({"HOME": pw.pw_dir, "USER": pw.pw_name, "LOGNAME": pw.pw_name, "SHELL": pw.pw_shell})
        gpus = _gpus(pw.pw_uid)
        if gpus is not None:
            env["CUDA_VISIBLE_DEVICES"] = gpus
        os.makedirs(ENV_DIR, mode=0o700, exist_ok=True)
        env_file = f"{ENV_DIR}/{pw.pw_uid}.env"
        fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for key, value in env.items():
                f.write(_env_line(key, value))
        await _run("systemctl", "reset-failed", self._unit())
        code, out = await _run(
            "systemd-run", "--quiet", "--collect",
            "--unit", self._unit(),
            "--slice", f"user-{pw.pw_uid}.slice",
            "--uid", str(pw.pw_uid), "--gid", str(pw.pw_gid),
            "--property", f"EnvironmentFile={env_file}",
            "--property", f"WorkingDirectory={pw.pw_dir}",
            "--property", "KillMode=control-group",
            "--", *self.cmd, *self.get_args(),
        )
        if code != 0:
            raise RuntimeError(f"systemd-run for {self.user.name} failed: {out}")
        return (self.ip, self.port)

    async def poll(self):
        code, out = await _run("systemctl", "is-active", self._unit())
        return None if out in ("active", "activating", "reloading") else 1

    async def stop(self, now=False):
        await _run("systemctl", "stop", self._unit())
        try:
            os.unlink(f"{ENV_DIR}/{pwd.getpwnam(self.user.name).pw_uid}.env")
        except (KeyError, OSError):
            pass


c.JupyterHub.spawner_class = FleetdeckSliceSpawner
`;
}

const DROP_IN = `${HEADER}[Service]
ExecStart=
ExecStart=/usr/bin/python3 -m jupyterhub.app -f ${JUPYTER_CONFIG} --upgrade-db
`;

export const NGINX_JUPYTER = `${HEADER}location ${JUPYTER_PREFIX} {
    proxy_pass http://127.0.0.1:${JUPYTER_PORT};
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    # Kernels talk over WebSockets.
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
    proxy_read_timeout 86400;
    client_max_body_size 512m;
}
`;

export const jupyterhubModule = defineModule<JupyterhubSettings>({
  info: jupyterhubInfo,
  settings: jupyterhubSettings as never,
  unsupported(facts, settings) {
    const os = facts.probe.os.prettyName ?? facts.probe.os.name;
    if (facts.probe.serviceManager !== 'systemd') return `JupyterHub starts each user’s server in that user’s systemd slice; ${os} runs ${facts.probe.serviceManager} as its init`;
    if (facts.probe.packageBackend === 'unknown' || facts.probe.packageBackend === 'apk') return `no package manager Fleetdeck installs Python and Node.js with on ${os}`;
    if (settings?.install === 'package' && facts.probe.packageBackend !== 'apt') return `only Debian and Ubuntu package JupyterHub; ${os} uses ${facts.probe.packageBackend}: choose install "venv" (or "auto")`;
    return null;
  },
  sources: (s, probe) => [{ id: 'mirror', via: 'mirror', url: '', label: mirrorName(probe) }, ...(s.install !== 'venv' && probe.packageBackend === 'apt' ? [PACKAGE_SOURCE] : []), ...(s.install === 'venv' || probe.packageBackend !== 'apt' ? VENV_SOURCES : [])],
  network: (ctx) => (installMode(ctx) === 'venv' ? `${mirrorName(ctx.facts.probe)} for Python and Node.js; PyPI (pypi.org) for JupyterHub, JupyterLab and the notebook server; the npm registry for configurable-http-proxy` : `${mirrorName(ctx.facts.probe)} for jupyterhub (with Node.js for its proxy)`),
  opens: () => [],
  ownsPort: (port) => port === JUPYTER_PORT,
  groups: (s) => (s.group ? [s.group] : []),
  resources(ctx: ModuleContext<JupyterhubSettings>) {
    const file = (path: string, content: string, mode = 0o644): Resource => ({ kind: 'file', path, content, mode, owner: 'root', group: 'root' });
    const mode = installMode(ctx);
    const out: Resource[] =
      mode === 'venv'
        ? [
            ...venvResources(ctx),
            file(JUPYTER_CONFIG, jupyterConfig(ctx.settings, 'venv'), 0o600),
            file(VENV_UNIT, venvUnit(JUPYTER_CONFIG)),
            { kind: 'unit', name: 'jupyterhub', enabled: true, state: 'running', restartOn: [`file:${JUPYTER_CONFIG}`, `file:${VENV_UNIT}`, 'command:jupyterhub-pip', 'command:jupyterhub-proxy'] },
          ]
        : [
            // Config and drop-in first: the package starts the hub on install, and it must never run
            // with Debian's defaults (listening on every address), not even for a moment. The config
            // runs as root inside the hub: root-owned, readable by root only.
            file(JUPYTER_CONFIG, jupyterConfig(ctx.settings), 0o600),
            file(JUPYTER_DROP_IN, DROP_IN),
            { kind: 'package', label: 'JupyterHub (Debian’s package, with its proxy and the notebook server)', packages: ['jupyterhub'], state: 'present', source: mirrorName(ctx.facts.probe) },
            { kind: 'unit', name: 'jupyterhub', enabled: true, state: 'running', restartOn: [`file:${JUPYTER_CONFIG}`, `file:${JUPYTER_DROP_IN}`] },
          ];
    if (ctx.modules.has('nginx')) {
      const site = `${NGINX_SITES_DIR}/jupyterhub.conf`;
      out.push(file(site, NGINX_JUPYTER), { kind: 'unit', name: 'nginx', reloadOn: [`file:${site}`], checkBefore: ['nginx', '-t'] });
    }
    return out;
  },
  checks(ctx) {
    const checks: Check[] = [
      { kind: 'unit-running', id: 'jupyterhub-running', label: 'JupyterHub is running', unit: 'jupyterhub' },
      { kind: 'http', id: 'jupyterhub-health', label: `JupyterHub answers on 127.0.0.1:${JUPYTER_PORT}${JUPYTER_PREFIX}`, port: JUPYTER_PORT, path: `${JUPYTER_PREFIX}hub/health`, expectStatus: 200, waitMs: 60_000 },
    ];
    if (ctx.modules.has('nginx')) checks.push({ kind: 'file-contains', id: 'jupyterhub-published', label: `nginx publishes it at ${JUPYTER_PREFIX}`, path: `${NGINX_SITES_DIR}/jupyterhub.conf`, contains: `location ${JUPYTER_PREFIX}` });
    return checks;
  },
  warnings(ctx) {
    const w: string[] = installMode(ctx) === 'venv' ? venvWarnings(ctx) : [];
    if (!ctx.modules.has('nginx')) w.push(`JupyterHub listens on 127.0.0.1:${JUPYTER_PORT} only: add the nginx module to publish it with TLS (logins are the host’s passwords), or reach it through an SSH tunnel.`);
    if (ctx.settings.group && !ctx.facts.groups?.get(ctx.settings.group)?.length) w.push(`The group ${ctx.settings.group} has no members on this host yet: nobody can log in until it has.`);
    return w;
  },
});
