import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { errorMessage } from '../api/api-error.js';
import { navigate } from '../app/use-route.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { useToast } from '../app/toast.js';
import { Notice, Spinner } from '../app/ui.js';
import { useRemoveHost } from './use-hosts.js';

/** Confirms removing a host from Fleetdeck (nothing on the server is touched). */
export function RemoveHostDialog({ host, onClose }: { host: HostWithState; onClose: () => void }) {
  const remove = useRemoveHost();
  const toast = useToast();
  return (
    <Modal
      testId="remove-host-dialog"
      title={`Remove ${host.name}?`}
      icon={<Icon name="trash" size={20} />}
      tone="danger"
      size="small"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} data-testid="remove-host-cancel" data-autofocus>
            Cancel
          </button>
          <button
            type="button"
            className="button danger"
            disabled={remove.isPending}
            data-testid="remove-host-confirm"
            onClick={() =>
              remove.mutate(host.id, {
                onSuccess: () => {
                  toast({ tone: 'success', title: `Removed ${host.name}` });
                  navigate('#/');
                  onClose();
                },
              })
            }
          >
            {remove.isPending ? <Spinner /> : null}
            Remove host
          </button>
        </>
      }
    >
      <p className="modal-lead">
        Fleetdeck disconnects and forgets <strong>{host.name}</strong> ({host.user}@{host.address}). Nothing on the server is changed.
      </p>
      {remove.error ? <Notice tone="error">{errorMessage(remove.error)}</Notice> : null}
    </Modal>
  );
}
