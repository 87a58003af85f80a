import { useState } from 'react';
import type { InstalledModule } from '../../src-common/change/modules.contract.js';
import { limitsSettings, profileName } from '../../src-common/modules/limits.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { Notice } from '../app/ui.js';
import { changeKeys } from '../setup/use-change.js';
import { PlanApplyBody, PlanApplyButtons, usePlanApply } from '../setup/use-plan-apply.js';
import { issueAt, LimitFields } from './LimitFields.js';
import { describeLimits, formEmpty, formOfSpec, policyOf, policyWithProfile, profileUsers, type LimitsForm } from './user-limits.js';

/**
 * A host's limit profiles ("student", "researcher"): the list, with who uses each; a profile
 * edited (or renamed: users and groups naming it follow) or made new, then planned and applied
 * like any change to the host, every user of it included. A profile still in use cannot go.
 */
export function ProfilesDialog({ hostId, hostName, installed, onClose }: { hostId: number; hostName: string; installed: readonly InstalledModule[] | undefined; onClose: () => void }) {
  const { policy } = policyOf(installed);
  const names = Object.keys(policy.profiles);
  const [selected, setSelected] = useState<string | null>(names[0] ?? null);
  const [name, setName] = useState(names[0] ?? '');
  const [form, setForm] = useState<LimitsForm>(() => formOfSpec(names[0] ? policy.profiles[names[0]] : undefined));
  const [removing, setRemoving] = useState(false);
  const [gpuDevices, setGpuDevices] = useState(!!policy.gpuDevices);
  const { phase, plan: planModules, apply, edit, editing } = usePlanApply(hostId, [changeKeys.installed(hostId)]);

  const pick = (p: string | null) => {
    setSelected(p);
    setName(p ?? '');
    setForm(formOfSpec(p ? policy.profiles[p] : undefined));
  };
  const nameOk = profileName.safeParse(name.trim());
  const taken = name.trim() !== selected && names.includes(name.trim());
  const wanted = (remove: boolean) => ({ ...policyWithProfile(policy, name.trim(), remove ? null : form, selected), ...(gpuDevices ? { gpuDevices: true } : {}) });
  const checked = limitsSettings.safeParse(wanted(false));
  const errorOf = (key: string[]) => issueAt(checked.error?.issues, ['profiles', name.trim()], key);
  const users = selected ? profileUsers(policy, selected) : [];
  const plan = (remove: boolean) => {
    setRemoving(remove);
    return planModules([{ id: 'limits', settings: wanted(remove) }]);
  };

  const footer = (
    <>
      <button type="button" className="button" onClick={onClose} data-testid="profiles-close">
        {phase.step === 'done' ? 'Close' : 'Cancel'}
      </button>
      {editing && selected ? (
        <button type="button" className="button danger" disabled={users.length > 0} title={users.length ? `Used by ${users.join(', ')}: give them another profile first` : undefined} onClick={() => void plan(true)} data-testid="profiles-remove">
          Remove profile…
        </button>
      ) : null}
      {editing ? (
        <button type="button" className="button primary" disabled={!nameOk.success || taken || !checked.success || (formEmpty(form) && gpuDevices === !!policy.gpuDevices)} onClick={() => void plan(false)} data-testid="profiles-plan">
          Plan
        </button>
      ) : null}
      <PlanApplyButtons phase={phase} hostName={hostName} onBack={edit} onApply={(p) => void apply(p)} testId="profiles" saveWhenEmpty="Save profile" />
    </>
  );

  return (
    <Modal testId="profiles-dialog" title="Limit profiles" description={`On ${hostName}: named sets of limits ("student", "researcher") that users and groups take; a user's own values go on top.`} icon={<Icon name="gauge" size={20} />} onClose={onClose} size="large" footer={footer}>
      {editing ? (
        <div className="profiles-layout">
          <nav className="profiles-list" aria-label="Profiles" data-testid="profiles-list">
            {names.map((p) => (
              <button key={p} type="button" className={`profiles-item${p === selected ? ' selected' : ''}`} aria-current={p === selected ? 'true' : undefined} onClick={() => pick(p)} data-testid={`profiles-item-${p}`}>
                <span className="strong">{p}</span>
                <span className="muted small-text">{describeLimits(policy.profiles[p]!) || 'no limits'}</span>
                <span className="muted small-text">{profileUsers(policy, p).length ? `used by ${profileUsers(policy, p).join(', ')}` : 'not used yet'}</span>
              </button>
            ))}
            {!names.length ? (
              <p className="muted small-text profiles-empty" data-testid="profiles-empty">
                No profiles yet. Make one, then give it to users (Limits…) or to a group.
              </p>
            ) : null}
            <button type="button" className={`profiles-item${selected === null ? ' selected' : ''}`} onClick={() => pick(null)} data-testid="profiles-new">
              <span className="strong">
                <Icon name="plus" size={14} /> New profile
              </span>
            </button>
          </nav>
          <div className="dialog-form" data-testid="profiles-form">
            <label className={`field${name.trim() && (!nameOk.success || taken) ? ' field-invalid' : ''}`}>
              <span className="field-label">Name</span>
              <input className="input" type="text" autoComplete="off" spellCheck={false} value={name} placeholder="e.g. student" onChange={(e) => setName(e.target.value)} data-testid="profiles-name" />
              {name.trim() && !nameOk.success ? (
                <span className="field-error" role="alert">
                  {nameOk.error.issues[0]!.message}
                </span>
              ) : taken ? (
                <span className="field-error" role="alert">
                  There is a profile “{name.trim()}” already: pick it on the left to edit it.
                </span>
              ) : (
                <span className="field-hint">{selected && name.trim() !== selected ? `Renaming: ${users.join(', ') || 'nobody'} will use the new name.` : 'lowercase letters, digits and dashes'}</span>
              )}
            </label>
            <LimitFields form={form} onChange={setForm} errorOf={errorOf} testId="profiles" />
            <label className="checkbox" title="Each GPU allocated by index (GPUs: 0,1) belongs to a group of its users: /dev/nvidiaN mode 0660, now and after a reboot">
              <input type="checkbox" checked={gpuDevices} onChange={(e) => setGpuDevices(e.target.checked)} data-testid="profiles-gpu-devices" />
              On {hostName}, host processes too see only the GPUs allocated to their user (device permissions)
            </label>
            {phase.step === 'failed' ? (
              <Notice tone="error" testId="profiles-error">
                {phase.message}
              </Notice>
            ) : null}
          </div>
        </div>
      ) : null}
      <PlanApplyBody
        phase={phase}
        hostName={hostName}
        emptyText={`Nothing changes on ${hostName}: no user takes this profile yet. Save it, then give it to users (Limits…).`}
        testId="profiles"
        above={removing ? <Notice tone="warning">The profile “{selected}” goes; nobody uses it.</Notice> : null}
      />
    </Modal>
  );
}
