import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { JournalEvent, PlanStep } from '../../../src-common/change/plan.schema.js';
import type { GuardResource } from '../../../src-common/change/resource.schema.js';
import { FleetdeckError, toProblem } from '../../../src-common/problems.js';
import type { HelperContext } from '../context.js';
import type { RunnerDeps } from './apply.js';
import { backupFile, type Backup } from './files.js';
import type { Journal } from './journal.js';
import type { ServiceManager } from './services.js';

/**
 * The lockout guard on the host (resource.schema.ts: guard): changes that can cut the admin off
 * (sshd, a firewall) are bracketed by arm-revert … confirm … disarm. Generic: a module says what
 * to restore and what to run then; the runner (apply.ts) calls applyGuard for the guard steps and
 * revertNow when a step inside a guarded stretch fails, is cancelled before, or loses the app.
 */
export type GuardUndo = { kind: 'guard'; armed: { unit: string | null; pid: number | null } | null };
/** What apply.ts keeps of a file step (the guard reads its backup). */
type FileUndo = { kind: 'file'; backup: Backup };

/** One argv element for /bin/sh -c, single-quoted. */
export function shQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Per arm step: one plan may arm more than once (ssh, then firewall), and a resume may arm again. */
const revertUnit = (journalId: string, n: number) => `fleetdeck-revert-${journalId}-${n}`;
type Armed = NonNullable<GuardUndo['armed']>;

/** The steps an arm-revert at step n guards: those after it, up to the next disarm of its module. */
function guarded(journal: Journal, n: number): PlanStep[] {
  const arm = journal.meta.steps.find((s) => s.n === n);
  const out: PlanStep[] = [];
  for (const s of journal.meta.steps) {
    if (s.n <= n) continue;
    if (s.resource.kind === 'guard' && s.resource.op === 'disarm' && s.module === arm?.module) break;
    out.push(s);
  }
  return out;
}

/** A command as one short line, for logs and messages. */
const oneLine = (argv: string[]) => {
  const shown = argv[1] === '-c' ? [argv[0]!, '-c', '(a script)', ...argv.slice(3)] : argv;
  const line = shown.join(' ').replace(/\s+/g, ' ');
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
};
const revertScript = (journal: Journal, n: number) => path.join(journal.dir, `revert-${n}.sh`);
const revertLog = (journal: Journal, n: number) => path.join(journal.dir, `revert-${n}.log`);

/**
 * The script an arm-revert leaves on the host (root-only, in the journal's directory). When it
 * fires it puts the host back as it was when the guard armed:
 * - units the guarded steps enabled or started are stopped and disabled again where they were
 *   not before (read from those steps' own undo records, so a step that never ran is left alone);
 * - each `restore` path gets its content, owner and mode back: from the backup this journal took
 *   at an earlier file step, else from a copy taken now, at arming (the guarded steps come after);
 *   a path that did not exist is removed;
 * - `then` runs (reload sshd, reload the firewall);
 * - fired by its timer, it says so in the journal (rollback-start/rollback-end): the next connect
 *   shows the change as rolled back, and a resume is refused (the host is no longer where the
 *   journal stopped). Run by the runner itself (`--now`, after a failure), the runner writes
 *   those lines, after the failure they answer.
 * It is idempotent (running it twice restores the same copies), so the timer stays armed until
 * a run by the runner has finished: there is never a moment without a way back.
 */
