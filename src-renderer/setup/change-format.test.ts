import { describe, expect, it } from 'vitest';
import type { ChangeTask } from '../../src-common/change/modules.contract.js';
import { appendLog, describeLogEntry, diffLines, diffStat, failedStep, progressPercent, retryText, settingsSummary, taskMessage, upsertTask } from './change-format.js';

const task = (over: Partial<ChangeTask> = {}): ChangeTask => ({
  id: 't1',
  hostId: 1,
  hostName: 'web-1',
  modules: ['nginx'],
  state: 'running',
  attempt: 1,
  retryAt: null,
  message: null,
  journalId: 'j-00000001',
  stepsDone: 2,
  steps: 8,
  startedAt: 1000,
  endedAt: null,
  verify: [],
  ...over,
});

describe('live log', () => {
  it('keeps the newest lines up to the limit and reads each event as a sentence', () => {
    let lines = appendLog(undefined, 'j1', { t: 1, type: 'begin' });
    lines = appendLog(lines, 'j1', { t: 2, type: 'step-start', step: 1 });
    lines = appendLog(lines, 'j1', { t: 3, type: 'output', step: 1, line: 'Setting up nginx (1.22.1-9) ...' });
    lines = appendLog(lines, 'j1', { t: 4, type: 'step-failed', step: 2, message: 'dpkg lock held' }, 3);
    expect(lines).toHaveLength(3);
    expect(describeLogEntry(lines[1]!)).toEqual({ text: 'Setting up nginx (1.22.1-9) ...', tone: 'output' });
    expect(describeLogEntry(lines[2]!, [{ summary: 'install nginx' } as never, { summary: 'write /etc/nginx/x' } as never])).toEqual({ text: 'Step 2 (write /etc/nginx/x) failed: dpkg lock held', tone: 'error' });
    expect(failedStep(lines, 'j1')).toEqual({ step: 2, message: 'dpkg lock held' });
    expect(failedStep(appendLog(lines, 'j1', { t: 5, type: 'begin' }), 'j1')).toBeNull();
    expect(failedStep(lines, null)).toBeNull();
  });
});

describe('tasks', () => {
  it('replaces a task by id, or puts a new one first', () => {
    const list = upsertTask([task()], task({ state: 'done' }));
    expect(list.map((t) => t.state)).toEqual(['done']);
    expect(upsertTask(list, task({ id: 't2' })).map((t) => t.id)).toEqual(['t2', 't1']);
  });

  it('counts progress, and says when the next retry runs', () => {
    expect(progressPercent(task())).toBe(25);
    expect(progressPercent(task({ state: 'done', steps: 0 }))).toBe(100);
    expect(progressPercent(task({ steps: 0 }))).toBe(0);
    const waiting = task({ retryAt: 10_000, message: 'apt is locked — retrying in 5 s (attempt 2 of 4)' });
    expect(retryText(waiting, 5_500)).toBe('retrying in 5 s, attempt 2 of 4');
    expect(retryText(waiting, 11_000)).toBe('retrying now, attempt 2 of 4');
    expect(retryText(task(), 0)).toBeNull();
    expect(taskMessage(waiting)).toBe('apt is locked');
  });
});

describe('diffs and settings', () => {
  it('colours a unified diff and counts its lines', () => {
    const diff = '--- a/etc/nginx/x\n+++ b/etc/nginx/x\n@@ -1,2 +1,2 @@\n listen 80;\n-old\n+new\n+more\n\\ No newline at end of file\n';
    expect(diffLines(diff).map((l) => l.kind)).toEqual(['meta', 'meta', 'hunk', 'ctx', 'del', 'add', 'add', 'note']);
    expect(diffStat(diff)).toEqual({ added: 2, removed: 1 });
  });

  it('sums up stored settings with the fields’ labels, leaving out empty ones', () => {
    expect(settingsSummary({ serverName: '', tls: 'self-signed', httpsPort: 443, users: ['a', 'b'], none: [] }, { tls: 'Certificate' })).toBe('Certificate: self-signed · httpsPort: 443 · users: a, b');
    expect(settingsSummary({ runAs: 'login', keepHours: 48 }, { runAs: 'Runs as' }, { runAs: [{ value: 'login', label: 'your login, no root' }] })).toBe('Runs as: your login, no root · keepHours: 48');
  });
});
