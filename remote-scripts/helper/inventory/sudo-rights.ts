import type { HelperContext } from '../context.js';

/**
 * Who can become root, read from sudo itself (`sudo -l -U USER`, as root), never guessed from a
 * group's name: a user with `ALL=(ALL) ALL` in /etc/sudoers.d counts whatever their groups, and a
 * group that happens to be called "admin" grants nothing by itself. sudo resolves aliases,
 * includes, negations and host specs the way it will when the user runs it.
 *
 *   all   may run any command as root (`(ALL) ALL`, `(root) NOPASSWD: ALL`, …)
 *   some  may run only listed commands
 *   none  may not use sudo
 *   null  unknown: the helper is not root (sudoers is readable by root only), or there is no sudo
 */
export type SudoRights = 'all' | 'some' | 'none';

/** A command spec line of `sudo -l` ("    (ALL : ALL) NOPASSWD: ALL"): runas list, tags, commands. */
const SPEC = /^\s+\(([^)]*)\)\s*((?:[A-Z_]+:\s*)*)(.*)$/;

export function parseSudoList(text: string): SudoRights | null {
  if (/is not allowed to run sudo|may not run sudo/.test(text)) return 'none';
  const at = text.search(/may run the following commands/);
  if (at < 0) return null;
  let some = false;
  for (const line of text.slice(at).split('\n').slice(1)) {
    const m = SPEC.exec(line);
    if (!m) continue;
    const runas = m[1]!.split(':')[0]!.split(',').map((s) => s.trim());
    const commands = m[3]!.split(',').map((s) => s.trim());
    some = true;
    if ((runas.includes('ALL') || runas.includes('root')) && commands.includes('ALL')) return 'all';
  }
  return some ? 'some' : 'none';
}

export interface SudoReading {
  rights: Map<string, SudoRights>;
  /** Why rights are unknown, for the section's message; null when they were read. */
  unknownWhy: string | null;
}

/** At most this many accounts are asked about (people, not the hundred system accounts). */
const MAX_ASKED = 500;

/** What sudo's answers depend on locally: its rules, the accounts and groups they name, and where it looks them up. */
const SUDO_INPUTS = ['/etc/sudoers', '/etc/sudoers.d', '/etc/passwd', '/etc/group', '/etc/nsswitch.conf', '/etc/hostname'];
/** Rules from elsewhere (sssd, LDAP) change without a local file changing: asked again at least this often. */
export const SUDO_CACHE_MS = 10 * 60_000;

const cache = new WeakMap<HelperContext, { key: string; at: number; reading: SudoReading }>();

/** The stamps of sudo's inputs (each file in /etc/sudoers.d too); null where the context cannot stat. */
async function inputsKey(ctx: HelperContext, names: readonly string[]): Promise<string | null> {
  if (!ctx.fileStamp) return null;
  const included = ((await ctx.listDir('/etc/sudoers.d')) ?? []).sort().map((f) => `/etc/sudoers.d/${f}`);
  const stamps = await Promise.all([...SUDO_INPUTS, ...included].map(async (p) => `${p}=${(await ctx.fileStamp!(p)) ?? '-'}`));
  return `${stamps.join('|')}|${names.join(',')}`;
}

/**
 * sudo -l per account costs a process each (about 200 ms of CPU for 30 accounts): the resident
 * agent, which reads the inventory every minute, asks again only when one of sudo's inputs
 * changed or SUDO_CACHE_MS passed.
 */
export async function readSudoRights(ctx: HelperContext, names: string[], now: () => number = Date.now): Promise<SudoReading> {
  if (!ctx.live) return { rights: new Map(), unknownWhy: null };
  if (ctx.uid !== 0) return { rights: new Map(), unknownWhy: 'who can become root is read from sudo, which only root may ask: connect with sudo rights to see it' };
  const key = await inputsKey(ctx, names);
  const kept = cache.get(ctx);
  if (key !== null && kept?.key === key && now() - kept.at < SUDO_CACHE_MS) return { rights: new Map(kept.reading.rights), unknownWhy: kept.reading.unknownWhy };
  const reading = await askSudo(ctx, names);
  if (key !== null) cache.set(ctx, { key, at: now(), reading });
  return reading;
}

async function askSudo(ctx: HelperContext, names: string[]): Promise<SudoReading> {
  const rights = new Map<string, SudoRights>();
  const queue = names.slice(0, MAX_ASKED);
  let missing = false;
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      // -n: never prompt; as root sudo lists another user's rights without a password.
      const r = await ctx.run(['sudo', '-n', '-l', '-U', name], { timeoutMs: 3000 });
      if (r.missing) {
        missing = true;
        return;
      }
      const parsed = parseSudoList(r.stdout + r.stderr);
      if (parsed) rights.set(name, parsed);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  if (missing) return { rights: new Map(), unknownWhy: 'sudo is not installed, so no one but root can become root through it' };
  return { rights, unknownWhy: names.length > MAX_ASKED ? `sudo rights were read for the first ${MAX_ASKED} of ${names.length} accounts` : null };
}