async function writeRevertScript(journal: Journal, n: number, r: GuardResource, manager: ServiceManager['name']): Promise<string> {
  const q = shQuote;
  const undoDir = path.join(journal.dir, 'undo');
  const events = path.join(journal.dir, 'events.jsonl');
  const mark = (type: 'rollback-start' | 'rollback-end' | 'rollback-failed', message: string) =>
    `[ "$1" = --now ] || printf ${q(`{"t":%s000,"type":"${type}","message":%s}\\n`)} "$(date +%s)" ${q(JSON.stringify(message))} >>${q(events)}`;
  const lines = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'export PATH', `exec >>${q(revertLog(journal, n))} 2>&1`, 'echo "automatic revert fired at $(date)${1:+ ($1)}"', 'rc=0'];
  const restore = r.restore ?? [];
  lines.push(mark('rollback-start', `the change was not confirmed in time: the automatic revert armed at step ${n} runs${restore.length ? ` (restoring ${restore.join(', ')})` : ''}`));
  // Units first (a firewall stopped before its rules file goes), newest step first.
  for (const s of guarded(journal, n).reverse()) {
    if (s.resource.kind !== 'unit' || (s.action !== 'enable' && s.action !== 'start')) continue;
    const undo = q(path.join(undoDir, `${s.n}.json`));
    const name = q(s.resource.name);
    const stop = manager === 'systemd' ? `systemctl stop ${name}` : `rc-service ${name} stop`;
    const disable = manager === 'systemd' ? `systemctl disable ${name}` : `rc-update del ${name}`;
    lines.push(`if [ -e ${undo} ] && ! grep -q '"running":true' ${undo}; then { ${stop} && echo "stopped "${name}; } || rc=1; fi`);
    lines.push(`if [ -e ${undo} ] && ! grep -q '"enabled":true' ${undo}; then { ${disable} && echo "disabled "${name}; } || rc=1; fi`);
  }
  for (const [i, target] of restore.entries()) {
    const earlier = [...journal.meta.steps].find((s) => s.n < n && s.resource.kind === 'file' && s.resource.path === target);
    let backup = earlier ? journal.undo<FileUndo>(earlier.n)?.backup : undefined;
    if (!backup) {
      const copy = path.join(undoDir, `${n}-${i}.orig`);
      await fs.rm(copy, { force: true });
      backup = await backupFile(target, copy);
    }
    if (backup.existed && backup.copy) {
      const tmp = q(`${target}.fleetdeck-revert`);
      lines.push(`cp ${q(backup.copy)} ${tmp} && chown ${backup.uid ?? 0}:${backup.gid ?? 0} ${tmp} && chmod ${(backup.mode ?? 0o644).toString(8)} ${tmp} && mv -f ${tmp} ${q(target)} && echo "restored "${q(target)} || rc=1`);
    } else {
      lines.push(`rm -f ${q(target)} && echo "removed "${q(target)}" (it did not exist before)" || rc=1`);
    }
  }
  if (r.then) {
    lines.push(`${r.then.map(q).join(' ')}`, 'then_rc=$?', `echo "ran "${q(oneLine(r.then))}": exit $then_rc"`, '[ "$then_rc" = 0 ] || rc=1');
  }
  // Each action ran even if an earlier one failed (put back as much as can be); the exit says if all worked.
  lines.push(`if [ "$rc" = 0 ]; then ${mark('rollback-end', `automatic revert done: ${restore.length ? `${restore.join(', ')} restored` : 'nothing to restore'}${r.then ? `, then ${oneLine(r.then)} ran` : ''}; anything else this change did stays until it is rolled back`)}; else ${mark('rollback-failed', `the automatic revert armed at step ${n} did not fully work: see ${revertLog(journal, n)} on the host`)}; fi`, 'exit $rc');
  const file = revertScript(journal, n);
  await fs.writeFile(file, `${lines.join('\n')}\n`, { mode: 0o700 });
  return file;
}

