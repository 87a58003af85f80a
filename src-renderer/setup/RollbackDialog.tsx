import { KILL_OWNER } from '../../src-common/processes/limits.js';
import { useState } from 'react';
import type { JournalSummary } from '../../src-common/change/plan.schema.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { Badge } from '../app/ui.js';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const JOURNAL_STATUS: Record<JournalSummary['status'], { label: string; tone: 'neutral' | 'ok' | 'warn' | 'error' | 'busy' }> = {
  running: { label: 'running', tone: 'busy' },
  done: { label: 'applied', tone: 'ok' },
  failed: { label: 'failed', tone: 'error' },
  interrupted: { label: 'interrupted', tone: 'warn' },
  cancelled: { label: 'cancelled', tone: 'warn' },
  'rolled-back': { label: 'rolled back', tone: 'neutral' },
  'rollback-failed': { label: 'rollback failed', tone: 'error' },
};

/** Journals a rollback can start from: not running, not rolled back already. */
/** A process kill's journal (the engine's "processes" changes): a signal has nothing to roll back. */
export function isKillJournal(j: JournalSummary): boolean {
  return j.modules.length === 1 && j.modules[0] === KILL_OWNER;
}

export function canRollBack(j: JournalSummary): boolean {
  return !isKillJournal(j) && j.status !== 'running' && j.status !== 'rolled-back' && (j.completed > 0 || j.stoppedAt !== null);
}

export function journalLine(j: JournalSummary): string {
  if (isKillJournal(j)) return `process kill — ${when.format(j.startedAt)}${j.status === 'done' ? '' : `, ${j.status}`}`;
  return `${j.modules.join(', ')} — ${when.format(j.startedAt)}, ${j.completed} of ${j.steps} steps`;
}

/**
 * Confirms a rollback, saying what it restores and what it cannot; with several journals the
 * user picks which change to walk back.
 */
export function RollbackDialog({
  hostName,
  journals,
  initial,
  busy,
  onConfirm,
  onClose,
}: {
  hostName: string;
  journals: readonly JournalSummary[];
  initial?: string;
  busy: boolean;
  onConfirm: (journalId: string) => void;
  onClose: () => void;
}) {
  const choices = journals.filter(canRollBack);
  const [picked, setPicked] = useState(initial && choices.some((j) => j.id === initial) ? initial : choices[0]?.id);
  const chosen = choices.find((j) => j.id === picked);
  return (
    <Modal
      title={`Roll back on ${hostName}?`}
      onClose={onClose}
      testId="rollback-dialog"
      tone="danger"
      icon={<Icon name="undo" size={20} />}
      size="medium"
      footer={
        <>
          <button type="button" className="button" onClick={onClose} data-autofocus>
            Keep it
          </button>
          <button type="button" className="button danger" disabled={!chosen || busy} onClick={() => chosen && onConfirm(chosen.id)} data-testid="rollback-confirm">
            <Icon name="undo" size={14} />
            {busy ? 'Rolling back…' : 'Roll back'}
          </button>
        </>
      }
    >
      {choices.length === 0 ? (
        <p>There is no change on {hostName} that can be rolled back.</p>
      ) : choices.length === 1 ? (
        <p className="rollback-one" data-testid="rollback-journal">
          <strong>{chosen?.modules.join(', ')}</strong> <span className="muted">{chosen ? journalLine(chosen).replace(/^.*? — /, '— ') : ''}</span>
        </p>
      ) : (
        <fieldset className="fieldset rollback-choices">
          <legend className="field-label">Which change</legend>
          {choices.map((j) => (
            <label key={j.id} className="radio rollback-choice" data-testid={`rollback-choice-${j.id}`}>
              <input type="radio" name="rollback-journal" checked={picked === j.id} onChange={() => setPicked(j.id)} />
              <span className="rollback-choice-text">{journalLine(j)}</span>
              <Badge tone={JOURNAL_STATUS[j.status].tone}>{JOURNAL_STATUS[j.status].label}</Badge>
            </label>
          ))}
        </fieldset>
      )}
      <div className="rollback-explain">
        <div>
          <div className="rollback-explain-title text-ok">
            <Icon name="check" size={14} /> A rollback restores
          </div>
          <ul>
            <li>every file the change wrote, from the copy kept on the host (new files are removed);</li>
            <li>packages it installed are removed again;</li>
            <li>services enabled, started or stopped as they were before.</li>
          </ul>
        </div>
        <div>
          <div className="rollback-explain-title text-warn">
            <Icon name="alert" size={14} /> It cannot restore
          </div>
          <ul>
            <li>steps the plan marked “not undoable” (commands without an undo, packages it removed);</li>
            <li>what the services wrote meanwhile (logs, data, uploads): that stays;</li>
            <li>changes made by hand after this one.</li>
          </ul>
        </div>
      </div>
      <p className="muted small-text">Fleetdeck then forgets these modules as installed on {hostName}. Each undone step is recorded in the audit log.</p>
    </Modal>
  );
}
