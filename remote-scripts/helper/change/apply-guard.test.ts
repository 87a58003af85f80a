import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JournalEvent, PlanStep } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { createContext } from '../context.js';
import { rollback, runSteps, type RunnerDeps } from './apply.js';
import { Journal, listJournals } from './journal.js';
import type { PackageBackend } from './packages.js';
import type { ServiceManager } from './services.js';

/**
 * The lockout guard on the host side (arm-revert, confirm, disarm), as root in a temp dir: the
 * revert scripts and their detached timers are real (the openrc path: a setsid'd sleep, so no
 * systemd is needed here); the app's answer to a confirm is given by the test. Live, against a
 * real sshd: e2e/integration/modules/ssh.test.ts.
 */
const isRoot = process.getuid?.() === 0;

const backend: PackageBackend = {
  name: 'apt',
  installed: async (_c, pkgs) => Object.fromEntries(pkgs.map((p) => [p, null])),
  dryRun: async () => ({ wouldInstall: [], problem: null }),
  install: async () => ({ code: 0, stdout: '', stderr: '' }),
  remove: async () => ({ code: 0, stdout: '', stderr: '' }),
  transient: () => false,
};
const manager: ServiceManager = {
  name: 'openrc',
  state: async () => ({ exists: true, enabled: true, running: true }),
  act: async () => ({ code: 0, stdout: '', stderr: '' }),
  reloadDefinitions: async () => null,
  why: async () => '',
};

let dir: string;
let n = 0;
const step = (module: string, resource: Resource, action: PlanStep['action']): PlanStep => ({
  n: ++n,
  kind: resource.kind === 'package' ? 'package' : resource.kind,
  action,
  module,
  summary: `step ${n}`,
  before: null,
  after: null,
  diff: null,
  needsRoot: true,
  reversible: true,
  warnings: [],
  resource,
});

