import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { CopyButton } from '../app/CopyButton.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { Spinner } from '../app/ui.js';
import { hostKeyFileFor, type NewHostKey } from './connect-decision.js';

interface Props {
  host: HostWithState;
  hostKey: NewHostKey;
  busy: boolean;
  onTrust: () => void;
  onCancel: () => void;
}

/** First contact with a server: the user compares the SHA-256 fingerprint before anything is sent. */
export function HostKeyDialog({ host, hostKey, busy, onTrust, onCancel }: Props) {
  const command = `ssh-keygen -lf ${hostKeyFileFor(hostKey.keyType)}`;
  return (
    <Modal
      testId="hostkey-dialog"
      title={`Verify the host key of ${host.name}`}
      description="Fleetdeck has never seen this server's key. Check it is really your server before trusting it; no password or key is sent until you do."
      icon={<Icon name="key" size={20} />}
      tone="warning"
      size="large"
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="button" onClick={onCancel} data-testid="hostkey-cancel" data-autofocus>
            Cancel
          </button>
          <button type="button" className="button primary" onClick={onTrust} disabled={busy} data-testid="hostkey-trust">
            {busy ? <Spinner /> : <Icon name="shieldCheck" size={14} />}
            Trust and connect
          </button>
        </>
      }
    >
      <dl className="key-facts">
        <dt>Server</dt>
        <dd className="mono" data-testid="hostkey-hostname">
          {hostKey.hostName}
        </dd>
        <dt>Key type</dt>
        <dd className="mono" data-testid="hostkey-keytype">
          {hostKey.keyType}
        </dd>
        <dt>Fingerprint</dt>
        <dd className="fingerprint-row">
          <code className="fingerprint" data-testid="hostkey-fingerprint">
            {hostKey.fingerprint}
          </code>
          <CopyButton text={hostKey.fingerprint} label="Copy fingerprint" />
        </dd>
      </dl>
      <div className="howto">
        <p>On the server itself (its console, or a session you already trust), run:</p>
        <div className="command-row">
          <code className="command">{command}</code>
          <CopyButton text={command} label="Copy command" />
        </div>
        <p>
          The <strong>SHA256:</strong> value it prints must match the fingerprint above character for character. If it does not, cancel: someone may be
          intercepting the connection.
        </p>
      </div>
    </Modal>
  );
}
