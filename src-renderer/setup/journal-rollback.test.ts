import { describe, expect, it } from 'vitest';
import type { JournalSummary } from '../../src-common/change/plan.schema.js';
import { canRollBack, isKillJournal, journalLine } from './RollbackDialog.js';

const journal = (over: Partial<JournalSummary>): JournalSummary => ({ id: '20261206-181619-5be6feab', planId: 'plan-1', modules: ['nginx'], startedAt: Date.UTC(2026, 11, 6, 18, 16), endedAt: null, status: 'done', steps: 4, completed: 4, stoppedAt: null, message: null, ...over });

describe('which journals the Services tab offers to roll back', () => {
  it('offers a finished or stopped change, never a running or rolled-back one', () => {
    expect(canRollBack(journal({}))).toBe(true);
    expect(canRollBack(journal({ status: 'interrupted', completed: 0, stoppedAt: 1 }))).toBe(true);
    expect(canRollBack(journal({ status: 'running' }))).toBe(false);
    expect(canRollBack(journal({ status: 'rolled-back' }))).toBe(false);
  });

  it('never offers a process kill (a signal cannot be undone), and names it as a kill', () => {
    const kill = journal({ modules: ['processes'], steps: 1, completed: 1 });
    expect(isKillJournal(kill)).toBe(true);
    expect(canRollBack(kill)).toBe(false);
    expect(journalLine(kill)).toMatch(/^process kill — /);
    expect(journalLine(journal({ modules: ['processes'], status: 'failed', completed: 0, stoppedAt: 1 }))).toMatch(/, failed$/);
    expect(isKillJournal(journal({ modules: ['processes', 'nginx'] }))).toBe(false);
  });
});
