import type { UserObserved, UserResource } from './user.schema.js';

/**
 * What differs between an account as wanted and as read (the planner's step, verify's evidence).
 * Only the fields the resource names are compared; the uid only on create (an existing account
 * keeps its uid: changing it would orphan its files).
 */
export interface UserChange {
  field: 'account' | 'fullName' | 'shell' | 'groups' | 'locked' | 'expires' | 'keys';
  before: string;
  after: string;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
const list = (xs: readonly string[]) => (xs.length ? xs.join(', ') : '(none)');
const keyNames = (keys: readonly string[]) => (keys.length ? keys.map((k) => k.split(' ')[2] ?? `${k.split(' ')[0]} key`).join(', ') : '(none)');

export function userChanges(r: UserResource, o: UserObserved): UserChange[] {
  if (r.state === 'absent') return o.exists ? [{ field: 'account', before: `present (uid ${o.uid})`, after: 'absent' }] : [];
  if (!o.exists) return [{ field: 'account', before: 'absent', after: `present${r.uid !== undefined ? ` (uid ${r.uid})` : ''}` }];
  const out: UserChange[] = [];
  if (r.fullName !== undefined && r.fullName !== (o.fullName ?? '')) out.push({ field: 'fullName', before: o.fullName || '(none)', after: r.fullName || '(none)' });
  if (r.shell !== undefined && r.shell !== o.shell) out.push({ field: 'shell', before: o.shell ?? '(none)', after: r.shell });
  if (r.groups !== undefined && !sameSet(r.groups, o.groups)) out.push({ field: 'groups', before: list(o.groups), after: list(r.groups) });
  if (r.locked !== undefined && r.locked !== o.locked) out.push({ field: 'locked', before: o.locked ? 'locked' : 'unlocked', after: r.locked ? 'locked' : 'unlocked' });
  // A locked account's expiry is day 1 (the lock): its own date comes back when it is unlocked.
  const locked = r.locked ?? o.locked;
  if (!locked && r.expires !== undefined && r.expires !== o.expires) out.push({ field: 'expires', before: o.expires ?? 'never', after: r.expires ?? 'never' });
  // Keys that cannot be read as the user (no home, a hostile ~/.ssh) are not known to be as wanted: written again.
  if (r.keys !== undefined && (o.keys === null || !sameSet(r.keys, o.keys))) out.push({ field: 'keys', before: o.keys === null ? '(cannot be read as the user)' : keyNames(o.keys), after: keyNames(r.keys) });
  return out;
}
