import { promises as fs } from 'node:fs';
import type { JournalEvent, PlanStep } from '../../../src-common/change/plan.schema.js';
import type { CommandResource, FileResource, PackageResource, ProcessResource, UnitResource } from '../../../src-common/change/resource.schema.js';
import { FleetdeckError, toProblem } from '../../../src-common/problems.js';
import type { HelperContext, RunResult } from '../context.js';
import { liveKill, signalProcess } from '../processes/process-control.js';
import { backupFile, loadAccounts, removeFile, restoreBackup, writeFileAtomic, type Backup } from './files.js';
import { applyGuard, cancelAllReverts, revertNow, type GuardUndo } from './guard.js';
import { Journal } from './journal.js';
import { proxyEnv, type PackageBackend } from './packages.js';
import type { ServiceManager, UnitState } from './services.js';

/**
 * Runs a plan's steps on the host, in order, one journal line before and after each; stops at
 * the first failure, or between steps when asked to (cancel) or when the link is gone
 * (interrupted). Every step writes what undoes it before it changes anything, so a rollback —
 * now, or after a crash — can walk the completed steps back.
 */
export interface RunnerDeps {
  ctx: HelperContext;
  backend: PackageBackend;
  manager: ServiceManager;
  /** Progress to the core; failures to send (the link is gone) are ignored: the journal has it. */
  emit(e: JournalEvent): void;
  /** Checked between steps: 'cancel' (the user asked) or 'interrupt' (the link is gone). */
  stopRequested(): 'cancel' | 'interrupt' | null;
  signal?: AbortSignal;
  /** A confirm step waits here for the app's answer (change.resolve1); rejects on timeout or a lost link. */
  awaitConfirm?(step: number, waitMs: number): Promise<{ ok: boolean; evidence: string }>;
}

type FileUndo = { kind: 'file'; path: string; backup: Backup; createdDirs: string[] };
/** pulledIn: what the install added besides the named packages (their dependencies), where the backend says. */
type PackageUndo = { kind: 'package'; installed: string[]; removed: string[]; pulledIn?: string[] };
type UnitUndo = { kind: 'unit'; name: string; before: UnitState };
type CommandUndo = { kind: 'command'; undo: string[] | null; note?: string; last?: boolean };
/** A signal cannot be taken back: the rollback says so. */
type SignalUndo = { kind: 'signal'; pid: number };
type Undo = FileUndo | PackageUndo | UnitUndo | CommandUndo | GuardUndo | SignalUndo | UserUndo;

import { showArgv } from '../../../src-common/change/show-argv.js';
import { applyUser, rollbackUser, type UserUndo } from './users.js';

export { shQuote } from './guard.js';

const SYSTEMD_DIRS = ['/etc/systemd/', '/lib/systemd/', '/usr/lib/systemd/'];
const OUTPUT_TAIL = 20;

