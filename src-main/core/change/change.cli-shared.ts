import type { ApplyResult, ChangePlan } from '../../../src-common/change/modules.contract.js';
import type { CheckResult, JournalEvent, PlanStep } from '../../../src-common/change/plan.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { startLocalHelper } from '../agent/local-helper.js';
import type { Flags } from '../cli/args.js';
import type { CliIo, CommandContext } from '../cli/command.js';
import { ask } from '../cli/prompt.js';
import { connectHost, dataDir, resolveTarget } from '../cli/target.js';
import { Fleet } from '../fleet.js';
import { allModules } from '../modules/index.js';
import { ChangeService } from './change-service.js';
import { ChangeStore } from './change-store.js';
import { localTarget, sessionTarget, type ChangeTarget } from './change-target.js';

/**
 * What the change engine's commands share (`fleetdeck modules …`, `fleetdeck limits …`): opening
 * the host (a stored one, USER@HOST, or --local), the plan as text, progress on a terminal, the
 * question before a change, and the result with verify's evidence.
 */
export interface Opened {
  target: ChangeTarget;
  change: ChangeService;
  dispose(): void;
}

export async function open(positionals: string[], flags: Flags, io: CliIo): Promise<{ opened: Opened; rest: string[] }> {
  const fleet = new Fleet({ dataDir: dataDir(flags), acceptNewHostKeys: !!flags['accept-new'] });
  const change = (store: boolean) =>
    new ChangeService({ modules: allModules(), store: store ? new ChangeStore(fleet.db) : null, pki: fleet.change.pki, audit: (e) => fleet.audit.record({ ...e, summary: `${e.summary} (CLI)` }) });
  try {
    if (flags.local) {
      if (flags.root) throw new FleetdeckError('invalid-input', '--root reads a copied file tree; changes need the live machine: leave out --root.');
      const helper = await startLocalHelper();
      return { opened: { target: localTarget(helper), change: change(false), dispose: () => (helper.close(), fleet.close()) }, rest: positionals };
    }
    if (!positionals.length) throw new FleetdeckError('invalid-input', 'Name the host: a stored host\'s name or USER@HOST (or --local for this machine).');
    const { host, stored } = resolveTarget(fleet, positionals[0], flags);
    const session = await connectHost(fleet, host, flags, io, stored);
    const target = sessionTarget(session, { id: stored ? host.id : null, name: host.name, key: stored ? `host:${host.id}` : `adhoc:${host.user}@${host.address}:${host.port}` }, (p) => stored && fleet.hosts.saveFacts(host.id, { probe: p }));
    return {
      opened: {
        target,
        change: change(stored),
        dispose: () => {
          session.dispose();
          fleet.close();
        },
      },
      rest: positionals.slice(1),
    };
  } catch (err) {
    fleet.close();
    throw err;
  }
}

const color = (io: CliIo, code: string, s: string) => (io.stdout.isTTY ? `\x1b[${code}m${s}\x1b[0m` : s);

export function formatPlan(p: ChangePlan, io: CliIo, verbose = true): string {
  const lines = [p.summary];
  if (p.network) lines.push(`Needs: ${p.network}`);
  for (const w of p.warnings) lines.push(`${color(io, '33', 'warning:')} ${w}`);
  for (const s of p.steps) {
    lines.push(`  ${String(s.n).padStart(2)}. [${s.module}] ${s.summary}${s.reversible ? '' : ' (cannot be undone)'}`);
    if (!verbose) continue;
    if (s.diff) lines.push(...s.diff.trimEnd().split('\n').map((l) => `      ${l.startsWith('+') && !l.startsWith('+++') ? color(io, '32', l) : l.startsWith('-') && !l.startsWith('---') ? color(io, '31', l) : l}`));
    else if (s.kind === 'package' && s.after) lines.push(`      ${s.after.split('\n').slice(0, 12).join(', ')}${s.after.split('\n').length > 12 ? ', …' : ''}`);
  }
  return lines.join('\n');
}

export function formatChecks(results: CheckResult[], io: CliIo): string {
  return results.map((r) => `  ${r.ok ? color(io, '32', 'ok  ') : color(io, '31', 'FAIL')} ${r.label}\n       ${r.evidence.split('\n').slice(0, 6).join('\n       ')}`).join('\n');
}

