import * as zm from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { resourceSchema, type CommandResource } from '../../../src-common/change/resource.schema.js';
import { portainerInfo, portainerSettings, type PortainerSettings } from '../../../src-common/modules/portainer.js';
import { familyFacts } from '../change/family-probes.test-util.js';
import type { ChangeModule, HostFacts } from '../change/module.js';
import { desiredState } from '../change/planner.js';
import { PORTAINER_PASSWORD, portainerModule } from './portainer.module.js';

/**
 * The portainer module as pure functions: the password never on a command line, the volume
 * kept by a rollback, the image replaced when the setting changes, nginx publishing, and what it
 * says when Docker Hub cannot be reached. Live, with a stand-in image that proves the wiring
 * (port, volume, password file, proxy): e2e/integration/modules/portainer.test.ts.
 */
const settings = (over: Record<string, unknown> = {}): PortainerSettings => portainerSettings.parse({ ...portainerInfo.defaults, ...over });
const facts = (dockerhub: boolean | null = true): HostFacts => ({ ...familyFacts('debian-12'), reach: new Map([['dockerhub', { ok: dockerhub, detail: dockerhub === false ? 'ENOTFOUND' : 'HTTP 401' }]]) });
const plan = (over: Record<string, unknown> = {}, installed = ['docker'], f = facts()) => {
  const d = desiredState([{ module: portainerModule as ChangeModule, settings: settings(over) }], f, new Set(installed));
  return { d, resources: d.items.map((i) => i.resource) };
};
const cmd = (r: ReturnType<typeof plan>['resources'], id: string) => r.find((x): x is CommandResource => x.kind === 'command' && x.id === id)!;

describe('portainer module', () => {
  it('needs the docker module, and refuses hostile image names', () => {
    expect(() => plan({}, [])).toThrow(/needs docker: add docker to this plan, or install it first/);
    const bad = (image: string) => portainerSettings.safeParse({ ...portainerInfo.defaults, image }).error?.issues[0]?.message;
    expect(bad('portainer/portainer-ce')).toMatch(/with its tag/);
    expect(bad('--privileged')).toMatch(/An image is/);
    expect(bad('x:1; reboot')).toMatch(/An image is/);
    expect(settings({ image: 'registry.lab:5000/mirror/portainer-ce:2.21.4' }).image).toBe('registry.lab:5000/mirror/portainer-ce:2.21.4');
  });

  it('a generated password stays on the host; the container reads it from a read-only mount, never from its command line; the volume outlives a rollback', () => {
    const { resources, d } = plan();
    for (const r of resources) expect(zm.safeParse(resourceSchema, r).success, JSON.stringify(r)).toBe(true);
    expect(cmd(resources, 'portainer-password')).toMatchObject({ unless: ['test', '-s', PORTAINER_PASSWORD], undoneWith: expect.stringMatching(/password is kept/) });
    expect(cmd(resources, 'portainer-volume')).toMatchObject({ argv: ['docker', 'volume', 'create', 'portainer_data'], undoneWith: expect.stringMatching(/never deletes Portainer’s data/) });
    const run = cmd(resources, 'portainer-container');
    expect(run.argv.slice(3)).toEqual(['sh', 'portainer', '9000', 'portainer_data', PORTAINER_PASSWORD, 'portainer/portainer-ce:2.21.4']);
    expect(run.argv[2]).toContain('-p "127.0.0.1:$2:9000"');
    expect(run.argv[2]).toContain('--admin-password-file /run/portainer/admin-password');
    expect(run.undo).toEqual(['docker', 'rm', '-f', 'portainer']);
    expect(d.warnings.join('\n')).toMatch(/root on this host[\s\S]*Show password, or fleetdeck modules secret gpu-1 portainer[\s\S]*add the nginx module/);
  });

  it('a given password is a secret file; Docker Hub unreachable is said; nginx publishes /portainer/', () => {
    const { resources, d } = plan({ adminPassword: 'correct horse battery' }, ['docker', 'nginx'], facts(false));
    expect(resources.find((r) => r.kind === 'file' && r.path === PORTAINER_PASSWORD)).toMatchObject({ secret: true, mode: 0o600 });
    expect(JSON.stringify(cmd(resources, 'portainer-container'))).not.toContain('correct horse');
    expect(d.warnings.join('\n')).toMatch(/Docker Hub cannot be reached from this host \(ENOTFOUND\): the image portainer\/portainer-ce:2\.21\.4 must already be there/);
    expect(resources.find((r) => r.kind === 'file' && r.path === '/etc/nginx/fleetdeck.d/portainer.conf')).toMatchObject({ content: expect.stringMatching(/location \/portainer\/ \{\n {4}proxy_pass http:\/\/127\.0\.0\.1:9000\/;/) });
  });
});