/** Schedules the revert script: a systemd timer where there is systemd, else a detached sleep. */
async function schedule(ctx: HelperContext, manager: ServiceManager['name'], unit: string, script: string, seconds: number): Promise<Armed> {
  if (manager === 'systemd') {
    // A unit of that name left by an earlier try of this step is replaced.
    await ctx.run(['systemctl', 'stop', `${unit}.timer`, `${unit}.service`], { timeoutMs: 30_000 });
    await ctx.run(['systemctl', 'reset-failed', `${unit}.timer`, `${unit}.service`], { timeoutMs: 30_000 });
    const res = await ctx.run(['systemd-run', `--unit=${unit}`, `--on-active=${seconds}`, '--timer-property=AccuracySec=1s', '/bin/sh', script], { timeoutMs: 30_000 });
    if (res.code !== 0) throw new FleetdeckError('step-failed', `Could not arm the automatic revert (systemd-run): ${(res.stderr || res.stdout).trim()}`);
    return { unit, pid: null };
  }
  const res = await ctx.run(['/bin/sh', '-c', `setsid /bin/sh -c ${shQuote(`sleep ${seconds}; exec /bin/sh ${shQuote(script)}`)} </dev/null >/dev/null 2>&1 & echo $!`], { timeoutMs: 30_000 });
  const pid = Number(res.stdout.trim());
  if (res.code !== 0 || !Number.isInteger(pid) || pid <= 1) throw new FleetdeckError('step-failed', `Could not arm the automatic revert: ${(res.stderr || res.stdout).trim()}`);
  return { unit: null, pid };
}

async function unschedule(ctx: HelperContext, armed: Armed): Promise<void> {
  if (armed.unit) {
    await ctx.run(['systemctl', 'stop', `${armed.unit}.timer`], { timeoutMs: 30_000 });
    await ctx.run(['systemctl', 'reset-failed', `${armed.unit}.timer`, `${armed.unit}.service`], { timeoutMs: 30_000 });
  } else if (armed.pid) {
    // The detached sleep's process group: the sleep and its shell.
    try {
      process.kill(-armed.pid, 'SIGTERM');
    } catch {
      /* it fired or died already */
    }
  }
}

/**
 * Arm steps before step n whose revert is still pending at step n: armed (their undo says so)
 * and their module's disarm, if the plan has one, not passed yet. Newest first.
 */
function stillArmed(journal: Journal, n: number): { step: number; armed: Armed }[] {
  const out: { step: number; armed: Armed }[] = [];
  for (const s of journal.meta.steps) {
    if (s.n >= n || s.resource.kind !== 'guard' || s.resource.op !== 'arm-revert') continue;
    const disarmedAt = journal.meta.steps.find((g) => g.n > s.n && g.module === s.module && g.resource.kind === 'guard' && g.resource.op === 'disarm')?.n;
    if (disarmedAt !== undefined && disarmedAt < n) continue;
    const armed = journal.undo<GuardUndo>(s.n)?.armed;
    if (armed) out.push({ step: s.n, armed });
  }
  return out.reverse();
}

/**
 * A step inside a guarded stretch failed, was cancelled before, or lost the app: nobody will
 * confirm this change, so the armed reverts run now (newest first) instead of when their timer
 * fires — the admin is not kept waiting on a host that may refuse new logins. Each runs to its
 * end before its timer is cancelled. Returns what to say in the failure's message (with the
 * revert's own log as evidence) and the journal lines that record it.
 */
