import { useState } from 'react';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { Notice } from '../app/ui.js';
import { PlanApplyBody, PlanApplyButtons, usePlanApply } from '../setup/use-plan-apply.js';
import { checkEntry, emptyForm, entryOfForm, newNameProblem, type UserDialogMode, type UserForm } from './user-form.js';
import './users.css';

/**
 * One account on one host, the change engine's way: the form (checked as typed by the users
 * module's own schema) → Plan (what changes, before anything does) → Apply → what verify read back
 * from /etc/passwd, shadow and group. Create, modify (lock, unlock, groups, expiry, keys…) and
 * delete (the home archived first unless unticked) share it.
 */
const FIELDS: { key: keyof Omit<UserForm, 'locked' | 'keys' | 'name'>; label: string; placeholder: string; hint: string; type?: string; create?: true }[] = [
  { key: 'uid', label: 'UID', placeholder: 'next free', hint: 'the same uid on every host keeps file owners right', create: true },
  { key: 'fullName', label: 'Full name', placeholder: 'e.g. Alice Liddell', hint: 'shown in finger, ls -l and the app' },
  { key: 'groups', label: 'Groups', placeholder: 'e.g. students, gpu', hint: 'supplementary groups, exactly these' },
  { key: 'shell', label: 'Shell', placeholder: '/bin/bash', hint: 'the login shell' },
  { key: 'expires', label: 'Expires', placeholder: 'YYYY-MM-DD', hint: 'last day to log in; blank: never', type: 'date' },
];

