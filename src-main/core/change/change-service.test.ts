import { describe, expect, it } from 'vitest';
import type { InstalledModule } from '../../../src-common/change/modules.contract.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { allModules } from '../modules/index.js';
import { ChangeService } from './change-service.js';
import type { ChangeStore } from './change-store.js';
import type { ChangeTarget } from './change-target.js';
import { familyFacts } from './family-probes.test-util.js';
import { freshObserved } from './observed.test-util.js';

/**
 * ChangeService's planning rules over a test double of a host that has nothing installed (its
 * reads answer "absent" for every resource). The live behaviour is in e2e/integration/modules.
 */
function blankHost(): ChangeTarget {
  const facts = familyFacts('debian-12');

  return {
    hostId: 1,
    hostName: 'gpu-1',
    key: 'host:1',
    user: async () => ({ user: facts.user, uid: facts.uid, auth: 'key' }),
    probe: async () => facts.probe,
    request: (async (_def: unknown, params: { resources: Resource[] }) => ({ observed: params.resources.map(freshObserved) })) as ChangeTarget['request'],
    openRoot: async () => {
      throw new Error('not in this test');
    },
    openOwn: async () => {
      throw new Error('not in this test');
    },
    confirmLogin: async () => 'ok',
  };
}

const storeWith = (installed: InstalledModule[]) => ({ installed: () => installed }) as unknown as ChangeStore;

describe('ChangeService.plan', () => {
  it('re-plans an installed firewall when a new module opens ports, so they open in the same change', async () => {
    const firewall: InstalledModule = { module: 'firewall', settings: { sshPort: 22, tcpPorts: [22] }, appliedAt: 1, journalId: 'j-1', lastVerify: null };
    const service = new ChangeService({ modules: allModules(), store: storeWith([firewall]), audit: () => {} });
    const plan = await service.plan(blankHost(), [{ id: 'nginx', settings: { serverName: 'gpu-1.lab.test' } }]);
    expect(plan.modules).toEqual(expect.arrayContaining(['nginx', 'firewall']));
    const rules = plan.steps.find((s) => s.module === 'firewall' && s.resource.kind === 'file' && s.resource.content?.includes('dport'));
    expect(rules?.resource.kind === 'file' && rules.resource.content).toMatch(/\b80\b[\s\S]*\b443\b|\b443\b[\s\S]*\b80\b/);
    // A module that opens no port leaves the firewall alone.
    const alone = await service.plan(blankHost(), [{ id: 'docker', settings: {} }]);
    expect(alone.modules).not.toContain('firewall');
  });

  it('keeps private keys out of the plan it returns', async () => {
    const pki = { issue: () => ({ certPem: 'CERT', keyPem: '-----BEGIN PRIVATE KEY-----\nsecret\n', caPem: 'CA' }), caPem: () => 'CA' };
    const service = new ChangeService({ modules: allModules(), store: storeWith([]), pki, audit: () => {} });
    const plan = await service.plan(blankHost(), [{ id: 'nginx', settings: { serverName: 'gpu-1.lab.test', tls: 'internal-ca' } }]);
    expect(JSON.stringify(plan)).not.toContain('PRIVATE KEY');
    expect(plan.steps.some((s) => s.resource.kind === 'file' && s.resource.secret && /^\(secret, \d+ bytes, sha256 [0-9a-f]{12}…\)$/.test(s.resource.content ?? ''))).toBe(true);
  });
});

describe('ChangeService.apply of a plan with nothing to change on the host', () => {
  it('records settings that changed anyway (a profile nobody takes yet), audited; the same again records nothing', async () => {
    const installed: InstalledModule[] = [];
    const marked: string[] = [];
    const audits: string[] = [];
    const store = {
      installed: () => installed,
      markInstalled: (_h: number, module: string, settings: Record<string, unknown>) => {
        marked.push(module);
        installed.splice(0, installed.length, { module, settings, appliedAt: 1, journalId: null, lastVerify: null });
      },
    } as unknown as ChangeStore;
    const service = new ChangeService({ modules: allModules(), store, audit: (e) => audits.push(e.operation) });
    const host = { ...blankHost(), request: (async (def: { method: string }, params: { resources?: Resource[] }) => (def.method === 'change.verify1' ? { results: [] } : { observed: (params.resources ?? []).map(freshObserved) })) as ChangeTarget['request'] };
    const settings = { profiles: { student: { memory: '8G' } }, users: [], groups: [] };
    const plan = await service.plan(host, [{ id: 'limits', settings }]);
    expect(plan.steps).toEqual([]);
    const r = await service.apply(host, plan.planId, plan.tag);
    expect(r.message).toBe('settings saved; nothing to change on the host');
    expect(marked).toEqual(['limits']);
    expect(audits).toContain('change.settings');
    const again = await service.plan(host, [{ id: 'limits', settings }]);
    expect((await service.apply(host, again.planId, again.tag)).message).toBe('nothing to change');
    expect(marked).toEqual(['limits']);
  });
});
