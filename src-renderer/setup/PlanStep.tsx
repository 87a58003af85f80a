import { useState } from 'react';
import type { ChangePlan } from '../../src-common/change/modules.contract.js';
import { Icon } from '../app/icons.js';
import { Badge, Notice, Spinner } from '../app/ui.js';
import { plural } from '../format.js';
import { PlanView } from './PlanView.js';

export type PlanResult = { state: 'planning' } | { state: 'ok'; plan: ChangePlan } | { state: 'error'; message: string; problem: string };

/** Step 5: each host's plan, readable, with a way to plan one host again. */
export function PlanStep({ hosts, plans, onReplan }: { hosts: { id: number; name: string }[]; plans: Readonly<Record<number, PlanResult>>; onReplan: (id: number) => void }) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(() => new Set());
  return (
    <div className="setup-plans">
      {hosts.map((h) => {
        const r = plans[h.id] ?? { state: 'planning' };
        const open = !collapsed.has(h.id);
        const bodyId = `plan-body-${h.id}`;
        return (
          <section key={h.id} className="panel plan-host" data-testid={`plan-${h.name}`} data-state={r.state}>
            <div className="plan-host-head">
              <button
                type="button"
                className="plan-host-toggle"
                aria-expanded={open}
                aria-controls={bodyId}
                onClick={() =>
                  setCollapsed((prev) => {
                    const next = new Set(prev);
                    if (next.has(h.id)) next.delete(h.id);
                    else next.add(h.id);
                    return next;
                  })
                }
              >
                <Icon name="chevronDown" size={16} className={open ? undefined : 'rotate-270'} />
                <Icon name="server" size={16} />
                <span className="plan-host-name truncate">{h.name}</span>
              </button>
              {r.state === 'planning' ? (
                <Badge tone="busy">
                  <Spinner size={11} /> planning
                </Badge>
              ) : r.state === 'error' ? (
                <Badge tone="error">no plan</Badge>
              ) : r.plan.steps.length ? (
                <Badge tone="accent">{plural(r.plan.steps.length, 'step')}</Badge>
              ) : (
                <Badge tone="ok">nothing to change</Badge>
              )}
              {r.state === 'ok' && r.plan.warnings.length ? <Badge tone="warn">{plural(r.plan.warnings.length, 'warning')}</Badge> : null}
              <button type="button" className="button ghost small plan-host-again" onClick={() => onReplan(h.id)} disabled={r.state === 'planning'} data-testid={`plan-again-${h.name}`}>
                <Icon name="refresh" size={13} />
                Plan again
              </button>
            </div>
            {open ? (
              <div id={bodyId} className="plan-host-body">
                {r.state === 'planning' ? (
                  <p className="muted">Reading {h.name} and working out what to change (a package manager dry run can take a few seconds)…</p>
                ) : r.state === 'error' ? (
                  <Notice tone="error" testId={`plan-error-${h.name}`}>
                    <strong>Could not plan {h.name}:</strong> {r.message}
                    <br />
                    <span className="small-text">Fix the cause and press “Plan again”, or go back and change the modules or settings. {h.name} is left out when you apply.</span>
                  </Notice>
                ) : (
                  <PlanView plan={r.plan} testId={`plan-view-${h.name}`} />
                )}
              </div>
            ) : null}
          </section>
        );
      })}
    </div>
  );
}
