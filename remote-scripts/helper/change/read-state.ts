import type { Observed, Resource } from '../../../src-common/change/resource.schema.js';
import type { HelperContext } from '../context.js';
import { parsePasswd } from '../inventory/local-users.js';
import { pidOccupant } from '../processes/process-control.js';
import { loadAccounts, readFileState } from './files.js';
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
export async function resolveAccounts(ctx: HelperContext, names: string[]): Promise<{ accounts: { name: string; uid: number; source: 'files' | 'nss' }[]; missing: string[] }> {
  const local = new Map(parsePasswd((await ctx.readText('/etc/passwd')) ?? '').map((e) => [e.name, e.uid]));
  const accounts: { name: string; uid: number; source: 'files' | 'nss' }[] = [];
  const missing: string[] = [];
  for (const name of [...new Set(names)]) {
    const uid = local.get(name);
    if (uid !== undefined) {
      accounts.push({ name, uid, source: 'files' });
      continue;
    }
    const r = ctx.live ? await ctx.run(['getent', 'passwd', '--', name], { timeoutMs: 10_000 }) : null;
    const fields = r?.code === 0 ? r.stdout.split('\n')[0]!.split(':') : [];
    if (fields[0] === name && /^\d+$/.test(fields[2] ?? '')) accounts.push({ name, uid: Number(fields[2]), source: 'nss' });
    else missing.push(name);
  }
  return { accounts, missing };
}
