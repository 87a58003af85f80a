import * as zm from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { resourceSchema } from '../../../src-common/change/resource.schema.js';
import { jupyterhubInfo, jupyterhubSettings, type JupyterhubSettings } from '../../../src-common/modules/jupyterhub.js';
import { familyFacts } from '../change/family-probes.test-util.js';
import type { ChangeModule } from '../change/module.js';
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

  it('is built for apt + systemd', () => {
    expect(jupyterhubModule.unsupported(familyFacts('rocky-9.3'), settings())).toMatch(/built for apt hosts with systemd/);
    expect(jupyterhubModule.unsupported(familyFacts('ubuntu-24.04'), settings())).toBeNull();
  });
});
