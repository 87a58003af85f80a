import { describe, expect, it } from 'vitest';
import { UNKNOWN_USER, accountFor, aggregateUsers } from './user-usage.js';
import type { UserNames } from './user-directory.js';

const names: UserNames = {
  nameOf: (uid) => ({ 0: 'root', 1000: 'alice', 1001: 'bob' })[uid] ?? null,
  uidOf: () => null,
};

describe('accountFor', () => {
  it('charges a container’s processes to its owner', () => {
    expect(accountFor({ uid: 0, loginUid: null, container: { owner: 'dana' } }, null, names)).toEqual({ user: 'dana', uid: null });
    expect(accountFor({ uid: 1001, loginUid: null, container: { owner: 'bob' } }, 1001, names)).toEqual({ user: 'bob', uid: 1001 });
  });

  it('charges root processes started from a login session (sudo) to that login', () => {
    expect(accountFor({ uid: 0, loginUid: 1000, container: null }, null, names)).toEqual({ user: 'alice', uid: 1000 });
    expect(accountFor({ uid: 0, loginUid: null, container: null }, null, names)).toEqual({ user: 'root', uid: 0 });
    // su to another account: the account that runs it answers, not the login.
    expect(accountFor({ uid: 1001, loginUid: 1000, container: null }, null, names)).toEqual({ user: 'bob', uid: 1001 });
  });

  it('falls back to the uid as a number, or "(unknown)"', () => {
    expect(accountFor({ uid: 4242, loginUid: null, container: { owner: null } }, null, names)).toEqual({ user: '4242', uid: 4242 });
    expect(accountFor({ uid: null, loginUid: null, container: null }, null, names)).toEqual({ user: UNKNOWN_USER, uid: null });
  });
});

describe('aggregateUsers', () => {
  it('sums CPU, memory, GPU memory and processes per user, with the GPUs each touched, busiest first', () => {
    const alice = { user: 'alice', uid: 1000 };
    const bob = { user: 'bob', uid: 1001 };
    const users = aggregateUsers([
      { account: alice, cpuPercent: 12.25, rssBytes: 100, gpuMemoryBytes: 0, gpus: [] },
      { account: bob, cpuPercent: 99.9, rssBytes: 10, gpuMemoryBytes: 2048, gpus: [1] },
      { account: alice, cpuPercent: 0.1, rssBytes: 50, gpuMemoryBytes: 4096, gpus: [2, 0] },
      { account: alice, cpuPercent: 0, rssBytes: 1, gpuMemoryBytes: 1024, gpus: [0] },
    ]);
    expect(users).toEqual([
      { user: 'bob', uid: 1001, cpuPercent: 99.9, memoryBytes: 10, gpuMemoryBytes: 2048, gpusTouched: [1], processes: 1 },
      { user: 'alice', uid: 1000, cpuPercent: 12.4, memoryBytes: 151, gpuMemoryBytes: 5120, gpusTouched: [0, 2], processes: 3 },
    ]);
  });

  it('orders idle users by GPU memory, then memory', () => {
    const u = (user: string, gpuMemoryBytes: number, rssBytes: number) => ({ account: { user, uid: null }, cpuPercent: 0, rssBytes, gpuMemoryBytes, gpus: [] });
    expect(aggregateUsers([u('a', 0, 5), u('b', 10, 1), u('c', 0, 9)]).map((x) => x.user)).toEqual(['b', 'c', 'a']);
  });
});
