import { describe, expect, it } from 'vitest';
import { resourceSchema, type CommandResource, type FileResource } from '../../../src-common/change/resource.schema.js';
import { agentInfo, agentSettings, type AgentSettings } from '../../../src-common/modules/agent.js';
import { loadAssets } from '../agent/assets.js';
import { familyFacts } from '../change/family-probes.test-util.js';
import type { ChangeModule } from '../change/module.js';
import { desiredState } from '../change/planner.js';
import { planSteps } from '../change/planner.js';
import { agentModule, agentUnit, SANDBOX } from './agent.module.js';

/**
 * The agent module as pure functions: what it puts on a host (this build's helper, root's node,
 * the unit under its sandbox, the group), what verify checks, and its settings refusing hostile
 * input. Live (install, reach through SSH, backfill, restart, upgrade, forwarding refused,
 * rollback): e2e/integration/modules/agent.test.ts.
 */
const settings = (over: Record<string, unknown> = {}): AgentSettings => agentSettings.parse({ ...agentInfo.defaults, ...over });
const plan = (over: Record<string, unknown> = {}, family = 'debian-12') => {
  const d = desiredState([{ module: agentModule as ChangeModule, settings: settings(over) }], familyFacts(family as never), new Set());
  return { d, resources: d.items.map((i) => i.resource) };
};

