import * as z from 'zod/mini';
import { account, type Observed, type Resource } from '../../../src-common/change/resource.schema.js';
import type { HelperContext } from '../context.js';
import { parseGroup, parsePasswd } from '../inventory/local-users.js';
import { pidOccupant } from '../processes/process-control.js';
import { loadAccounts, readFileState } from './files.js';
import { processCounts, readUser } from './users.js';
import { proxyEnv, type PackageBackend } from './packages.js';
import type { ServiceManager } from './services.js';

/**
 * What is on the host now, for each resource a plan is about (change.read1): file contents and
 * owners, installed package versions and what installing the missing ones would pull in (the
 * backend's own dry run), units' enabled/running state, whether a command's check already passes,
 * who holds a pid.
 * Reading changes nothing.
 */
export async function readResources(ctx: HelperContext, backend: PackageBackend, manager: ServiceManager, resources: Resource[]): Promise<Observed[]> {
  await loadAccounts();
  const env = proxyEnv(await ctx.readText('/etc/environment'));
  const out: Observed[] = [];
  let counts: Map<number, number> | undefined;
  for (const r of resources) {
    if (r.kind === 'file') out.push(await readFileState(r.path));
    else if (r.kind === 'package') {
      const installed = await backend.installed(ctx, r.packages);
      const missing = r.packages.filter((p) => installed[p] === null);
      let wouldInstall = null;
      let dryRunProblem = null;
      if (r.state === 'present' && missing.length) {
        const dry = await backend.dryRun(ctx, missing, env);
        wouldInstall = dry.wouldInstall.slice(0, 2048);
        dryRunProblem = dry.problem;
        // apt only knows packages its lists name; apply runs apt-get update first, so say that.
        if (dryRunProblem && backend.name === 'apt' && /unable to locate|has no installation candidate/i.test(dryRunProblem)) {
          dryRunProblem = `${dryRunProblem} (the package lists may be out of date: apply runs apt-get update first)`;
        }
        // The dry run reads zypper's cached metadata only (--no-refresh); the install refreshes it.
        if (dryRunProblem && backend.name === 'zypper' && /no provider of|not found in package names/i.test(dryRunProblem)) {
          dryRunProblem = `${dryRunProblem} (the repository metadata may be out of date: zypper refreshes it when it installs)`;
        }
      }
      out.push({ kind: 'package', installed, wouldInstall, dryRunProblem });
    } else if (r.kind === 'unit') {
      const s = await manager.state(ctx, r.name);
      out.push({ kind: 'unit', exists: s.exists, enabled: s.enabled, running: s.running });
    } else if (r.kind === 'command') {
      const done = r.unless ? (await ctx.run(r.unless, { timeoutMs: 60_000 })).code === 0 : null;
      out.push({ kind: 'command', done });
    } else if (r.kind === 'process') {
      out.push({ kind: 'process', current: await pidOccupant(ctx, r.pid) });
    } else if (r.kind === 'user') {
      counts ??= await processCounts(ctx);
      out.push(await readUser(ctx, r, counts));
    } else {
      out.push({ kind: 'guard' });
    }
  }
  return out;
}

/**
 * Accounts by name (change.accounts1): /etc/passwd first; a name it lacks is asked of NSS
 * (`getent passwd NAME`: LDAP, SSSD), and said to come from there. Names are checked by the
 * protocol schema before this runs, and reach getent as one argv element.
 */
type Account = { name: string; uid: number; source: 'files' | 'nss' };

export async function resolveAccounts(ctx: HelperContext, names: string[], groupNames: string[] = []): Promise<{ accounts: Account[]; missing: string[]; groups?: { name: string; members: Account[] }[] }> {
  const passwd = parsePasswd((await ctx.readText('/etc/passwd')) ?? '');
  const local = new Map(passwd.map((e) => [e.name, e.uid]));
  const getent = async (db: 'passwd' | 'group', name: string) => {
    const r = ctx.live ? await ctx.run(['getent', db, '--', name], { timeoutMs: 10_000 }) : null;
    const fields = r?.code === 0 ? r.stdout.split('\n')[0]!.split(':') : [];
    return fields[0] === name ? fields : null;
  };
  const one = async (name: string): Promise<Account | null> => {
    const uid = local.get(name);
    if (uid !== undefined) return { name, uid, source: 'files' };
    const fields = await getent('passwd', name);
    return fields && /^\d+$/.test(fields[2] ?? '') ? { name, uid: Number(fields[2]), source: 'nss' } : null;
  };
  const accounts: Account[] = [];
  const missing: string[] = [];
  for (const name of [...new Set(names)]) {
    const a = await one(name);
    if (a) accounts.push(a);
    else missing.push(name);
  }
  if (!groupNames.length) return { accounts, missing };
  // Members as /etc/group (or NSS) lists them, plus the users whose primary group it is. A group
  // the host does not know is left out of the answer: the module refuses it by name.
  const groupFile = parseGroup((await ctx.readText('/etc/group')) ?? '');
  const groups: { name: string; members: Account[] }[] = [];
  for (const g of [...new Set(groupNames)]) {
    let entry: { gid: number; members: string[] } | undefined = groupFile.find((e) => e.name === g);
    if (!entry) {
      const fields = await getent('group', g);
      if (fields && /^\d+$/.test(fields[2] ?? '')) entry = { gid: Number(fields[2]), members: (fields[3] ?? '').split(',').filter(Boolean) };
    }
    if (!entry) continue;
    const gid = entry.gid;
    const names = new Set([...entry.members, ...passwd.filter((p) => p.gid === gid).map((p) => p.name)]);
    const members: Account[] = [];
    for (const m of [...names].slice(0, 65_536)) {
      const a = z.safeParse(account(), m).success ? await one(m) : null;
      if (a) members.push(a);
    }
    groups.push({ name: g, members });
  }
  return { accounts, missing, groups };
}
