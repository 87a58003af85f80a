import { createHash, randomUUID } from 'node:crypto';
import type { FootprintItem, FootprintPlan, FootprintResult } from '../../../src-common/footprint/footprint.contract.js';
import { FleetdeckError, toProblem } from '../../../src-common/problems.js';
import { loadAssets } from '../agent/assets.js';
import type { ExecResult } from '../agent/remote-exec.js';
import { api } from '../../../src-common/api.js';
import type { AuditEntry } from '../audit/audit-log.js';
import { handlersFor, type Capability } from '../capability.js';

/**
 * What Fleetdeck put on a host, listed and removed the plan → apply → verify way (footprint.sh does
 * the host side). Root's copies are listed and removed through sudo; when sudo needs a password
 * nobody gave, the plan says so instead of guessing.
 */
export interface FootprintHost {
  /** Who Fleetdeck logs in as and its helper dir (bootstrap's facts; deploys the helper if a link reached only the agent). */
  loginFacts(): Promise<{ uid: number; user: string; dir: string | null; sudo: string }>;
  runScript(script: string, name: string, args: string[], opts?: { asRoot?: boolean; timeoutMs?: number }): Promise<ExecResult>;
  connect(): Promise<unknown>;
}

export interface FootprintDeps {
  session(id: number): FootprintHost;
  hostName(id: number): string;
  audit(e: AuditEntry): void;
  now?: () => number;
}

export const ROOT_DIR = '/var/lib/fleetdeck/root';
const NAME = 'fleetdeck-footprint';
const PLAN_TTL_MS = 10 * 60_000;

export function parseFootprint(stdout: string, owner: FootprintItem['owner']): { items: FootprintItem[]; removed: string[]; absent: boolean } {
  const error = /^error=(.*)$/m.exec(stdout)?.[1];
  if (error) throw new FleetdeckError('protocol-error', `The host's footprint script failed: ${error}.`);
  const items: FootprintItem[] = [];
  const removed: string[] = [];
  for (const line of stdout.split('\n')) {
    const item = /^item=(helper|runtime|temp|agent):(\d+):(\/.*)$/.exec(line);
    if (item) items.push({ kind: item[1] as FootprintItem['kind'], bytes: Number(item[2]), path: item[3]!, owner });
    const gone = /^removed=(\/.*)$/.exec(line);
    if (gone) removed.push(gone[1]!);
  }
  return { items, removed, absent: /^absent=/m.test(stdout) };
}

