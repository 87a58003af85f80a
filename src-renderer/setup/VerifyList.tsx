import type { CheckResult } from '../../src-common/change/plan.schema.js';
import { Icon } from '../app/icons.js';

/** Verify's results: each check passed or failed, with the evidence it saw (failed ones open). */
export function VerifyList({ results, testId }: { results: readonly CheckResult[]; testId?: string }) {
  if (!results.length) return <p className="muted">No checks ran.</p>;
  const failed = results.filter((r) => !r.ok).length;
  return (
    <div className="verify" data-testid={testId}>
      <div className={`verify-head ${failed ? 'text-error' : 'text-ok'}`}>
        <Icon name={failed ? 'xCircle' : 'checkCircle'} size={16} />
        {failed ? (results.length === 1 ? 'The check failed' : `${failed} of ${results.length} checks failed`) : results.length === 1 ? 'The check passed' : `All ${results.length} checks passed`}
      </div>
      <ul className="verify-list">
        {results.map((r) => (
          <li key={r.id} className={`verify-item ${r.ok ? 'is-ok' : 'is-failed'}`} data-testid={`verify-${r.id}`} data-ok={r.ok}>
            <details open={!r.ok}>
              <summary>
                <Icon name={r.ok ? 'check' : 'x'} size={14} className="verify-icon" />
                <span className="verify-label">{r.label}</span>
                <span className="verify-state">{r.ok ? 'passed' : 'failed'}</span>
              </summary>
              <pre className="verify-evidence">{r.evidence || '(no evidence)'}</pre>
            </details>
          </li>
        ))}
      </ul>
    </div>
  );
}
