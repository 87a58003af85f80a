import { createHash } from 'node:crypto';
import type { ChangePlan } from '../../../src-common/change/modules.contract.js';
import type { Check, PlanStep } from '../../../src-common/change/plan.schema.js';
import { resourceId, type Observed, type Resource } from '../../../src-common/change/resource.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { unifiedDiff } from './diff.js';
import type { ChangeModule, HostFacts, ModuleContext } from './module.js';
import { showArgv } from '../../../src-common/change/show-argv.js';
import { userStep } from './plan-user.js';

/**
 * The planner, as pure functions: modules and settings → the resources they want (in dependency
 * order) → with what the host has, the steps to take. No host is touched here, so a plan for any
 * family is tested on that family's probe.
 */
export interface Wanted {
  module: ChangeModule;
  settings: unknown;
  /** The settings it was last applied with on this host (ModuleContext.previous). */
  previous?: unknown;
}

export interface DesiredState {
  order: string[];
  items: { module: string; resource: Resource }[];
  checks: (Check & { module: string })[];
  warnings: string[];
  network: string | null;
}

/** Orders the wanted modules so that what a module needs comes first; refuses what is missing. */
export function orderModules(wanted: Wanted[], installed: ReadonlySet<string>): Wanted[] {
  const byId = new Map(wanted.map((w) => [w.module.info.id, w]));
  const out: Wanted[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (w: Wanted, path: string[]) => {
    const id = w.module.info.id;
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new FleetdeckError('invalid-input', `Modules depend on each other in a circle: ${[...path, id].join(' → ')}.`);
    state.set(id, 'visiting');
    for (const need of w.module.info.needs) {
      const dep = byId.get(need);
      if (dep) visit(dep, [...path, id]);
      else if (!installed.has(need)) throw new FleetdeckError('invalid-input', `${w.module.info.title} needs ${need}: add ${need} to this plan, or install it first.`);
    }
    state.set(id, 'done');
    out.push(w);
  };
  for (const w of wanted) visit(w, []);
  return out;
}

export function desiredState(wanted: Wanted[], facts: HostFacts, installed: ReadonlySet<string>, installedPorts: ModuleContext<unknown>['ports'] = [], pki?: ModuleContext<unknown>['pki']): DesiredState {
  const order = orderModules(wanted, installed);
  for (const w of order) {
    const why = w.module.unsupported(facts, w.settings);
    if (why) throw new FleetdeckError('unsupported-os', `${w.module.info.title} on ${facts.hostName}: ${why}`);
  }
  const modules = new Set([...installed, ...order.map((w) => w.module.info.id)]);
  const planned = new Set(order.map((w) => w.module.info.id));
  const ports = [
    ...installedPorts.filter((p) => !planned.has(p.module)),
    ...order.flatMap((w) => w.module.opens(w.settings).map((p) => ({ ...p, module: w.module.info.id }))),
  ];
  const items: DesiredState['items'] = [];
  const checks: DesiredState['checks'] = [];
  const warnings: string[] = [];
  const network: string[] = [];
  for (const w of order) {
    const ctx: ModuleContext<unknown> = { facts, settings: w.settings, previous: w.previous, modules, ports, pki };
    const id = w.module.info.id;
    for (const r of w.module.resources(ctx)) items.push({ module: id, resource: r });
    for (const c of w.module.checks(ctx)) checks.push({ ...c, module: id });
    warnings.push(...w.module.warnings(ctx));
    const net = w.module.network(ctx);
    if (net) network.push(`${w.module.info.title}: ${net}`);
  }
  return { order: order.map((w) => w.module.info.id), items: mergeUnits(items), checks, warnings, network: network.length ? network.join('; ') : null };
}

/**
 * One resource per id, except units: several modules may name the same unit (a module's nginx
 * site reloads the nginx that the nginx module runs). Each mention stays where its module put
 * it, so a reload follows the files that precede it; what the unit should be (enabled, running)
 * is said once, at the first mention, and mentions must not disagree. Any other duplicate is a
 * module bug.
 */
function mergeUnits(items: DesiredState['items']): DesiredState['items'] {
  const out: DesiredState['items'] = [];
  const seen = new Map<string, DesiredState['items'][number]>();
  for (const item of items) {
    const rid = resourceId(item.resource);
    const first = seen.get(rid);
    if (!first) {
      const copy = { ...item, resource: { ...item.resource } };
      seen.set(rid, copy);
      out.push(copy);
      continue;
    }
    const a = first.resource;
    const b = { ...item.resource };
    if (a.kind !== 'unit' || b.kind !== 'unit') throw new FleetdeckError('internal-error', `Two modules of this plan both manage ${rid} (${first.module} and ${item.module}).`);
    for (const k of ['enabled', 'state'] as const) {
      if (b[k] !== undefined && a[k] !== undefined && a[k] !== b[k]) throw new FleetdeckError('invalid-input', `${first.module} and ${item.module} disagree about ${a.name} (${k}: ${String(a[k])} vs ${String(b[k])}).`);
      if (b[k] !== undefined) (a as Record<string, unknown>)[k] = b[k];
      delete b[k];
    }
    b.checkBefore ??= a.checkBefore;
    out.push({ module: item.module, resource: b });
  }
  return out;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const octal = (m: number | null | undefined) => (m === null || m === undefined ? '?' : `0${m.toString(8)}`);
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** The steps from what the host has (observed, one per item) to what the modules want. */
export function planSteps(desired: DesiredState, observed: Observed[]): PlanStep[] {
  if (observed.length !== desired.items.length) throw new FleetdeckError('protocol-error', 'The host answered for a different number of resources than were asked about.');
  const steps: Omit<PlanStep, 'n'>[] = [];
  const changed = new Set<string>();
  /** Resource id → index of the step that changed it; unit → index of its last start/reload. */
  const changedAt = new Map<string, number>();
  const loadedAt = new Map<string, number>();
  const runs = new Map<string, boolean>();
  const installing = new Set<string>();
  const byModule = new Map<string, number>();
  const push = (module: string, s: Omit<PlanStep, 'n' | 'module'>, rid: string) => {
    steps.push({ module, ...s });
    changed.add(rid);
    changedAt.set(rid, steps.length - 1);
    byModule.set(module, (byModule.get(module) ?? 0) + 1);
  };
  const guards: { index: number; module: string; resource: Resource }[] = [];

  desired.items.forEach(({ module, resource: r }, i) => {
    const o = observed[i]!;
    const rid = resourceId(r);
    if (r.kind === 'file' && o.kind === 'file') {
      if (r.content === null) {
        if (o.exists) push(module, { kind: 'file', action: 'delete', summary: `Remove ${r.path}`, before: r.secret ? '(secret)' : shown(o.text ?? `(${o.sha256?.slice(0, 12)}…)`), after: null, diff: r.secret || o.text === null ? null : diffShown(unifiedDiff(o.text, '', r.path)), needsRoot: !r.asLogin, reversible: true, warnings: [], resource: r }, rid);
        return;
      }
      if (r.keep && o.exists) return;
      const same = o.exists && (o.text !== null ? o.text === r.content : o.sha256 === sha(r.content));
      const modeOk = r.mode === undefined || o.mode === r.mode;
      const ownerOk = (r.owner === undefined || o.owner === r.owner) && (r.group === undefined || o.group === r.group);
      if (same && modeOk && ownerOk) return;
      const meta = [!modeOk && o.exists ? `mode ${octal(o.mode)} → ${octal(r.mode)}` : null, !ownerOk && o.exists ? `owner ${o.owner}:${o.group} → ${r.owner ?? o.owner}:${r.group ?? o.group}` : null].filter(Boolean).join(', ');
      const text = r.secret ? `(secret, ${Buffer.byteLength(r.content)} bytes)` : r.content;
      push(
        module,
        {
          kind: 'file',
          action: o.exists ? 'update' : 'create',
          summary: `${o.exists ? (same ? 'Set' : 'Update') : 'Write'} ${r.path}${meta ? ` (${meta})` : ''}${!o.exists ? ` (${octal(r.mode ?? 0o644)}, ${r.asLogin ? 'as the login user' : `${r.owner ?? 'root'}:${r.group ?? 'root'}`})` : ''}`,
          before: o.exists ? (r.secret ? '(secret)' : shown(o.text ?? `(binary or large, sha256 ${o.sha256?.slice(0, 12)}…)`)) : null,
          after: shown(text),
          diff: r.secret ? null : o.text !== null || !o.exists ? diffShown(unifiedDiff(o.text ?? '', r.content, r.path)) : null,
          needsRoot: !r.asLogin,
          reversible: true,
          warnings: [],
          resource: r,
        },
        rid,
      );
      return;
    }
    if (r.kind === 'package' && o.kind === 'package') {
      const missing = r.packages.filter((p) => o.installed[p] === null || o.installed[p] === undefined);
      const present = r.packages.filter((p) => o.installed[p]);
      if (r.state === 'present' && missing.length) {
        const pulled = (o.wouldInstall ?? []).filter((p) => !missing.includes(p.name));
        const after = (o.wouldInstall ?? missing.map((n) => ({ name: n, version: null }))).map((p) => `${p.name}${p.version ? ` ${p.version}` : ''}`).join('\n');
        push(
          module,
          {
            kind: 'package',
            action: 'install',
            summary: `Install ${r.label} (${missing.join(', ')}${pulled.length ? ` + ${plural(pulled.length, 'dependency', 'dependencies')}` : ''})`,
            before: missing.map((p) => `${p}: not installed`).join('\n'),
            after,
            diff: null,
            needsRoot: true,
            reversible: true,
            warnings: [...(o.dryRunProblem ? [dryRunWarning(o.dryRunProblem, missing)] : []), ...(r.source ? [`Downloaded from ${r.source}.`] : [])],
            resource: r,
          },
          rid,
        );
        for (const p of missing) installing.add(p);
      } else if (r.state === 'absent' && present.length) {
        push(module, { kind: 'package', action: 'remove', summary: `Remove ${r.label} (${present.join(', ')})`, before: present.map((p) => `${p} ${o.installed[p]}`).join('\n'), after: null, diff: null, needsRoot: true, reversible: false, warnings: ['A removed package is not reinstalled by a rollback.'], resource: r }, rid);
      }
      return;
    }
    if (r.kind === 'unit' && o.kind === 'unit') {
      const enable = r.enabled === true && o.enabled !== true;
      const disable = r.enabled === false && o.enabled === true;
      const start = r.state === 'running' && o.running !== true;
      const stop = r.state === 'stopped' && o.running === true;
      if (enable || disable || start || stop) {
        const words = [enable ? 'enable' : disable ? 'disable' : null, start ? 'start' : stop ? 'stop' : null].filter(Boolean).join(' and ');
        push(
          module,
          {
            kind: 'unit',
            action: enable ? 'enable' : disable ? 'disable' : start ? 'start' : 'stop',
            summary: `${words[0]!.toUpperCase()}${words.slice(1)} ${r.name}${!o.exists ? ' (once its package is installed)' : ''}`,
            before: o.exists ? `${o.enabled ? 'enabled' : 'disabled'}, ${o.running ? 'running' : 'stopped'}` : 'not installed yet',
            after: `${(r.enabled ?? o.enabled) ? 'enabled' : 'disabled'}, ${(r.state ?? (o.running ? 'running' : 'stopped'))}`,
            diff: null,
            needsRoot: true,
            reversible: true,
            warnings: [],
            resource: r,
          },
          rid,
        );
        // A unit its package installs here may be started by the package's own install script
        // before its config is written: the helper then restarts it at this step (apply.ts).
        if (start) loadedAt.set(r.name, steps.length);
        if (r.state !== undefined) runs.set(r.name, r.state === 'running');
      }
      if (!runs.has(r.name)) runs.set(r.name, r.state !== undefined ? r.state === 'running' : o.running === true);
      // Reload for what changed since the unit last (re)loaded its config in this plan.
      const since = loadedAt.get(r.name) ?? -1;
      const trigger = (ids: string[] | undefined) => (ids ?? []).filter((id) => (changedAt.get(id) ?? -2) >= since);
      const restartBy = trigger(r.restartOn);
      const reloadBy = trigger(r.reloadOn);
      if (runs.get(r.name) && (restartBy.length || reloadBy.length)) {
        const action = restartBy.length ? 'restart' : 'reload';
        push(
          module,
          {
            kind: 'unit',
            action,
            summary: `${action === 'restart' ? 'Restart' : 'Reload'} ${r.name} (${[...restartBy, ...reloadBy].map((x) => x.replace(/^(file|command):/, '')).join(', ')} changed)${r.checkBefore ? `, after ${r.checkBefore.join(' ')} accepts it` : ''}`,
            before: null,
            after: null,
            diff: null,
            needsRoot: true,
            reversible: true,
            warnings: action === 'restart' ? [`${r.name} restarts: its connections drop.`] : [],
            resource: { ...r, enabled: undefined, state: undefined },
          },
          `${rid}:${action}:${steps.length}`,
        );
        loadedAt.set(r.name, steps.length);
      }
      return;
    }
    if (r.kind === 'command' && o.kind === 'command') {
      if (o.done === true && !r.rerunWhen?.some((id) => changed.has(id))) return;
      if (r.when && !r.when.some((id) => changed.has(id))) return;
      push(module, { kind: 'command', action: 'run', summary: r.label, before: null, after: showArgv(r.argv), diff: null, needsRoot: !r.asLogin, reversible: !!r.undo || !!r.undoneWith, warnings: r.undo || r.undoneWith ? [] : ['This step cannot be undone by a rollback.'], resource: r }, rid);
      return;
    }
    if (r.kind === 'guard') {
      guards.push({ index: steps.length, module, resource: r });
      return;
    }
    if (r.kind === 'process' && o.kind === 'process') {
      // Gone, or the pid is another process now: the one planned for no longer runs.
      if (!o.current || o.current.startTime !== r.startTime) return;
      push(module, { kind: 'process', action: 'signal', summary: r.label, before: `running (pid ${r.pid}, uid ${o.current.uid}): ${o.current.command.slice(0, 200)}`, after: r.signal === 'KILL' ? 'killed' : `asked to exit (SIG${r.signal})`, diff: null, needsRoot: r.asRoot, reversible: false, warnings: [], resource: r }, rid);
      return;
    }
    if (r.kind === 'user' && o.kind === 'user') {
      const s = userStep(r, o);
      if (s) push(module, s, rid);
      return;
    }
    throw new FleetdeckError('protocol-error', `The host answered about a ${o.kind} where a ${r.kind} was asked about.`);
  });

  // Guards belong to changes: a module whose resources are all in place gets none. Inserted where
  // the module placed them (arm before the risky steps, confirm and disarm after).
  for (const g of guards.reverse()) {
    if (!byModule.get(g.module)) continue;
    const r = g.resource as Extract<Resource, { kind: 'guard' }>;
    steps.splice(g.index, 0, {
      module: g.module,
      kind: 'guard',
      action: r.op === 'arm-revert' ? 'arm' : r.op === 'confirm' ? 'confirm' : 'disarm',
      summary: r.label,
      before: null,
      after: null,
      diff: null,
      needsRoot: true,
      reversible: true,
      warnings: [],
      resource: r,
    });
  }
  return steps.map((s, i) => ({ ...s, n: i + 1 }));
}

/** What apply re-checks: the desired state and everything read for it. */
/**
 * What the plan was made from, hashed: apply refuses the plan when this differs. A count of an
 * account's running processes is left out: it moves on its own (a login's user manager lingering
 * a few seconds, a command run as the user to read its keys), and no step depends on it (a delete
 * stops whatever runs when it is applied).
 */
export function planTag(desired: DesiredState, observed: Observed[]): string {
  const stable = observed.map((o) => (o.kind === 'user' ? { ...o, processes: undefined } : o));
  return createHash('sha256').update(JSON.stringify({ items: desired.items, observed: stable })).digest('hex').slice(0, 24);
}

export function planSummary(steps: PlanStep[], hostName: string): string {
  if (!steps.length) return `Nothing to change on ${hostName}: everything is as wanted.`;
  const count = (pred: (s: PlanStep) => boolean) => steps.filter(pred).length;
  const parts = [
    [count((s) => s.kind === 'package' && s.action === 'install'), 'package install'],
    [count((s) => s.kind === 'file'), 'file'],
    [count((s) => s.kind === 'unit'), 'service change'],
    [count((s) => s.kind === 'command'), 'command'],
    [count((s) => s.kind === 'process'), 'signal'],
    [count((s) => s.kind === 'user'), 'account change'],
  ] as const;
  const guarded = steps.some((s) => s.resource.kind === 'guard' && s.resource.op === 'arm-revert');
  return `${plural(steps.length, 'step')} on ${hostName}: ${parts.filter(([n]) => n).map(([n, w]) => plural(n, w)).join(', ')}${steps.some((s) => !s.reversible) ? '; some cannot be undone' : ''}${guarded ? `; guarded: ${hostName} reverts by itself unless a new login confirms the change` : ''}.`;
}

/** What a step shows of a file (before/after): up to 64 KiB, then where it was cut. The file itself is written whole. */
const SHOWN_TEXT = 64 * 1024;
const SHOWN_DIFF = 256 * 1024;
function shown(text: string): string {
  if (text.length <= SHOWN_TEXT) return text;
  const note = `\n… (${Buffer.byteLength(text)} bytes in all; the first ${SHOWN_TEXT / 1024} KiB are shown)`;
  return text.slice(0, SHOWN_TEXT - note.length) + note;
}
function diffShown(diff: string): string | null {
  if (!diff) return null;
  if (diff.length <= SHOWN_DIFF) return diff;
  const note = `\n… (the diff goes on: ${diff.split('\n').length} lines in all)`;
  return diff.slice(0, SHOWN_DIFF - note.length) + note;
}

/**
 * What a failed dry run means for the person reading the plan. A host whose apt lists were never
 * fetched (a fresh image) does not know the package yet: apply refreshes the lists first, so that
 * is said plainly rather than as an error; anything else is quoted.
 */
export function dryRunWarning(problem: string, packages: string[]): string {
  if (/unable to locate package|has no installation candidate/i.test(problem)) {
    return `The host's package lists do not list ${packages.join(', ')} yet (never refreshed?): apply runs the package manager's refresh (apt-get update) first, so what it pulls in is only known then.`;
  }
  return `The dry run said: ${problem}`;
}

/**
 * A plan as it leaves the core (to the UI, the CLI's --json, a task's record): a secret file's
 * content (a private key) is replaced by its size and hash. The core keeps the full plan, and
 * only the helper that writes the file receives the content.
 */
export function shownPlan(plan: ChangePlan): ChangePlan {
  if (!plan.steps.some((s) => s.resource.kind === 'file' && s.resource.secret && s.resource.content !== null)) return plan;
  return {
    ...plan,
    steps: plan.steps.map((s) =>
      s.resource.kind === 'file' && s.resource.secret && s.resource.content !== null
        ? { ...s, resource: { ...s.resource, content: `(secret, ${Buffer.byteLength(s.resource.content)} bytes, sha256 ${createHash('sha256').update(s.resource.content).digest('hex').slice(0, 12)}…)` } }
        : s,
    ),
  };
}

/**
 * A plan that adds ports (nginx after the firewall) also re-plans the installed modules built
 * from the others' ports (followsPorts), with their stored settings: the new ports open in the
 * same change.
 */
export function withPortFollowers<V extends { module: ChangeModule<never>; settings: unknown }>(validated: V[], installed: readonly { module: string; settings: Record<string, unknown> }[], byId: ReadonlyMap<string, ChangeModule<never>>): { module: ChangeModule<never>; settings: unknown }[] {
  if (!validated.some((v) => v.module.opens(v.settings as never).length > 0)) return validated;
  const out: { module: ChangeModule<never>; settings: unknown }[] = [...validated];
  for (const i of installed) {
    const m = byId.get(i.module);
    if (!m?.followsPorts || out.some((v) => v.module.info.id === i.module)) continue;
    const parsed = m.settings.safeParse({ ...m.info.defaults, ...i.settings });
    if (parsed.success) out.push({ module: m, settings: parsed.data });
  }
  return out;
}
