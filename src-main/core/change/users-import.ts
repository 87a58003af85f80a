import { createHash } from 'node:crypto';
import type { UserObserved } from '../../../src-common/change/user.schema.js';
import type { CsvPreviewRow } from '../../../src-common/modules/users-contract.js';
import { csvUsers } from '../../../src-common/modules/users-csv.js';
import { FleetdeckError, toProblem } from '../../../src-common/problems.js';
import { userResource } from '../modules/users.module.js';
import type { ChangeService } from './change-service.js';
import type { ChangeTarget } from './change-target.js';
import { userStep } from './plan-user.js';

/**
 * The CSV onboarding preview (CLI and app alike): each row checked on its own (users-csv.ts),
 * then against the host — what it would do there, or why not (a uid taken, an LDAP account, a
 * system account) — before anything runs. Reads only.
 */
export async function previewUsers(service: ChangeService, target: ChangeTarget, text: string): Promise<CsvPreviewRow[]> {
  const { rows, problem } = csvUsers(text);
  if (problem) throw new FleetdeckError('invalid-input', problem);
  // A profile must be one of the host's (stored hosts keep the limits policy).
  const profiles = Object.keys((service.installed(target).find((i) => i.module === 'limits')?.settings?.profiles as Record<string, unknown> | undefined) ?? {});
  for (const r of rows) {
    if (!r.profile || profiles.includes(r.profile)) continue;
    r.problems.push(target.hostId === null ? `profile ${r.profile}: limits profiles live on stored hosts (add the host with fleetdeck hosts add), not here` : `there is no limits profile "${r.profile}" on ${target.hostName}${profiles.length ? ` (there: ${profiles.join(', ')})` : ''}: make it first (Profiles… on the Users tab, or fleetdeck modules apply ${target.hostName} limits --settings-file FILE)`);
    r.entry = null;
  }
  const good = rows.filter((r) => r.entry);
  const observed = await service.observe(target, good.map((r) => userResource(r.entry!)));
  const does = new Map<number, string>();
  good.forEach((r, i) => {
    try {
      const step = userStep(userResource(r.entry!), observed[i] as UserObserved);
      does.set(r.line, step ? step.summary : 'nothing to do (already as wanted)');
    } catch (err) {
      r.problems.push(toProblem(err).message);
      r.entry = null;
    }
  });
  return rows.map((r) => ({ line: r.line, name: r.name, email: r.email, profile: r.profile, problems: r.problems, does: r.entry ? (does.get(r.line) ?? null) : null, entry: r.entry }));
}

/** An authorized key as `ssh-keygen -l` shows it: SHA256 of the key blob, unpadded base64, then the type and comment. */
export function keyFingerprint(line: string): string {
  const [type, blob, ...comment] = line.trim().split(/\s+/);
  const digest = createHash('sha256').update(Buffer.from(blob ?? '', 'base64')).digest('base64').replace(/=+$/, '');
  return `SHA256:${digest} ${type ?? '?'}${comment.length ? ` ${comment.join(' ')}` : ''}`;
}

/** The login accounts of a host with what only root reads (locked, expiry) and the managed keys. */
export async function accountsOf(service: ChangeService, target: ChangeTarget, names: readonly string[]): Promise<UserObserved[]> {
  return (await service.observe(target, names.map((name) => ({ kind: 'user' as const, name, state: 'present' as const })))) as UserObserved[];
}
