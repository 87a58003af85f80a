import { policyWithProfiles } from '../../src-common/modules/limits.js';
import { policyOf } from '../limits/user-limits.js';
import { changeKeys, useInstalled } from '../setup/use-change.js';
import { useState } from 'react';
import type { CsvPreviewRow } from '../../src-common/modules/users-contract.js';
import { useApi } from '../api/api-context.js';
import { errorMessage } from '../api/api-error.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { Badge, Notice, Spinner } from '../app/ui.js';
import { PlanView } from '../setup/PlanView.js';
import { PlanApplyBody, PlanApplyButtons, usePlanApply } from '../setup/use-plan-apply.js';
import { VerifyList } from '../setup/VerifyList.js';
import './users.css';

/**
 * Semester onboarding: a CSV pasted or opened → every row checked, on its own and against the
 * host (what it would do there, or what is wrong with it) → the good rows planned together →
 * applied → verified. Nothing changes while the preview shows.
 */
const SAMPLE = 'name,full_name,email,groups,public_key,profile,expires\nalice,Alice Liddell,alice@uni.example,students;gpu,ssh-ed25519 AAAA… alice@laptop,student,2027-02-28';

export function CsvImportDialog({ hostId, hostName, onClose }: { hostId: number; hostName: string; onClose: () => void }) {
  const { client } = useApi();
  const [csv, setCsv] = useState('');
  // The preview (each row checked against the host), then the engine's plan → apply → verify.
  const [rows, setRows] = useState<CsvPreviewRow[] | null>(null);
  const [checking, setChecking] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const { phase, plan, apply, edit } = usePlanApply(hostId, [['users'], ['inventory', hostId]]);
  // Then the profile column: once the accounts exist, their limits profiles (a second plan).
  const limits = usePlanApply(hostId, [changeKeys.installed(hostId)]);
  const installed = useInstalled(hostId);
  const take = (rows ?? []).filter((r) => r.entry && r.profile).map((r) => ({ user: r.name, profile: r.profile! }));
  const planProfiles = () => limits.plan([{ id: 'limits', settings: policyWithProfiles(policyOf(installed.data).policy, take) }]);

  const check = async () => {
    setChecking(true);
    setProblem(null);
    try {
      setRows(await client.users.preview({ id: hostId, csv }));
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setChecking(false);
    }
  };
  const open = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > 2 * 1024 * 1024) return setProblem(`${file.name} is over 2 MiB: split it.`);
    setCsv(await file.text());
    setProblem(null);
  };

  // Not planning or applying: the CSV is being written (no rows yet), or its rows are shown.
  const idle = phase.step === 'edit' || phase.step === 'failed';
  const writing = rows === null && idle;
  const previewing = rows !== null && (idle || phase.step === 'planning');
  const good = (rows ?? []).filter((r) => r.entry).length;
  const bad = (rows ?? []).length - good;
  const footer = (
    <>
      <button type="button" className="button" onClick={onClose} data-testid="csv-close">
        {phase.step === 'done' ? 'Close' : 'Cancel'}
      </button>
      {writing ? (
        <button type="button" className="button primary" disabled={!csv.trim() || checking} onClick={() => void check()} data-testid="csv-check">
          Check rows
        </button>
      ) : null}
      {rows !== null && idle ? (
        <>
          <button type="button" className="button" onClick={() => (setRows(null), edit())} data-testid="csv-back">
            Back
          </button>
          <button type="button" className="button primary" disabled={!good} onClick={() => void plan([{ id: 'users', settings: { users: rows.filter((r) => r.entry).map((r) => r.entry!) } }])} data-testid="csv-plan">
            {bad ? `Plan the ${good} good rows` : 'Plan'}
          </button>
        </>
      ) : null}
      <PlanApplyButtons phase={phase} hostName={hostName} onBack={edit} onApply={(p) => void apply(p)} testId="csv" />
      {phase.step === 'done' && phase.result.status === 'done' && take.length && limits.editing ? (
        <button type="button" className="button primary" onClick={() => void planProfiles()} data-testid="csv-profiles-plan">
          Plan the limits profiles ({take.length})
        </button>
      ) : null}
      <PlanApplyButtons phase={limits.phase} hostName={hostName} onBack={limits.edit} onApply={(p) => void limits.apply(p)} testId="csv-profiles" />
    </>
  );

  return (
    <Modal testId="csv-dialog" title="Import users from a CSV" description={`On ${hostName}: every row is checked before anything changes.`} icon={<Icon name="users" size={20} />} onClose={onClose} size="large" footer={footer}>
      {writing ? (
        <div className="dialog-form">
          <label className="field">
            <span className="field-label">CSV</span>
            <textarea className="input mono csv-input" rows={8} spellCheck={false} value={csv} placeholder={SAMPLE} onChange={(e) => setCsv(e.target.value)} data-testid="csv-text" />
            <span className="field-hint">First line: the columns, in any order — name (required), full_name, email, groups (“;” between), public_key, profile, expires.</span>
          </label>
          <label className="button ghost small csv-file">
            Open a file…
            <input type="file" accept=".csv,text/csv,text/plain" hidden onChange={(e) => void open(e.target.files?.[0])} data-testid="csv-file" />
          </label>
          {checking ? (
            <p className="muted">
              <Spinner /> Checking each row against {hostName}…
            </p>
          ) : null}
          {problem ? (
            <Notice tone="error" testId="csv-error">
              {problem}
            </Notice>
          ) : null}
        </div>
      ) : null}
      {previewing ? (
        <div data-testid="csv-preview">
          <Notice tone={bad ? 'warning' : 'info'}>{bad ? `${good} of ${rows.length} rows are good; ${bad} wrong (left out unless fixed).` : `All ${rows.length} rows are good.`}</Notice>
          {phase.step === 'failed' ? (
            <Notice tone="error" testId="csv-error">
              {phase.message}
            </Notice>
          ) : null}
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
                          {r.profile ? <span className="muted"> · then limits profile {r.profile}</span> : null}
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
          {take.length && limits.phase.step === 'edit' ? <p className="muted small-text">Next: the limits profiles of {take.map((t) => `${t.user} (${t.profile})`).join(', ')}.</p> : null}
          {limits.phase.step === 'failed' ? (
            <Notice tone="error" testId="csv-profiles-error">
              {limits.phase.message}
            </Notice>
          ) : null}
          <PlanApplyBody phase={limits.phase} hostName={hostName} emptyText="Nothing to change: they have these profiles already." testId="csv-profiles" results={() => []} resultPrefix="Limits profiles: " />
        </div>
      ) : null}
    </Modal>
  );
}
