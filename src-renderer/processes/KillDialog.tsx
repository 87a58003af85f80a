import { useEffect, useState } from 'react';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { guardText, NEVER_KILLED, type ProcessGuard } from '../../src-common/processes/limits.js';
import type { KillPlan, KillResult, KillSignal } from '../../src-common/processes/processes.contract.js';
import type { FleetdeckError } from '../../src-common/problems.js';
import { useApi } from '../api/api-context.js';
import { toApiError } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { Notice, Spinner } from '../app/ui.js';
import { PasswordDialog } from '../hosts/PasswordDialog.js';
import './processes.css';

/**
 * Kill one process, plan → apply → verify: the plan (who the process is, what will be sent) is
 * shown before the button is enabled; the answer is what /proc says afterwards.
 */
type Phase =
  | { step: 'planning' }
  | { step: 'planned'; plan: KillPlan }
  | { step: 'applying'; plan: KillPlan }
  | { step: 'done'; plan: KillPlan; result: KillResult }
  | { step: 'failed'; plan: KillPlan | null; error: FleetdeckError }
  | { step: 'sudo'; plan: KillPlan; error: FleetdeckError; host: HostWithState; busy: boolean };

const RESULT_TEXT: Record<KillResult['result'], string> = {
  gone: 'The process is gone.',
  'already-gone': 'The process had already exited; nothing was sent.',
  'still-running': 'The process is still running after the signal. It may be ignoring SIGTERM: send SIGKILL to stop it without cleanup.',
};

