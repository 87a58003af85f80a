import { Icon } from '../app/icons.js';
import { stepIndex, WIZARD_STEPS, type WizardStep } from './wizard-state.js';

/**
 * The wizard's step list: done steps can be revisited (until the plan is applied: after that,
 * going back means a new plan), the current one is marked, later ones wait.
 */
export function WizardStepper({ step, onGo }: { step: WizardStep; onGo(step: WizardStep): void }) {
  const current = stepIndex(step);
  return (
    <nav className="stepper" aria-label="Setup steps">
      <ol>
        {WIZARD_STEPS.map((s, i) => {
          const state = i < current ? 'done' : i === current ? 'current' : 'todo';
          // Earlier steps can be revisited; after applying, going back means a new plan.
          const reachable = i < current && step !== 'apply' && step !== 'result';
          return (
            <li key={s.id} className={`stepper-item is-${state}`} data-testid={`step-${s.id}`}>
              <button type="button" className="stepper-button" title={`${i + 1}. ${s.label}`} disabled={!reachable} aria-current={state === 'current' ? 'step' : undefined} onClick={() => onGo(s.id)}>
                <span className="stepper-dot">{state === 'done' ? <Icon name="check" size={13} /> : i + 1}</span>
                <span className="stepper-label">{s.label}</span>
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
