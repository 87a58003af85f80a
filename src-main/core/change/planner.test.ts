import { describe, expect, it } from 'vitest';
import type { PlanStep } from '../../../src-common/change/plan.schema.js';
import { dryRunWarning, planSteps, planSummary, type DesiredState } from './planner.js';

const step = (over: Partial<PlanStep>): PlanStep => ({ n: 1, kind: 'file', action: 'create', module: 'x', summary: 's', before: null, after: null, diff: null, needsRoot: true, reversible: true, warnings: [], resource: { kind: 'file', path: '/etc/x', content: '' }, ...over });

describe('planner wording', () => {
  it('says a guarded plan reverts by itself, and what cannot be undone', () => {
    const guard = step({ kind: 'guard', action: 'arm', resource: { kind: 'guard', id: 'g', op: 'arm-revert', label: 'arm' } });
    expect(planSummary([step({}), guard], 'gpu-1')).toMatch(/^2 steps on gpu-1: 1 file; guarded: gpu-1 reverts by itself unless a new login confirms the change\.$/);
    expect(planSummary([step({ reversible: false })], 'gpu-1')).toMatch(/some cannot be undone\.$/);
    expect(planSummary([], 'gpu-1')).toBe('Nothing to change on gpu-1: everything is as wanted.');
  });

  it('explains an apt dry run on never-refreshed lists instead of quoting the error', () => {
    expect(dryRunWarning('Unable to locate package nginx', ['nginx'])).toMatch(/do not list nginx yet .*apt-get update\) first/);
    expect(dryRunWarning('Broken packages', ['x'])).toBe('The dry run said: Broken packages');
  });

  it('shows a large file cut at 64 KiB (the plan stays valid), and never a secret', () => {
    const big = 'x'.repeat(200 * 1024);
    const desired = {
      items: [
        { module: 'm', resource: { kind: 'file', path: '/etc/big', content: big } },
        { module: 'm', resource: { kind: 'file', path: '/etc/key', content: '-----BEGIN PRIVATE KEY-----\nabc\n', secret: true } },
      ],
    } as unknown as DesiredState;
    const observed = [
      { kind: 'file', exists: false, text: null, sha256: null, mode: null, owner: null, group: null },
      { kind: 'file', exists: false, text: null, sha256: null, mode: null, owner: null, group: null },
    ] as never;
    const [file, key] = planSteps(desired, observed);
    expect(file!.after!.length).toBeLessThanOrEqual(64 * 1024);
    expect(file!.after).toMatch(/204800 bytes in all; the first 64 KiB are shown\)$/);
    expect(file!.diff!.length).toBeLessThanOrEqual(256 * 1024);
    expect(key!.after).toMatch(/^\(secret, \d+ bytes\)$/);
    expect(key!.diff).toBeNull();
  });

  it('a set-once file (a password data was made with) is written where missing and never replaced', () => {
    const pw = { kind: 'file', path: '/etc/fleetdeck/backup/password', content: 'new one\n', mode: 0o600, owner: 'root', group: 'root', secret: true, keep: true };
    const desired = { items: [{ module: 'backup', resource: pw }] } as unknown as DesiredState;
    const there = { kind: 'file', exists: true, text: 'old one\n', sha256: null, mode: 0o600, owner: 'root', group: 'root' };
    expect(planSteps(desired, [there] as never)).toEqual([]);
    const [write] = planSteps(desired, [{ ...there, exists: false, text: null }] as never);
    expect(write).toMatchObject({ action: 'create', after: '(secret, 8 bytes)', diff: null });
  });
});

describe('a command whose unless check read the host before the plan changed it', () => {
  const conf = { kind: 'file' as const, path: '/etc/fleetdeck/limits.d/1001.conf', content: 'memory=1\n', mode: 0o644, owner: 'root', group: 'root' };
  const sync = { kind: 'command' as const, id: 'sync', label: 'sync', argv: ['/bin/true'], unless: ['/bin/true'], rerunWhen: ['file:/etc/fleetdeck/limits.d/1001.conf'] };
  const desired: DesiredState = { order: ['limits'], items: [{ module: 'limits', resource: conf }, { module: 'limits', resource: sync }], checks: [], warnings: [], network: null };
  const file = (text: string) => ({ kind: 'file' as const, exists: true, sha256: null, text, mode: 0o644, owner: 'root', group: 'root' });

  it('runs again when a resource it names changes (its check passed against the old file), and not otherwise', () => {
    expect(planSteps(desired, [file('memory=2\n'), { kind: 'command', done: true }]).map((s) => `${s.kind}:${s.action}`)).toEqual(['file:update', 'command:run']);
    expect(planSteps(desired, [file('memory=1\n'), { kind: 'command', done: true }])).toEqual([]);
    expect(planSteps(desired, [file('memory=1\n'), { kind: 'command', done: false }]).map((s) => s.kind)).toEqual(['command']);
  });
});
