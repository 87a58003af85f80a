import type { PlanStep } from '../../../src-common/change/plan.schema.js';
import { userChanges } from '../../../src-common/change/user-diff.js';
import { NEW_ACCOUNT, type UserObserved, type UserResource } from '../../../src-common/change/user.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';

/**
 * The step for one account, or null when it is as wanted. Refused before anything runs, by name
 * and with what to do: an LDAP/SSSD account (edit it in the directory), a system account (below
 * the host's UID_MIN), a new name that is not portable, a uid outside the host's range or taken.
 */
export function userStep(r: UserResource, o: UserObserved): Omit<PlanStep, 'n' | 'module'> | null {
  const changes = userChanges(r, o);
  if (!changes.length) return null;
  if (o.source === 'nss') throw new FleetdeckError('invalid-input', `${r.name} comes from LDAP/SSSD (not /etc/passwd): Fleetdeck shows it but does not edit it locally. Change it in the directory.`, { user: r.name });
  if (o.exists && o.uid !== null && o.uid < o.uidRange.min) throw new FleetdeckError('invalid-input', `${r.name} is a system account (uid ${o.uid}, below this host's UID_MIN ${o.uidRange.min}): Fleetdeck leaves it alone.`, { user: r.name });
  if (r.state === 'present' && o.unknownGroups.length) throw new FleetdeckError('invalid-input', `${o.unknownGroups.length === 1 ? `Group ${o.unknownGroups[0]} does` : `Groups ${o.unknownGroups.join(', ')} do`} not exist on this host: create ${o.unknownGroups.length === 1 ? 'it' : 'them'} first (groupadd), or leave ${o.unknownGroups.length === 1 ? 'it' : 'them'} out.`, { groups: o.unknownGroups });
  const base = { kind: 'user' as const, needsRoot: true, reversible: true, diff: null, resource: r };
  if (r.state === 'absent') {
    const warnings = [
      ...(o.processes ? [`${r.name} has ${o.processes} process${o.processes === 1 ? '' : 'es'} running: stopped (SIGKILL) first.`] : []),
      r.archive ? `The home (${o.home}) is archived to /var/lib/fleetdeck/archive first (root only): a rollback restores it from there.` : `The home (${o.home}) is deleted for good: a rollback makes the account again with an empty home. Archive it first to keep it.`,
    ];
    return { ...base, action: 'delete', summary: `Delete user ${r.name} (uid ${o.uid})${r.archive ? `, archiving ${o.home} first` : ''}`, before: `${r.name}: uid ${o.uid}, home ${o.home}, groups ${o.groups.join(', ') || '(none)'}`, after: null, warnings };
  }
  if (!o.exists) {
    if (!NEW_ACCOUNT.test(r.name)) throw new FleetdeckError('invalid-input', `"${r.name}" cannot be a new account name: use 1 to 32 lowercase letters, digits, "_" or "-", starting with a letter or "_".`, { user: r.name });
    if (r.uid !== undefined && (r.uid < o.uidRange.min || r.uid > o.uidRange.max)) throw new FleetdeckError('invalid-input', `uid ${r.uid} is outside this host's range for login accounts (${o.uidRange.min}–${o.uidRange.max}, UID_MIN and UID_MAX in /etc/login.defs): choose one inside it.`, { uid: r.uid });
    if (o.uidTakenBy) throw new FleetdeckError('invalid-input', `uid ${r.uid} is taken by ${o.uidTakenBy} on this host: choose a uid free on every host, or leave it out.`, { uid: r.uid });
    const after = [
      `uid ${r.uid ?? '(the next free one)'}`,
      r.fullName ? `name "${r.fullName}"` : null,
      r.shell ? `shell ${r.shell}` : null,
      r.groups?.length ? `groups ${r.groups.join(', ')}` : null,
      r.locked ? 'locked' : r.expires ? `expires ${r.expires}` : null,
      r.keys?.length ? `${r.keys.length} SSH key${r.keys.length === 1 ? '' : 's'}` : null,
    ].filter(Boolean);
    return { ...base, action: 'create', summary: `Create user ${r.name} (${after.join(', ')}), with a home directory`, before: null, after: after.join('\n'), warnings: [] };
  }
  return {
    ...base,
    action: 'update',
    summary: `Change user ${r.name}: ${changes.map((c) => (c.field === 'locked' ? c.after.replace('unlocked', 'unlock').replace('locked', 'lock') : c.field === 'keys' ? 'SSH keys' : c.field === 'fullName' ? 'full name' : c.field)).join(', ')}`,
    before: changes.map((c) => `${c.field}: ${c.before}`).join('\n'),
    after: changes.map((c) => `${c.field}: ${c.after}`).join('\n'),
    warnings: o.keys === null && r.keys !== undefined ? [`${r.name}'s authorized_keys could not be read as ${r.name} (no home, or ~/.ssh is not theirs to read): writing them, as ${r.name}, may fail the same way.`] : [],
  };
}
