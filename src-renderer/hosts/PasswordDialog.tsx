import type { SecretPurpose } from './connect-decision.js';
import { useState } from 'react';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import { Notice, Spinner } from '../app/ui.js';

interface Props {
  host: HostWithState;
  purpose: SecretPurpose;
  /** The previous attempt carried a password that was refused. */
  retry: boolean;
  /** The core's message for the failed attempt. */
  message: string;
  busy: boolean;
  canRemember: boolean;
  onSubmit: (secret: string, remember: boolean) => void;
  onCancel: () => void;
}

/** Asks for a login or sudo password. It is held in memory for this attempt only and sent in `credentials`. */
export function PasswordDialog({ host, purpose, retry, message, busy, canRemember, onSubmit, onCancel }: Props) {
  const [secret, setSecret] = useState('');
  const [remember, setRemember] = useState(false);
  const title =
    purpose === 'login' ? `Password for ${host.user}@${host.name}` : purpose === 'passphrase' ? 'Passphrase for your SSH key' : `sudo password on ${host.name}`;
  const description =
    purpose === 'login'
      ? `${host.name} asks for ${host.user}'s password to log in.`
      : purpose === 'passphrase'
        ? `The key ${host.keyPath ?? ''} is protected by a passphrase. It is used on this computer only and never sent to ${host.name}.`
        : `Fleetdeck needs administrator rights on ${host.name}, and sudo asks for ${host.user}'s password.`;
  return (
    <Modal testId="password-dialog" title={title} description={description} icon={<Icon name="lock" size={20} />} size="small" onClose={onCancel}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (secret && !busy) onSubmit(secret, remember);
        }}
      >
        {retry ? (
          <Notice tone="error" testId="password-error">
            {message || 'That password was not accepted.'}
          </Notice>
        ) : null}
        <label className="field">
          <span className="field-label">{purpose === 'passphrase' ? 'Passphrase' : 'Password'}</span>
          <input
            className="input"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            data-testid="password-input"
            data-autofocus
          />
          <span className="field-hint">
            {canRemember ? 'Sent to the server for this connection.' : 'Kept in memory for this connection only, never written to disk.'}
          </span>
        </label>
        {canRemember ? (
          <label className="checkbox">
            <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} data-testid="password-remember" />
            Remember in the system keychain
          </label>
        ) : null}
        <div className="modal-footer modal-footer-inline">
          <button type="button" className="button" onClick={onCancel} data-testid="password-cancel">
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={!secret || busy} data-testid="password-submit">
            {busy ? <Spinner /> : null}
            {purpose === 'login' ? 'Log in' : 'Continue'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
