import { describe, expect, it } from 'vitest';
import { expectedAgent } from './agent-link.js';

/** Where the connect looks for a host's agent, from what Fleetdeck installed there (live: e2e/integration/modules/agent.test.ts). */
describe('expectedAgent', () => {
  const dir = () => '/home/carol/.cache/fleetdeck';
  it('none installed: nothing expected (the service socket is tried quietly)', () => {
    expect(expectedAgent([{ module: 'docker', settings: {} }], dir)).toBeNull();
  });
  it('the root service: its socket in /run', () => {
    expect(expectedAgent([{ module: 'agent', settings: { runAs: 'root' } }], dir)).toEqual({ socket: '/run/fleetdeck-agent/agent.sock', perUser: false });
    expect(expectedAgent([{ module: 'agent', settings: {} }], dir)).toEqual({ socket: '/run/fleetdeck-agent/agent.sock', perUser: false });
  });
  it('the per-user agent: its socket in the login’s own directory, as the last helper start reported it', () => {
    expect(expectedAgent([{ module: 'agent', settings: { runAs: 'login' } }], dir)).toEqual({ socket: '/home/carol/.cache/fleetdeck/agent/agent.sock', perUser: true });
    expect(expectedAgent([{ module: 'agent', settings: { runAs: 'login' } }], () => null)).toBeNull();
  });
});
