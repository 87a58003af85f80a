import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JournalEvent, PlanStep } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { createContext, type HelperContext } from '../context.js';
import { rollback, runSteps, type RunnerDeps } from './apply.js';
import { changeHandlers, createChangeRuntime, journalRootFor } from './handlers.js';
import { Journal, listJournals } from './journal.js';
import type { PackageBackend } from './packages.js';
import type { ServiceManager, UnitState } from './services.js';

/**
 * The apply/rollback runner against real files in a temp dir, with an in-memory package backend
 * and service manager (the real ones run on test hosts: e2e/integration/change-*.test.ts).
 */
const isRoot = process.getuid?.() === 0;

function fakes() {
  const installed = new Set<string>(['curl']);
  const units = new Map<string, UnitState>([['demo.service', { exists: true, enabled: false, running: false }]]);
  const calls: string[] = [];
  const backend: PackageBackend = {
    name: 'apt',
    installed: async (_c, pkgs) => Object.fromEntries(pkgs.map((p) => [p, installed.has(p) ? '1.0' : null])),
    dryRun: async (_c, pkgs) => ({ wouldInstall: pkgs.map((n) => ({ name: n, version: '1.0' })), problem: null }),
    install: async (_c, pkgs, o) => {
      calls.push(`install ${pkgs.join(' ')}`);
      o.onLine?.(`Setting up ${pkgs[0]} (1.0) ...`);
      if (pkgs.includes('broken')) return { code: 100, stdout: '', stderr: 'E: Unable to locate package broken' };
      pkgs.forEach((p) => installed.add(p));
      return { code: 0, stdout: '', stderr: '' };
    },
    remove: async (_c, pkgs) => {
      calls.push(`remove ${pkgs.join(' ')}`);
      pkgs.forEach((p) => installed.delete(p));
      return { code: 0, stdout: '', stderr: '' };
    },
    transient: () => false,
  };
  const manager: ServiceManager = {
    name: 'systemd',
    state: async (_c, u) => units.get(u) ?? { exists: false, enabled: null, running: null },
    act: async (_c, u, a) => {
      calls.push(`${a} ${u}`);
      const s = units.get(u)!;
      if (a === 'enable') s.enabled = true;
      if (a === 'disable') s.enabled = false;
      if (a === 'start' || a === 'restart' || a === 'reload') s.running = true;
      if (a === 'stop') s.running = false;
      return { code: 0, stdout: '', stderr: '' };
    },
    reloadDefinitions: async () => (calls.push('daemon-reload'), null),
    why: async () => 'demo.service: inactive (dead)',
  };
  return { installed, units, calls, backend, manager };
}

let dir: string;
let journals: string;
let n = 0;
const step = (resource: Resource, action: PlanStep['action'] = 'create'): PlanStep => ({
  n: ++n,
  kind: resource.kind === 'package' ? 'package' : resource.kind,
  action,
  module: 'demo',
  summary: `step ${n}`,
  before: null,
  after: null,
  diff: null,
  needsRoot: true,
  reversible: true,
  warnings: [],
  resource,
});