describe('agent module', () => {
  it('copies this build’s helper and root’s node, writes the sandboxed unit, restarts it when either changes', () => {
    const { resources } = plan();
    for (const r of resources) expect(resourceSchema.safeParse(r).success, JSON.stringify(r).slice(0, 200)).toBe(true);
    const helper = resources.find((r): r is FileResource => r.kind === 'file' && r.path === '/usr/local/lib/fleetdeck-agent/helper.cjs')!;
    expect(helper).toMatchObject({ owner: 'root', group: 'root', mode: 0o644 });
    expect(helper.content!.length).toBeGreaterThan(50_000);
    expect(resources.find((r) => r.kind === 'file' && r.path.endsWith('/HASH'))).toMatchObject({ content: `${loadAssets().helperHash}\n` });
    const unit = resources.find((r): r is FileResource => r.kind === 'file' && r.path === '/etc/systemd/system/fleetdeck-agent.service')!.content!;
    expect(unit).toContain('ExecStart=/usr/local/lib/fleetdeck-agent/node --max-semi-space-size=1 --max-old-space-size=96 --single-threaded --lite-mode /usr/local/lib/fleetdeck-agent/helper.cjs --agent --socket /run/fleetdeck-agent/agent.sock --data /var/lib/fleetdeck-agent --group fleetdeck-agent --keep-hours 48');
    expect(unit).toContain('CapabilityBoundingSet=CAP_CHOWN CAP_DAC_READ_SEARCH CAP_SYS_PTRACE');
    expect(agentUnit(settings(), false)).not.toContain(SANDBOX);
    expect(resources.at(-1)).toMatchObject({ kind: 'unit', name: 'fleetdeck-agent.service', enabled: true, state: 'running', restartOn: ['file:/etc/systemd/system/fleetdeck-agent.service', 'file:/usr/local/lib/fleetdeck-agent/helper.cjs', 'command:agent-node'] });
    const node = resources.find((r): r is CommandResource => r.kind === 'command' && r.id === 'agent-node')!;
    expect(node.argv[2]).toMatch(/readlink "\/proc\/\$PPID\/exe"/);
  });

  it('lets the login user (or the admins named) open the socket; verify checks the mode, the refusal of others and each admin', () => {
    const ids = (over: Record<string, unknown> = {}) => plan(over).resources.filter((r): r is CommandResource => r.kind === 'command').map((r) => r.id);
    expect(ids()).toEqual(['agent-group', 'agent-admin-admin', 'agent-data', 'agent-node']);
    expect(ids({ admins: ['alice', 'bob'] })).toEqual(['agent-group', 'agent-admin-alice', 'agent-admin-bob', 'agent-data', 'agent-node']);
    expect(plan().d.checks.map((c) => c.id)).toEqual(['agent-status', 'agent-socket', 'agent-others-refused', 'agent-admin-admin', 'agent-hash']);
  });

  it('refuses hostile settings and hosts with neither systemd nor OpenRC, with the reason', () => {
    expect(() => settings({ admins: ['root; rm -rf /'] })).toThrow();
    expect(() => settings({ keepHours: 72 })).toThrow(/1 to 48/);
    expect(agentModule.unsupported(familyFacts('alpine-3.23'), settings())).toBeNull();
    expect(agentModule.unsupported(familyFacts('rocky-9.3'), settings())).toBeNull();
    const none = familyFacts('debian-12');
    expect(agentModule.unsupported({ ...none, probe: { ...none.probe, serviceManager: 'none' } }, settings())).toMatch(/neither as init: Fleetdeck keeps starting its helper per connection/);
  });

  it('under OpenRC: an init script supervised by supervise-daemon, the same command line, and the plan says there is no sandbox', () => {
    const { d, resources } = plan({}, 'alpine-3.23');
    const script = resources.find((r): r is FileResource => r.kind === 'file' && r.path === '/etc/init.d/fleetdeck-agent')!;
    expect(script).toMatchObject({ mode: 0o755, owner: 'root' });
    expect(script.content).toMatch(/^#!\/sbin\/openrc-run\n/);
    expect(script.content).toContain('supervisor=supervise-daemon');
    expect(script.content).toContain('command_args="--max-semi-space-size=1 --max-old-space-size=96 --single-threaded --lite-mode /usr/local/lib/fleetdeck-agent/helper.cjs --agent --socket /run/fleetdeck-agent/agent.sock');
    expect(script.content).toContain('checkpath --directory --mode 0755 --owner root:root /run/fleetdeck-agent');
    expect(resources.some((r) => r.kind === 'file' && r.path.startsWith('/etc/systemd/'))).toBe(false);
    expect(resources.at(-1)).toMatchObject({ kind: 'unit', name: 'fleetdeck-agent', restartOn: ['file:/etc/init.d/fleetdeck-agent', 'file:/usr/local/lib/fleetdeck-agent/helper.cjs', 'command:agent-node'] });
    expect(d.checks[0]).toMatchObject({ kind: 'unit-running', unit: 'fleetdeck-agent' });
    expect(agentModule.warnings({ settings: settings(), facts: familyFacts('alpine-3.23') } as never).join('\n')).toMatch(/no service sandbox/);
  });

  describe('without root (runAs: login): the per-user agent', () => {
    const facts = { ...familyFacts('debian-12'), user: 'carol', uid: 1001, installDir: '/home/carol/.cache/fleetdeck' };
    const mine = (over: Record<string, unknown> = {}, f = facts) => desiredState([{ module: agentModule as ChangeModule, settings: settings({ runAs: 'login', ...over }) }], f, new Set());

    it('is the login user’s own: every resource asLogin, in a 0700 directory of theirs; no unit, group or root path', () => {
      const d = mine();
      const resources = d.items.map((i) => i.resource);
      for (const r of resources) expect(resourceSchema.safeParse(r).success, JSON.stringify(r).slice(0, 200)).toBe(true);
      expect(resources.every((r) => 'asLogin' in r && r.asLogin)).toBe(true);
      expect(resources.map((r) => (r.kind === 'file' ? r.path : r.kind === 'command' ? r.id : r.kind))).toEqual(['agent-node', '/home/carol/.cache/fleetdeck/agent/helper.cjs', 'agent-run']);
      const run = resources.find((r): r is CommandResource => r.kind === 'command' && r.id === 'agent-run')!;
      expect(run.argv.slice(4)).toEqual(['/home/carol/.cache/fleetdeck/agent', `${loadAssets().helperHash} 48`, '48', '--max-semi-space-size=1 --max-old-space-size=96 --single-threaded --lite-mode']);
      expect(run.rerunWhen).toEqual(['command:agent-node']);
      expect(run.unless![2]).toContain('readlink "/proc/$p/exe"');
      expect(run.undo![2]).toContain('kill "$p"');
      expect(resources.filter((r) => r.kind === 'file').every((r) => r.kind === 'file' && r.path.startsWith('/home/carol/.cache/fleetdeck/agent/'))).toBe(true);
      expect(JSON.stringify(resources.map((r) => (r.kind === 'file' ? { ...r, content: null } : r)))).not.toMatch(/\/etc\/|\/run\/fleetdeck|groupadd|gpasswd|"kind":"unit"/);
      // It starts with an environment of its own: no PATH of the login's reaches what it runs.
      expect(run.argv[2]).toContain('env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME" LC_ALL=C setsid ./node');
      expect(d.checks.map((c) => c.id)).toEqual(['agent-process', 'agent-socket', 'agent-others-refused', 'agent-hash']);
      expect(d.checks.every((c) => c.kind === 'command' && c.asLogin)).toBe(true); // run by carol's own helper, not root's
      expect(d.warnings.join('\n')).toMatch(/runs as carol, without root: it sees only what carol may see/);
      expect(d.warnings.join('\n')).toMatch(/a reboot of gpu-1 stops it/);
    });

    it('plans steps that need no root (the engine applies them with the login user’s own helper)', () => {
      const d = mine();
      const observed = d.items.map((i) => (i.resource.kind === 'file' ? { kind: 'file' as const, exists: false, sha256: null, text: null, mode: null, owner: null, group: null } : { kind: 'command' as const, done: false }));
      const steps = planSteps(d, observed as never);
      expect(steps.length).toBe(3);
      expect(steps.filter((s) => s.needsRoot)).toEqual([]);
      expect(steps[1]!.summary).toMatch(/as the login user/);
    });

    it('runs on any init (no service), names no admins, and refuses what it cannot do, saying what to do instead', () => {
      const none = { ...facts, probe: { ...facts.probe, serviceManager: 'none' as const } };
      expect(agentModule.unsupported(none, settings({ runAs: 'login' }))).toBeNull();
      expect(agentModule.accounts!(settings({ runAs: 'login', admins: ['bob'] }))).toEqual([]);
      expect(mine({ admins: ['bob'] }).warnings.join('\n')).toMatch(/apply to the root service only/);
      expect(() => mine({}, { ...facts, user: 'root', uid: 0 })).toThrow(/as root: install the agent as a service/);
      expect(() => mine({}, { ...facts, installDir: null } as never)).toThrow(/connect once, then plan again/);
      expect(() => mine({}, { ...facts, installDir: `/home/${'x'.repeat(90)}/.cache/fleetdeck` })).toThrow(/longer than a Unix socket path may be/);
      expect(() => settings({ runAs: 'nobody' })).toThrow(/Runs as is .*root.* or .*login/);
      // One agent per login: switching kinds rolls the other back first (its steps are another helper's).
      const switching = (from: string, to: string) => () => desiredState([{ module: agentModule as ChangeModule, settings: settings({ runAs: to }), previous: settings({ runAs: from }) }], facts, new Set());
      expect(switching('login', 'root')).toThrow(/runs as carol's own process on gpu-1: roll that back first .* then apply it as a service/);
      expect(switching('root', 'login')).toThrow(/runs as a root service on gpu-1: roll that back first/);
    });
  });
});
