import type { UseQueryResult } from '@tanstack/react-query';
import type { Preflight } from '../../src-common/change/modules.contract.js';
import { errorMessage, toApiError } from '../api/api-error.js';
import { Icon, type IconName } from '../app/icons.js';
import { hostHref } from '../app/route.js';
import { Badge, Skeleton } from '../app/ui.js';

type Check = Preflight['checks'][number];
const STATE_ICON: Record<Check['state'], IconName> = { ok: 'checkCircle', warn: 'alert', fail: 'xCircle' };
const STATE_LABEL: Record<Check['state'], string> = { ok: 'ok', warn: 'warning', fail: 'failed' };

/** Where a host's preflight stands, for the step's Next button and each card's badge. */
export function preflightVerdict(q: UseQueryResult<Preflight>, confirmed: boolean): 'checking' | 'error' | 'fail' | 'confirm' | 'ok' {
  if (q.isPending || (q.isFetching && !q.data)) return 'checking';
  if (q.isError || !q.data) return 'error';
  if (!q.data.ok) return 'fail';
  if (q.data.needsConfirmation && !confirmed) return 'confirm';
  return 'ok';
}

/** Step 4: per host, what Fleetdeck checked (family, init, package manager, root, disk, ports) with ok/warn/fail and why. */
export function PreflightStep({
  hosts,
  queries,
  confirmed,
  onConfirm,
  onLeaveOut,
}: {
  hosts: { id: number; name: string }[];
  queries: UseQueryResult<Preflight>[];
  confirmed: readonly number[];
  onConfirm: (id: number, yes: boolean) => void;
  onLeaveOut: (id: number) => void;
}) {
  return (
    <div className="preflight-grid">
      {hosts.map((h, i) => {
        const q = queries[i]!;
        const verdict = preflightVerdict(q, confirmed.includes(h.id));
        return (
          <section key={h.id} className="panel preflight-card" data-testid={`preflight-${h.name}`} data-verdict={verdict} aria-busy={verdict === 'checking'}>
            <div className="panel-title-row">
              <h3 className="panel-title truncate" title={h.name}>
                <Icon name="server" size={16} />
                {h.name}
              </h3>
              <div className="preflight-card-actions">
                <VerdictBadge verdict={verdict} />
                <button type="button" className="icon-button small" aria-label={`Check ${h.name} again`} title="Check again" onClick={() => void q.refetch()} disabled={q.isFetching}>
                  <Icon name="refresh" size={14} className={q.isFetching ? 'spin' : undefined} />
                </button>
              </div>
            </div>
            {q.data ? <p className="preflight-os">{q.data.os}</p> : null}
            {verdict === 'checking' && !q.data ? (
              <div className="table-skeleton">
                {[0, 1, 2, 3, 4].map((n) => (
                  <Skeleton key={n} className="skeleton-line" />
                ))}
                <span className="muted small-text">Connecting and reading the host…</span>
              </div>
            ) : q.isError ? (
              <div className="preflight-error" role="alert">
                <p>
                  <strong>Could not check {h.name}:</strong> {errorMessage(q.error)}
                </p>
                <p className="muted small-text">{hintFor(toApiError(q.error).problem, h.id)}</p>
              </div>
            ) : q.data ? (
              <ul className="checklist" aria-label={`Preflight of ${h.name}`}>
                {q.data.checks.map((c) => (
                  <li key={c.id} className={`checklist-item is-${c.state}`} data-testid={`preflight-check-${c.id}`} data-state={c.state}>
                    <Icon name={STATE_ICON[c.state]} size={16} className="checklist-icon" />
                    <span className="checklist-label">{c.label}</span>
                    <span className="setup-sr">{STATE_LABEL[c.state]}</span>
                    <span className="checklist-detail">{c.detail}</span>
                  </li>
                ))}
              </ul>
            ) : null}
            {q.data?.needsConfirmation && q.data.ok ? (
              <label className="checkbox proceed-anyway" data-testid={`preflight-proceed-${h.name}`}>
                <input type="checkbox" checked={confirmed.includes(h.id)} onChange={(e) => onConfirm(h.id, e.target.checked)} />
                <span>
                  <strong>Proceed anyway.</strong> {q.data.os} is not tested live: I will review the plan carefully.
                </span>
              </label>
            ) : null}
            {verdict === 'fail' || verdict === 'error' ? (
              <div className="preflight-leave">
                <span className="muted small-text">{verdict === 'fail' ? 'Fix what failed and check again, or go on without this host.' : 'Fix the connection and check again, or go on without this host.'}</span>
                <button type="button" className="button small" onClick={() => onLeaveOut(h.id)} data-testid={`preflight-leave-${h.name}`}>
                  Leave {h.name} out
                </button>
              </div>
            ) : null}
          </section>
        );
      })}
    </div>
  );
}

function VerdictBadge({ verdict }: { verdict: ReturnType<typeof preflightVerdict> }) {
  switch (verdict) {
    case 'checking':
      return <Badge tone="busy">Checking…</Badge>;
    case 'error':
      return <Badge tone="error">Unreachable</Badge>;
    case 'fail':
      return <Badge tone="error">Cannot proceed</Badge>;
    case 'confirm':
      return <Badge tone="warn">Needs your OK</Badge>;
    case 'ok':
      return <Badge tone="ok">Ready</Badge>;
  }
}

function hintFor(problem: string, id: number) {
  switch (problem) {
    case 'unknown-hostkey':
    case 'hostkey-changed':
      return (
        <>
          Its host key is not trusted yet: <a href={hostHref(id)}>connect from its page</a> and compare the fingerprint first.
        </>
      );
    case 'authentication-failed':
      return (
        <>
          The login was refused: check the user and key on <a href={hostHref(id)}>its page</a>.
        </>
      );
    case 'sudo-required':
      return 'Changes need root: give the user sudo on the host (or a sudo password), then check again.';
    default:
      return (
        <>
          See the connection log on <a href={hostHref(id)}>its page</a>.
        </>
      );
  }
}
