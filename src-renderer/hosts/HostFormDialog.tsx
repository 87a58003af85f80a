import { useState } from 'react';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { emptyForm, formFromCandidate, formFromHost, type HostFormState } from './host-form.js';
import { HostForm } from './HostForm.js';
import { SshConfigImport } from './SshConfigImport.js';

export type HostDialogMode = { kind: 'add'; tab: 'manual' | 'import' } | { kind: 'edit'; host: HostWithState };

interface Props {
  mode: HostDialogMode;
  hosts: HostWithState[];
  onClose: () => void;
}

/** Add a host by hand or from ~/.ssh/config, or edit one. */
export function HostFormDialog({ mode, hosts, onClose }: Props) {
  const [tab, setTab] = useState<'manual' | 'import'>(mode.kind === 'add' ? mode.tab : 'manual');
  const [initial, setInitial] = useState<HostFormState>(() => (mode.kind === 'edit' ? formFromHost(mode.host) : emptyForm()));
  const [formKey, setFormKey] = useState(0);
  const editing = mode.kind === 'edit' ? mode.host : undefined;

  return (
    <Modal
      testId="host-form-dialog"
      title={editing ? `Edit ${editing.name}` : 'Add a host'}
      description={editing ? 'Changes apply the next time you connect.' : 'A Linux server you can reach over SSH.'}
      icon={<Icon name={editing ? 'edit' : 'server'} size={20} />}
      size="large"
      onClose={onClose}
    >
      {!editing ? (
        <div className="segmented" role="tablist" aria-label="How to add">
          <button type="button" role="tab" aria-selected={tab === 'manual'} className={tab === 'manual' ? 'is-active' : ''} onClick={() => setTab('manual')} data-testid="manual-tab">
            <Icon name="edit" size={14} />
            Enter details
          </button>
          <button type="button" role="tab" aria-selected={tab === 'import'} className={tab === 'import' ? 'is-active' : ''} onClick={() => setTab('import')} data-testid="import-tab">
            <Icon name="download" size={14} />
            Import from ~/.ssh/config
          </button>
        </div>
      ) : null}
      {tab === 'manual' ? (
        <HostForm key={formKey} initial={initial} editing={editing} onDone={onClose} onCancel={onClose} />
      ) : (
        <SshConfigImport
          existing={hosts}
          onDone={onClose}
          onCancel={onClose}
          onReview={(alias, input) => {
            setInitial(formFromCandidate(alias, input));
            setFormKey((k) => k + 1);
            setTab('manual');
          }}
        />
      )}
    </Modal>
  );
}
