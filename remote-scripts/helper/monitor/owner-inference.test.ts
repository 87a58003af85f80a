import { describe, expect, it } from 'vitest';
import { containerOwner, inferContainerUids } from './owner-inference.js';
import type { UserNames } from './user-directory.js';

const names: UserNames = {
  nameOf: (uid) => ({ 0: 'root', 1000: 'alice', 1001: 'bob' })[uid] ?? null,
  uidOf: (name) => ({ root: 0, alice: 1000, bob: 1001 })[name] ?? null,
};

describe('inferContainerUids', () => {
  it('takes the non-root uid most of a container’s processes run as', () => {
    const uids = inferContainerUids([
      { containerId: 'a', uid: 0 },
      { containerId: 'a', uid: 1001 },
      { containerId: 'a', uid: 1001 },
      { containerId: 'a', uid: 1000 },
      { containerId: 'b', uid: 0 },
      { containerId: 'b', uid: null },
      { containerId: 'c', uid: 1002 },
      { containerId: 'c', uid: 1001 },
      { containerId: null, uid: 1000 },
    ]);
    expect(Object.fromEntries(uids)).toEqual({ a: 1001, b: null, c: 1001 });
  });
});

describe('containerOwner', () => {
  it('prefers the fleetdeck.owner label, whatever uid the image runs as', () => {
    expect(containerOwner({ 'fleetdeck.owner': 'alice' }, 1001, names)).toEqual({ owner: 'alice', ownerSource: 'label', ownerUid: 1000 });
    // An owner who is not a local account (a lab's directory name) is still the owner.
    expect(containerOwner({ 'fleetdeck.owner': 'dana' }, null, names)).toEqual({ owner: 'dana', ownerSource: 'label', ownerUid: null });
  });

  it('infers the owner from the processes’ uid, showing the number when it has no name', () => {
    expect(containerOwner({ other: 'x' }, 1001, names)).toEqual({ owner: 'bob', ownerSource: 'inferred', ownerUid: 1001 });
    expect(containerOwner(undefined, 100999, names)).toEqual({ owner: '100999', ownerSource: 'inferred', ownerUid: 100999 });
  });

  it('has no owner when everything runs as root and there is no label (or an empty one)', () => {
    expect(containerOwner({}, null, names)).toEqual({ owner: null, ownerSource: null, ownerUid: null });
    expect(containerOwner({ 'fleetdeck.owner': '  ' }, null, names)).toEqual({ owner: null, ownerSource: null, ownerUid: null });
  });
});