export function KillDialog({ hostId, pid, onClose }: { hostId: number; pid: number; onClose: () => void }) {
  const { client } = useApi();
  const [signal, setSignal] = useState<KillSignal>('TERM');
  const [phase, setPhase] = useState<Phase>({ step: 'planning' });

  const plan = (sig: KillSignal) => {
    setPhase({ step: 'planning' });
    client.processes.planKill({ id: hostId, pid, signal: sig }).then(
      (p) => setPhase({ step: 'planned', plan: p }),
      (err: unknown) => setPhase({ step: 'failed', plan: null, error: toApiError(err) }),
    );
  };

  // A new plan for each signal: the plan is what apply does, and its summary names the signal.
  useEffect(() => plan(signal), [signal]);

  const apply = async (p: KillPlan) => {
    setPhase({ step: 'applying', plan: p });
    try {
      const result = await client.processes.applyKill({ id: hostId, planId: p.planId, tag: p.tag });
      setPhase({ step: 'done', plan: p, result });
    } catch (err) {
      const error = toApiError(err);
      if (error.problem === 'sudo-required' || error.problem === 'authentication-failed') {
        try {
          const host = await client.hosts.get({ id: hostId });
          setPhase({ step: 'sudo', plan: p, error, host, busy: false });
          return;
        } catch {
          // Fall through to showing the message.
        }
      }
      setPhase({ step: 'failed', plan: p, error });
    }
  };

  if (phase.step === 'sudo') {
    return (
      <PasswordDialog
        host={phase.host}
        purpose="sudo"
        retry={phase.error.problem === 'authentication-failed'}
        message={phase.error.message}
        busy={phase.busy}
        canRemember={false}
        onCancel={() => setPhase({ step: 'failed', plan: phase.plan, error: phase.error })}
        onSubmit={(sudoPassword) => {
          setPhase({ ...phase, busy: true });
          // Connecting an already connected host only keeps the new secret for this session.
          client.hosts.connect({ id: hostId, credentials: { sudoPassword } }).then(
            () => apply(phase.plan),
            (err: unknown) => setPhase({ step: 'failed', plan: phase.plan, error: toApiError(err) }),
          );
        }}
      />
    );
  }

  const current = 'plan' in phase ? phase.plan : null;
  const busy = phase.step === 'planning' || phase.step === 'applying';
  const done = phase.step === 'done';
  const stillRunning = done && phase.result.result === 'still-running';
  return (
    <Modal
      testId="kill-dialog"
      title={`Kill process ${pid}`}
      tone="danger"
      icon={<Icon name="power" size={20} />}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} data-testid="kill-cancel" data-autofocus>
            {done ? 'Close' : 'Cancel'}
          </button>
          {stillRunning ? (
            <button type="button" className="button danger" onClick={() => setSignal('KILL')} disabled={signal === 'KILL'} data-testid="kill-offer-sigkill">
              Plan SIGKILL…
            </button>
          ) : null}
          {!done ? (
            <button
              type="button"
              className="button danger"
              disabled={busy || !current || phase.step === 'failed'}
              onClick={() => current && void apply(current)}
              data-testid="kill-apply"
            >
              {phase.step === 'applying' ? <Spinner /> : null}
              Send SIG{signal}
            </button>
          ) : null}
        </>
      }
    >
      <fieldset className="fieldset kill-signal" disabled={busy || done}>
        <legend className="field-label">Signal</legend>
        <label className="radio">
          <input type="radio" name="kill-signal" checked={signal === 'TERM'} onChange={() => setSignal('TERM')} data-testid="kill-signal-term" />
          SIGTERM — ask it to exit (it may clean up first)
        </label>
        <label className="radio">
          <input type="radio" name="kill-signal" checked={signal === 'KILL'} onChange={() => setSignal('KILL')} data-testid="kill-signal-kill" />
          SIGKILL — stop it at once, no cleanup
        </label>
      </fieldset>
      {phase.step === 'planning' ? (
        <p className="muted" data-testid="kill-planning">
          <Spinner /> Reading the process…
        </p>
      ) : null}
      {current ? (
        <p className="kill-summary" data-testid="kill-summary">
          {current.summary}
        </p>
      ) : null}
      {current && !done
        ? current.warnings.map((w) => (
            <Notice key={w} tone="warning" testId="kill-warning">
              {w}
            </Notice>
          ))
        : null}
      {current?.needsSudo && !done ? (
        <Notice tone="info" testId="kill-needs-sudo">
          This is {current.process.user ?? `uid ${current.process.uid}`}'s process: Fleetdeck sends the signal as root through sudo.
        </Notice>
      ) : null}
      {done ? (
        <Notice tone={phase.result.result === 'still-running' ? 'warning' : 'info'} testId="kill-result">
          <span data-result={phase.result.result}>{RESULT_TEXT[phase.result.result]}</span>
          {phase.result.evidence ? (
            <span className="kill-evidence muted small-text" data-testid="kill-evidence">
              Checked: {phase.result.evidence}.{phase.result.journalId ? ` Recorded in the host's change journal ${phase.result.journalId}.` : ''}
            </span>
          ) : null}
        </Notice>
      ) : null}
      {phase.step === 'failed' ? (
        <Notice tone="error" testId="kill-error">
          {phase.error.message}
          {phase.error.problem === 'change-conflict' || phase.error.problem === 'not-found' ? (
            <>
              {' '}
              <button type="button" className="button ghost small" onClick={() => plan(signal)} data-testid="kill-replan">
                Plan again
              </button>
            </>
          ) : null}
        </Notice>
      ) : null}
    </Modal>
  );
}

/**
 * The per-row "Kill…" action of the process table; none for what is never killed (pid 1, kernel
 * threads, Fleetdeck's helpers). It only asks to open the dialog: the table keeps the dialog, so
 * the result stays on screen after the killed process's row is gone from the next sample.
 */
export function KillButton({ pid, guard, user, onOpen }: { pid: number; guard?: ProcessGuard | null; user?: string; onOpen: (pid: number) => void }) {
  if (guard && NEVER_KILLED.includes(guard)) {
    return (
      <span className="muted small-text nowrap" title={`Not offered: ${guardText(guard, user ?? 'its owner')}`} data-testid={`process-kill-none-${pid}`}>
        protected
      </span>
    );
  }
  return (
    <>
      <button type="button" className="button ghost small" onClick={() => onOpen(pid)} data-testid={`process-kill-${pid}`} title={`Send a signal to pid ${pid}`}>
        Kill…
      </button>
    </>
  );
}
