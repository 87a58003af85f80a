import * as zm from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { resourceSchema } from '../../../src-common/change/resource.schema.js';
import { jupyterhubInfo, jupyterhubSettings, type JupyterhubSettings } from '../../../src-common/modules/jupyterhub.js';
import { familyFacts } from '../change/family-probes.test-util.js';
import type { ChangeModule, HostFacts } from '../change/module.js';
import { desiredState } from '../change/planner.js';
import { JUPYTER_CONFIG, JUPYTER_DROP_IN, jupyterConfig, jupyterhubModule } from './jupyterhub.module.js';

/**
 * The jupyterhub module as pure functions: its order (config before the package, so the hub
 * never starts with Debian's defaults), the spawner config it renders, nginx publishing, and its
 * settings refusing hostile input. Live (PAM login, the server in the user's slice under the
 * user's limit): e2e/integration/modules/jupyterhub.test.ts.
 */
const settings = (over: Record<string, unknown> = {}): JupyterhubSettings => jupyterhubSettings.parse({ ...jupyterhubInfo.defaults, ...over });
const plan = (over: Record<string, unknown> = {}, installed: string[] = []) => {
  const d = desiredState([{ module: jupyterhubModule as ChangeModule, settings: settings(over) }], familyFacts('debian-12'), new Set(installed));
  return { d, resources: d.items.map((i) => i.resource) };
};

