import { ARCHIVE_DIR } from '../../../src-common/change/host-paths.js';
import type { Check } from '../../../src-common/change/plan.schema.js';
import type { UserResource } from '../../../src-common/change/user.schema.js';
import { usersInfo, usersSettings, type GroupEntry, type UserEntry, type UsersSettings } from '../../../src-common/modules/users.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { OWNER_LABEL } from '../../../src-common/monitor/labels.js';
import { defineModule, hasDocker } from '../change/module.js';

/**
 * Local accounts (issue 11) on the change engine: one `user` resource per entry, planned against
 * what the host has (the helper reads /etc/passwd, shadow, group, and authorized_keys as the user),
 * applied with shadow-utils, verified by reading the account back, rolled back to the account as
 * it was (made again with its home from the archive, when a delete archived it).
 */
export function userResource(u: UserEntry): UserResource {
  const r: UserResource = { kind: 'user', name: u.name, state: u.state };
  if (u.state === 'absent') return u.archive ? { ...r, archive: true } : r;
  // offboard is the module's (containers, archive), not the account's.
  for (const k of ['uid', 'fullName', 'shell', 'groups', 'locked', 'expires', 'keys'] as const) if (u[k] !== undefined) (r as Record<string, unknown>)[k] = u[k];
  return r;
}


/** The user's containers removed (by the owner label), and the home archived when the account stays. */
function offboardResources(u: UserEntry, docker: boolean): Resource[] {
  const out: Resource[] = [];
  if (docker) {
    out.push({
      kind: 'command',
      id: `offboard-containers-${u.name}`,
      label: `Remove ${u.name}'s containers (labelled ${OWNER_LABEL}=${u.name}), stopped or running: they cannot be brought back`,
      argv: ['/bin/sh', '-c', 'ids=$(docker ps -aq --filter "label=$0=$1") && { [ -z "$ids" ] || docker rm -f $ids > /dev/null; }', OWNER_LABEL, u.name],
      unless: ['/bin/sh', '-c', 'command -v docker > /dev/null || exit 0; ids=$(docker ps -aq --filter "label=$0=$1") && [ -z "$ids" ]', OWNER_LABEL, u.name],
      undoneWith: 'removed containers cannot be brought back (their images stay)',
    });
  }
  if (u.state === 'present') {
    out.push({
      kind: 'command',
      id: `offboard-archive-${u.name}`,
      label: `Archive ${u.name}'s home to ${ARCHIVE_DIR}/${u.name}-offboarded-DATE.tar.gz (the home stays)`,
      // tar stores symlinks as links and stays on the home's own filesystem: nothing of the user's is followed as root.
      argv: ['/bin/sh', '-c', 'home=$(getent passwd "$1" | cut -d: -f6) && [ -d "$home" ] || exit 0; mkdir -p -m 700 "$0" && tar --numeric-owner --one-file-system -C / -czpf "$0/$1-offboarded-$(date +%Y%m%d-%H%M%S).tar.gz" "\${home#/}"', ARCHIVE_DIR, u.name],
      unless: ['/bin/sh', '-c', 'ls "$0/$1"-offboarded-*.tar.gz > /dev/null 2>&1', ARCHIVE_DIR, u.name],
      undoneWith: `the archive stays in ${ARCHIVE_DIR}`,
    });
  }
  return out;
}

export const usersModule = defineModule<UsersSettings>({
  info: usersInfo,
  settings: usersSettings as never,
  unsupported: () => null,
  network: () => null,
  opens: () => [],
  // Groups first (an account may join a group made in the same change); removals after the accounts.
  resources: ({ settings, facts }) => [
    ...(settings.groups ?? []).filter((g) => g.state === 'present').map(groupResource),
    ...usersResources(settings, hasDocker(facts)),
    ...(settings.groups ?? []).filter((g) => g.state === 'absent').map(groupResource),
  ],
  checks: ({ settings }) => [
    ...settings.users.map((u): Check => ({ kind: 'account', id: `account-${u.name}`, label: u.state === 'absent' ? `${u.name} is gone` : `${u.name} is as wanted`, user: userResource(u) })),
    ...(settings.groups ?? []).map((g): Check => ({ kind: 'command', id: `group-${g.name}`, label: g.state === 'absent' ? `group ${g.name} is gone` : `group ${g.name} exists`, argv: ['getent', 'group', '--', g.name], expectExit: g.state === 'absent' ? 2 : 0 })),
  ],
  warnings: () => [],
});

const usersResources = (settings: UsersSettings, docker: boolean) =>
  settings.users.flatMap((u): Resource[] => [...(u.offboard ? offboardResources(u, docker) : []), userResource(u)]);

/**
 * A group made (groupadd, with the gid given) or removed (groupdel; its line is kept under
 * /var/lib/fleetdeck/archive first, so a rollback makes it again with its gid and members).
 */
const GROUP_SAVED = (name: string) => `${ARCHIVE_DIR}/group-${name}.line`;
function groupResource(g: GroupEntry): Resource {
  if (g.state === 'present') {
    return {
      kind: 'command',
      id: `group-${g.name}`,
      label: `Create group ${g.name}${g.gid !== undefined ? ` (gid ${g.gid})` : ''}`,
      argv: ['groupadd', ...(g.gid !== undefined ? ['--gid', String(g.gid)] : []), '--', g.name],
      unless: ['getent', 'group', '--', g.name],
      undo: ['groupdel', '--', g.name],
    };
  }
  return {
    kind: 'command',
    id: `group-${g.name}`,
    label: `Remove group ${g.name} (its members stay; a rollback makes it again with its gid and members)`,
    argv: ['/bin/sh', '-c', 'line=$(grep "^$1:" /etc/group) || { echo "group $1 is not in /etc/group (a directory group is not removed here)" >&2; exit 1; }; mkdir -p -m 700 "${2%/*}" && printf "%s\\n" "$line" > "$2" && groupdel -- "$1"', 'fleetdeck-group', g.name, GROUP_SAVED(g.name)],
    unless: ['/bin/sh', '-c', '! getent group -- "$1" > /dev/null', 'fleetdeck-group', g.name],
    undo: ['/bin/sh', '-c', '[ -f "$2" ] || exit 0; IFS=: read -r n _ gid members < "$2"; getent group -- "$1" > /dev/null || groupadd --gid "$gid" -- "$1" || exit 1; [ -z "$members" ] || gpasswd -M "$members" -- "$1" > /dev/null', 'fleetdeck-group', g.name, GROUP_SAVED(g.name)],
  };
}

