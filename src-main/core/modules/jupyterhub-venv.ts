import type { Resource } from '../../../src-common/change/resource.schema.js';
import type { JupyterhubSettings } from '../../../src-common/modules/jupyterhub.js';
import type { ModuleContext, ModuleSource } from '../change/module.js';
import { byBackend, mirrorName } from './family.js';

/**
 * JupyterHub where the distribution has no package (Ubuntu 22.04, the RHEL family, Fedora,
 * openSUSE, Arch): a root-owned venv in /opt/jupyterhub with pinned versions from PyPI, the
 * proxy (configurable-http-proxy) from the npm registry into the same directory, and a unit of
 * Fleetdeck's own. Python and Node.js come from the host's mirror. Nothing in the venv is
 * writable by the users whose servers it starts.
 */
export const VENV = '/opt/jupyterhub';
export const JUPYTERHUB_VERSION = '5.2.1';
const PIP_PINS = [`jupyterhub==${JUPYTERHUB_VERSION}`, 'jupyterlab==4.2.5', 'notebook==7.2.2'];
const PROXY = 'configurable-http-proxy@4.6.2';
export const VENV_PROXY = `${VENV}/proxy/node_modules/.bin/configurable-http-proxy`;
export const VENV_UNIT = '/etc/systemd/system/jupyterhub.service';

export const PACKAGE_SOURCE: ModuleSource = { id: 'jupyterhub-package', via: 'package', url: 'jupyterhub', label: 'the distribution’s jupyterhub package' };
export const VENV_SOURCES: ModuleSource[] = [
  { id: 'pypi', via: 'http', url: 'https://pypi.org/simple/jupyterhub/', label: 'PyPI (pypi.org), for JupyterHub in a venv' },
  { id: 'npm-registry', via: 'http', url: 'https://registry.npmjs.org/configurable-http-proxy', label: 'the npm registry (registry.npmjs.org), for JupyterHub’s proxy' },
];

/** Debian's package where the distribution has one (or the admin chose it), else the venv. */
export function installMode(ctx: Pick<ModuleContext<JupyterhubSettings>, 'settings' | 'facts'>): 'package' | 'venv' {
  const s = ctx.settings;
  if (s.install !== 'auto') return s.install;
  if (ctx.facts.probe.packageBackend !== 'apt') return 'venv';
  return ctx.facts.reach?.get(PACKAGE_SOURCE.id)?.ok === false ? 'venv' : 'package';
}

const HEADER = '# Managed by Fleetdeck (jupyterhub module). Edits here show up as drift and are undone by the next apply.\n';

export function venvUnit(config: string): string {
  return `${HEADER}[Unit]
Description=JupyterHub (Fleetdeck, venv in ${VENV})
After=network-online.target

[Service]
ExecStart=${VENV}/bin/jupyterhub -f ${config} --upgrade-db
WorkingDirectory=/var/lib/jupyterhub
StateDirectory=jupyterhub
Environment=PATH=${VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
Restart=on-failure

[Install]
WantedBy=multi-user.target
`;
}

/** Python, Node.js and npm from the mirror; the venv and the proxy from PyPI and npm, pinned. */
export function venvResources(ctx: ModuleContext<JupyterhubSettings>): Resource[] {
  const { probe } = ctx.facts;
  const packages = byBackend(probe, { apt: ['python3', 'python3-venv', 'nodejs', 'npm'], dnf: ['python3', 'nodejs', 'npm'], yum: ['python3', 'nodejs', 'npm'], zypper: ['python3', 'nodejs', 'npm'], pacman: ['python', 'nodejs', 'npm'] }) ?? ['python3', 'nodejs', 'npm'];
  const gone = 'removed with the venv directory';
  return [
    { kind: 'package', label: 'Python and Node.js (for JupyterHub in a venv)', packages, state: 'present', source: mirrorName(probe) },
    { kind: 'command', id: 'jupyterhub-venv', label: `Make a venv in ${VENV} (root-owned)`, argv: ['python3', '-m', 'venv', VENV], unless: ['test', '-x', `${VENV}/bin/python`], undo: ['rm', '-rf', VENV] },
    {
      kind: 'command',
      id: 'jupyterhub-pip',
      label: `Install ${PIP_PINS.join(', ')} into the venv from PyPI`,
      argv: [`${VENV}/bin/pip`, 'install', '--no-input', '--disable-pip-version-check', ...PIP_PINS],
      unless: [`${VENV}/bin/python`, '-c', `import sys, jupyterhub; sys.exit(jupyterhub.__version__ != ${JSON.stringify(JUPYTERHUB_VERSION)})`],
      undoneWith: gone,
      timeoutMs: 20 * 60_000,
    },
    {
      kind: 'command',
      id: 'jupyterhub-proxy',
      label: `Install ${PROXY} into ${VENV}/proxy from the npm registry`,
      argv: ['npm', 'install', '--prefix', `${VENV}/proxy`, '--no-audit', '--no-fund', '--omit=dev', PROXY],
      unless: ['test', '-x', VENV_PROXY],
      undoneWith: gone,
      timeoutMs: 10 * 60_000,
    },
  ];
}

export function venvWarnings(ctx: ModuleContext<JupyterhubSettings>): string[] {
  const w = [`JupyterHub ${JUPYTERHUB_VERSION} goes into a venv in ${VENV} (${ctx.settings.install === 'venv' ? 'chosen' : ctx.facts.probe.packageBackend === 'apt' ? 'the distribution has no jupyterhub package' : 'only Debian’s package is used, where there is one'}): it needs PyPI and the npm registry, or mirrors of them set in /etc/pip.conf and npm’s config.`];
  for (const s of VENV_SOURCES) {
    const r = ctx.facts.reach?.get(s.id);
    if (r?.ok === false) w.unshift(`${s.label} cannot be reached from this host (${r.detail}): the install step that needs it will fail until it can.`);
  }
  return w;
}