export function UserDialog({ hostId, hostName, mode, initial = emptyForm, keys, onClose }: { hostId: number; hostName: string; mode: UserDialogMode; initial?: UserForm; keys?: readonly string[] | null; onClose: () => void }) {
  const [form, setForm] = useState<UserForm>(initial);
  const [archive, setArchive] = useState(true);
  const { phase, plan: planModules, apply, edit, editing } = usePlanApply(hostId, [['users'], ['inventory', hostId]]);
  const entry = entryOfForm(mode, form, initial, archive);
  const checked = checkEntry(entry);
  const nameProblem = mode === 'create' ? newNameProblem(form.name.trim()) : null;
  const errorOf = (key: string) => (checked.ok ? undefined : checked.errors[key]);
  const nothing = mode === 'modify' && Object.keys(entry).length === 1;
  const name = form.name.trim();

  const plan = () => checked.ok && planModules([{ id: 'users', settings: { users: [checked.entry] } }]);
  // New user… never changes an account that is there (as `users create` refuses): the plan says so instead.
  const exists = mode === 'create' && phase.step === 'planned' && (!phase.plan.steps.length || phase.plan.steps.some((st) => st.kind === 'user' && st.action !== 'create'));

  const title = mode === 'create' ? 'New user' : mode === 'delete' ? `Delete ${name}` : `Account ${name}`;
  const footer = (
    <>
      <button type="button" className="button" onClick={onClose} data-testid="user-close">
        {phase.step === 'done' ? 'Close' : 'Cancel'}
      </button>
      {editing ? (
        <button type="button" className={`button ${mode === 'delete' ? 'danger' : 'primary'}`} disabled={!checked.ok || !!nameProblem || !name || nothing} onClick={() => void plan()} data-testid="user-plan">
          Plan
        </button>
      ) : null}
      {exists ? (
        <button type="button" className="button" onClick={edit} data-testid="user-back">
          Back
        </button>
      ) : (
        <PlanApplyButtons phase={phase} hostName={hostName} onBack={edit} onApply={(p) => void apply(p)} testId="user" danger={mode === 'delete'} />
      )}
    </>
  );

  return (
    <Modal testId="user-dialog" title={title} description={`On ${hostName}. Nothing changes until you apply the plan.`} icon={<Icon name="users" size={20} />} onClose={onClose} size="large" footer={footer}>
      {editing && mode === 'delete' ? (
        <div className="dialog-form" data-testid="user-form">
          <Notice tone="warning">
            {name}’s processes are stopped and the account is removed. {archive ? 'The home directory is archived first (root only, under /var/lib/fleetdeck/archive): a rollback restores it.' : 'Without an archive the home directory is gone for good.'}
          </Notice>
          <label className="checkbox">
            <input type="checkbox" checked={archive} onChange={(e) => setArchive(e.target.checked)} data-testid="user-archive" />
            Archive the home directory first
          </label>
        </div>
      ) : null}
      {editing && mode !== 'delete' ? (
        <div className="dialog-form" data-testid="user-form">
          <div className="form-grid">
            {mode === 'create' ? (
              <label className={`field${nameProblem || errorOf('name') ? ' field-invalid' : ''}`}>
                <span className="field-label">Name</span>
                <input className="input mono" type="text" autoComplete="off" spellCheck={false} autoFocus value={form.name} placeholder="e.g. alice" onChange={(e) => setForm({ ...form, name: e.target.value })} data-testid="user-name" aria-invalid={nameProblem ? true : undefined} />
                {nameProblem || (form.name && errorOf('name')) ? (
                  <span className="field-error" role="alert" data-testid="user-name-error">
                    {nameProblem ?? errorOf('name')}
                  </span>
                ) : (
                  <span className="field-hint">lowercase letters, digits, “_” or “-”</span>
                )}
              </label>
            ) : null}
            {FIELDS.filter((f) => mode === 'create' || !f.create).map((f) => {
              const error = form[f.key].trim() ? errorOf(f.key) : undefined;
              return (
                <label key={f.key} className={`field${error ? ' field-invalid' : ''}`}>
                  <span className="field-label">{f.label}</span>
                  <input className="input" type={f.type ?? 'text'} autoComplete="off" spellCheck={false} value={form[f.key]} placeholder={f.placeholder} aria-invalid={error ? true : undefined} onChange={(e) => setForm({ ...form, [f.key]: e.target.value })} data-testid={`user-${f.key}`} />
                  {error ? (
                    <span className="field-error" role="alert" data-testid={`user-${f.key}-error`}>
                      {error}
                    </span>
                  ) : (
                    <span className="field-hint">{f.hint}</span>
                  )}
                </label>
              );
            })}
          </div>
          <label className={`field${errorOf('keys') ? ' field-invalid' : ''}`}>
            <span className="field-label">SSH public keys</span>
            <textarea className="input mono user-keys" rows={3} spellCheck={false} value={form.keys} placeholder={mode === 'modify' ? 'Leave empty to keep the keys as they are; keys here replace the ones Fleetdeck manages' : 'ssh-ed25519 AAAA… alice@laptop (one per line)'} onChange={(e) => setForm({ ...form, keys: e.target.value })} data-testid="user-keys" />
            {errorOf('keys') ? (
              <span className="field-error" role="alert" data-testid="user-keys-error">
                {errorOf('keys')}
              </span>
            ) : (
              <span className="field-hint">Written to ~/.ssh/authorized_keys as the user (never as root); the user’s own lines stay.</span>
            )}
          </label>
          {mode === 'modify' && keys !== undefined ? (
            <div className="small-text" data-testid="user-current-keys">
              <span className="muted">Keys Fleetdeck manages now: </span>
              {keys === null ? (
                <span className="muted">could not be read as {name}</span>
              ) : keys.length ? (
                <ul className="user-key-list">
                  {keys.map((k) => (
                    <li key={k} className="mono">
                      {k}
                    </li>
                  ))}
                </ul>
              ) : (
                <span className="muted">none</span>
              )}
            </div>
          ) : null}
          <label className="checkbox">
            <input type="checkbox" checked={form.locked} onChange={(e) => setForm({ ...form, locked: e.target.checked })} data-testid="user-locked" />
            Locked: refuse every login (password and SSH keys)
          </label>
          {phase.step === 'failed' ? (
            <Notice tone="error" testId="user-error">
              {phase.message}
            </Notice>
          ) : null}
        </div>
      ) : null}
      {editing && mode === 'delete' && phase.step === 'failed' ? (
        <Notice tone="error" testId="user-error">
          {phase.message}
        </Notice>
      ) : null}
      {exists ? (
        <Notice tone="error" testId="user-exists">
          {name} already exists on {hostName}: nothing was changed. Pick another name, or change {name} with Account… on its row.
        </Notice>
      ) : (
        <PlanApplyBody phase={phase} hostName={hostName} emptyText={`Nothing to change: ${name} on ${hostName} is already like this.`} testId="user" results={(all) => all.filter((c) => c.id === `account-${name}`)} />
      )}
    </Modal>
  );
}
