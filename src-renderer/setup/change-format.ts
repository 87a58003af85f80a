import type { ChangeTask } from '../../src-common/change/modules.contract.js';
import type { JournalEvent, PlanStep } from '../../src-common/change/plan.schema.js';
import { formatDuration } from '../format.js';

/** Pure helpers of the wizard and the Services tab (unit tested): tasks, live log, diffs, wording. */

export const LOG_LIMIT = 2000;

export interface LogEntry {
  /** Unique within this session's log (React keys). */
  seq: number;
  t: number;
  journalId: string;
  type: JournalEvent['type'];
  step: number | null;
  /** A command's output line, or the event's message. */
  text: string;
}

let seq = 0;

/** Appends one progress event to a host's log, keeping the newest LOG_LIMIT lines. */
export function appendLog(lines: readonly LogEntry[] | undefined, journalId: string, e: JournalEvent, limit = LOG_LIMIT): LogEntry[] {
  const entry: LogEntry = { seq: ++seq, t: e.t, journalId, type: e.type, step: e.step ?? null, text: (e.type === 'output' ? e.line : e.message) ?? e.line ?? '' };
  const out = [...(lines ?? []), entry];
  return out.length > limit ? out.slice(out.length - limit) : out;
}

const stepName = (n: number | null, steps?: readonly PlanStep[]) => {
  if (n === null) return 'A step';
  const s = steps?.[n - 1];
  return s ? `Step ${n} (${s.summary})` : `Step ${n}`;
};

/** One log line as a person reads it. */
export function describeLogEntry(e: LogEntry, steps?: readonly PlanStep[]): { text: string; tone: 'output' | 'info' | 'ok' | 'error' | 'warn' } {
  const name = stepName(e.step, steps);
  const extra = e.text ? `: ${e.text}` : '';
  switch (e.type) {
    case 'output':
      return { text: e.text, tone: 'output' };
    case 'begin':
      return { text: `Started (journal ${e.journalId})${extra}`, tone: 'info' };
    case 'step-start':
      return { text: `${name} started`, tone: 'info' };
    case 'step-done':
      return { text: `${name} done`, tone: 'ok' };
    case 'step-skipped':
      return { text: `${name} skipped${extra || ': already done'}`, tone: 'info' };
    case 'step-failed':
      return { text: `${name} failed${extra}`, tone: 'error' };
    case 'waiting':
      return { text: `${name} waiting${extra}`, tone: 'warn' };
    case 'interrupted':
      return { text: `Interrupted${extra}`, tone: 'error' };
    case 'cancelled':
      return { text: `Cancelled${extra}`, tone: 'warn' };
    case 'end':
      return { text: `Finished${extra}`, tone: 'ok' };
    case 'rollback-start':
      return { text: `Rolling back${extra}`, tone: 'info' };
    case 'rollback-step':
      return { text: `${name} undone${extra}`, tone: 'info' };
    case 'rollback-failed':
      return { text: `Rollback failed${e.step !== null ? ` at ${name.toLowerCase()}` : ''}${extra}`, tone: 'error' };
    case 'rollback-end':
      return { text: `Rolled back${extra}`, tone: 'ok' };
  }
}

/** The failure a host's log tells of for this journal (the last step-failed), if any. */
export function failedStep(lines: readonly LogEntry[], journalId: string | null): { step: number | null; message: string } | null {
  if (!journalId) return null;
  for (let i = lines.length - 1; i >= 0; i--) {
    const e = lines[i]!;
    if (e.journalId !== journalId) continue;
    if (e.type === 'begin') return null; // a resume began after the failure
    if (e.type === 'step-failed') return { step: e.step, message: e.text };
  }
  return null;
}

const ACTIVE = new Set<ChangeTask['state']>(['queued', 'planning', 'running']);

export function isActiveTask(t: Pick<ChangeTask, 'state'>): boolean {
  return ACTIVE.has(t.state);
}

/** Replaces the task with the same id, or puts a new one first. */
export function upsertTask(list: readonly ChangeTask[], task: ChangeTask): ChangeTask[] {
  const i = list.findIndex((t) => t.id === task.id);
  if (i < 0) return [task, ...list];
  const out = [...list];
  out[i] = task;
  return out;
}

export const TASK_STATE_LABEL: Record<ChangeTask['state'], string> = {
  queued: 'Queued',
  planning: 'Planning',
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const TASK_STATE_TONE = { queued: 'neutral', planning: 'busy', running: 'busy', done: 'ok', failed: 'error', cancelled: 'warn' } as const;

/** "retrying in 4 s, attempt 2 of 4" for a task waiting to retry; null otherwise. */
export function retryText(t: Pick<ChangeTask, 'retryAt' | 'attempt' | 'message'>, now: number): string | null {
  if (t.retryAt === null) return null;
  const seconds = Math.max(0, Math.ceil((t.retryAt - now) / 1000));
  const m = /attempt (\d+) of (\d+)/.exec(t.message ?? '');
  const attempt = m ? `attempt ${m[1]} of ${m[2]}` : `attempt ${t.attempt + 1}`;
  return seconds > 0 ? `retrying in ${seconds} s, ${attempt}` : `retrying now, ${attempt}`;
}

/** What the task says, without the retry tail retryText shows live. */
export function taskMessage(t: Pick<ChangeTask, 'retryAt' | 'message'>): string | null {
  if (!t.message) return null;
  return t.retryAt !== null ? t.message.replace(/\s+—\s+retrying in .*$/, '') : t.message;
}

/** Time a task has taken ("42s", "1m 5s"), up to now while it runs. */
export function elapsedText(t: Pick<ChangeTask, 'startedAt' | 'endedAt'>, now: number): string | null {
  if (t.startedAt === null) return null;
  return formatDuration(Math.max(0, ((t.endedAt ?? now) - t.startedAt) / 1000));
}

export function progressPercent(t: Pick<ChangeTask, 'stepsDone' | 'steps' | 'state'>): number {
  if (t.state === 'done') return 100;
  if (t.steps <= 0) return 0;
  return Math.min(100, Math.round((t.stepsDone / t.steps) * 100));
}

export type DiffLineKind = 'add' | 'del' | 'hunk' | 'meta' | 'ctx' | 'note';

/** A unified diff split into lines with their kind, for colouring. */
export function diffLines(diff: string): { kind: DiffLineKind; text: string }[] {
  const lines = diff.replace(/\n$/, '').split('\n');
  return lines.map((text) => {
    if (text.startsWith('+++') || text.startsWith('---')) return { kind: 'meta', text };
    if (text.startsWith('@@')) return { kind: 'hunk', text };
    if (text.startsWith('+')) return { kind: 'add', text };
    if (text.startsWith('-')) return { kind: 'del', text };
    if (text.startsWith('\\')) return { kind: 'note', text };
    return { kind: 'ctx', text };
  });
}

/** Lines added and removed by a diff ("+12 −3"). */
export function diffStat(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of diffLines(diff)) {
    if (l.kind === 'add') added++;
    else if (l.kind === 'del') removed++;
  }
  return { added, removed };
}

/** A settings value for the Services tab's one-line summary ("serverName web.lab.test · tls self-signed"). */
export function settingsSummary(settings: Record<string, unknown>, labels: Record<string, string> = {}, options: Record<string, { value: string; label: string }[] | undefined> = {}): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(settings)) {
    if (v === '' || v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    // A choice reads as its option's label ("Runs as: your login, no root", not "login").
    const value = Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : (options[k]?.find((o) => o.value === String(v))?.label ?? String(v));
    parts.push(`${labels[k] ?? k}: ${value}`);
  }
  return parts.join(' · ');
}
