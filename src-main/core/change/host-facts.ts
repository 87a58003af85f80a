import { helperApi } from '../../../src-common/protocol/helper-api.js';
import type { ChangeTarget } from './change-target.js';
import type { ChangeModule, HostFacts } from './module.js';

/**
 * What the modules plan from: the probe, who logs in, and what the planned modules asked about —
 * their accounts and groups (uids, members; files or NSS) and, for disk quotas, whether the kernel
 * can enforce them and where each user's home is — and whether the host reaches the sources they
 * fetch from (a vendor repository, an image registry).
 */
export async function hostFacts(target: ChangeTarget, wanted: readonly { module: ChangeModule<never>; settings: unknown; previous?: unknown }[]): Promise<HostFacts> {
  const names = [...new Set(wanted.flatMap((w) => w.module.accounts?.(w.settings as never, w.previous as never) ?? []))];
  const groups = [...new Set(wanted.flatMap((w) => w.module.groups?.(w.settings as never, w.previous as never) ?? []))];
  const ask = names.length || groups.length ? target.request(helperApi.changeAccounts, groups.length ? { names, groups } : { names }, 'try') : null;
  const [probe, who, accounts] = await Promise.all([target.probe(), target.user(), ask]);
  const facts: HostFacts = { probe, user: who.user, uid: who.uid, auth: who.auth ?? null, installDir: who.dir ?? null, hostName: target.hostName };
  if (accounts) {
    const all = [...accounts.accounts, ...(accounts.groups ?? []).flatMap((g) => g.members)];
    facts.accounts = new Map(all.map((a) => [a.name, { uid: a.uid, source: a.source }]));
    if (accounts.groups) facts.groups = new Map(accounts.groups.map((g) => [g.name, g.members.map((m) => m.name)]));
  }
  const quotaUsers = [...new Set(wanted.flatMap((w) => w.module.quotaUsers?.(w.settings as never, facts.groups, w.previous as never) ?? []))].filter((u) => facts.accounts?.has(u));
  if (quotaUsers.length) {
    const q = await target.request(helperApi.changeQuota, { users: quotaUsers }, 'try');
    facts.quota = { kernel: q.kernel, homes: new Map(q.homes.map(({ user, ...h }) => [user, h])) };
  }
  const sources = [...new Map(wanted.flatMap((w) => w.module.sources?.(w.settings as never, probe) ?? []).map((s) => [s.id, s])).values()];
  if (sources.length) {
    const r = await target.request(helperApi.changeReach, { sources: sources.map(({ id, via, url }) => ({ id, via, url })) }, 'none');
    facts.reach = new Map(r.results.map(({ id, ok, detail }) => [id, { ok, detail }]));
  }
  return facts;
}
