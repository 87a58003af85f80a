import { useState } from 'react';
import type { ChangeTask } from '../../src-common/change/modules.contract.js';
import type { JournalSummary, PlanStep } from '../../src-common/change/plan.schema.js';
import { errorMessage } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { hostHref } from '../app/route.js';
import { Badge, Notice, StatusDot, UsageBar } from '../app/ui.js';
import { useNow } from '../app/use-now.js';
import { elapsedText, failedStep, isActiveTask, progressPercent, retryText, TASK_STATE_LABEL, TASK_STATE_TONE, taskMessage } from './change-format.js';
import { LiveLog } from './LiveLog.js';
import { RollbackDialog } from './RollbackDialog.js';
import { useChangeLog } from './use-change.js';
import { useCancelTask, useRetryTask, useRollback } from './use-change-actions.js';
import { VerifyList } from './VerifyList.js';

const DOT = { queued: 'idle', planning: 'busy', running: 'busy', done: 'ok', failed: 'error', cancelled: 'warn' } as const;

/**
 * One host's task: its state, step x of y, time taken, a retry countdown, Cancel and Retry; its
 * live log; when it failed, which step, the error, and what to do; when done, verify's checks.
 */
export function TaskCard({ task, steps, onChangeSettings, moduleTitle }: { task: ChangeTask; steps?: readonly PlanStep[]; onChangeSettings?: () => void; moduleTitle?: (id: string) => string }) {
  const active = isActiveTask(task);
  const now = useNow(1000, active || task.retryAt !== null);
  const [logOpen, setLogOpen] = useState(true);
  const [rollingBack, setRollingBack] = useState(false);
  const cancel = useCancelTask();
  const retry = useRetryTask();
  const rollback = useRollback();
  const log = useChangeLog(task.hostId);
  const retrying = retryText(task, now);
  const message = taskMessage(task);
  const elapsed = elapsedText(task, now);
  const verifyFailed = task.verify.filter((c) => !c.ok);
  const title = (id: string) => moduleTitle?.(id) ?? id;
  const rolledBack = rollback.data?.status === 'rolled-back' && rollback.variables?.journalId === task.journalId;
  const stepLabel = task.steps ? `step ${Math.min(task.stepsDone + (task.state === 'running' ? 1 : 0), task.steps)} of ${task.steps}` : task.state === 'planning' ? 'planning' : task.state === 'running' ? 'starting' : null;

  const journal: JournalSummary | null = task.journalId
    ? { id: task.journalId, planId: 'task', modules: task.modules, startedAt: task.startedAt ?? Date.now(), endedAt: task.endedAt, status: task.state === 'cancelled' ? 'cancelled' : task.state === 'done' ? 'done' : 'failed', steps: task.steps, completed: task.stepsDone, stoppedAt: null, message: task.message }
    : null;

  return (
    <article className={`task-card task-${task.state}`} data-testid={`task-${task.hostName}`} data-state={task.state} aria-label={`${task.hostName}: ${TASK_STATE_LABEL[task.state]}`}>
      <header className="task-head">
        <div className="task-title">
          <StatusDot tone={DOT[task.state]} />
          <a className="task-host truncate" href={hostHref(task.hostId, 'services')} title={`${task.hostName}: open its Services tab`}>
            {task.hostName}
          </a>
          <span className="task-modules truncate" title={task.modules.map(title).join(', ')}>
            {task.modules.map(title).join(', ')}
          </span>
        </div>
        <div className="task-meta">
          <Badge tone={TASK_STATE_TONE[task.state]} testId="task-state">
            {TASK_STATE_LABEL[task.state]}
          </Badge>
          {elapsed ? (
            <span className="task-elapsed" title="Time taken">
              <Icon name="clock" size={13} />
              {elapsed}
            </span>
          ) : null}
          {active ? (
            <button
              type="button"
              className="button small"
              onClick={() => cancel.mutate(task.id)}
              disabled={cancel.isPending || /^cancelling/.test(task.message ?? '')}
              title={task.state === 'running' ? 'Stops after the current step; the journal says where it stopped' : 'Removes it from the queue'}
              data-testid="task-cancel"
            >
              <Icon name="stop" size={13} />
              {task.state === 'running' ? 'Cancel after this step' : 'Cancel'}
            </button>
          ) : task.state !== 'done' ? (
            <button type="button" className="button small" onClick={() => retry.mutate(task.id)} disabled={retry.isPending || rollback.isPending} title={task.journalId ? 'Continues from the step where it stopped' : 'Plans again and applies'} data-testid="task-retry">
              <Icon name="refresh" size={13} />
              Retry
            </button>
          ) : null}
        </div>
      </header>
      <div className="task-progress">
        <UsageBar percent={progressPercent(task)} graded={false} label={`${task.hostName} progress`} size="small" testId="task-progress" />
        <span className="task-progress-text">
          {task.steps ? `${task.stepsDone} / ${task.steps} steps` : stepLabel ?? ''}
        </span>
      </div>
      {retrying ? (
        <p className="task-retry" data-testid="task-retry-countdown">
          <Icon name="refresh" size={13} className="spin" /> {message ? `${message} — ` : ''}
          {retrying}
        </p>
      ) : message && task.state !== 'failed' ? (
        <p className="task-message" data-testid="task-message">
          {message}
        </p>
      ) : null}
      {cancel.isError ? <Notice tone="error">{errorMessage(cancel.error)}</Notice> : null}
      {retry.isError ? <Notice tone="error">{errorMessage(retry.error)}</Notice> : null}
      {task.state === 'failed' || task.state === 'cancelled' ? (
        <FailureHelp
          task={task}
          steps={steps}
          failed={failedStep(log, task.journalId)}
          verifyFailed={verifyFailed.length}
          rolledBack={rolledBack}
          onRollback={journal ? () => setRollingBack(true) : undefined}
          onRetry={() => retry.mutate(task.id)}
          onChangeSettings={onChangeSettings}
        />
      ) : null}
      {rollback.isPending ? (
        <Notice tone="info">
          Rolling back {task.hostName}… the steps are undone in reverse order (see the log).
        </Notice>
      ) : rollback.data && rollback.variables?.journalId === task.journalId ? (
        <Notice tone={rolledBack ? 'info' : 'error'} testId="task-rollback-result">
          {rolledBack ? `Rolled back: ${task.hostName} is as it was before this change.` : `The rollback failed: ${rollback.data.message ?? 'see the log'}. Open the host’s Services tab to try again, or look at the host with a terminal.`}
        </Notice>
      ) : rollback.isError ? (
        <Notice tone="error">{errorMessage(rollback.error)}</Notice>
      ) : null}
      {task.verify.length ? (
        <section className="task-section">
          <h3 className="task-section-title">Verify</h3>
          <VerifyList results={task.verify} testId="task-verify" />
        </section>
      ) : null}
      <section className="task-section">
        <button type="button" className="task-log-toggle" aria-expanded={logOpen} onClick={() => setLogOpen((v) => !v)} data-testid="task-log-toggle">
          <Icon name="chevronDown" size={14} className={logOpen ? undefined : 'rotate-270'} />
          Live log
        </button>
        {logOpen ? <LiveLog hostId={task.hostId} journalId={task.journalId} steps={steps} testId="task-log" emptyText={task.state === 'queued' ? 'Waiting for its turn…' : task.journalId ? 'Waiting for the host’s output…' : 'No output yet: the host has not started applying.'} /> : null}
      </section>
      {rollingBack && journal ? (
        <RollbackDialog
          hostName={task.hostName}
          journals={[journal]}
          busy={rollback.isPending}
          onClose={() => setRollingBack(false)}
          onConfirm={(journalId) => {
            setRollingBack(false);
            rollback.mutate({ hostId: task.hostId, journalId });
          }}
        />
      ) : null}
    </article>
  );
}

