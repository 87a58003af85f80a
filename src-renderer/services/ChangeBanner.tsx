import { useState } from 'react';
import { errorMessage } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { hostHref } from '../app/route.js';
import { isActiveTask } from '../setup/change-format.js';
import { LiveLog } from '../setup/LiveLog.js';
import { isKillJournal, RollbackDialog } from '../setup/RollbackDialog.js';
import '../setup/setup.css';
import { useChangeTasks, useJournals } from '../setup/use-change.js';
import { useResume, useRollback } from '../setup/use-change-actions.js';
import './services.css';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * On the host page: the host's last change stopped part-way (the link dropped, the app closed,
 * a step failed). Says what happened, from the host's own journal, and offers Resume or Roll back.
 */
export function ChangeBanner({ hostId, hostName, connected }: { hostId: number; hostName: string; connected: boolean }) {
  const journals = useJournals(hostId, connected);
  const tasks = useChangeTasks();
  const resume = useResume();
  const rollback = useRollback();
  const [confirming, setConfirming] = useState(false);
  // The last change that can be resumed or rolled back (a process kill's journal cannot).
  const last = journals.data?.find((j) => !isKillJournal(j));
  const taskRuns = (tasks.data ?? []).some((t) => t.hostId === hostId && isActiveTask(t));
  const acting = resume.isPending || rollback.isPending;
  const acted = resume.variables?.journalId ?? rollback.variables?.journalId;

  // What the action did stays shown (the journal list then says the new state).
  if (acted && (acting || resume.data || rollback.data || resume.isError || rollback.isError)) {
    const failed = resume.isError || rollback.isError || (resume.data && resume.data.status !== 'done') || rollback.data?.status === 'rollback-failed';
    const text = resume.isPending
      ? `Resuming the change on ${hostName}…`
      : rollback.isPending
        ? `Rolling back the change on ${hostName}…`
        : resume.isError
          ? `Could not resume: ${errorMessage(resume.error)}`
          : rollback.isError
            ? `Could not roll back: ${errorMessage(rollback.error)}`
            : resume.data
              ? resume.data.status === 'done'
                ? `Resumed and finished${resume.data.verify.length ? `: ${resume.data.verify.filter((c) => c.ok).length} of ${resume.data.verify.length} checks passed` : ''}.`
                : `The change stopped again (${resume.data.status}): ${resume.data.message ?? ''}`
              : rollback.data?.status === 'rolled-back'
                ? `Rolled back: ${hostName} is as it was before the change.`
                : `The rollback failed: ${rollback.data?.message ?? 'see the log'}`;
    return (
      <div className={`change-banner${failed ? ' is-error' : acting ? ' is-busy' : ' is-ok'}`} role="status" data-testid="change-banner-progress">
        <div className="change-banner-main">
          <Icon name={acting ? 'refresh' : failed ? 'alert' : 'checkCircle'} size={18} className={acting ? 'spin' : undefined} />
          <span className="change-banner-text">{text}</span>
          {!acting ? (
            <button
              type="button"
              className="icon-button small"
              aria-label="Dismiss"
              onClick={() => {
                resume.reset();
                rollback.reset();
              }}
            >
              <Icon name="x" size={14} />
            </button>
          ) : null}
        </div>
        <LiveLog hostId={hostId} journalId={acted} testId="change-banner-log" />
      </div>
    );
  }

  if (!last || taskRuns || (last.status !== 'interrupted' && last.status !== 'failed')) return null;
  const at = last.stoppedAt ?? last.completed + 1;
  return (
    <div className="change-banner is-warn" role="alert" data-testid="change-banner" data-status={last.status}>
      <div className="change-banner-main">
        <Icon name="alert" size={18} />
        <div className="change-banner-text">
          <strong>
            The last change on {hostName} {last.status === 'interrupted' ? 'was interrupted' : 'failed'} at step {at} of {last.steps}
          </strong>{' '}
          <span className="muted">
            ({last.modules.join(', ')}, started {when.format(last.startedAt)}; {last.completed} {last.completed === 1 ? 'step' : 'steps'} done).
          </span>
          {last.message ? <div className="change-banner-message">{last.message}</div> : null}
          <div className="change-banner-help">
            {last.status === 'interrupted'
              ? 'The link or the app went away mid-change: the host finished the step it was on and stopped. Resume to finish it, or roll back to put the host as it was.'
              : 'Fix the cause (the message above says it), then resume from that step; or roll back what was done.'}
          </div>
        </div>
      </div>
      <div className="change-banner-actions">
        <button type="button" className="button primary small" onClick={() => resume.mutate({ hostId, journalId: last.id })} data-testid="change-banner-resume">
          <Icon name="play" size={13} />
          Resume
        </button>
        <button type="button" className="button small" onClick={() => setConfirming(true)} data-testid="change-banner-rollback">
          <Icon name="undo" size={13} />
          Roll back…
        </button>
        <a className="button ghost small" href={hostHref(hostId, 'services')}>
          Services tab
        </a>
      </div>
      {confirming ? (
        <RollbackDialog
          hostName={hostName}
          journals={[last]}
          busy={rollback.isPending}
          onClose={() => setConfirming(false)}
          onConfirm={(journalId) => {
            setConfirming(false);
            rollback.mutate({ hostId, journalId });
          }}
        />
      ) : null}
    </div>
  );
}
