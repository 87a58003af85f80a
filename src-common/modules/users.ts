import { z } from 'zod';
import { fullName, isoDate, sshKeyLine } from '../change/user.schema.js';
import type { ModuleInfo } from '../change/modules.contract.js';
import { limitsSettings } from './limits.js';
import { accountName } from './settings-fields.js';

/**
 * Local accounts as a module's settings (issue 11): each entry names an account and what to make
 * true of it; fields left out are left as the host has them. `state: "absent"` deletes (with
 * `archive: true`, the home is archived first). The same entries make the same accounts on every
 * host they are applied to (give `uid` for the same uid everywhere).
 */
const mini = <T>(schema: { safeParse(v: unknown): { success: boolean } }, message: string) => z.custom<T>((v) => schema.safeParse(v).success, { message });

export const userEntry = z
  .object({
    name: accountName(),
    state: z.enum(['present', 'absent']).default('present'),
    uid: z.coerce.number({ message: 'A uid is a whole number.' }).int('A uid is a whole number.').min(1).max(4_294_967_294).optional(),
    fullName: mini<string>(fullName(), 'A full name has no ":", "," or control characters, and at most 128 characters.').optional(),
    shell: z.string().regex(/^\/[^\0\n\r:]*$/, 'A shell is an absolute path, e.g. /bin/bash.').max(256).optional(),
    groups: z.array(accountName()).max(64).optional(),
    locked: z.boolean().optional(),
    expires: mini<string>(isoDate(), 'An expiry date is YYYY-MM-DD.').nullable().optional(),
    keys: z.array(mini<string>(sshKeyLine(), 'An SSH public key is one line: TYPE BASE64 [COMMENT] (no options).')).max(64).optional(),
    archive: z.boolean().optional(),
    /** Offboarding: the user's containers are removed, and (an account that stays) the home is archived to a tarball. */
    offboard: z.boolean().optional(),
  })
  .strict();
export type UserEntry = z.infer<typeof userEntry>;

/** A local group to make (with this gid, when given) or remove. */
export const groupEntry = z
  .object({
    name: accountName(),
    state: z.enum(['present', 'absent']).default('present'),
    gid: z.coerce.number({ message: 'A gid is a whole number.' }).int('A gid is a whole number.').min(1).max(4_294_967_294).optional(),
  })
  .strict();
export type GroupEntry = z.infer<typeof groupEntry>;

export const usersSettings = z
  .object({ users: z.array(userEntry).max(2000, 'At most 2000 accounts in one change.').default([]), groups: z.array(groupEntry).max(500, 'At most 500 groups in one change.').optional() })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.users.forEach((u, i) => {
      if (seen.has(u.name)) ctx.addIssue({ code: 'custom', path: ['users', i, 'name'], message: `${u.name} is listed twice: list each account once.` });
      seen.add(u.name);
    });
    const groups = new Set<string>();
    (s.groups ?? []).forEach((g, i) => {
      if (groups.has(g.name)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'name'], message: `Group ${g.name} is listed twice: list each group once.` });
      groups.add(g.name);
    });
  });
export type UsersSettings = z.infer<typeof usersSettings>;

export const usersInfo: ModuleInfo = {
  id: 'users',
  title: 'Users and groups',
  summary: 'Local accounts: create (the same uid on every host), change groups, shell, expiry, lock, SSH keys, and delete with the home archived first. Read back from /etc/passwd, shadow and group.',
  needs: [],
  notes: ['Accounts from LDAP/SSSD are shown, never edited locally', 'SSH keys are written as the user, never as root'],
  fields: [],
  defaults: { users: [] },
  wizard: false,
};

/**
 * Offboarding (the CLI's `users offboard` and the app's dialog alike): each account locked, or
 * deleted with its home archived; its home archived and its containers removed (the users module's
 * offboard); and, where the host's stored limits policy names them, the users taken out of it
 * (their drop-in or cgroup goes, their disk quota is freed). `limits`: the stored policy, if any.
 */
export function offboardModules(names: readonly string[], remove: boolean, limits: Record<string, unknown> | undefined): { id: string; settings: Record<string, unknown> }[] {
  const users = names.map((name) => (remove ? { name, state: 'absent', archive: true, offboard: true } : { name, locked: true, offboard: true }));
  const modules: { id: string; settings: Record<string, unknown> }[] = [{ id: 'users', settings: { users } }];
  const policy = limits ? limitsSettings.safeParse(limits) : null;
  if (policy?.success && policy.data.users.some((u) => names.includes(u.user))) modules.push({ id: 'limits', settings: { ...policy.data, users: policy.data.users.filter((u) => !names.includes(u.user)) } });
  return modules;
}
