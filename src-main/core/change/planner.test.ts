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
});
