import { useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import type { z } from 'zod';
import type { ApplyResult, ChangePlan, moduleRequestSchema } from '../../src-common/change/modules.contract.js';
import { useApi } from '../api/api-context.js';
import { errorMessage } from '../api/api-error.js';
import { Notice, Spinner } from '../app/ui.js';
import type { CheckResult } from '../../src-common/change/plan.schema.js';
import { PlanView } from './PlanView.js';
import { VerifyList } from './VerifyList.js';
import { changeKeys } from './use-change.js';

/**
 * One host's change from a dialog (limits, an account, a CSV import): edit → Plan (what changes,
 * nothing yet) → Apply → verify's result, or what failed. The host's journals, and whatever else
 * the dialog names, are read again after an apply.
 */
export type PlanApplyPhase = { step: 'edit' } | { step: 'planning' } | { step: 'planned'; plan: ChangePlan } | { step: 'applying'; plan: ChangePlan } | { step: 'done'; result: ApplyResult } | { step: 'failed'; message: string };

export function usePlanApply(hostId: number, refresh: readonly (readonly unknown[])[]) {
  const { client } = useApi();
  const queryClient = useQueryClient();
  const [phase, setPhase] = useState<PlanApplyPhase>({ step: 'edit' });
  const plan = async (modules: z.input<typeof moduleRequestSchema>[]) => {
    setPhase({ step: 'planning' });
    try {
      setPhase({ step: 'planned', plan: await client.change.plan({ id: hostId, modules }) });
    } catch (err) {
      setPhase({ step: 'failed', message: errorMessage(err) });
    }
  };
  const apply = async (p: ChangePlan) => {
    setPhase({ step: 'applying', plan: p });
    try {
      setPhase({ step: 'done', result: await client.change.apply({ id: hostId, planId: p.planId, tag: p.tag }) });
    } catch (err) {
      setPhase({ step: 'failed', message: errorMessage(err) });
    } finally {
      for (const queryKey of [...refresh, changeKeys.journals(hostId)]) void queryClient.invalidateQueries({ queryKey });
    }
  };
  return { phase, plan, apply, edit: () => setPhase({ step: 'edit' }), editing: phase.step === 'edit' || phase.step === 'failed' };
}

/** Back and "Apply to HOST" while a plan is shown or applying (none to apply when the plan is empty). */
export function PlanApplyButtons({ phase, hostName, onBack, onApply, testId, danger = false, saveWhenEmpty }: { phase: PlanApplyPhase; hostName: string; onBack: () => void; onApply: (plan: ChangePlan) => void; testId: string; danger?: boolean; /** An empty plan that still saves settings (a profile nobody takes yet): this button's text. */ saveWhenEmpty?: string }) {
  if (phase.step !== 'planned' && phase.step !== 'applying') return null;
  const busy = phase.step === 'applying';
  return (
    <>
      <button type="button" className="button" disabled={busy} onClick={onBack} data-testid={`${testId}-back`}>
        Back
      </button>
      {!phase.plan.steps.length && saveWhenEmpty ? (
        <button type="button" className="button primary" disabled={busy} onClick={() => onApply(phase.plan)} data-testid={`${testId}-apply`}>
          {busy ? <Spinner /> : null}
          {saveWhenEmpty}
        </button>
      ) : null}
      {phase.plan.steps.length ? (
        <button type="button" className={`button ${danger ? 'danger' : 'primary'}`} disabled={busy} onClick={() => onApply(phase.plan)} data-testid={`${testId}-apply`}>
          {busy ? <Spinner /> : null}
          Apply to {hostName}
        </button>
      ) : null}
    </>
  );
}

/**
 * What a plan → apply dialog shows past its form: "Reading HOST…" while planning, the plan (with
 * whatever goes above it) while it is shown or applied, then the result and what verify read back
 * (all checks, or those `results` picks). Test ids: TESTID-plan-view, TESTID-result, TESTID-verify.
 */
export function PlanApplyBody({ phase, hostName, emptyText, testId, above, results = (r) => r, resultPrefix = '' }: { phase: PlanApplyPhase; hostName: string; emptyText: string; testId: string; above?: ReactNode; results?: (all: CheckResult[]) => CheckResult[]; resultPrefix?: string }) {
  if (phase.step === 'planning')
    return (
      <p className="muted" data-testid={`${testId}-planning`}>
        <Spinner /> Reading {hostName}…
      </p>
    );
  if (phase.step === 'planned' || phase.step === 'applying')
    return (
      <>
        {above}
        <PlanView plan={phase.plan} emptyText={emptyText} testId={`${testId}-plan-view`} />
      </>
    );
  if (phase.step !== 'done') return null;
  const shown = results(phase.result.verify);
  return (
    <div data-testid={`${testId}-result`} data-status={phase.result.status}>
      <Notice tone={phase.result.status === 'done' && phase.result.verify.every((c) => c.ok) ? 'info' : 'error'}>
        {resultPrefix}
        {phase.result.message ?? phase.result.status}
      </Notice>
      {shown.length ? <VerifyList results={shown} testId={`${testId}-verify`} /> : null}
    </div>
  );
}
