import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { CopyButton } from '../app/CopyButton.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { hostKeyFileFor, type ChangedHostKey } from './connect-decision.js';

interface Props {
  host: HostWithState;
  hostKey: ChangedHostKey;
  message: string;
  onClose: () => void;
}

/**
 * A changed host key is a hard stop: there is deliberately no way to accept it here. The user
 * removes the old key on purpose, after checking the new one on the server.
 */
export function HostKeyChangedDialog({ host, hostKey, message, onClose }: Props) {
  // Only offer a copyable command for names that cannot break out of the quotes when pasted.
  const safeName = /^[A-Za-z0-9.:[\]_%-]+$/.test(hostKey.hostName);
  const removeCommand = safeName ? `ssh-keygen -R '${hostKey.hostName}'` : "ssh-keygen -R 'HOST'";
  const forgetCommand = safeName ? `fleetdeck hostkeys forget '${hostKey.hostName}'` : "fleetdeck hostkeys forget 'HOST'";
  return (
    <Modal
      testId="hostkey-changed-dialog"
      title={`The host key of ${host.name} has changed`}
      description="Fleetdeck stopped before sending anything. This can be a man-in-the-middle attack, or the server was reinstalled or had its keys regenerated."
      icon={<Icon name="shieldAlert" size={20} />}
      tone="danger"
      size="large"
      onClose={onClose}
      footer={
        <button type="button" className="button" onClick={onClose} data-testid="hostkey-changed-close" data-autofocus>
          Close
        </button>
      }
    >
      {message ? <p className="modal-lead">{message}</p> : null}
      <dl className="key-facts">
        <dt>Server</dt>
        <dd className="mono">{hostKey.hostName}</dd>
        <dt>Key type</dt>
        <dd className="mono">{hostKey.keyType}</dd>
        <dt>Trusted</dt>
        <dd>
          {hostKey.expectedFingerprints.length === 0 ? (
            <span className="muted">unknown</span>
          ) : (
            hostKey.expectedFingerprints.map((f) => (
              <code key={f} className="fingerprint fingerprint-expected" data-testid="hostkey-expected-fingerprint">
                {f}
              </code>
            ))
          )}
        </dd>
        <dt>Offered now</dt>
        <dd>
          <code className="fingerprint fingerprint-offered" data-testid="hostkey-offered-fingerprint">
            {hostKey.offeredFingerprint}
          </code>
        </dd>
      </dl>
      <div className="howto howto-danger">
        <p>
          <strong>Do not connect</strong> until you know why the key changed. If you reinstalled the server or regenerated its keys on purpose:
        </p>
        <ol>
          <li>
            On the server's console, run <code className="inline-code">ssh-keygen -lf {hostKeyFileFor(hostKey.keyType)}</code> and check it prints the
            offered fingerprint above.
          </li>
          <li>
            Remove the old key from your known hosts:
            <span className="command-row">
              <code className="command">{removeCommand}</code>
              <CopyButton text={removeCommand} label="Copy command" />
            </span>
          </li>
          <li>
            Make Fleetdeck forget the key it trusted, then connect again and verify the new key:
            <span className="command-row">
              <code className="command">{forgetCommand}</code>
              <CopyButton text={forgetCommand} label="Copy command" />
            </span>
          </li>
        </ol>
      </div>
    </Modal>
  );
}
