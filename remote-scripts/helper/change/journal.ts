import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { JournalEvent, JournalSummary, PlanStep } from '../../../src-common/change/plan.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';

/**
 * The change journal on the host: one root-only directory per apply under
 * /var/lib/fleetdeck/journal/<id>/ with the plan, an append-only event log (each line fsync'd
 * before the step it announces runs), and what undoes each step (old files, previous states).
 * A link cut or a crash therefore ends in a state the next connect can read: which steps were
 * done, which one was running, and everything a rollback needs.
 */
export const JOURNAL_ROOT = '/var/lib/fleetdeck/journal';
const KEEP = 50;

export interface JournalMeta {
  id: string;
  planId: string;
  modules: string[];
  backend: string;
  manager: string;
  steps: PlanStep[];
  startedAt: number;
}

const ID = /^[A-Za-z0-9-]{8,64}$/;

export class Journal {
  private fd: number | null = null;

  private constructor(
    readonly dir: string,
    readonly meta: JournalMeta,
  ) {}

  static create(root: string, meta: JournalMeta): Journal {
    if (!ID.test(meta.id)) throw new FleetdeckError('invalid-input', 'A journal id is 8 to 64 letters, digits or dashes.');
    mkdirSync(root, { recursive: true, mode: 0o700 });
    const dir = path.join(root, meta.id);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch {
      throw new FleetdeckError('change-conflict', `A change with journal id ${meta.id} already ran on this host.`);
    }
    mkdirSync(path.join(dir, 'undo'), { mode: 0o700 });
    writeDurable(path.join(dir, 'plan.json'), JSON.stringify(meta));
    prune(root, meta.id);
    return new Journal(dir, meta);
  }

  static open(root: string, id: string): Journal {
    if (!ID.test(id)) throw new FleetdeckError('invalid-input', 'A journal id is 8 to 64 letters, digits or dashes.');
    const dir = path.join(root, id);
    let meta: JournalMeta;
    try {
      meta = JSON.parse(readFileSync(path.join(dir, 'plan.json'), 'utf8')) as JournalMeta;
    } catch {
      throw new FleetdeckError('not-found', `There is no change journal ${id} on this host.`);
    }
    return new Journal(dir, meta);
  }

  append(e: Omit<JournalEvent, 't'> & { t?: number }): JournalEvent {
    const event = { t: Date.now(), ...e } as JournalEvent;
    if (this.fd === null) this.fd = openSync(path.join(this.dir, 'events.jsonl'), 'a', 0o600);
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
    fsyncSync(this.fd);
    return event;
  }

  events(): JournalEvent[] {
    return readEvents(this.dir);
  }

  /** What undoes step n (written before the step changes anything). */
  saveUndo(n: number, undo: unknown): void {
    writeDurable(path.join(this.dir, 'undo', `${n}.json`), JSON.stringify(undo));
  }

  undo<T>(n: number): T | null {
    try {
      return JSON.parse(readFileSync(path.join(this.dir, 'undo', `${n}.json`), 'utf8')) as T;
    } catch {
      return null;
    }
  }

  backupPath(n: number): string {
    return path.join(this.dir, 'undo', `${n}.orig`);
  }

  summary(): JournalSummary {
    return summarize(this.meta, this.events());
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /**
   * Marks this process as the one working the journal (an apply, a resume or a rollback), so that
   * another helper — the one started by the next connect, while a helper whose link was lost
   * still finishes its step — reads it as running, not interrupted, and waits before it touches
   * the host. An owner that is gone (killed, crashed, its pid reused since) is taken over.
   */
  claim(): void {
    const file = path.join(this.dir, 'owner');
    for (let tries = 0; tries < 3; tries++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        writeSync(fd, JSON.stringify(selfIdentity()));
        closeSync(fd);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const pid = this.owner();
      if (pid !== null) throw new FleetdeckError('change-conflict', `Journal ${this.meta.id} is being worked on by another Fleetdeck helper on this host (process ${pid}).`, { pid });
      rmSync(file, { force: true });
    }
    throw new FleetdeckError('change-conflict', `Journal ${this.meta.id}: could not take it over from another helper.`);
  }

  release(): void {
    const file = path.join(this.dir, 'owner');
    const me = selfIdentity();
    const now = readOwner(file);
    if (now && now.pid === me.pid && now.start === me.start) rmSync(file, { force: true });
  }

  /** The pid of the live process (not this one) working this journal now, or null. */
  owner(): number | null {
    const o = readOwner(path.join(this.dir, 'owner'));
    if (!o || o.pid === process.pid) return null;
    return startOf(o.pid) === o.start ? o.pid : null;
  }
}

/** A process's start time (ticks after boot): with its pid, one process, even once the pid is reused. */
function startOf(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const n = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

function selfIdentity(): { pid: number; start: number | null } {
  return { pid: process.pid, start: startOf(process.pid) };
}

function readOwner(file: string): { pid: number; start: number | null } | null {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown; start?: unknown };
    return Number.isInteger(o.pid) && (o.pid as number) > 0 ? { pid: o.pid as number, start: typeof o.start === 'number' ? o.start : null } : null;
  } catch {
    return null;
  }
}