function setup(steps: PlanStep[], answers: Record<number, { ok: boolean; evidence: string }>, stop: () => 'cancel' | 'interrupt' | null = () => null) {
  const journal = Journal.create(path.join(dir, 'journal'), { id: `g-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, planId: 'p1', modules: [...new Set(steps.map((s) => s.module))], backend: 'apt', manager: 'openrc', steps, startedAt: Date.now() });
  const events: JournalEvent[] = [];
  const deps: RunnerDeps = {
    ctx: createContext('/'),
    backend,
    manager,
    emit: (e) => events.push(e),
    stopRequested: stop,
    awaitConfirm: async (s) => answers[s] ?? { ok: false, evidence: 'no answer' },
  };
  return { journal, events, deps };
}

/** The detached sleep an arm left (its pid, from the arm's undo record), or null once gone. */
function timerAlive(journal: Journal, armStep: number): boolean {
  const undo = journal.undo<{ armed: { pid: number | null } | null }>(armStep);
  if (!undo?.armed?.pid) return false;
  try {
    process.kill(-undo.armed.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A sshd-like change: arm, write the config, confirm, disarm; the revert restores the config and "reloads". */
function sshLike(conf: string, reloaded: string, module = 'ssh') {
  return [
    step(module, { kind: 'guard', id: `${module}-arm`, op: 'arm-revert', label: 'arm', seconds: 60, restore: [conf], then: ['touch', reloaded] }, 'arm'),
    step(module, { kind: 'file', path: conf, content: 'new config\n', mode: 0o600 }, 'update'),
    step(module, { kind: 'guard', id: `${module}-confirm`, op: 'confirm', label: 'A new login works', port: 0, waitSeconds: 5 }, 'confirm'),
    step(module, { kind: 'guard', id: `${module}-disarm`, op: 'disarm', label: 'disarm' }, 'disarm'),
  ];
}

beforeEach(() => {
  n = 0;
  dir = mkdtempSync(path.join(tmpdir(), 'fd-guard-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(isRoot)('the lockout guard (arm-revert, confirm, disarm)', () => {
  it('a confirmed change stays, and its timer is cancelled', async () => {
    const conf = path.join(dir, 'sshd.conf');
    writeFileSync(conf, 'old config\n', { mode: 0o644 });
    const reloaded = path.join(dir, 'reloaded');
    const { journal, events, deps } = setup(sshLike(conf, reloaded), { 3: { ok: true, evidence: 'a new login as admin worked' } });
    expect(await runSteps(journal, deps)).toBe('done');
    expect(readFileSync(conf, 'utf8')).toBe('new config\n');
    expect(events.some((e) => e.type === 'waiting' && e.step === 3)).toBe(true);
    expect(events.find((e) => e.type === 'output' && e.step === 4)?.line).toMatch(/automatic revert armed at step 1 cancelled/);
    expect(timerAlive(journal, 1)).toBe(false);
    expect(existsSync(reloaded)).toBe(false);
    expect(journal.summary().status).toBe('done');
  });

  it('a failed confirm runs the revert at once: the old file is back, `then` ran, and the failure and the journal say so with evidence', async () => {
    const conf = path.join(dir, 'sshd.conf');
    writeFileSync(conf, 'old config\n', { mode: 0o644 });
    const reloaded = path.join(dir, 'reloaded');
    const { journal, events, deps } = setup(sshLike(conf, reloaded), { 3: { ok: false, evidence: 'authentication failed for admin' } });
    const armedAt = journal.meta.steps[0]!;
    expect(await runSteps(journal, deps)).toBe('failed');
    expect(readFileSync(conf, 'utf8')).toBe('old config\n');
    expect((await import('node:fs')).statSync(conf).mode & 0o777).toBe(0o644);
    expect(existsSync(reloaded)).toBe(true);
    expect(existsSync(`${conf}.fleetdeck-revert`)).toBe(false);
    const failed = events.find((e) => e.type === 'step-failed')!;
    expect(failed.step).toBe(3);
    expect(failed.message).toMatch(/A new login works failed: authentication failed for admin/);
    expect(failed.message).toMatch(/Reverted automatically \(the guard armed at step 1\)/);
    expect(failed.message).toContain(`restored '${conf}'`.replace(/'/g, ''));
    expect(timerAlive(journal, 1)).toBe(false);
    // The journal: the failure, then the revert that answered it; a resume is no longer offered.
    const types = journal.events().map((e) => e.type).filter((t) => t !== 'output');
    expect(types.slice(-3)).toEqual(['step-failed', 'rollback-start', 'rollback-end']);
    expect(journal.events().at(-1)?.message).toMatch(/automatic revert done: restored .*sshd\.conf; ran touch/);
    expect(journal.events().at(-2)?.message).toMatch(/^step 3 failed inside the guard armed at step 1/);
    expect(listJournals(path.dirname(journal.dir), new Set())[0]).toMatchObject({ status: 'rolled-back', stoppedAt: 3 });
    expect(armedAt.resource.kind).toBe('guard');
  });

  it('a file that did not exist before the arm is removed by the revert', async () => {
    const conf = path.join(dir, 'new.d', 'drop-in.conf');
    (await import('node:fs')).mkdirSync(path.dirname(conf));
    const reloaded = path.join(dir, 'reloaded');
    const { journal, deps } = setup(sshLike(conf, reloaded), {});
    expect(await runSteps(journal, deps)).toBe('failed');
    expect(existsSync(conf)).toBe(false);
    expect(journal.events().at(-1)?.message).toMatch(/removed .*drop-in\.conf/);
  });

  it('the timer fires by itself when nobody answers (the revert script as its timer runs it)', async () => {
    const conf = path.join(dir, 'sshd.conf');
    writeFileSync(conf, 'old config\n');
    const reloaded = path.join(dir, 'reloaded');
    // The link goes away right after the config is written: the runner stops before the confirm.
    let calls = 0;
    const steps = sshLike(conf, reloaded);
    const { journal, events, deps } = setup(steps, {}, () => (++calls > 2 ? 'interrupt' : null));
    expect(await runSteps(journal, deps)).toBe('interrupted');
    // Stopping inside the guard runs the revert at once, too.
    expect(readFileSync(conf, 'utf8')).toBe('old config\n');
    expect(events.find((e) => e.type === 'interrupted')?.message).toMatch(/stopped before step 3[\s\S]*Reverted automatically/);
    expect(journal.summary().status).toBe('rolled-back');

    // What the timer runs, when the helper itself is gone (killed with the link): the same script.
    writeFileSync(conf, 'new config again\n');
    rmSync(reloaded);
    const script = path.join(journal.dir, 'revert-1.sh');
    expect(spawnSync('/bin/sh', [script]).status).toBe(0);
    expect(readFileSync(conf, 'utf8')).toBe('old config\n');
    expect(existsSync(reloaded)).toBe(true);
    const last = journal.events().slice(-2);
    expect(last.map((e) => e.type)).toEqual(['rollback-start', 'rollback-end']);
    expect(last[0]!.message).toMatch(/not confirmed in time: the automatic revert armed at step 1 runs \(restoring .*sshd\.conf\)/);
    expect(readFileSync(path.join(journal.dir, 'revert-1.log'), 'utf8')).toMatch(/automatic revert fired at[\s\S]*restored .*sshd\.conf[\s\S]*ran touch .*: exit 0/);
  });

  it('two modules in one plan arm and disarm their own guards; a failure in the second reverts only what is still armed', async () => {
    const sshConf = path.join(dir, 'sshd.conf');
    const fwConf = path.join(dir, 'rules.conf');
    writeFileSync(sshConf, 'old ssh\n');
    writeFileSync(fwConf, 'old rules\n');
    const steps = [...sshLike(sshConf, path.join(dir, 'ssh-reloaded'), 'ssh'), ...sshLike(fwConf, path.join(dir, 'fw-reloaded'), 'firewall')];
    const { journal, events, deps } = setup(steps, { 3: { ok: true, evidence: 'ok' }, 7: { ok: false, evidence: 'the new login timed out' } });
    expect(await runSteps(journal, deps)).toBe('failed');
    // ssh was confirmed and disarmed: it stays; the firewall's change is reverted.
    expect(readFileSync(sshConf, 'utf8')).toBe('new config\n');
    expect(readFileSync(fwConf, 'utf8')).toBe('old rules\n');
    expect(existsSync(path.join(dir, 'ssh-reloaded'))).toBe(false);
    expect(events.find((e) => e.type === 'step-failed')?.message).toMatch(/the guard armed at step 5/);
    expect(timerAlive(journal, 1)).toBe(false);
    expect(timerAlive(journal, 5)).toBe(false);
  });

  it('a revert that does not fully work says so, and keeps its timer armed to try again', async () => {
    const conf = path.join(dir, 'sshd.conf');
    writeFileSync(conf, 'old config\n');
    const steps = sshLike(conf, path.join(dir, 'reloaded'));
    (steps[0]!.resource as { then: string[] }).then = ['/bin/sh', '-c', 'echo reload refused >&2; exit 3'];
    const { journal, events, deps } = setup(steps, {});
    try {
      expect(await runSteps(journal, deps)).toBe('failed');
      expect(readFileSync(conf, 'utf8')).toBe('old config\n'); // what could be put back, was
      expect(events.find((e) => e.type === 'step-failed')?.message).toMatch(/The automatic revert armed at step 1 failed \(exit 1: .*ran \/bin\/sh -c \(a script\): exit 3\); its timer stays armed/);
      expect(journal.events().at(-1)).toMatchObject({ type: 'rollback-failed', step: 1 });
      expect(journal.summary().status).toBe('rollback-failed');
      expect(timerAlive(journal, 1)).toBe(true);
      expect(readFileSync(path.join(journal.dir, 'revert-1.log'), 'utf8')).toMatch(/reload refused/);
    } finally {
      const pid = journal.undo<{ armed: { pid: number } | null }>(1)?.armed?.pid;
      if (pid && pid > 1) process.kill(-pid, 'SIGTERM');
    }
  });

  it('a failure before the arm reverts nothing; a rollback after a confirmed change cancels nothing twice and restores the file', async () => {
    const conf = path.join(dir, 'sshd.conf');
    writeFileSync(conf, 'old config\n');
    const { journal, deps } = setup(sshLike(conf, path.join(dir, 'reloaded')), { 3: { ok: true, evidence: 'ok' } });
    expect(await runSteps(journal, deps)).toBe('done');
    expect(await rollback(journal, deps)).toBe('rolled-back');
    expect(readFileSync(conf, 'utf8')).toBe('old config\n');

    n = 0;
    const broken = [step('ssh', { kind: 'command', id: 'fails', label: 'fails', argv: ['false'] }, 'run'), ...sshLike(conf, path.join(dir, 'reloaded2')).map((s) => ({ ...s, n: s.n }))];
    const again = setup(broken, {});
    expect(await runSteps(again.journal, again.deps)).toBe('failed');
    expect(again.events.find((e) => e.type === 'step-failed')?.message).not.toMatch(/Reverted/);
    expect(again.journal.summary().status).toBe('failed');
  });
});