describe('jupyterhub module', () => {
  it('refuses hostile settings', () => {
    const bad = (over: Record<string, unknown>) => jupyterhubSettings.safeParse({ ...jupyterhubInfo.defaults, ...over }).error?.issues[0]?.message;
    expect(bad({ group: 'students"}; import os' })).toMatch(/account name/);
    expect(bad({ admins: ['alice', 'x\nc.Spawner.cmd=["sh"]'] })).toMatch(/account name/);
    expect(bad({ idleMinutes: 1 })).toMatch(/5 to 10080/);
  });

  it('writes its config (root only) and the unit drop-in before the package, then restarts the hub on a change', () => {
    const { resources, d } = plan({ group: 'students', admins: ['alice'] });
    for (const r of resources) expect(zm.safeParse(resourceSchema, r).success, JSON.stringify(r)).toBe(true);
    expect(resources.map((r) => (r.kind === 'file' ? r.path : r.kind === 'package' ? `package:${r.packages.join(',')}` : r.kind === 'unit' ? `unit:${r.name}` : r.kind))).toEqual([JUPYTER_CONFIG, JUPYTER_DROP_IN, 'package:jupyterhub', 'unit:jupyterhub']);
    expect(resources[0]).toMatchObject({ mode: 0o600, owner: 'root' });
    expect(d.warnings.join('\n')).toMatch(/listens on 127\.0\.0\.1:8000 only: add the nginx module/);
    expect(d.checks.map((c) => c.id)).toEqual(['jupyterhub-running', 'jupyterhub-health']);
  });

  it('renders a spawner that starts each server in the user’s slice, its environment in a root-only file', () => {
    const conf = jupyterConfig(settings({ group: 'students', admins: ['alice', 'bob'], idleMinutes: 30 }));
    expect(conf).toContain('c.JupyterHub.bind_url = "http://127.0.0.1:8000/jupyter/"');
    expect(conf).toContain('c.LocalAuthenticator.allowed_groups = set(["students"])');
    expect(conf).toContain('c.Authenticator.admin_users = set(["alice", "bob"])');
    // Python: {} is a dict, not an empty set (the hub refuses it).
    expect(jupyterConfig(settings())).toContain('c.Authenticator.admin_users = set([])');
    expect(conf).toContain('"--NotebookApp.shutdown_no_activity_timeout=1800"');
    expect(conf).toMatch(/"--slice", f"user-\{pw\.pw_uid\}\.slice"/);
    expect(conf).toMatch(/"--property", f"EnvironmentFile=\{env_file\}"/);
    expect(conf).toMatch(/os\.open\(env_file, .*0o600\)/);
    expect(conf).toContain('env["CUDA_VISIBLE_DEVICES"] = gpus');
    expect(jupyterConfig(settings())).not.toContain('allowed_groups');
  });

  it('published through nginx when that module is there', () => {
    const { resources, d } = plan({}, ['nginx']);
    expect(resources.find((r) => r.kind === 'file' && r.path === '/etc/nginx/fleetdeck.d/jupyterhub.conf')).toMatchObject({ content: expect.stringMatching(/location \/jupyter\/ \{[\s\S]*proxy_pass http:\/\/127\.0\.0\.1:8000;[\s\S]*Upgrade/) });
    expect(resources.at(-1)).toMatchObject({ kind: 'unit', name: 'nginx', checkBefore: ['nginx', '-t'] });
    expect(d.warnings.join('\n')).not.toMatch(/add the nginx module/);
  });

  it('Debian’s package where the distribution has one; a pinned venv from PyPI where not; refused without systemd', () => {
    expect(jupyterhubModule.unsupported(familyFacts('rocky-9.3'), settings())).toBeNull();
    expect(jupyterhubModule.unsupported(familyFacts('ubuntu-24.04'), settings())).toBeNull();
    expect(jupyterhubModule.unsupported(familyFacts('rocky-9.3'), settings({ install: 'package' }))).toMatch(/only Debian and Ubuntu package JupyterHub; .* choose install "venv"/);
    expect(jupyterhubModule.unsupported(familyFacts('alpine-3.23'), settings())).toMatch(/systemd slice; .* runs openrc/);
    expect(() => settings({ install: 'pip' })).toThrow(/install is auto, package or venv/);
    // The package's availability is asked of the host (apt-cache policy) on apt hosts only.
    expect(jupyterhubModule.sources!(settings(), familyFacts('debian-12').probe).map((s) => `${s.id}:${s.via}`)).toEqual(['mirror:mirror', 'jupyterhub-package:package']);
    expect(jupyterhubModule.sources!(settings(), familyFacts('rocky-9.3').probe).map((s) => s.id)).toEqual(['mirror', 'pypi', 'npm-registry']);

    const venvPlan = (facts: HostFacts, over: Record<string, unknown> = {}) => {
      const d = desiredState([{ module: jupyterhubModule as ChangeModule, settings: settings(over) }], facts, new Set());
      return { d, resources: d.items.map((i) => i.resource) };
    };
    const noPackage: HostFacts = { ...familyFacts('debian-12'), reach: new Map([['jupyterhub-package', { ok: false, detail: 'the distribution’s lists have no jupyterhub' }], ['mirror', { ok: true, detail: 'fetched' }]]) };
    for (const facts of [noPackage, familyFacts('rocky-9.3')]) {
      const { d, resources } = venvPlan(facts);
      const pkgs = resources.find((r) => r.kind === 'package')!;
      expect(pkgs).toMatchObject({ packages: facts.probe.packageBackend === 'apt' ? ['python3', 'python3-venv', 'nodejs', 'npm'] : ['python3', 'nodejs', 'npm'] });
      const cmds = resources.filter((r) => r.kind === 'command').map((r) => (r.kind === 'command' ? r.argv.join(' ') : ''));
      expect(cmds).toEqual(['python3 -m venv /opt/jupyterhub', '/opt/jupyterhub/bin/pip install --no-input --disable-pip-version-check jupyterhub==5.2.1 jupyterlab==4.2.5 notebook==7.2.2', 'npm install --prefix /opt/jupyterhub/proxy --no-audit --no-fund --omit=dev configurable-http-proxy@4.6.2']);
      const config = resources.find((r) => r.kind === 'file' && r.path === JUPYTER_CONFIG);
      expect(config).toMatchObject({ mode: 0o600, content: expect.stringContaining('c.Spawner.cmd = ["/opt/jupyterhub/bin/jupyterhub-singleuser"]') });
      expect(config).toMatchObject({ content: expect.stringContaining('--ServerApp.shutdown_no_activity_timeout=3600') });
      expect(resources.find((r) => r.kind === 'file' && r.path === '/etc/systemd/system/jupyterhub.service')).toMatchObject({ content: expect.stringContaining('ExecStart=/opt/jupyterhub/bin/jupyterhub -f /etc/jupyterhub/fleetdeck_config.py --upgrade-db') });
      expect(resources.some((r) => r.kind === 'file' && r.path === JUPYTER_DROP_IN)).toBe(false);
      expect(d.warnings.join('\n')).toMatch(/JupyterHub 5\.2\.1 goes into a venv in \/opt\/jupyterhub .*needs PyPI and the npm registry/);
      expect(jupyterhubModule.network({ facts, settings: settings(), modules: new Set(), ports: [] })).toMatch(/PyPI \(pypi\.org\)/);
    }
    // Unreachable PyPI: said first.
    const offline: HostFacts = { ...familyFacts('rocky-9.3'), reach: new Map([['pypi', { ok: false, detail: 'ENOTFOUND pypi.org' }]]) };
    expect(venvPlan(offline).d.warnings[0]).toMatch(/^PyPI \(pypi\.org\), for JupyterHub in a venv cannot be reached from this host \(ENOTFOUND pypi\.org\)/);
    // The package where the host's apt has it, or where it was not asked (lists not fetched yet).
    expect(plan().resources.some((r) => r.kind === 'package' && r.packages.includes('jupyterhub'))).toBe(true);
  });
});
