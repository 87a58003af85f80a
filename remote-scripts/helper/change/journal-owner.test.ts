import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanStep } from '../../../src-common/change/plan.schema.js';
import { createContext } from '../context.js';
import { changeHandlers, createChangeRuntime } from './handlers.js';
import { Journal, listJournals } from './journal.js';

/**
 * Which process works a journal, across helpers: after a link cut, the next connect starts a new
 * helper while the old one still finishes its step. The new one must read the journal as running
 * (not interrupted) and wait before a rollback or a resume touches the host, or it would undo a
 * step that the old helper then completes behind it (found by the live fault test).
 */
let dir: string;
let child: ChildProcess | null = null;
const startTimeOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);

// A plan the login user's own helper may apply and roll back (a signal to a process long gone).
const ownStep: PlanStep = {
  n: 1,
  kind: 'process',
  action: 'signal',
  module: 'processes',
  summary: 'kill 999999',
  before: null,
  after: null,
  diff: null,
  needsRoot: false,
  reversible: false,
  warnings: [],
  resource: { kind: 'process', pid: 999_999, startTime: 1, signal: 'KILL', label: 'kill 999999', asRoot: false },
};

function journalWorkedOnBy(pid: number, start: number): Journal {
  const j = Journal.create(dir, { id: 'j-20261206-owner', planId: 'p', modules: ['processes'], backend: 'apt', manager: 'systemd', steps: [ownStep], startedAt: Date.now() });
  j.append({ type: 'begin' });
  j.append({ type: 'step-start', step: 1 });
  writeFileSync(path.join(j.dir, 'owner'), JSON.stringify({ pid, start }));
  return j;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fd-owner-'));
});
afterEach(() => {
  child?.kill('SIGKILL');
  child = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('a journal another helper still works on', () => {
  it('reads as running while that process lives, and as interrupted once it is gone', async () => {
    child = spawn('sleep', ['300'], { stdio: 'ignore' });
    const j = journalWorkedOnBy(child.pid!, startTimeOf(child.pid!));
    expect(j.owner()).toBe(child.pid);
    expect(listJournals(dir, new Set())[0]).toMatchObject({ status: 'running', stoppedAt: 1 });
    const gone = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    expect(j.owner()).toBeNull();
    expect(listJournals(dir, new Set())[0]).toMatchObject({ status: 'interrupted', stoppedAt: 1 });
  });

  it('never counts a reused pid: the same pid with another start time is not the owner', () => {
    child = spawn('sleep', ['300'], { stdio: 'ignore' });
    const j = journalWorkedOnBy(child.pid!, startTimeOf(child.pid!) - 1);
    expect(j.owner()).toBeNull();
    expect(listJournals(dir, new Set())[0]).toMatchObject({ status: 'interrupted' });
  });

  it('a rollback waits for the other helper to let go, then claims the journal and releases it when done', async () => {
    child = spawn('sleep', ['300'], { stdio: 'ignore' });
    const j = journalWorkedOnBy(child.pid!, startTimeOf(child.pid!));
    const user = { ...createContext('/'), uid: process.getuid?.() ?? 1000, env: { HOME: dir } };
    const h = changeHandlers(user.uid === 0 ? { ...user, uid: 1000 } : user, createChangeRuntime(), dir);
    let finished = false;
    const rolling = h.rollback({ journalId: j.meta.id, backend: 'apt', manager: 'systemd' }, { send: async () => {} } as never).then(() => (finished = true));
    await new Promise((r) => setTimeout(r, 700));
    expect(finished).toBe(false); // still waiting: nothing undone behind the other helper
    expect(j.events().some((e) => e.type === 'rollback-start')).toBe(false);
    child.kill('SIGKILL');
    await rolling;
    expect(j.events().at(-1)).toMatchObject({ type: 'rollback-end' });
    expect(j.owner()).toBeNull();
    expect(() => readFileSync(path.join(j.dir, 'owner'))).toThrow(); // released
  });

  it('two claims: the second one is refused while the first holder lives', () => {
    child = spawn('sleep', ['300'], { stdio: 'ignore' });
    const j = journalWorkedOnBy(child.pid!, startTimeOf(child.pid!));
    expect(() => j.claim()).toThrow(expect.objectContaining({ problem: 'change-conflict' }));
  });
});