export async function runSteps(journal: Journal, deps: RunnerDeps, fromStep = 1): Promise<'done' | 'failed' | 'cancelled' | 'interrupted'> {
  const log = (e: Omit<JournalEvent, 't'>) => deps.emit(journal.append(e));
  const steps = journal.meta.steps;
  await loadAccounts();
  const env = proxyEnv(await deps.ctx.readText('/etc/environment'));
  let unitFilesChanged = false;
  log({ type: 'begin', message: fromStep > 1 ? `resuming at step ${fromStep} of ${steps.length}` : `${steps.length} steps` });
  for (const step of steps) {
    if (step.n < fromStep) continue;
    const stop = deps.stopRequested();
    if (stop) {
      // Inside a lockout guard nobody will confirm any more: its revert runs now (revertNow).
      const reverted = await revertNow(journal, step.n, deps, (line) => deps.emit({ t: Date.now(), type: 'output', step: step.n, line: line.slice(0, 4096) }));
      log({ type: stop === 'cancel' ? 'cancelled' : 'interrupted', step: step.n, message: `${stop === 'cancel' ? `cancelled before step ${step.n}` : `the link to the app was lost; stopped before step ${step.n}`}${reverted.note}`.slice(0, 4000) });
      for (const m of reverted.marks) journal.append(m);
      return stop === 'cancel' ? 'cancelled' : 'interrupted';
    }
    log({ type: 'step-start', step: step.n, message: step.summary });
    const tail: string[] = [];
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > OUTPUT_TAIL) tail.shift();
      // Output lines go to the app live; the journal keeps only the tail of a failure.
      deps.emit({ t: Date.now(), type: 'output', step: step.n, line: line.slice(0, 4096) });
    };
    try {
      const r = step.resource;
      if (r.kind === 'file') {
        await applyFile(journal, step.n, r);
        if (SYSTEMD_DIRS.some((d) => r.path.startsWith(d))) unitFilesChanged = true;
      } else if (r.kind === 'package') {
        await applyPackage(journal, step.n, r, deps, env, onLine);
      } else if (r.kind === 'unit') {
        if (unitFilesChanged) {
          await deps.manager.reloadDefinitions(deps.ctx);
          unitFilesChanged = false;
        }
        await applyUnit(journal, step, r, deps, onLine);
      } else if (r.kind === 'guard') {
        await applyGuard(journal, step.n, r, deps, (e) => log(e));
      } else if (r.kind === 'user') {
        await applyUser(r, { ctx: deps.ctx, saveUndo: (u) => journal.saveUndo(step.n, u) });
      } else if (r.kind === 'process') {
        if (!(await applySignal(journal, step.n, r, deps))) {
          log({ type: 'step-skipped', step: step.n, message: `pid ${r.pid} had exited already: nothing signalled` });
          continue;
        }
      } else {
        const skipped = await applyCommand(journal, step.n, r, deps, env, onLine);
        if (skipped) {
          log({ type: 'step-skipped', step: step.n, message: 'already done (its check passed)' });
          continue;
        }
      }
      log({ type: 'step-done', step: step.n });
    } catch (err) {
      const p = toProblem(err);
      const output = tail.length ? `\n${tail.join('\n')}` : '';
      // Inside a lockout guard (a confirm that failed, a reload refused): its revert runs now.
      // What it did goes in the failure's message, so the app's result says it; the journal's
      // rollback lines follow the failure they answer (not streamed: the apply itself failed).
      const reverted = await revertNow(journal, step.n, deps, onLine, true);
      log({ type: 'step-failed', step: step.n, problem: p.problem, message: `${p.message.slice(0, 1500)}${reverted.note}${output}`.slice(0, 4000) });
      for (const m of reverted.marks) journal.append(m);
      return 'failed';
    }
  }
  log({ type: 'end', message: 'all steps done' });
  return 'done';
}

async function applyFile(journal: Journal, n: number, r: FileResource): Promise<void> {
  const backup = await backupFile(r.path, journal.backupPath(n));
  const undo: FileUndo = { kind: 'file', path: r.path, backup, createdDirs: [] };
  journal.saveUndo(n, undo);
  if (r.content === null) {
    await removeFile(r.path);
    return;
  }
  const { createdDirs } = await writeFileAtomic(r.path, r.content, r);
  if (createdDirs.length) journal.saveUndo(n, { ...undo, createdDirs });
}

function failed(what: string, res: RunResult, transient: boolean): FleetdeckError {
  const why = (res.stderr.trim() || res.stdout.trim()).split('\n').slice(-6).join('\n');
  return new FleetdeckError(transient ? 'busy' : 'step-failed', `${what} failed (exit ${res.code ?? 'timeout'})${why ? `: ${why}` : ''}`);
}

async function applyPackage(journal: Journal, n: number, r: PackageResource, deps: RunnerDeps, env: Record<string, string>, onLine: (l: string) => void): Promise<void> {
  const { ctx, backend } = deps;
  const installed = await backend.installed(ctx, r.packages);
  if (r.state === 'present') {
    const missing = r.packages.filter((p) => installed[p] === null);
    journal.saveUndo(n, { kind: 'package', installed: missing, removed: [] } satisfies PackageUndo);
    if (!missing.length) return;
    const before = await backend.allInstalled?.(ctx).catch(() => undefined);
    let res = await backend.install(ctx, missing, { env, onLine, signal: deps.signal });
    if (res.code !== 0 && backend.refresh && backend.refreshWhen?.(res)) {
      onLine('(the package lists do not know it yet: refreshing them, then installing again)');
      const u = await backend.refresh(ctx, { env, onLine, signal: deps.signal });
      if (u.code !== 0) throw failed('Refreshing the package lists', u, backend.transient(u));
      res = await backend.install(ctx, missing, { env, onLine, signal: deps.signal });
    }
    if (res.code !== 0) throw failed(`Installing ${missing.join(' ')}`, res, backend.transient(res));
    const after = before ? await backend.allInstalled?.(ctx).catch(() => undefined) : undefined;
    if (before && after) {
      const pulledIn = [...after].filter((p) => !before.has(p) && !missing.includes(p)).sort();
      journal.saveUndo(n, { kind: 'package', installed: missing, removed: [], pulledIn } satisfies PackageUndo);
    }
  } else {
    const present = r.packages.filter((p) => installed[p] !== null);
    journal.saveUndo(n, { kind: 'package', installed: [], removed: present } satisfies PackageUndo);
    if (!present.length) return;
    const res = await backend.remove(ctx, present, { env, onLine, signal: deps.signal });
    if (res.code !== 0) throw failed(`Removing ${present.join(' ')}`, res, backend.transient(res));
  }
}

