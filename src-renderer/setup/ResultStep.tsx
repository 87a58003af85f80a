import { useState } from 'react';
import type { ChangeTask } from '../../src-common/change/modules.contract.js';
import type { JournalSummary } from '../../src-common/change/plan.schema.js';
import { errorMessage } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { hostHref } from '../app/route.js';
import { Badge, EmptyState, Notice, StatusDot } from '../app/ui.js';
import { plural } from '../format.js';
import { TASK_STATE_LABEL, TASK_STATE_TONE } from './change-format.js';
import { LiveLog } from './LiveLog.js';
import { RollbackDialog } from './RollbackDialog.js';
import { useRollback } from './use-change-actions.js';
import { VerifyList } from './VerifyList.js';

const DOT = { queued: 'idle', planning: 'busy', running: 'busy', done: 'ok', failed: 'error', cancelled: 'warn' } as const;

/**
 * Step 7: what each host ended with: verify's checks with the evidence they saw, and a rollback
 * per host (the host's journal of this apply), confirmed in a dialog first.
 */
export function ResultStep({ tasks, missing, moduleTitle, onStartOver }: { tasks: ChangeTask[]; missing: number; moduleTitle: (id: string) => string; onStartOver: () => void }) {
  if (!tasks.length) {
    return (
      <EmptyState icon="activity" title="These tasks are gone" testId="setup-tasks-gone">
        {missing ? 'The core restarted since they ran: tasks are kept until it does. The audit log still has every step, and each host’s Services tab what is installed.' : 'Nothing was started.'}
      </EmptyState>
    );
  }
  const done = tasks.filter((t) => t.state === 'done');
  const failed = tasks.filter((t) => t.state === 'failed').length;
  const checksFailed = done.filter((t) => t.verify.some((c) => !c.ok)).length;
  const good = done.length - checksFailed;
  return (
    <div className="setup-result" data-testid="setup-result">
      <section className={`panel setup-summary${failed || checksFailed ? ' has-failures' : ''}`} data-testid="setup-summary">
        <h3 className="panel-title">
          <Icon name={failed || checksFailed ? 'alert' : 'checkCircle'} size={18} className={failed || checksFailed ? 'text-warn' : 'text-ok'} />
          {good === tasks.length ? `Set up on ${plural(tasks.length, 'host')}, every check passed` : `${good} of ${plural(tasks.length, 'host')} set up with every check passing`}
        </h3>
        <p className="muted">
          Every step, its result and verify’s outcome are in the <a href="#/audit">audit log</a>. Each host’s Services tab verifies again, checks drift and rolls back later.
        </p>
      </section>
      <div className="result-list">
        {tasks.map((t) => (
          <ResultCard key={t.id} task={t} moduleTitle={moduleTitle} />
        ))}
      </div>
      <div className="setup-summary-actions">
        <button type="button" className="button" onClick={onStartOver} data-testid="setup-start-over">
          <Icon name="plus" size={14} />
          Set up more
        </button>
      </div>
    </div>
  );
}

function ResultCard({ task, moduleTitle }: { task: ChangeTask; moduleTitle: (id: string) => string }) {
  const rollback = useRollback();
  const [confirming, setConfirming] = useState(false);
  const rolledBack = rollback.data?.status === 'rolled-back';
  const modules = task.modules.map(moduleTitle).join(', ');
  const journal: JournalSummary | null = task.journalId
    ? { id: task.journalId, planId: 'task', modules: task.modules, startedAt: task.startedAt ?? Date.now(), endedAt: task.endedAt, status: task.state === 'cancelled' ? 'cancelled' : task.state === 'done' ? 'done' : 'failed', steps: task.steps, completed: task.stepsDone, stoppedAt: null, message: task.message }
    : null;
  const canRollBack = Boolean(journal) && task.stepsDone > 0 && !rolledBack;
  return (
    <article className="panel result-card" data-testid={`result-${task.hostName}`} data-state={rolledBack ? 'rolled-back' : task.state}>
      <header className="result-head">
        <div className="result-title">
          <StatusDot tone={rolledBack ? 'idle' : DOT[task.state]} />
          <span className="result-host truncate" title={task.hostName}>
            {task.hostName}
          </span>
          <span className="result-modules truncate" title={modules}>
            {modules}
          </span>
        </div>
        <div className="result-actions">
          <Badge tone={rolledBack ? 'neutral' : TASK_STATE_TONE[task.state]} testId="result-state">
            {rolledBack ? 'Rolled back' : TASK_STATE_LABEL[task.state]}
          </Badge>
          <a className="button small" href={hostHref(task.hostId, 'services')} data-testid="result-services">
            <Icon name="wrench" size={13} />
            Services tab
          </a>
          {canRollBack ? (
            <button type="button" className="button small" onClick={() => setConfirming(true)} disabled={rollback.isPending} data-testid="result-rollback">
              <Icon name="undo" size={13} />
              {rollback.isPending ? 'Rolling back…' : 'Roll back…'}
            </button>
          ) : null}
        </div>
      </header>
      {task.state === 'done' ? (
        task.verify.length ? (
          <VerifyList results={task.verify} testId="result-verify" />
        ) : task.journalId === null ? (
          <p className="muted">Nothing to change: {task.hostName} was already as these modules want it.</p>
        ) : (
          <p className="muted">Applied; these modules have no checks.</p>
        )
      ) : (
        <Notice tone={task.state === 'failed' ? 'error' : 'warning'} testId="result-problem">
          <strong>{task.state === 'failed' ? 'Failed' : TASK_STATE_LABEL[task.state]}</strong>
          {task.steps ? ` after ${task.stepsDone} of ${plural(task.steps, 'step')}` : ''}
          {task.message ? `: ${task.message}` : '.'}{' '}
          {task.journalId ? 'Go back to the Apply step to resume it, or roll back what was done.' : 'Nothing changed on the host.'}
        </Notice>
      )}
      {rollback.isPending || rollback.data || rollback.isError ? (
        <div className="result-rollback" data-testid="result-rollback-progress">
          {rollback.data ? (
            <Notice tone={rolledBack ? 'info' : 'error'} testId="result-rollback-result">
              {rolledBack ? `Rolled back on ${task.hostName}: ${(rollback.data.message ?? 'the change is undone').replace(/\.$/, '')}.` : `The rollback failed: ${rollback.data.message ?? 'see the log'}. Open the host’s Services tab to try again, or look at the host with a terminal.`}
            </Notice>
          ) : rollback.isError ? (
            <Notice tone="error">Could not roll back: {errorMessage(rollback.error)}</Notice>
          ) : null}
          {task.journalId ? <LiveLog hostId={task.hostId} journalId={task.journalId} testId="result-rollback-log" /> : null}
        </div>
      ) : null}
      {confirming && journal ? (
        <RollbackDialog
          hostName={task.hostName}
          journals={[journal]}
          busy={rollback.isPending}
          onClose={() => setConfirming(false)}
          onConfirm={(journalId) => {
            setConfirming(false);
            rollback.mutate({ hostId: task.hostId, journalId });
          }}
        />
      ) : null}
    </article>
  );
}
