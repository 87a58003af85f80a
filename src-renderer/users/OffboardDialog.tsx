import { useState } from 'react';
import type { InstalledModule } from '../../src-common/change/modules.contract.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { ChipList, Notice } from '../app/ui.js';
import { offboardModules } from '../../src-common/modules/users.js';
import { changeKeys } from '../setup/use-change.js';
import { PlanApplyBody, PlanApplyButtons, usePlanApply } from '../setup/use-plan-apply.js';
import './users.css';

/**
 * Offboarding accounts (the expired ones, at the end of a semester), as `fleetdeck users offboard`
 * does it (offboardModules): one plan, shown before anything changes.
 */
export function OffboardDialog({ hostId, hostName, names, installed, onClose }: { hostId: number; hostName: string; names: readonly string[]; installed: readonly InstalledModule[] | undefined; onClose: () => void }) {
  const [remove, setRemove] = useState(false);
  const { phase, plan, apply, edit, editing } = usePlanApply(hostId, [['users'], ['inventory', hostId], changeKeys.installed(hostId)]);
  const who = names.length === 1 ? names[0]! : `${names.length} accounts`;
  const footer = (
    <>
      <button type="button" className="button" onClick={onClose} data-testid="offboard-close">
        {phase.step === 'done' ? 'Close' : 'Cancel'}
      </button>
      {editing ? (
        <button type="button" className="button danger" disabled={!names.length} onClick={() => void plan(offboardModules(names, remove, installed?.find((i) => i.module === 'limits')?.settings))} data-testid="offboard-plan">
          Plan
        </button>
      ) : null}
      <PlanApplyButtons phase={phase} hostName={hostName} onBack={edit} onApply={(p) => void apply(p)} testId="offboard" danger />
    </>
  );
  return (
    <Modal testId="offboard-dialog" title={`Offboard ${who}`} description={`On ${hostName}. Nothing changes until you apply the plan.`} icon={<Icon name="users" size={20} />} onClose={onClose} size="large" footer={footer}>
      {editing ? (
        <div className="dialog-form" data-testid="offboard-form">
          <ChipList items={names} mono testId="offboard-names" />
          <Notice tone="warning">
            {remove ? 'Each account is deleted (its processes stopped, its home archived first, then removed)' : 'Each account is locked (every login refused) and its home archived to /var/lib/fleetdeck/archive; the home stays'}. Their containers are removed for good, and their limits and disk quota are taken away.
          </Notice>
          <label className="checkbox">
            <input type="checkbox" checked={remove} onChange={(e) => setRemove(e.target.checked)} data-testid="offboard-delete" />
            Delete the accounts too
          </label>
          {phase.step === 'failed' ? (
            <Notice tone="error" testId="offboard-error">
              {phase.message}
            </Notice>
          ) : null}
        </div>
      ) : null}
      <PlanApplyBody phase={phase} hostName={hostName} emptyText={`Nothing to change: ${who} ${names.length === 1 ? 'is' : 'are'} offboarded already.`} testId="offboard" />
    </Modal>
  );
}
