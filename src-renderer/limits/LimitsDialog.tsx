import { useState } from 'react';
import type { InstalledModule } from '../../src-common/change/modules.contract.js';
import { isUsersCheck, limitsSettings } from '../../src-common/modules/limits.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { Notice } from '../app/ui.js';
import { changeKeys } from '../setup/use-change.js';
import { PlanApplyBody, PlanApplyButtons, usePlanApply } from '../setup/use-plan-apply.js';
import { issueAt, LimitFields } from './LimitFields.js';
import { formEmpty, formOf, policyOf, policyWithForm, type LimitsForm } from './user-limits.js';
import './limits.css';

/**
 * One user's limits on one host, the change engine's way: edit (checked as typed, with the
 * core's own rules) → Plan (the drop-in as a diff, nothing changed yet) → Apply → what verify
 * read back from systemd, the kernel, Docker and the quotas for this user. "Remove limits" plans
 * the user's removal.
 */
export function LimitsDialog({ hostId, hostName, user, installed, onClose }: { hostId: number; hostName: string; user: string; installed: readonly InstalledModule[] | undefined; onClose: () => void }) {
  const { policy } = policyOf(installed);
  const had = policy.users.some((u) => u.user === user);
  const [form, setForm] = useState<LimitsForm>(() => formOf(policy, user));
  const { phase, plan: planModules, apply, edit, editing } = usePlanApply(hostId, [changeKeys.installed(hostId)]);
  const [removing, setRemoving] = useState(false);

  const wanted = (remove: boolean) => policyWithForm(policy, user, remove ? null : form);
  const checked = limitsSettings.safeParse(wanted(false));
  const at = policy.users.filter((u) => u.user !== user).length;
  const errorOf = (key: string[]) => issueAt(checked.error?.issues, ['users', at], key);
  const empty = formEmpty(form);

  const plan = (remove: boolean) => {
    setRemoving(remove);
    return planModules([{ id: 'limits', settings: wanted(remove) }]);
  };

  const footer = (
    <>
      <button type="button" className="button" onClick={onClose} data-testid="limits-close">
        {phase.step === 'done' ? 'Close' : 'Cancel'}
      </button>
      {editing && had ? (
        <button type="button" className="button danger" onClick={() => void plan(true)} data-testid="limits-remove">
          Remove limits…
        </button>
      ) : null}
      {editing ? (
        <button type="button" className="button primary" disabled={!checked.success || empty} onClick={() => void plan(false)} data-testid="limits-plan">
          Plan
        </button>
      ) : null}
      <PlanApplyButtons phase={phase} hostName={hostName} onBack={edit} onApply={(p) => void apply(p)} testId="limits" saveWhenEmpty="Save limits" />
    </>
  );

  return (
    <Modal testId="limits-dialog" title={`Limits for ${user}`} description={`On ${hostName}: what all of ${user}'s processes may use together.`} icon={<Icon name="gauge" size={20} />} onClose={onClose} size="large" footer={footer}>
      {editing ? (
        <div className="dialog-form" data-testid="limits-form">
          {Object.keys(policy.profiles).length ? (
            <label className="field">
              <span className="field-label">Profile</span>
              <select className="input select" value={form.profile} onChange={(e) => setForm({ ...form, profile: e.target.value })} data-testid="limits-profile">
                <option value="">None</option>
                {Object.keys(policy.profiles).map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
              <span className="field-hint">The fields below go on top of the profile’s values.</span>
            </label>
          ) : null}
          <LimitFields form={form} onChange={setForm} errorOf={errorOf} testId="limits" />
          <p className="muted small-text">Written where {hostName} enforces them (the user’s systemd slice or cgroup, Docker, disk quotas) and verified by reading them back. Sizes: 512M, 4G, 1.5T. Blank: no limit of that kind.</p>
          {phase.step === 'failed' ? (
            <Notice tone="error" testId="limits-error">
              {phase.message}
            </Notice>
          ) : null}
        </div>
      ) : null}
      <PlanApplyBody
        phase={phase}
        hostName={hostName}
        emptyText={`Nothing changes on ${hostName} itself (${user}’s limits there are already these). Save to keep the policy as shown: a GPU allocation on a host without Docker, for example.`}
        testId="limits"
        above={removing ? <Notice tone="warning">{user}’s limits are taken away: their processes may use the whole machine again.</Notice> : null}
        results={(all) => all.filter((c) => isUsersCheck(c.id, user))}
      />
    </Modal>
  );
}