async function applyUnit(journal: Journal, step: PlanStep, r: UnitResource, deps: RunnerDeps, onLine: (l: string) => void): Promise<void> {
  const { ctx, manager } = deps;
  const before = await manager.state(ctx, r.name);
  journal.saveUndo(step.n, { kind: 'unit', name: r.name, before } satisfies UnitUndo);
  const act = async (action: 'enable' | 'disable' | 'start' | 'stop' | 'restart' | 'reload') => {
    const res = await manager.act(ctx, r.name, action);
    for (const l of (res.stdout + res.stderr).split('\n')) if (l.trim()) onLine(l);
    if (res.code !== 0) {
      const why = await manager.why(ctx, r.name);
      throw new FleetdeckError('step-failed', `${r.name}: ${action} failed (exit ${res.code ?? 'timeout'}).\n${why}`);
    }
  };
  const checkFirst = async () => {
    if (!r.checkBefore) return;
    const res = await ctx.run(r.checkBefore, { timeoutMs: 60_000 });
    if (res.code !== 0) throw new FleetdeckError('step-failed', `${r.checkBefore.join(' ')} refused the new configuration, so ${r.name} was not reloaded:\n${(res.stderr || res.stdout).trim().slice(-3000)}`);
  };
  if (step.action === 'reload' || step.action === 'restart') {
    await checkFirst();
    // A service that is not running has nothing to reload: it is started with the new config.
    await act(before.running ? step.action : 'start');
    return;
  }
  if (r.enabled === true && !before.enabled) await act('enable');
  if (r.enabled === false && before.enabled) await act('disable');
  if (r.state === 'running' && !before.running) {
    await checkFirst();
    await act('start');
  } else if (r.state === 'running' && before.running && !/running/.test(step.before ?? '')) {
    // The plan saw it stopped, and something started it since: a package's install script
    // (Debian's start their service) before this plan wrote its config. Restart it, so it runs
    // the config this plan wrote, not the package's default.
    onLine(`${r.name} was started by its package before its configuration was written: restarting it`);
    await checkFirst();
    await act('restart');
  }
  if (r.state === 'stopped' && before.running) await act('stop');
}

async function applyCommand(journal: Journal, n: number, r: CommandResource, deps: RunnerDeps, env: Record<string, string>, onLine: (l: string) => void): Promise<boolean> {
  const { ctx } = deps;
  if (r.unless) {
    const check = await ctx.run(r.unless, { timeoutMs: 60_000 });
    if (check.code === 0) return true;
  }
  journal.saveUndo(n, { kind: 'command', undo: r.undo ?? null, ...(r.undoneWith ? { note: r.undoneWith } : {}), ...(r.undoLast ? { last: true } : {}) } satisfies CommandUndo);
  const res = ctx.runStreaming
    ? await ctx.runStreaming(r.argv, { timeoutMs: r.timeoutMs ?? 10 * 60_000, env: { ...env, ...r.env }, onLine, signal: deps.signal })
    : await ctx.run(r.argv, { timeoutMs: r.timeoutMs ?? 10 * 60_000 });
  if (res.code !== 0) throw failed(r.label, res, false);
  return false;
}

/** The rollback command a unit of this journal asks for instead of a stop (resource.schema.ts). */
function rollbackWith(journal: Journal, unit: string): string[] | undefined {
  for (const s of journal.meta.steps) if (s.resource.kind === 'unit' && s.resource.name === unit && s.resource.rollbackWith) return s.resource.rollbackWith;
  return undefined;
}

/** Sends the signal while pid is still the planned process; false when it had exited already. */
async function applySignal(journal: Journal, n: number, r: ProcessResource, deps: RunnerDeps): Promise<boolean> {
  journal.saveUndo(n, { kind: 'signal', pid: r.pid } satisfies SignalUndo);
  const sent = await signalProcess(deps.ctx, { pid: r.pid, startTime: r.startTime, signal: r.signal }, { kill: liveKill(deps.ctx), selfPid: process.pid });
  return sent.sent;
}

/**
 * Walks the journal's completed (and the stopped) steps back, newest first: files restored from
 * their backups (or removed, with the directories the step made), packages the plan installed
 * removed, units returned to their earlier enabled/running state, commands undone where the
 * plan said how. What cannot be undone is said, not hidden.
 */
