import { CONNECT_STEPS } from './connection-state.js';

/** The numbered connect steps (tcp → host key → auth → bootstrap → helper init) as a segmented bar. */
export function ConnectSteps({ step }: { step: number }) {
  const total = Math.max(CONNECT_STEPS, step);
  return (
    <div className="connect-steps" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={step} aria-label="Connecting">
      {Array.from({ length: total }, (_, i) => (
        <span key={i} className={i + 1 < step ? 'is-done' : i + 1 === step ? 'is-active' : ''} />
      ))}
    </div>
  );
}
