import type { LocalUser } from '../../../src-common/inventory/inventory.schema.js';
import type { HelperContext } from '../context.js';
import { localUsersFrom, parseGroup, parseLoginDefsUidRange, parsePasswd } from './local-users.js';
import { failedSection, okSection, type SectionResult } from './section.js';
import { readSudoRights } from './sudo-rights.js';

/** Local files only: accounts from LDAP/SSSD are not listed, and the message says so when nsswitch uses them. */
export async function collectUsers(ctx: HelperContext): Promise<SectionResult<LocalUser[]>> {
  const passwd = await ctx.readText('/etc/passwd');
  if (passwd === null) return failedSection([], 'cannot read /etc/passwd');
  const group = (await ctx.readText('/etc/group')) ?? '';
  const range = parseLoginDefsUidRange(await ctx.readText('/etc/login.defs'));
  const listed = localUsersFrom(parsePasswd(passwd), parseGroup(group), range);
  // Root can always become root; everyone else is asked of sudo (not guessed from group names).
  // System accounts too: a service account with sudo rules (a web app's) is worth seeing.
  const { rights, unknownWhy } = await readSudoRights(ctx, listed.filter((u) => u.uid !== 0).map((u) => u.name));
  const users = listed.map((u) => {
    const sudo = u.uid === 0 ? 'all' : (rights.get(u.name) ?? null);
    return { ...u, sudo, isAdmin: sudo === 'all' };
  });
  const nsswitch = (await ctx.readText('/etc/nsswitch.conf')) ?? '';
  const remote = /^passwd:.*\b(sss|ldap|winbind|nis)\b/m.exec(nsswitch);
  const notes = [remote ? `only local accounts are listed; /etc/nsswitch.conf also uses ${remote[1]} for users` : null, unknownWhy].filter((n): n is string => !!n);
  return okSection(users, notes.length ? notes.join('; ') : undefined);
}

export async function readHostname(ctx: HelperContext): Promise<string> {
  for (const path of ['/proc/sys/kernel/hostname', '/etc/hostname']) {
    const name = (await ctx.readText(path))?.trim();
    if (name) return name;
  }
  return 'unknown';
}
