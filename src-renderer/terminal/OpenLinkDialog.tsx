import { useSyncExternalStore } from 'react';
import { Icon } from '../app/icons.js';
import { Modal } from '../app/Modal.js';
import type { TerminalLinkOpener } from './terminal-links.js';

/** Asks before opening a link from terminal output (browser mode), showing where it goes. */
export function OpenLinkDialog({ opener }: { opener: TerminalLinkOpener }) {
  const link = useSyncExternalStore(opener.subscribe, opener.snapshot, opener.snapshot);
  if (!link) return null;
  const cancel = () => opener.cancel();
  return (
    <Modal
      key={link.url}
      testId="terminal-link-dialog"
      title="Open this link?"
      icon={<Icon name="alert" size={20} />}
      tone="warning"
      size="small"
      onClose={cancel}
      footer={
        <>
          <button type="button" className="button" onClick={cancel} data-testid="terminal-link-cancel" data-autofocus>
            Cancel
          </button>
          <button type="button" className="button primary" onClick={() => opener.confirm()} data-testid="terminal-link-open">
            Open in browser
          </button>
        </>
      }
    >
      <p className="modal-lead">The link comes from the terminal&apos;s output, so the server decides where it goes. Open it only if you expected it.</p>
      <code className="command terminal-link-url" data-testid="terminal-link-url">
        {link.display}
      </code>
      <p className="terminal-link-site">
        Site: <strong data-testid="terminal-link-site">{link.site}</strong>
      </p>
    </Modal>
  );
}