function run(steps: PlanStep[], f: ReturnType<typeof fakes>, stop: () => 'cancel' | 'interrupt' | null = () => null) {
  const journal = Journal.create(journals, { id: `j-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, planId: 'p1', modules: ['demo'], backend: 'apt', manager: 'systemd', steps, startedAt: Date.now() });
  const events: JournalEvent[] = [];
  const ctx: HelperContext = createContext('/');
  const deps: RunnerDeps = { ctx, backend: f.backend, manager: f.manager, emit: (e) => events.push(e), stopRequested: stop };
  return { journal, events, deps };
}

beforeEach(() => {
  n = 0;
  dir = mkdtempSync(path.join(tmpdir(), 'fd-apply-'));
  journals = path.join(dir, 'journal');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(isRoot)('runSteps / rollback (as root, in a temp dir)', () => {
  it('applies files, packages and units in order with a journal line before and after each; rollback undoes all of it', async () => {
    const f = fakes();
    const conf = path.join(dir, 'etc/demo/demo.conf');
    const old = path.join(dir, 'old.conf');
    writeFileSync(old, 'old\n', { mode: 0o640 });
    const steps = [
      step({ kind: 'file', path: conf, content: 'listen 80\n', mode: 0o644 }),
      step({ kind: 'file', path: old, content: 'new\n' }, 'update'),
      step({ kind: 'package', label: 'Demo', packages: ['demo-pkg', 'curl'], state: 'present' }, 'install'),
      step({ kind: 'unit', name: 'demo.service', enabled: true, state: 'running' }, 'enable'),
    ];
    const { journal, events, deps } = run(steps, f);
    expect(await runSteps(journal, deps)).toBe('done');
    expect(readFileSync(conf, 'utf8')).toBe('listen 80\n');
    expect(statSync(conf).mode & 0o777).toBe(0o644);
    expect(readFileSync(old, 'utf8')).toBe('new\n');
    expect(statSync(old).mode & 0o777).toBe(0o640); // the old file's mode is kept
    expect(f.calls).toEqual(['install demo-pkg', 'enable demo.service', 'start demo.service']);
    expect(events.map((e) => `${e.type}${e.step ? ` ${e.step}` : ''}`).filter((t) => !t.startsWith('output'))).toEqual(['begin', 'step-start 1', 'step-done 1', 'step-start 2', 'step-done 2', 'step-start 3', 'step-done 3', 'step-start 4', 'step-done 4', 'end']);
    expect(journal.summary()).toMatchObject({ status: 'done', completed: 4, steps: 4 });

    f.calls.length = 0;
    expect(await rollback(journal, deps)).toBe('rolled-back');
    expect(existsSync(conf)).toBe(false);
    expect(existsSync(path.join(dir, 'etc/demo'))).toBe(false); // the dirs the step made are gone too
    expect(readFileSync(old, 'utf8')).toBe('old\n');
    expect(f.calls).toEqual(['disable demo.service', 'stop demo.service', 'remove demo-pkg']);
    expect(f.installed.has('curl')).toBe(true); // it was there before: not removed
    expect(journal.summary().status).toBe('rolled-back');
  });

  it('a set-once file (a password data was made with) outlives the rollback, and the journal says so', async () => {
    const f = fakes();
    const pw = path.join(dir, 'etc/fleetdeck/backup/password');
    const { journal, events, deps } = run([step({ kind: 'file', path: pw, content: 'secret one\n', mode: 0o600, secret: true, keep: true })], f);
    expect(await runSteps(journal, deps)).toBe('done');
    expect(await rollback(journal, deps)).toBe('rolled-back');
    expect(readFileSync(pw, 'utf8')).toBe('secret one\n');
    expect(events.find((e) => e.type === 'rollback-step')?.message).toMatch(/^kept .*password \(what was made with it outlives the rollback\)$/);
  });

  it('stops at the first failure with the tool\'s own words; a resume runs that step again; rollback undoes the rest', async () => {
    const f = fakes();
    const conf = path.join(dir, 'a.conf');
    const steps = [step({ kind: 'file', path: conf, content: 'a\n' }), step({ kind: 'package', label: 'Broken', packages: ['broken'], state: 'present' }, 'install'), step({ kind: 'unit', name: 'demo.service', state: 'running' }, 'start')];
    const { journal, events, deps } = run(steps, f);
    expect(await runSteps(journal, deps)).toBe('failed');
    const failed = events.find((e) => e.type === 'step-failed')!;
    expect(failed).toMatchObject({ step: 2, problem: 'step-failed', message: expect.stringMatching(/Installing broken failed \(exit 100\): E: Unable to locate package broken/) });
    expect(journal.summary()).toMatchObject({ status: 'failed', completed: 1, stoppedAt: 2 });
    // Fixed meanwhile (the package appeared): resume from step 2.
    f.backend.install = async (_c, pkgs) => (pkgs.forEach((p) => f.installed.add(p)), { code: 0, stdout: '', stderr: '' });
    expect(await runSteps(journal, deps, 2)).toBe('done');
    expect(journal.summary()).toMatchObject({ status: 'done', completed: 3 });
  });

  it('a cancel or a lost link stops at the next step boundary and says which', async () => {
    const f = fakes();
    let stopAfter = 1;
    const steps = [step({ kind: 'file', path: path.join(dir, 'x'), content: 'x' }), step({ kind: 'file', path: path.join(dir, 'y'), content: 'y' })];
    const { journal, events, deps } = run(steps, f, () => (--stopAfter < 0 ? 'interrupt' : null));
    expect(await runSteps(journal, deps)).toBe('interrupted');
    expect(events.at(-1)).toMatchObject({ type: 'interrupted', step: 2 });
    expect(existsSync(path.join(dir, 'y'))).toBe(false);
    expect(listJournals(journals, new Set())[0]).toMatchObject({ status: 'interrupted', completed: 1 });
  });

  it('a journal whose process died mid-step reads as interrupted, with the step that was running', async () => {
    const f = fakes();
    const steps = [step({ kind: 'file', path: path.join(dir, 'x'), content: 'x' })];
    const { journal } = run(steps, f);
    journal.append({ type: 'begin' });
    journal.append({ type: 'step-start', step: 1 });
    // …and a torn last line, as a crash during the write leaves it.
    writeFileSync(path.join(journal.dir, 'events.jsonl'), '{"t":1,"type":"step-do', { flag: 'a' });
    expect(listJournals(journals, new Set())[0]).toMatchObject({ status: 'interrupted', stoppedAt: 1, completed: 0 });
  });

  it('a command runs unless its check passes; without an undo it is said to be irreversible', async () => {
    const f = fakes();
    const marker = path.join(dir, 'ran');
    const steps = [
      step({ kind: 'command', id: 'touch', label: 'touch a marker', argv: ['touch', marker], unless: ['test', '-e', marker] }, 'run'),
      step({ kind: 'command', id: 'again', label: 'touch it again', argv: ['touch', marker], unless: ['test', '-e', marker] }, 'run'),
    ];
    const { journal, events, deps } = run(steps, f);
    expect(await runSteps(journal, deps)).toBe('done');
    expect(events.filter((e) => e.type === 'step-skipped').map((e) => e.step)).toEqual([2]);
    await rollback(journal, deps);
    expect(journal.events().at(-1)).toMatchObject({ type: 'rollback-end', message: expect.stringMatching(/step 1 \(step 1\) cannot be undone/) });
  });

  it('refuses to write through a directory other users can write to', async () => {
    const f = fakes();
    const open = path.join(dir, 'open');
    (await import('node:fs')).mkdirSync(open, { mode: 0o777 });
    (await import('node:fs')).chmodSync(open, 0o777);
    const { journal, events, deps } = run([step({ kind: 'file', path: path.join(open, 'x.conf'), content: 'x' })], f);
    expect(await runSteps(journal, deps)).toBe('failed');
    expect(events.find((e) => e.type === 'step-failed')?.message).toMatch(/can be written by other users/);
  });
});

describe('a process step (process kill on the engine)', () => {
  const startTimeOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);
  const processStep = (pid: number, startTime: number) => step({ kind: 'process', pid, startTime, signal: 'KILL', label: `kill ${pid}`, asRoot: false }, 'signal');

  it('signals the process while it is still the one planned, skips one that exited; rollback says a signal cannot be undone', async () => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    const pid = child.pid!;
    const steps = [{ ...processStep(pid, startTimeOf(pid)), needsRoot: false }, { ...processStep(999_999, 1), needsRoot: false }];
    const { journal, events, deps } = run(steps, fakes());
    expect(await runSteps(journal, deps)).toBe('done');
    await exited;
    expect(events.filter((e) => e.type === 'step-done' || e.type === 'step-skipped').map((e) => `${e.type} ${e.step}`)).toEqual(['step-done 1', 'step-skipped 2']);
    expect(await rollback(journal, deps)).toBe('rolled-back');
    expect(journal.events().at(-1)).toMatchObject({ type: 'rollback-end', message: expect.stringMatching(/a signal cannot be undone/) });
  });

  it('never signals a pid that another process holds now (a stale start time)', async () => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      const { journal, events, deps } = run([processStep(child.pid!, startTimeOf(child.pid!) + 1)], fakes());
      expect(await runSteps(journal, deps)).toBe('failed');
      expect(events.find((e) => e.type === 'step-failed')).toMatchObject({ problem: 'change-conflict' });
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it("lets the login user's own helper apply only plans of their own processes, journaled in their state dir", () => {
    const user = { ...createContext('/'), uid: 1000, env: { HOME: '/home/ada' } };
    expect(journalRootFor(user)).toBe('/home/ada/.local/state/fleetdeck/journal');
    expect(journalRootFor({ uid: 1000, env: { HOME: '/home/ada', XDG_STATE_HOME: '/srv/state' } })).toBe('/srv/state/fleetdeck/journal');
    expect(journalRootFor({ uid: 0, env: { HOME: '/root' } })).toBe('/var/lib/fleetdeck/journal');
    const h = changeHandlers(user, createChangeRuntime(), journals);
    const sink = { send: async () => {} } as never;
    const apply = (steps: PlanStep[]) => h.apply({ journalId: 'j-20261206-own', planId: 'p', modules: ['processes'], backend: 'apt', manager: 'systemd', steps }, sink);
    return Promise.all([
      expect(apply([step({ kind: 'file', path: path.join(dir, 'x'), content: 'x' })])).rejects.toMatchObject({ problem: 'sudo-required' }),
      expect(apply([processStep(999_999, 1)])).rejects.toMatchObject({ problem: 'sudo-required' }), // needsRoot (another user's)
      expect(apply([{ ...processStep(999_999, 1), needsRoot: false }])).resolves.toBeUndefined(),
    ]);
  });

  it("applies the login user's own files and commands (the per-user agent) with their helper, and root refuses them", async () => {
    const own = (r: Resource): PlanStep => ({ ...step(r), needsRoot: false });
    const file = own({ kind: 'file', path: path.join(dir, 'mine'), content: 'mine\n', mode: 0o600, asLogin: true });
    const user = { ...createContext('/'), uid: 1000, env: { HOME: '/home/ada' } };
    const sink = { send: async () => {} } as never;
    const apply = (ctx: typeof user, steps: PlanStep[], id: string) => changeHandlers(ctx, createChangeRuntime(), journals).apply({ journalId: id, planId: 'p', modules: ['agent'], backend: 'apt', manager: 'systemd', steps }, sink);
    await expect(apply({ ...user, uid: 0 }, [file], 'j-20261207-root')).rejects.toMatchObject({ problem: 'invalid-input', message: expect.stringMatching(/login user's own helper, not root's/) });
    expect(existsSync(path.join(dir, 'mine'))).toBe(false);
    // A plan with one step that needs root is not the user's to apply, asLogin or not.
    await expect(apply(user, [file, step({ kind: 'file', path: path.join(dir, 'x'), content: 'x' })], 'j-20261207-mixed')).rejects.toMatchObject({ problem: 'sudo-required' });
    await apply(user, [file], 'j-20261207-mine');
    expect(readFileSync(path.join(dir, 'mine'), 'utf8')).toBe('mine\n');
  });
});

describe.runIf(isRoot)('a unit whose stop would undo more than the change (nftables)', () => {
  it('is left running on rollback: its boot state goes back, its own command runs once the files are back and before the package goes', async () => {
    const f = fakes();
    const conf = path.join(dir, 'rules.conf');
    const seen = path.join(dir, 'seen');
    writeFileSync(conf, 'old rules\n');
    const steps = [
      step({ kind: 'package', label: 'Demo', packages: ['demo-pkg'], state: 'present' }, 'install'),
      step({ kind: 'file', path: conf, content: 'new rules\n' }, 'update'),
      step({ kind: 'unit', name: 'demo.service', enabled: true, state: 'running', reloadOn: [`file:${conf}`], rollbackWith: ['/bin/sh', '-c', 'cat "$1" > "$2"', 'sh', conf, seen] }, 'enable'),
    ];
    const { journal, events, deps } = run(steps, f);
    expect(await runSteps(journal, deps)).toBe('done');
    f.calls.length = 0;
    const remove = f.backend.remove;
    f.backend.remove = async (c, pkgs, o) => (f.calls.push(`command had run: ${existsSync(seen)}`), remove(c, pkgs, o));
    expect(await rollback(journal, deps)).toBe('rolled-back');
    expect(f.calls).toEqual(['disable demo.service', 'command had run: true', 'remove demo-pkg']);
    expect(readFileSync(seen, 'utf8')).toBe('old rules\n'); // ran after the file was restored
    expect(events.some((e) => e.type === 'output' && /what this change loaded was removed/.test(e.line ?? ''))).toBe(true);
    const unitStep = journal.events().find((e) => e.type === 'rollback-step' && e.step === 3);
    expect(unitStep?.message).toMatch(/left running/);
  });
});