export async function rollback(journal: Journal, deps: RunnerDeps): Promise<'rolled-back' | 'rollback-failed'> {
  const log = (e: Omit<JournalEvent, 't'>) => deps.emit(journal.append(e));
  const events = journal.events();
  const touched = new Set<number>();
  for (const e of events) if ((e.type === 'step-start' || e.type === 'step-done') && e.step !== undefined) touched.add(e.step);
  // A step already walked back (an earlier, interrupted rollback) is not undone twice.
  for (const e of events) if (e.type === 'rollback-step' && e.step !== undefined) touched.delete(e.step);
  const order = [...touched].sort((a, b) => b - a);
  await loadAccounts();
  const env = proxyEnv(await deps.ctx.readText('/etc/environment'));
  log({ type: 'rollback-start', message: order.length ? `undoing steps ${order.join(', ')}` : 'nothing to undo' });
  const notes: string[] = [];
  let restartUnits = new Set<string>();
  const gentleUnits = new Map<string, string[]>();
  let restoredSystemd = false;
  const last: { n: number; argv: string[] }[] = [];
  // Run once the files are back, and before a package step is undone (the command may need the package).
  const runGentle = async () => {
    for (const [unit, argv] of gentleUnits) {
      gentleUnits.delete(unit);
      const res = await deps.ctx.run(argv, { timeoutMs: 60_000 });
      if (res.code !== 0) notes.push(`${unit}: ${argv[0]} failed (exit ${res.code ?? 'timeout'}): ${(res.stderr || res.stdout).trim().slice(-500)}`);
      else deps.emit({ t: Date.now(), type: 'output', line: `${unit}: what this change loaded was removed, nothing else (${argv[0]})` });
    }
  };
  for (const n of order) {
    const undo = journal.undo<Undo>(n);
    if (!undo) {
      log({ type: 'rollback-step', step: n, message: 'nothing was changed by this step' });
      continue;
    }
    try {
      const kept = journal.meta.steps.find((s) => s.n === n)?.resource;
      if (undo.kind === 'file' && kept?.kind === 'file' && kept.keep && kept.content !== null) {
        // Set once and kept (a password data was made with): the rollback leaves it.
        log({ type: 'rollback-step', step: n, message: `kept ${undo.path} (what was made with it outlives the rollback)` });
        continue;
      }
      if (undo.kind === 'file') {
        await restoreBackup(undo.path, undo.backup);
        for (const d of [...undo.createdDirs].reverse()) await fs.rmdir(d).catch(() => undefined);
        for (const s of journal.meta.steps) if (s.resource.kind === 'unit' && (s.resource.reloadOn ?? s.resource.restartOn ?? []).includes(`file:${undo.path}`)) restartUnits.add(s.resource.name);
        if (SYSTEMD_DIRS.some((d) => undo.path.startsWith(d))) restoredSystemd = true;
        log({ type: 'rollback-step', step: n, message: undo.backup.existed ? `restored ${undo.path}` : `removed ${undo.path}` });
      } else if (undo.kind === 'package') {
        await runGentle();
        const onLine = (line: string) => deps.emit({ t: Date.now(), type: 'output', step: n, line });
        if (undo.installed.length) {
          const res = await deps.backend.remove(deps.ctx, undo.installed, { env, signal: deps.signal, onLine });
          if (res.code !== 0) throw failed(`Removing ${undo.installed.join(' ')}`, res, deps.backend.transient(res));
        }
        // The dependencies that install pulled in, where nothing else needs them now (a package
        // installed later that needs one keeps it; orphans that were there before stay too).
        let deps2: string[] = [];
        if (undo.pulledIn?.length && deps.backend.orphans) {
          const orphans = await deps.backend.orphans(deps.ctx);
          deps2 = undo.pulledIn.filter((p) => orphans.has(p));
          if (deps2.length) {
            const res = await deps.backend.remove(deps.ctx, deps2, { env, signal: deps.signal, onLine });
            if (res.code !== 0) throw failed(`Removing the dependencies ${deps2.join(' ')}`, res, deps.backend.transient(res));
          }
        }
        if (undo.removed.length) notes.push(`packages removed by step ${n} (${undo.removed.join(' ')}) are not reinstalled`);
        log({ type: 'rollback-step', step: n, message: undo.installed.length ? `removed ${undo.installed.join(' ')}${deps2.length ? ` and the dependencies it pulled in (${deps2.join(' ')})` : ''}` : 'no package to remove' });
      } else if (undo.kind === 'unit') {
        const now = await deps.manager.state(deps.ctx, undo.name);
        const gentle = rollbackWith(journal, undo.name);
        if (gentle) {
          // Stopping it would undo more than this change (see rollbackWith): only its boot-time
          // state goes back now; its command runs once the files are back.
          if (undo.before.enabled !== true && now.enabled === true) await deps.manager.act(deps.ctx, undo.name, 'disable');
          if (undo.before.enabled === true && now.enabled === false) await deps.manager.act(deps.ctx, undo.name, 'enable');
          gentleUnits.set(undo.name, gentle);
          restartUnits.delete(undo.name);
          log({ type: 'rollback-step', step: n, message: `${undo.name} ${undo.before.enabled ? 'enabled' : 'disabled'} at boot as before; left running (stopping it would also drop what other programs loaded)` });
          continue;
        }
        if (undo.before.exists) {
          if (undo.before.enabled === true && now.enabled === false) await deps.manager.act(deps.ctx, undo.name, 'enable');
          if (undo.before.enabled === false && now.enabled === true) await deps.manager.act(deps.ctx, undo.name, 'disable');
          if (undo.before.running === false && now.running) await deps.manager.act(deps.ctx, undo.name, 'stop');
          if (undo.before.running === true && !now.running) await deps.manager.act(deps.ctx, undo.name, 'start');
        } else if (now.exists && now.running) {
          await deps.manager.act(deps.ctx, undo.name, 'stop');
        }
        restartUnits.delete(undo.name);
        log({ type: 'rollback-step', step: n, message: `${undo.name} back to ${undo.before.exists ? `${undo.before.enabled ? 'enabled' : 'disabled'}, ${undo.before.running ? 'running' : 'stopped'}` : 'absent'}` });
      } else if (undo.kind === 'guard') {
        if (undo.armed) await cancelAllReverts(deps.ctx, journal);
        log({ type: 'rollback-step', step: n, message: undo.armed ? 'automatic revert cancelled (the rollback restores instead)' : 'nothing to undo' });
      } else if (undo.kind === 'user') {
        log({ type: 'rollback-step', step: n, message: await rollbackUser(deps.ctx, undo) });
      } else if (undo.kind === 'signal') {
        notes.push(`step ${n} sent a signal to pid ${undo.pid}: a signal cannot be undone`);
        log({ type: 'rollback-step', step: n, message: 'a signal cannot be undone: left as it is' });
      } else if (undo.last && undo.undo) {
        // It reads what the rest of the rollback restores: it runs once that is done.
        last.push({ n, argv: undo.undo });
        log({ type: 'rollback-step', step: n, message: `runs once the rest is undone: ${showArgv(undo.undo)}` });
      } else {
        if (undo.undo) {
          const res = await deps.ctx.run(undo.undo, { timeoutMs: 10 * 60_000 });
          if (res.code !== 0) throw failed(showArgv(undo.undo), res, false);
        } else if (!undo.note) notes.push(`step ${n} (${journal.meta.steps[n - 1]?.summary ?? 'a command'}) cannot be undone`);
        log({ type: 'rollback-step', step: n, message: undo.undo ? `ran ${showArgv(undo.undo)}` : (undo.note ?? 'not reversible: left as it is') });
      }
    } catch (err) {
      log({ type: 'rollback-failed', step: n, problem: toProblem(err).problem, message: toProblem(err).message });
      return 'rollback-failed';
    }
  }
  // Unit files or drop-ins put back (a user slice's limits): systemd reads them again first.
  if (restoredSystemd) await deps.manager.reloadDefinitions(deps.ctx);
  for (const { n, argv } of last) {
    const res = await deps.ctx.run(argv, { timeoutMs: 10 * 60_000 });
    if (res.code !== 0) {
      const err = failed(showArgv(argv), res, false);
      log({ type: 'rollback-failed', step: n, problem: err.problem, message: err.message });
      return 'rollback-failed';
    }
    deps.emit({ t: Date.now(), type: 'output', step: n, line: `step ${n}: its undo ran once the rest was back` });
  }
  // Services whose config was restored run the old config again (only those still running);
  // those a restart would hurt run their own rollback command instead.
  restartUnits = new Set([...restartUnits].filter((u) => !rollbackWith(journal, u)));
  await runGentle();
  for (const unit of restartUnits) {
    const st = await deps.manager.state(deps.ctx, unit);
    if (st.running) await deps.manager.act(deps.ctx, unit, 'restart');
  }
  log({ type: 'rollback-end', message: notes.length ? notes.join('; ') : 'everything the change did was undone' });
  return 'rolled-back';
}
