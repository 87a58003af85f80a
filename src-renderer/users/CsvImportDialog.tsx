import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ApplyResult, ChangePlan } from '../../src-common/change/modules.contract.js';
import type { CsvPreviewRow } from '../../src-common/modules/users-contract.js';
import { useApi } from '../api/api-context.js';
import { errorMessage } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { Badge, Notice, Spinner } from '../app/ui.js';
import { PlanView } from '../setup/PlanView.js';
import { changeKeys } from '../setup/use-change.js';
import { VerifyList } from '../setup/VerifyList.js';
import './users.css';

/**
 * Semester onboarding: a CSV pasted or opened → every row checked, on its own and against the
 * host (what it would do there, or what is wrong with it) → the good rows planned together →
 * applied → verified. Nothing changes while the preview shows.
 */
type Phase =
  | { step: 'edit' }
  | { step: 'checking' }
  | { step: 'preview'; rows: CsvPreviewRow[] }
  | { step: 'planning'; rows: CsvPreviewRow[] }
  | { step: 'planned'; rows: CsvPreviewRow[]; plan: ChangePlan }
  | { step: 'applying'; rows: CsvPreviewRow[]; plan: ChangePlan }
  | { step: 'done'; result: ApplyResult }
  | { step: 'failed'; message: string };

const SAMPLE = 'name,full_name,email,groups,public_key,profile,expires\nalice,Alice Liddell,alice@uni.example,students;gpu,ssh-ed25519 AAAA… alice@laptop,student,2027-02-28';