export async function revertNow(journal: Journal, n: number, deps: RunnerDeps, onLine: (l: string) => void, failed = false): Promise<{ note: string; marks: Omit<JournalEvent, 't'>[] }> {
  // Before step n (a stop): the guards armed before it; at a failed step n: those armed up to it.
  const pending = stillArmed(journal, failed ? n + 1 : n);
  const notes: string[] = [];
  const marks: Omit<JournalEvent, 't'>[] = [];
  for (const { step, armed } of pending) {
    const restore = (journal.meta.steps.find((s) => s.n === step)?.resource as GuardResource | undefined)?.restore ?? [];
    marks.push({ type: 'rollback-start', message: `step ${n} ${failed ? 'failed' : 'did not run'} inside the guard armed at step ${step}: its automatic revert ran at once${restore.length ? ` (restoring ${restore.join(', ')})` : ''}` });
    try {
      const logFile = revertLog(journal, step);
      const from = await fs.stat(logFile).then((st) => st.size, () => 0);
      onLine(`running the automatic revert armed at step ${step} now`);
      const res = await deps.ctx.run(['/bin/sh', revertScript(journal, step), '--now'], { timeoutMs: 120_000 });
      const evidence = await fs.readFile(logFile).then((buf) => buf.subarray(from).toString('utf8').trim().split('\n').slice(-12).join('\n'), () => '');
      for (const l of evidence.split('\n')) if (l.trim()) onLine(l);
      if (res.code !== 0) throw new FleetdeckError('step-failed', `exit ${res.code ?? 'timeout'}${evidence ? `: ${evidence.split('\n').slice(-3).join(' ')}` : ''}`);
      await unschedule(deps.ctx, armed);
      journal.saveUndo(step, { kind: 'guard', armed: null } satisfies GuardUndo);
      notes.push(`Reverted automatically (the guard armed at step ${step}):\n${evidence || '(the revert wrote nothing)'}`);
      const did = evidence.split('\n').filter((l) => /^(restored|removed|ran|stopped|disabled) /.test(l));
      marks.push({ type: 'rollback-end', message: `automatic revert done: ${did.join('; ').slice(0, 1500) || 'nothing to restore'}; anything else this change did stays until it is rolled back` });
    } catch (err) {
      // Its timer stays armed: it tries again when it fires.
      const why = toProblem(err).message.slice(0, 1000);
      notes.push(`The automatic revert armed at step ${step} failed (${why}); its timer stays armed and tries again when it fires.`);
      marks.push({ type: 'rollback-failed', step, problem: 'step-failed', message: `the automatic revert armed at step ${step} failed: ${why}` });
    }
  }
  return { note: notes.length ? `\n${notes.join('\n')}` : '', marks };
}

/**
 * The lockout guard's steps. arm-revert leaves the revert script on the host (see
 * writeRevertScript) and schedules it: it fires unless disarmed, link or no link. confirm waits
 * for the app to log in anew and fails without that login (runSteps then runs the armed revert
 * at once: revertNow). disarm cancels the reverts its module armed: the change is confirmed.
 */
export async function applyGuard(journal: Journal, n: number, r: GuardResource, deps: RunnerDeps, log: (e: Omit<JournalEvent, 't'>) => void): Promise<void> {
  const { ctx } = deps;
  if (r.op === 'arm-revert') {
    const script = await writeRevertScript(journal, n, r, deps.manager.name);
    const seconds = r.seconds ?? 180;
    const armed = await schedule(ctx, deps.manager.name, revertUnit(journal.meta.id, n), script, seconds);
    journal.saveUndo(n, { kind: 'guard', armed } satisfies GuardUndo);
    log({ type: 'output', step: n, line: `automatic revert armed: in ${seconds} s unless confirmed (${armed.unit ?? `pid ${armed.pid}`})` });
    return;
  }
  if (r.op === 'disarm') {
    journal.saveUndo(n, { kind: 'guard', armed: null } satisfies GuardUndo);
    const module = journal.meta.steps.find((s) => s.n === n)?.module;
    for (const { step, armed } of stillArmed(journal, n)) {
      if (journal.meta.steps.find((s) => s.n === step)?.module !== module) continue;
      await unschedule(ctx, armed);
      journal.saveUndo(step, { kind: 'guard', armed: null } satisfies GuardUndo);
      log({ type: 'output', step: n, line: `automatic revert armed at step ${step} cancelled: the change is confirmed` });
    }
    return;
  }
  // confirm
  if (!deps.awaitConfirm) throw new FleetdeckError('step-failed', `${r.label} failed: nothing can confirm this change (no app is connected to answer).`);
  log({ type: 'waiting', step: n, message: r.label });
  const answer = await deps.awaitConfirm(n, (r.waitSeconds ?? 60) * 1000);
  if (!answer.ok) throw new FleetdeckError('step-failed', `${r.label} failed: ${answer.evidence}`);
  log({ type: 'output', step: n, line: answer.evidence });
}

/** Cancels every armed revert of this journal (a rollback restores instead). */
export async function cancelAllReverts(ctx: HelperContext, journal: Journal): Promise<void> {
  for (const s of journal.meta.steps) {
    if (s.resource.kind !== 'guard' || s.resource.op !== 'arm-revert') continue;
    const armed = journal.undo<GuardUndo>(s.n)?.armed;
    if (armed) await unschedule(ctx, armed);
  }
}

