import { useId, useState } from 'react';
import type { ChangePlan } from '../../src-common/change/modules.contract.js';
import type { PlanStep } from '../../src-common/change/plan.schema.js';
import { Icon, type IconName } from '../app/icons.js';
import { Badge, Notice } from '../app/ui.js';
import { plural } from '../format.js';
import { BeforeAfter, DiffView } from './DiffView.js';

const KIND_ICON: Record<PlanStep['kind'], IconName> = {
  package: 'package',
  file: 'file',
  unit: 'cog',
  command: 'terminal',
  user: 'users',
  group: 'users',
  firewall: 'shieldCheck',
  guard: 'lock',
  process: 'stop',
};

const KIND_LABEL: Record<PlanStep['kind'], string> = {
  package: 'Package',
  file: 'File',
  unit: 'Service',
  command: 'Command',
  user: 'User',
  group: 'Group',
  firewall: 'Firewall',
  guard: 'Lockout guard',
  process: 'Process',
};

/** Whether a step has more to show than its summary line. */
function hasDetail(s: PlanStep): boolean {
  return Boolean(s.diff) || s.before !== null || s.after !== null;
}

/**
 * One host's plan, readable: the summary, what the host must reach, warnings first, then each
 * step (kind, what it does, whether it needs root and can be undone) that opens to its diff or
 * its before and after. An empty plan says there is nothing to change.
 */
export function PlanView({ plan, emptyText, testId }: { plan: ChangePlan; emptyText?: string; testId?: string }) {
  const [open, setOpen] = useState<ReadonlySet<number>>(() => new Set());
  const detailed = plan.steps.filter(hasDetail).map((s) => s.n);
  const allOpen = detailed.length > 0 && detailed.every((n) => open.has(n));
  // Warnings the steps carry are shown at the step; the top lists the others, and which steps warn.
  const stepWarnings = new Set(plan.steps.flatMap((s) => s.warnings));
  const general = plan.warnings.filter((w) => !stepWarnings.has(w));
  const warnedSteps = plan.steps.filter((s) => s.warnings.length > 0).map((s) => s.n);
  const toggle = (n: number) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(n)) next.delete(n);
      else next.add(n);
      return next;
    });

  return (
    <div className="plan" data-testid={testId}>
      <div className="plan-summary-row">
        <p className="plan-summary" data-testid={testId ? `${testId}-summary` : undefined}>
          {plan.summary}
        </p>
        {detailed.length > 1 ? (
          <button type="button" className="button ghost small" onClick={() => setOpen(allOpen ? new Set() : new Set(detailed))} aria-pressed={allOpen}>
            <Icon name="chevronDown" size={14} className={allOpen ? 'rotate-180' : undefined} />
            {allOpen ? 'Collapse all' : 'Expand all'}
          </button>
        ) : null}
      </div>
      {general.length || warnedSteps.length ? (
        <Notice tone="warning" testId={testId ? `${testId}-warnings` : undefined}>
          <strong>{general.length + warnedSteps.length === 1 ? 'Read this before applying:' : 'Read these before applying:'}</strong>
          <ul className="plan-warnings">
            {general.map((w) => (
              <li key={w}>{w}</li>
            ))}
            {warnedSteps.length ? <li>{warnedSteps.length === 1 ? `Step ${warnedSteps[0]} has a warning` : `Steps ${warnedSteps.join(', ')} have warnings`}: see below, in orange.</li> : null}
          </ul>
        </Notice>
      ) : null}
      {plan.network ? (
        <Notice tone="info" testId={testId ? `${testId}-network` : undefined}>
          <strong>Needs the network while applying.</strong> {plan.network.replace(/\.$/, '')}.
        </Notice>
      ) : null}
      {plan.steps.length === 0 ? (
        <div className="plan-empty" data-testid={testId ? `${testId}-empty` : undefined}>
          <Icon name="checkCircle" size={20} />
          <span>{emptyText ?? `Nothing to change: ${plan.hostName} is already as these modules want it.`}</span>
        </div>
      ) : (
        <ol className="plan-steps" aria-label={`Steps on ${plan.hostName}`}>
          {plan.steps.map((s) => (
            <PlanStepRow key={s.n} step={s} total={plan.steps.length} open={open.has(s.n)} onToggle={() => toggle(s.n)} />
          ))}
        </ol>
      )}
      {plan.checks.length ? (
        <div className="plan-checks">
          <span className="plan-checks-title">Then Fleetdeck checks {plural(plan.checks.length, 'thing')}:</span>
          <ul className="chip-list">
            {plan.checks.map((c) => (
              <li key={c.id} className="chip" title={c.label}>
                {c.label}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

function PlanStepRow({ step: s, total, open, onToggle }: { step: PlanStep; total: number; open: boolean; onToggle: () => void }) {
  const detailId = useId();
  const detail = hasDetail(s);
  const head = (
    <>
      <span className="plan-step-n" aria-label={`Step ${s.n} of ${total}`}>
        {s.n}
      </span>
      <span className={`plan-step-kind kind-${s.kind}`} title={KIND_LABEL[s.kind]}>
        <Icon name={KIND_ICON[s.kind]} size={15} />
      </span>
      <span className="plan-step-summary">{s.summary}</span>
      <span className="plan-step-badges">
        <Badge tone="accent">{s.module}</Badge>
        {s.needsRoot ? <Badge title="Runs as root (sudo)">root</Badge> : null}
        {s.reversible ? (
          <Badge tone="ok" title="A rollback undoes it">
            undoable
          </Badge>
        ) : (
          <Badge tone="warn" title="A rollback cannot undo this step">
            not undoable
          </Badge>
        )}
      </span>
      {detail ? <Icon name="chevronDown" size={16} className={`plan-step-chevron${open ? ' rotate-180' : ''}`} /> : <span className="plan-step-chevron" />}
    </>
  );
  return (
    <li className={`plan-step${open ? ' is-open' : ''}`} data-testid={`plan-step-${s.n}`} data-kind={s.kind}>
      {detail ? (
        <button type="button" className="plan-step-head" aria-expanded={open} aria-controls={detailId} onClick={onToggle}>
          {head}
        </button>
      ) : (
        <div className="plan-step-head">{head}</div>
      )}
      {s.warnings.length ? (
        <ul className="plan-step-warnings">
          {s.warnings.map((w) => (
            <li key={w}>
              <Icon name="alert" size={13} /> {w}
            </li>
          ))}
        </ul>
      ) : null}
      {detail && open ? (
        <div className="plan-step-detail" id={detailId}>
          {s.diff ? <DiffView diff={s.diff} label={s.resource.kind === 'file' ? s.resource.path : s.summary} testId={`plan-diff-${s.n}`} /> : <BeforeAfter before={s.before} after={s.after} testId={`plan-before-after-${s.n}`} />}
        </div>
      ) : null}
    </li>
  );
}
