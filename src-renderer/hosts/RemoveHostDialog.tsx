import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { FootprintPlan, FootprintResult } from '../../src-common/footprint/footprint.contract.js';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { useApi } from '../api/api-context.js';
import { errorMessage } from '../api/api-error.js';
import { navigate } from '../app/use-route.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { useToast } from '../app/toast.js';
import { Notice, Spinner } from '../app/ui.js';
import { formatBytes } from '../format.js';
import { useRemoveHost } from './use-hosts.js';

const KIND_LABEL: Record<FootprintPlan['items'][number]['kind'], string> = {
  helper: 'helper',
  runtime: 'Node runtime',
  temp: 'temporary files',
  dir: 'folder',
  agent: 'per-user agent (stopped first)',
};

/**
 * Confirms removing a host from Fleetdeck. By default only Fleetdeck's own record goes; the
 * checkbox also removes what Fleetdeck put on the server (its helper, runtime and root's verified
 * copies), shown as a plan first and read back afterwards.
 */
export function RemoveHostDialog({ host, onClose }: { host: HostWithState; onClose: () => void }) {
  const { client } = useApi();
  const remove = useRemoveHost();
  const toast = useToast();
  const [cleanup, setCleanup] = useState(false);
  const plan = useMutation({ mutationFn: () => client.footprint.plan({ id: host.id }) });
  const cleanupRun = useMutation({
    mutationFn: (p: FootprintPlan): Promise<FootprintResult> => client.footprint.remove({ id: host.id, planId: p.planId, tag: p.tag }),
  });
  const busy = remove.isPending || cleanupRun.isPending;
  const planned = plan.data;

  function toggle(on: boolean) {
    setCleanup(on);
    cleanupRun.reset();
    if (on && !plan.data && !plan.isPending) plan.mutate();
  }

  function forget(note: string | null) {
    remove.mutate(host.id, {
      onSuccess: () => {
        toast({ tone: 'success', title: `Removed ${host.name}`, ...(note ? { message: note } : {}) });
        navigate('#/');
        onClose();
      },
    });
  }

  async function confirm() {
    if (!cleanup) return forget(null);
    if (!planned) return;
    if (planned.items.length === 0) return forget('Nothing of Fleetdeck’s was left on the server.');
    try {
      const result = await cleanupRun.mutateAsync(planned);
      // Forget the host only when the server was verifiably cleaned: otherwise the admin keeps the
      // host to try again (or remove it without cleaning) and sees what is left.
      if (!result.verified) return;
      forget(`Removed ${result.removed.length} item${result.removed.length === 1 ? '' : 's'} from the server and checked they are gone.`);
    } catch {
      /* shown below */
    }
  }

  const waitingForPlan = cleanup && !planned;
  const left = cleanupRun.data && !cleanupRun.data.verified ? cleanupRun.data.left : null;
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
          <button type="button" className="button danger" disabled={busy || waitingForPlan} data-testid="remove-host-confirm" onClick={() => void confirm()}>
            {busy ? <Spinner /> : null}
            {cleanup ? 'Clean up and remove' : 'Remove host'}
          </button>
        </>
      }
    >
      <p className="modal-lead">
        Fleetdeck disconnects and forgets <strong>{host.name}</strong> ({host.user}@{host.address}). The server’s packages, users and files stay as
        they are.
      </p>
      <label className="checkbox checkbox-block" data-testid="remove-host-cleanup">
        <input type="checkbox" checked={cleanup} disabled={busy} onChange={(e) => toggle(e.target.checked)} />
        <span className="checkbox-text">
          Also remove what Fleetdeck put on the server
          <span className="field-hint">Its helper and, where the server had no Node, a portable runtime, plus root’s checked copies: listed here before anything is removed.</span>
        </span>
      </label>
      {cleanup ? (
        <div className="footprint-plan" data-testid="footprint-plan">
          {plan.isPending ? (
            <p className="muted">
              <Spinner /> Connecting to list what is there…
            </p>
          ) : plan.error ? (
            <Notice tone="error">
              Could not list what is on the server: {errorMessage(plan.error)}{' '}
              <button type="button" className="button small" onClick={() => plan.mutate()}>
                Try again
              </button>
            </Notice>
          ) : planned ? (
            <>
              <p>{planned.items.length ? `Will remove (${formatBytes(planned.totalBytes)} in all):` : 'Nothing of Fleetdeck’s is on the server.'}</p>
              {planned.items.length ? (
                <ul className="footprint-items">
                  {planned.items.map((item) => (
                    <li key={item.path}>
                      <code>{item.path}</code>
                      <span className="muted">
                        {' '}
                        {KIND_LABEL[item.kind]}
                        {item.bytes !== null ? `, ${formatBytes(item.bytes)}` : ''}
                        {item.owner === 'root' ? ', as root' : ''}
                      </span>
                    </li>
                  ))}
                </ul>
              ) : null}
              {planned.rootUnknown ? <Notice tone="warning">{planned.rootUnknown}</Notice> : null}
            </>
          ) : null}
        </div>
      ) : null}
      {left ? (
        <Notice tone="error">
          Still on the server after removing: {left.map((i) => i.path).join(', ')}. The host was kept; remove these by hand or try again.
        </Notice>
      ) : null}
      {cleanupRun.error ? <Notice tone="error">{errorMessage(cleanupRun.error)} The host was kept.</Notice> : null}
      {remove.error ? <Notice tone="error">{errorMessage(remove.error)}</Notice> : null}
    </Modal>
  );
}
