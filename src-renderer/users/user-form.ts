import type { AccountState } from '../../src-common/modules/users-contract.js';
import { usersSettings, type UserEntry } from '../../src-common/modules/users.js';
import type { LocalUser } from '../../src-common/inventory/inventory.schema.js';

/**
 * The account dialog's form and the users-module entry it makes. On modify only what the admin
 * changed is sent: a field left as it was is left as the host has it (the module's own rule), so
 * opening and saving never rewrites an account by accident.
 */
export interface UserForm {
  name: string;
  uid: string;
  fullName: string;
  groups: string;
  shell: string;
  expires: string;
  locked: boolean;
  keys: string;
}

export type UserDialogMode = 'create' | 'modify' | 'delete';

export const emptyForm: UserForm = { name: '', uid: '', fullName: '', groups: '', shell: '', expires: '', locked: false, keys: '' };

/** The form as the account is now (supplementary groups only: the primary group is not in the set). */
export function formOfUser(u: LocalUser, state: AccountState | undefined): UserForm {
  return {
    name: u.name,
    uid: String(u.uid),
    fullName: u.gecos.split(',')[0] ?? '',
    groups: u.groups.filter((g) => g !== u.primaryGroup && g !== u.name).join(', '),
    shell: u.shell,
    expires: state?.expires ?? '',
    locked: state?.locked ?? false,
    keys: '',
  };
}

const list = (text: string) => text.split(/[\s,]+/).map((g) => g.trim()).filter(Boolean);
const keyLines = (text: string) => text.split('\n').map((k) => k.trim().replace(/\s+/g, ' ')).filter(Boolean);

export function entryOfForm(mode: UserDialogMode, form: UserForm, initial: UserForm, archive: boolean): Record<string, unknown> {
  const name = form.name.trim();
  if (mode === 'delete') return { name, state: 'absent', ...(archive ? { archive: true } : {}) };
  const e: Record<string, unknown> = { name };
  const changed = <K extends keyof UserForm>(k: K) => mode === 'create' || form[k] !== initial[k];
  if (mode === 'create' && form.uid.trim()) e.uid = form.uid.trim();
  if (changed('fullName') && form.fullName.trim()) e.fullName = form.fullName.trim();
  if (mode === 'modify' && changed('fullName') && !form.fullName.trim()) e.fullName = '';
  if (changed('groups') && (mode === 'modify' || form.groups.trim())) e.groups = list(form.groups);
  if (changed('shell') && form.shell.trim()) e.shell = form.shell.trim();
  if (changed('expires') && (mode === 'modify' || form.expires.trim())) e.expires = form.expires.trim() || null;
  if (changed('locked') && (mode === 'modify' || form.locked)) e.locked = form.locked;
  if (form.keys.trim()) e.keys = keyLines(form.keys);
  return e;
}

/** The entry checked by the module's own schema: errors by field, for the form. */
export function checkEntry(entry: Record<string, unknown>): { ok: true; entry: UserEntry } | { ok: false; errors: Record<string, string> } {
  const r = usersSettings.safeParse({ users: [entry] });
  if (r.success) return { ok: true, entry: r.data.users[0]! };
  const errors: Record<string, string> = {};
  for (const i of r.error.issues) {
    const field = String(i.path[2] ?? 'name');
    errors[field] ??= i.message;
  }
  return { ok: false, errors };
}

/** A new account's name: the rule the planner applies, said while typing. */
export function newNameProblem(name: string): string | null {
  if (!name) return null;
  return /^[a-z_][a-z0-9_-]{0,31}$/.test(name) ? null : 'A new account name is 1 to 32 lowercase letters, digits, "_" or "-", starting with a letter or "_".';
}