function writeDurable(file: string, text: string): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readEvents(dir: string): JournalEvent[] {
  let text = '';
  try {
    text = readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const out: JournalEvent[] = [];
  // A crash can leave a half-written last line: it is ignored, the lines before it stand.
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as JournalEvent);
    } catch {
      break;
    }
  }
  return out;
}

export function summarize(meta: JournalMeta, events: JournalEvent[]): JournalSummary {
  const done = new Set<number>();
  let running: number | null = null;
  let failed: number | null = null;
  let status: JournalSummary['status'] = 'running';
  let endedAt: number | null = null;
  let message: string | null = null;
  for (const e of events) {
    // A resume begins again: what failed or stopped before is history.
    if (e.type === 'begin') {
      status = 'running';
      failed = null;
      message = null;
    }
    if (e.type === 'step-start') running = e.step ?? null;
    if ((e.type === 'step-done' || e.type === 'step-skipped') && e.step !== undefined) {
      done.add(e.step);
      running = null;
    }
    if (e.type === 'step-failed') {
      failed = e.step ?? null;
      running = null;
      status = 'failed';
      message = e.message ?? null;
    }
    if (e.type === 'interrupted') status = 'interrupted';
    if (e.type === 'cancelled') status = 'cancelled';
    if (e.type === 'end') {
      endedAt = e.t;
      if (status === 'running') status = 'done';
    }
    if (e.type === 'rollback-start') {
      status = 'running';
      endedAt = null;
    }
    if (e.type === 'rollback-failed') {
      status = 'rollback-failed';
      message = e.message ?? null;
    }
    if (e.type === 'rollback-end') {
      endedAt = e.t;
      if (status !== 'rollback-failed') status = 'rolled-back';
    }
  }
  // No end and nothing running it any more: the process stopped (killed, crashed, link cut).
  return {
    id: meta.id,
    planId: meta.planId,
    modules: meta.modules,
    startedAt: meta.startedAt,
    endedAt,
    status,
    steps: meta.steps.length,
    completed: done.size,
    stoppedAt: failed ?? running,
    message,
  };
}

/** Every journal on the host, newest first. `live` names the ones a process of this helper still runs. */
export function listJournals(root: string, live: ReadonlySet<string>): JournalSummary[] {
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const out: JournalSummary[] = [];
  for (const name of names) {
    if (!ID.test(name)) continue;
    try {
      const j = Journal.open(root, name);
      const s = j.summary();
      // A journal without an end that no helper is working on any more stopped part-way.
      if (s.status === 'running' && !live.has(name) && j.owner() === null) s.status = 'interrupted';
      out.push(s);
    } catch {
      // A directory without a readable plan is not a journal.
    }
  }
  return out.sort((a, b) => b.startedAt - a.startedAt);
}

/** Keeps the newest KEEP journals. */
function prune(root: string, keep: string): void {
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => ID.test(n) && n !== keep);
  } catch {
    return;
  }
  if (names.length < KEEP) return;
  const byAge = names.map((n) => ({ n, t: statSync(path.join(root, n)).mtimeMs })).sort((a, b) => b.t - a.t);
  for (const { n } of byAge.slice(KEEP - 1)) rmSync(path.join(root, n), { recursive: true, force: true });
}
