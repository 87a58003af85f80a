import type { UserUsage } from '../../../src-common/monitor/sample.schema.js';
import type { UserNames } from './user-directory.js';

/** The person a process's usage is charged to in the per-user totals. */
export interface Account {
  user: string;
  uid: number | null;
}

/** Processes whose owner cannot be read (another pid namespace, a GPU process that already exited). */
export const UNKNOWN_USER = '(unknown)';

/**
 * Who answers for a process: a container's owner (label, else inferred) when it has one, so a
 * labelled job counts for the person it was started for whatever uid the image runs as; a root
 * process started from someone's login session (sudo) counts for that login; otherwise the uid.
 */
export function accountFor(
  p: { uid: number | null; loginUid: number | null; container: { owner: string | null } | null },
  ownerUid: number | null,
  names: UserNames,
): Account {
  if (p.container?.owner) return { user: p.container.owner, uid: ownerUid };
  const uid = p.uid === 0 && p.loginUid !== null ? p.loginUid : p.uid;
  if (uid === null) return { user: UNKNOWN_USER, uid: null };
  return { user: names.nameOf(uid) ?? String(uid), uid };
}

export interface Usage {
  account: Account;
  cpuPercent: number;
  rssBytes: number;
  gpuMemoryBytes: number;
  gpus: readonly number[];
}

/** Totals per account over every process, busiest first (CPU, then GPU memory, then memory). */
export function aggregateUsers(usages: Iterable<Usage>): UserUsage[] {
  const byUser = new Map<string, UserUsage>();
  for (const u of usages) {
    const key = u.account.user;
    let total = byUser.get(key);
    if (!total) {
      total = { user: key, uid: u.account.uid, cpuPercent: 0, memoryBytes: 0, gpuMemoryBytes: 0, gpusTouched: [], processes: 0 };
      byUser.set(key, total);
    }
    total.uid ??= u.account.uid;
    total.cpuPercent += u.cpuPercent;
    total.memoryBytes += u.rssBytes;
    total.gpuMemoryBytes += u.gpuMemoryBytes;
    for (const g of u.gpus) if (!total.gpusTouched.includes(g)) total.gpusTouched.push(g);
    total.processes++;
  }
  const out = [...byUser.values()];
  for (const t of out) {
    t.cpuPercent = Math.round(t.cpuPercent * 10) / 10;
    t.gpusTouched.sort((a, b) => a - b);
  }
  return out.sort((a, b) => b.cpuPercent - a.cpuPercent || b.gpuMemoryBytes - a.gpuMemoryBytes || b.memoryBytes - a.memoryBytes || a.user.localeCompare(b.user));
}
