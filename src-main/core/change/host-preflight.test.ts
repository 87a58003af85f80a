import { describe, expect, it } from 'vitest';
import { FleetdeckError } from '../../../src-common/problems.js';
import { agentModule } from '../modules/agent.module.js';
import { dockerModule } from '../modules/docker.module.js';
import type { ChangeTarget } from './change-target.js';
import { familyFacts } from './family-probes.test-util.js';
import type { ChangeModule } from './module.js';
import { preflightHost } from './host-preflight.js';

/** The preflight's root line when the login has no root: a failure, except where every module chosen can run without it (the per-user agent). */
describe('preflight without root', () => {
  const target = {
    hostId: 1,
    hostName: 'gpu-1',
    request: async (def: { method: string }) => {
      if (def.method.startsWith('system.ping')) throw new FleetdeckError('sudo-required', 'carol may not use sudo on gpu-1.');
      return { listening: [], disk: [{ path: '/', freeBytes: 50 * 1024 ** 3 }] };
    },
  } as unknown as ChangeTarget;
  const facts = { ...familyFacts('debian-12'), user: 'carol', uid: 1001 };
  const root = async (modules: ChangeModule<never>[]) => (await preflightHost(target, facts, modules, new Set())).checks.find((c) => c.id === 'sudo')!;

  it('fails for modules that need root, saying how to get it', async () => {
    expect(await root([dockerModule as ChangeModule<never>, agentModule as ChangeModule<never>])).toMatchObject({ state: 'fail', detail: expect.stringMatching(/Changes need root: give carol sudo/) });
  });

  it('only warns for the agent, which can run as carol herself, and says what to choose', async () => {
    expect(await root([agentModule as ChangeModule<never>])).toMatchObject({ state: 'warn', detail: expect.stringMatching(/carol has no root here .* Without root the agent can still run as your own process: set “Runs as: your login, no root” \(CLI: --set agent.runAs=login\)/) });
  });
});
