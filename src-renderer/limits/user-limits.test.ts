import { describe, expect, it } from 'vitest';
import type { InstalledModule } from '../../src-common/change/modules.contract.js';
import { limitsSettings } from '../../src-common/modules/limits.js';
import { formOf, formOfSpec, gpuAllocations, policyWithForm, policyWithProfile, profileUsers, userLimits } from './user-limits.js';

const blank = formOfSpec(undefined);

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
    expect(formOf(p, 'bob')).toEqual({ ...blank, memory: '64M' });
    const edited = policyWithForm(p, 'bob', { ...blank, profile: 'student', memory: '128M', tasks: ' 64 ' });
    expect(limitsSettings.parse(edited).users).toEqual([{ user: 'alice', profile: 'student', tasks: 100 }, { user: 'bob', profile: 'student', memory: 128 * 1024 ** 2, tasks: 64 }]);
    expect(limitsSettings.parse(policyWithForm(p, 'bob', null)).users.map((u) => u.user)).toEqual(['alice']);
    expect(limitsSettings.safeParse(policyWithForm(p, 'carol', { ...blank, cpu: '0' })).success).toBe(false);
  });

  it('keeps what the form does not show (IO, file quotas) and reads GPUs as a count or a list', () => {
    const p = limitsSettings.parse({ users: [{ user: 'dave', memory: '1G', io: [{ device: '/dev/sda', read: '10M' }], disk: { hard: '10G', inodesHard: 5000 }, gpus: ['0', '1'] }] });
    const form = formOf(p, 'dave');
    expect(form).toMatchObject({ memory: '1G', gpus: '0,1', diskHard: '10G', diskSoft: '' });
    const dave = limitsSettings.parse(policyWithForm(p, 'dave', { ...form, gpus: '2', diskSoft: '8G', containers: '3' })).users[0]!;
    expect(dave).toMatchObject({ gpus: 2, containers: 3, disk: { soft: 8 * 1024 ** 3, hard: 10 * 1024 ** 3, inodesHard: 5000 }, io: [{ device: '/dev/sda', read: 10 * 1024 ** 2 }] });
    expect(userLimits(installed({ users: [{ user: 'dave', memory: '1G', containers: 2, gpus: ['0'], disk: { hard: '10G' } }] }), 'dave')?.text).toBe('1G memory · 2 containers · GPU 0 · 10G disk');
  });

  it('edits profiles: a rename carries the users and groups that name it along; who uses a profile is said', () => {
    const p = limitsSettings.parse({ ...policy, groups: [{ group: 'students', profile: 'student' }] });
    const renamed = limitsSettings.parse(policyWithProfile(p, 'undergrad', { ...blank, cpu: '1', memory: '4G' }, 'student'));
    expect(Object.keys(renamed.profiles)).toEqual(['undergrad']);
    expect(renamed.profiles.undergrad).toEqual({ cpu: 1, memory: 4 * 1024 ** 3 });
    expect(renamed.users[0]!.profile).toBe('undergrad');
    expect(renamed.groups[0]!.profile).toBe('undergrad');
    expect(profileUsers(p, 'student')).toEqual(['alice', 'group students']);
    expect(Object.keys(limitsSettings.parse(policyWithProfile(p, 'researcher', { ...blank, memory: '64G' })).profiles)).toEqual(['student', 'researcher']);
  });

  it("lists who each GPU is allocated to (own limits, a profile's, a group's), and who may use any number", () => {
    const inst = installed({ profiles: { gpu2: { gpus: ['2', 'GPU-aaaaaaaa-bbbb'] } }, users: [{ user: 'alice', gpus: ['0', '1'] }, { user: 'bob', gpus: 1 }, { user: 'dave', profile: 'gpu2' }], groups: [{ group: 'vision', gpus: ['1'] }] });
    const a = gpuAllocations(inst, [{ name: 'alice', groups: [] }, { name: 'bob', groups: [] }, { name: 'dave', groups: [] }, { name: 'erin', groups: ['vision'] }]);
    expect(Object.fromEntries(a.byGpu)).toEqual({ '0': ['alice'], '1': ['alice', 'erin'], '2': ['dave'], 'GPU-aaaaaaaa-bbbb': ['dave'] });
    expect(a.counts).toEqual([{ user: 'bob', count: 1 }]);
    expect(formOfSpec({ gpus: ['3'] }).gpus).toBe('3,');
  });
});