/** What failed and what to do: retry (resumes from that step), roll back, or change the settings. */
function FailureHelp({
  task,
  steps,
  failed,
  verifyFailed,
  rolledBack,
  onRollback,
  onRetry,
  onChangeSettings,
}: {
  task: ChangeTask;
  steps?: readonly PlanStep[];
  failed: { step: number | null; message: string } | null;
  verifyFailed: number;
  rolledBack: boolean;
  onRollback?: () => void;
  onRetry: () => void;
  onChangeSettings?: () => void;
}) {
  const step = failed?.step ? steps?.[failed.step - 1] : undefined;
  const cancelled = task.state === 'cancelled';
  let what: string;
  if (cancelled) what = task.journalId ? `Cancelled after ${task.stepsDone} of ${task.steps} steps.` : 'Cancelled before anything ran on the host.';
  else if (failed) what = `Step ${failed.step ?? '?'}${step ? ` (${step.summary})` : ''} failed.`;
  else if (verifyFailed) what = `Applied, but ${verifyFailed === 1 ? 'a check' : `${verifyFailed} checks`} failed: see the evidence below.`;
  else if (!task.journalId) what = 'It failed before anything changed on the host.';
  else what = 'It stopped part-way.';
  const error = failed?.message || task.message;
  // A journal that stopped part-way resumes; an apply that ended but failed its checks plans again.
  const resumes = Boolean(task.journalId) && !(verifyFailed && !failed);
  return (
    <div className={`task-failure${cancelled ? ' is-cancelled' : ''}`} role={cancelled ? 'note' : 'alert'} data-testid="task-failure">
      <div className="task-failure-what">
        <Icon name="alert" size={16} />
        <strong>{what}</strong>
      </div>
      {error && !cancelled ? <pre className="task-failure-error">{error}</pre> : null}
      {rolledBack ? null : (
        <>
          <p className="task-failure-todo">What to do:</p>
          <ul className="task-failure-options">
            <li>
              <button type="button" className="button small" onClick={onRetry} data-testid="task-failure-retry">
                <Icon name="refresh" size={13} />
                {resumes ? 'Resume' : 'Retry'}
              </button>
              <span>{resumes ? `continues from ${failed?.step ? `step ${failed.step}` : 'where it stopped'} once the cause is fixed on the host (a held apt lock, a full disk, the mirror).` : task.journalId ? 'plans again, applies what differs and runs the checks again (once the cause is fixed).' : 'plans again and applies (when the host was unreachable or busy).'}</span>
            </li>
            {onRollback ? (
              <li>
                <button type="button" className="button small" onClick={onRollback} data-testid="task-failure-rollback">
                  <Icon name="undo" size={13} />
                  Roll back…
                </button>
                <span>undoes the {task.stepsDone === 1 ? 'step' : `${task.stepsDone} steps`} that finished, putting the host back as it was.</span>
              </li>
            ) : null}
            {onChangeSettings ? (
              <li>
                <button type="button" className="button small" onClick={onChangeSettings} data-testid="task-failure-settings">
                  <Icon name="edit" size={13} />
                  Change settings
                </button>
                <span>when the settings were wrong: fix them and review a new plan.</span>
              </li>
            ) : null}
          </ul>
        </>
      )}
    </div>
  );
}
