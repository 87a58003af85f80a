import type { Check } from '../../../src-common/change/plan.schema.js';
import type { UserResource } from '../../../src-common/change/user.schema.js';
import { usersInfo, usersSettings, type UserEntry, type UsersSettings } from '../../../src-common/modules/users.js';
import { defineModule } from '../change/module.js';

/**
 * Local accounts (issue 11) on the change engine: one `user` resource per entry, planned against
 * what the host has (the helper reads /etc/passwd, shadow, group, and authorized_keys as the user),
 * applied with shadow-utils, verified by reading the account back, rolled back to the account as
 * it was (made again with its home from the archive, when a delete archived it).
 */
export function userResource(u: UserEntry): UserResource {
  const r: UserResource = { kind: 'user', name: u.name, state: u.state };
  if (u.state === 'absent') return u.archive ? { ...r, archive: true } : r;
  for (const k of ['uid', 'fullName', 'shell', 'groups', 'locked', 'expires', 'keys'] as const) if (u[k] !== undefined) (r as Record<string, unknown>)[k] = u[k];
  return r;
}

export const usersModule = defineModule<UsersSettings>({
  info: usersInfo,
  settings: usersSettings as never,
  unsupported: () => null,
  network: () => null,
  opens: () => [],
  resources: ({ settings }) => settings.users.map(userResource),
  checks: ({ settings }) =>
    settings.users.map((u): Check => ({ kind: 'account', id: `account-${u.name}`, label: u.state === 'absent' ? `${u.name} is gone` : `${u.name} is as wanted`, user: userResource(u) })),
  warnings: () => [],
});