export function formatMegabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} KB`;
}

interface Stored {
  hostId: number;
  plan: FootprintPlan;
  userDir: string | null;
  includeRoot: boolean;
  expiresAt: number;
}

export class FootprintService implements Capability {
  handlers() {
    return handlersFor(api.footprint, {
      plan: async (p) => this.plan(p.id),
      remove: async (p) => this.remove(p.id, p.planId, p.tag),
    });
  }

  private readonly plans = new Map<string, Stored>();
  private readonly now: () => number;

  constructor(private readonly deps: FootprintDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Everything of Fleetdeck's on the host now: the user's dir, and root's when sudo can tell. */
  private async list(host: FootprintHost): Promise<{ items: FootprintItem[]; userDir: string | null; rootUnknown: string | null }> {
    await host.connect();
    const facts = await host.loginFacts();
    const script = loadAssets().footprint;
    const items: FootprintItem[] = [];
    const userDir = facts.uid === 0 ? null : facts.dir;
    if (userDir) items.push(...parseFootprint((await host.runScript(script, NAME, ['list', userDir])).stdout, 'user').items);
    let rootUnknown: string | null = null;
    try {
      items.push(...parseFootprint((await host.runScript(script, NAME, ['list', ROOT_DIR], { asRoot: true })).stdout, 'root').items);
    } catch (err) {
      const p = toProblem(err);
      if (p.problem === 'protocol-error') throw err;
      rootUnknown = p.problem === 'sudo-required' || p.problem === 'authentication-failed' ? `root's copies in ${ROOT_DIR} need the sudo password of ${facts.user} to list and remove: connect with it` : `root's copies in ${ROOT_DIR} cannot be listed: ${p.message}`;
    }
    return { items, userDir, rootUnknown };
  }

  async plan(id: number): Promise<FootprintPlan> {
    this.prune();
    const label = this.deps.hostName(id);
    const host = this.deps.session(id);
    const { items, userDir, rootUnknown } = await this.list(host);
    const totalBytes = items.reduce((n, i) => n + (i.bytes ?? 0), 0);
    const plan: FootprintPlan = {
      planId: randomUUID(),
      tag: tagOf(items),
      hostId: id,
      items,
      totalBytes,
      rootUnknown,
      summary: items.length
        ? `Remove ${items.length} item${items.length === 1 ? '' : 's'} (${formatMegabytes(totalBytes)}) that Fleetdeck put on ${label}: ${items.map((i) => i.path).join(', ')}`
        : `Nothing of Fleetdeck's is on ${label}${rootUnknown ? ' that it can see' : ''}.`,
    };
    this.plans.set(plan.planId, { hostId: id, plan, userDir, includeRoot: !rootUnknown, expiresAt: this.now() + PLAN_TTL_MS });
    return plan;
  }

  async remove(id: number, planId: string, tag: string): Promise<FootprintResult> {
    this.prune();
    const stored = this.plans.get(planId);
    if (!stored || stored.hostId !== id) throw new FleetdeckError('not-found', 'This plan has expired or belongs to another host. Plan it again to see what is on the host now.');
    const label = this.deps.hostName(id);
    const host = this.deps.session(id);
    const audit = (result: 'ok' | 'failed', outcome: string, problem?: string) =>
      this.deps.audit({ hostId: id, hostName: label, operation: 'footprint.remove', summary: `${stored.plan.summary}: ${outcome}`, result, problem: problem ?? null });
    try {
      if (tag !== stored.plan.tag) throw new FleetdeckError('change-conflict', 'The confirmed tag is not the plan\'s. Nothing was removed; plan again.');
      // Still what was planned? (Another Fleetdeck may have connected and pushed a new build.)
      const now = await this.list(host);
      if (tagOf(now.items) !== stored.plan.tag) throw new FleetdeckError('change-conflict', `What Fleetdeck has on ${label} changed since the plan (another connect pushed files?). Nothing was removed; plan again.`);
      this.plans.delete(planId);
      const script = loadAssets().footprint;
      const removed: string[] = [];
      // Root's copies first: a running root helper was started from them, the user's are its source.
      if (stored.includeRoot) removed.push(...parseFootprint((await host.runScript(script, NAME, ['remove', ROOT_DIR], { asRoot: true })).stdout, 'root').removed);
      if (stored.userDir) removed.push(...parseFootprint((await host.runScript(script, NAME, ['remove', stored.userDir])).stdout, 'user').removed);
      const after = await this.list(host);
      const planned = new Set(stored.plan.items.map((i) => i.path));
      const left = after.items.filter((i) => planned.has(i.path));
      const verified = left.length === 0;
      audit(verified ? 'ok' : 'failed', verified ? 'removed; read back: gone' : `still there: ${left.map((i) => i.path).join(', ')}`, verified ? undefined : 'internal-error');
      return { removed, left, verified };
    } catch (err) {
      const p = toProblem(err);
      audit('failed', p.message, p.problem);
      throw err;
    }
  }

  private prune(): void {
    const now = this.now();
    for (const [k, v] of this.plans) if (v.expiresAt <= now) this.plans.delete(k);
  }
}

/** What was listed, order-free: paths and sizes. */
function tagOf(items: FootprintItem[]): string {
  return createHash('sha256').update(items.map((i) => `${i.owner}:${i.path}`).sort().join('\n')).digest('hex').slice(0, 16);
}