/** Progress on a terminal: one line per step (and its output with --verbose). */
export function progress(io: CliIo, flags: Flags, steps: PlanStep[]): (e: JournalEvent) => void {
  const quiet = !!flags.quiet || !!flags.json;
  const verbose = !!flags.verbose;
  const started = new Map<number, number>();
  return (e) => {
    if (quiet) return;
    const s = e.step ? steps[e.step - 1] : undefined;
    const head = e.step ? `[${e.step}/${steps.length}]` : '';
    if (e.type === 'step-start' && e.step) {
      started.set(e.step, e.t);
      io.stderr.write(`${head} ${s?.summary ?? e.message ?? ''} …\n`);
    } else if (e.type === 'step-done' || e.type === 'step-skipped') {
      const ms = e.step && started.has(e.step) ? ` (${((e.t - started.get(e.step)!) / 1000).toFixed(1)} s)` : '';
      io.stderr.write(`${head} ${e.type === 'step-done' ? 'done' : `skipped: ${e.message ?? ''}`}${ms}\n`);
    } else if (e.type === 'step-failed') io.stderr.write(`${head} FAILED: ${e.message ?? ''}\n`);
    else if (e.type === 'waiting') io.stderr.write(`${head} ${e.message ?? 'waiting'} …\n`);
    else if (e.type === 'output' && (verbose || /automatic revert|confirmed/.test(e.line ?? ''))) io.stderr.write(`    ${e.line ?? ''}\n`);
    else if (e.type === 'rollback-step') io.stderr.write(`${head} ${e.message ?? 'undone'}\n`);
    else if (e.type === 'rollback-failed') io.stderr.write(`${head} COULD NOT UNDO: ${e.message ?? ''}\n`);
    else if (e.type === 'cancelled' || e.type === 'interrupted') io.stderr.write(`${e.message ?? e.type}\n`);
  };
}

export async function confirm(io: CliIo, flags: Flags, question: string): Promise<void> {
  if (flags.yes) return;
  const answer = await ask(`${question} [y/N] `);
  if (answer === null) throw new FleetdeckError('invalid-input', 'Not on a terminal, so nobody can answer the question: add --yes to go ahead without asking.');
  if (answer.trim().toLowerCase() !== 'y') throw new FleetdeckError('cancelled', 'Nothing was changed.');
}

export function printResult(io: CliIo, flags: Flags, r: ApplyResult, hostName: string): number {
  if (flags.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else {
    io.stdout.write(`${hostName}: ${r.status}${r.message ? ` — ${r.message}` : ''}\n`);
    if (r.verify.length && !flags.quiet) io.stdout.write(`${formatChecks(r.verify, io)}\n`);
    if (r.status !== 'done' && r.journalId) io.stdout.write(`Journal ${r.journalId}: "fleetdeck modules rollback ${hostName} ${r.journalId}" undoes what was done.\n`);
  }
  return r.status === 'done' && r.verify.every((c) => c.ok) ? 0 : 1;
}

/**
 * Runs fn on the opened host. precheck sees the words after the host first, before anything
 * connects: a bad module name, setting or journal id is refused (exit 2) without a login.
 */
export async function withOpened(ctx: CommandContext, fn: (o: Opened, rest: string[]) => Promise<number>, precheck?: (rest: string[]) => void): Promise<number> {
  precheck?.(ctx.flags.local ? ctx.positionals : ctx.positionals.slice(1));
  const { opened, rest } = await open(ctx.positionals, ctx.flags, ctx.io);
  try {
    return await fn(opened, rest);
  } finally {
    opened.dispose();
  }
}

/**
 * The plan printed (as JSON with --json); when applying: asked, applied with progress, verified,
 * and the result printed. Returns the exit status.
 */
export async function showThenApply(ctx: CommandContext, { target, change }: Pick<Opened, 'target' | 'change'>, plan: ChangePlan, apply: boolean): Promise<number> {
  const { io, flags } = ctx;
  if (!apply) {
    io.stdout.write(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : `${formatPlan(plan, io, !flags.quiet)}\n`);
    return 0;
  }
  if (!flags.json && !flags.quiet) io.stdout.write(`${formatPlan(plan, io)}\n`);
  if (plan.steps.length) await confirm(io, flags, `Apply these ${plan.steps.length} steps to ${target.hostName}?`);
  const r = await change.apply(target, plan.planId, plan.tag, { onEvent: progress(io, flags, plan.steps) });
  return printResult(io, flags, r, target.hostName);
}
