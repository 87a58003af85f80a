import { describe, expect, it } from 'vitest';
import type { InstalledModule } from '../../src-common/change/modules.contract.js';
import { limitsSettings } from '../../src-common/modules/limits.js';
import { formOf, policyWithForm, userLimits } from './user-limits.js';

const installed = (settings: Record<string, unknown>, lastVerify: InstalledModule['lastVerify'] = null): InstalledModule[] => [{ module: 'limits', settings, appliedAt: 1, journalId: 'j', lastVerify }];
const policy = { profiles: { student: { cpu: 2, memory: '8G' } }, users: [{ user: 'alice', profile: 'student', tasks: 100 }, { user: 'bob', memory: '64M' }] };

describe('user limits on the Users tab', () => {
  it("shows a user's effective limits in words and what the last verify said about that user", () => {
    expect(userLimits(installed(policy), 'alice')).toMatchObject({ text: '2 CPU · 8G memory · 100 tasks', state: 'unverified', from: { cpu: 'profile student', memory: 'profile student', tasks: 'own' } });
    expect(userLimits(installed(policy, { at: 1, ok: false, failed: ['bob: memory 64M'] }), 'bob')?.state).toBe('failing');
    expect(userLimits(installed(policy, { at: 1, ok: false, failed: ['bob: memory 64M'] }), 'alice')?.state).toBe('enforced');
    expect(userLimits(installed(policy), 'carol')).toBeNull();
    expect(userLimits(undefined, 'alice')).toBeNull();
  });

  it("edits one user's entry and leaves the others' as they are; removing takes only that user out", () => {
    const p = limitsSettings.parse(policy);
    expect(formOf(p, 'bob')).toEqual({ profile: '', cpu: '', memory: '64M', swap: '', tasks: '' });
    const edited = policyWithForm(p, 'bob', { profile: 'student', cpu: '', memory: '128M', swap: '', tasks: ' 64 ' });
    expect(limitsSettings.parse(edited).users).toEqual([{ user: 'alice', profile: 'student', tasks: 100 }, { user: 'bob', profile: 'student', memory: 128 * 1024 ** 2, tasks: 64 }]);
    expect(limitsSettings.parse(policyWithForm(p, 'bob', null)).users.map((u) => u.user)).toEqual(['alice']);
    expect(limitsSettings.safeParse(policyWithForm(p, 'carol', { profile: '', cpu: '0', memory: '', swap: '', tasks: '' })).success).toBe(false);
  });
});