export function CsvImportDialog({ hostId, hostName, onClose }: { hostId: number; hostName: string; onClose: () => void }) {
  const { client } = useApi();
  const queryClient = useQueryClient();
  const [csv, setCsv] = useState('');
  const [phase, setPhase] = useState<Phase>({ step: 'edit' });

  const check = async () => {
    setPhase({ step: 'checking' });
    try {
      setPhase({ step: 'preview', rows: await client.users.preview({ id: hostId, csv }) });
    } catch (err) {
      setPhase({ step: 'failed', message: errorMessage(err) });
    }
  };
  const plan = async (rows: CsvPreviewRow[]) => {
    setPhase({ step: 'planning', rows });
    try {
      const users = rows.filter((r) => r.entry).map((r) => r.entry!);
      setPhase({ step: 'planned', rows, plan: await client.change.plan({ id: hostId, modules: [{ id: 'users', settings: { users } }] }) });
    } catch (err) {
      setPhase({ step: 'failed', message: errorMessage(err) });
    }
  };
  const apply = async (rows: CsvPreviewRow[], p: ChangePlan) => {
    setPhase({ step: 'applying', rows, plan: p });
    try {
      setPhase({ step: 'done', result: await client.change.apply({ id: hostId, planId: p.planId, tag: p.tag }) });
    } catch (err) {
      setPhase({ step: 'failed', message: errorMessage(err) });
    } finally {
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      void queryClient.invalidateQueries({ queryKey: ['inventory', hostId] });
      void queryClient.invalidateQueries({ queryKey: changeKeys.journals(hostId) });
    }
  };
  const open = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > 2 * 1024 * 1024) return setPhase({ step: 'failed', message: `${file.name} is over 2 MiB: split it.` });
    setCsv(await file.text());
    setPhase({ step: 'edit' });
  };

  const rows = 'rows' in phase ? phase.rows : [];
  const good = rows.filter((r) => r.entry).length;
  const bad = rows.length - good;
  const footer = (
    <>
      <button type="button" className="button" onClick={onClose} data-testid="csv-close">
        {phase.step === 'done' ? 'Close' : 'Cancel'}
      </button>
      {phase.step === 'edit' || phase.step === 'failed' ? (
        <button type="button" className="button primary" disabled={!csv.trim()} onClick={() => void check()} data-testid="csv-check">
          Check rows
        </button>
      ) : null}
      {phase.step === 'preview' ? (
        <>
          <button type="button" className="button" onClick={() => setPhase({ step: 'edit' })} data-testid="csv-back">
            Back
          </button>
          <button type="button" className="button primary" disabled={!good} onClick={() => void plan(phase.rows)} data-testid="csv-plan">
            {bad ? `Plan the ${good} good rows` : 'Plan'}
          </button>
        </>
      ) : null}
      {phase.step === 'planned' || phase.step === 'applying' ? (
        <>
          <button type="button" className="button" disabled={phase.step === 'applying'} onClick={() => setPhase({ step: 'preview', rows: phase.rows })} data-testid="csv-back">
            Back
          </button>
          {phase.plan.steps.length ? (
            <button type="button" className="button primary" disabled={phase.step === 'applying'} onClick={() => void apply(phase.rows, phase.plan)} data-testid="csv-apply">
              {phase.step === 'applying' ? <Spinner /> : null}
              Apply to {hostName}
            </button>
          ) : null}
        </>
      ) : null}
    </>
  );

  return (
    <Modal testId="csv-dialog" title="Import users from a CSV" description={`On ${hostName}: every row is checked before anything changes.`} icon={<Icon name="users" size={20} />} onClose={onClose} size="large" footer={footer}>
      {phase.step === 'edit' || phase.step === 'failed' || phase.step === 'checking' ? (
        <div className="user-form">
          <label className="field">
            <span className="field-label">CSV</span>
            <textarea className="input mono csv-input" rows={8} spellCheck={false} value={csv} placeholder={SAMPLE} onChange={(e) => setCsv(e.target.value)} data-testid="csv-text" />
            <span className="field-hint">First line: the columns, in any order — name (required), full_name, email, groups (“;” between), public_key, profile, expires.</span>
          </label>
          <label className="button ghost small csv-file">
            Open a file…
            <input type="file" accept=".csv,text/csv,text/plain" hidden onChange={(e) => void open(e.target.files?.[0])} data-testid="csv-file" />
          </label>
          {phase.step === 'checking' ? (
            <p className="muted">
              <Spinner /> Checking each row against {hostName}…
            </p>
          ) : null}
          {phase.step === 'failed' ? (
            <Notice tone="error" testId="csv-error">
              {phase.message}
            </Notice>
          ) : null}
        </div>
      ) : null}
      {phase.step === 'preview' || phase.step === 'planning' ? (
        <div data-testid="csv-preview">
          <Notice tone={bad ? 'warning' : 'info'}>{bad ? `${good} of ${rows.length} rows are good; ${bad} wrong (left out unless fixed).` : `All ${rows.length} rows are good.`}</Notice>
          <div className="table-wrap">
            <table className="table csv-preview">
              <thead>
                <tr>
                  <th className="num">Line</th>
                  <th>Name</th>
                  <th>Result</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.line} data-testid={`csv-row-${r.line}`} data-ok={r.entry ? 'true' : 'false'}>
                    <td className="num mono">{r.line}</td>
                    <td className="mono">{r.name || '(no name)'}</td>
                    <td>
                      {r.entry ? (
                        <span className="csv-does">
                          <Badge tone="ok">ok</Badge> {r.does}
                          {r.profile ? <span className="muted"> · limits profile {r.profile} (Limits… after import)</span> : null}
                        </span>
                      ) : (
                        <span className="csv-problem">
                          <Badge tone="error">wrong</Badge> {r.problems.join('; ')}
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
      {phase.step === 'planned' || phase.step === 'applying' ? <PlanView plan={phase.plan} emptyText="Nothing to change: every account is already as the CSV says." testId="csv-plan-view" /> : null}
      {phase.step === 'done' ? (
        <div data-testid="csv-result" data-status={phase.result.status}>
          <Notice tone={phase.result.status === 'done' && phase.result.verify.every((c) => c.ok) ? 'info' : 'error'}>{phase.result.message ?? phase.result.status}</Notice>
          <VerifyList results={phase.result.verify} testId="csv-verify" />
        </div>
      ) : null}
    </Modal>
  );
}
