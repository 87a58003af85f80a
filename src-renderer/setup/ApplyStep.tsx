import type { ChangeTask } from '../../src-common/change/modules.contract.js';
import type { PlanStep } from '../../src-common/change/plan.schema.js';
import { EmptyState } from '../app/ui.js';
import { plural } from '../format.js';
import { isActiveTask, TASK_STATE_LABEL } from './change-format.js';
import { TaskCard } from './TaskCard.js';

/**
 * Step 6: the tasks, one per host, running in parallel in the core: live progress and log,
 * retry countdowns, Cancel and Retry. Step 7 (ResultStep) sums up once all have ended.
 * Leaving the page does not stop them (the sidebar shows how many still run).
 */
export function ApplyStep({
  tasks,
  missing,
  stepsFor,
  moduleTitle,
  onChangeSettings,
}: {
  tasks: ChangeTask[];
  missing: number;
  stepsFor: (hostId: number) => readonly PlanStep[] | undefined;
  moduleTitle: (id: string) => string;
  onChangeSettings?: () => void;
}) {
  if (!tasks.length) {
    return (
      <EmptyState icon="activity" title="These tasks are gone" testId="setup-tasks-gone">
        {missing ? 'The core restarted since they ran: tasks are kept until it does. The audit log still has every step.' : 'Nothing was started.'}
      </EmptyState>
    );
  }
  const running = tasks.filter(isActiveTask).length;
  const done = tasks.filter((t) => t.state === 'done').length;
  const failed = tasks.filter((t) => t.state === 'failed').length;
  const cancelled = tasks.filter((t) => t.state === 'cancelled').length;
  return (
    <div className="setup-apply">
      <p className="setup-apply-lead" aria-live="polite" data-testid="setup-apply-status">
        {running
          ? `${plural(running, 'host')} still ${running === 1 ? 'has' : 'have'} work to do${done ? `, ${done} done` : ''}${failed ? `, ${failed} failed` : ''}. You can leave this page: the tasks go on, and the sidebar shows them.`
          : tasks.length === 1
            ? `The task on ${tasks[0]!.hostName} ended: ${TASK_STATE_LABEL[tasks[0]!.state].toLowerCase()}. “See the results” shows what verify found.`
            : `All ${tasks.length} tasks ended: ${[done ? `${done} done` : '', failed ? `${failed} failed` : '', cancelled ? `${cancelled} cancelled` : ''].filter(Boolean).join(', ')}. “See the results” shows what verify found on each host.`}
      </p>
      <div className="task-list">
        {tasks.map((t) => (
          <TaskCard key={t.id} task={t} steps={stepsFor(t.hostId)} moduleTitle={moduleTitle} onChangeSettings={onChangeSettings} />
        ))}
      </div>
    </div>
  );
}
