import type { ReactNode } from 'react';
import { Icon } from './icons.js';
import { Modal } from './Modal.js';
import { Kbd } from './ui.js';

const or = <span className="muted">or</span>;

const SHORTCUTS: Array<{ what: string; keys: ReactNode }> = [
  {
    what: 'Add a host',
    keys: (
      <>
        <Kbd>N</Kbd>
        {or}
        <Kbd>Ctrl</Kbd>
        <Kbd>N</Kbd>
      </>
    ),
  },
  { what: 'Filter the fleet (or search the audit log)', keys: <Kbd>/</Kbd> },
  {
    what: 'Switch tabs on a host page',
    keys: (
      <>
        <Kbd>1</Kbd>
        <span className="muted">…</span>
        <Kbd>6</Kbd>
      </>
    ),
  },
  { what: 'Open a terminal to the host shown', keys: <Kbd>T</Kbd> },
  {
    what: 'Terminal: new / close / previous / next',
    keys: (
      <>
        <Kbd>Ctrl</Kbd>
        <Kbd>Shift</Kbd>
        <Kbd>`</Kbd> <Kbd>X</Kbd> <Kbd>[</Kbd> <Kbd>]</Kbd>
      </>
    ),
  },
  {
    what: 'Terminal: copy / paste / find',
    keys: (
      <>
        <Kbd>Ctrl</Kbd>
        <Kbd>Shift</Kbd>
        <Kbd>C</Kbd> <Kbd>V</Kbd> <Kbd>F</Kbd>
      </>
    ),
  },
  {
    what: 'Terminal: text size',
    keys: (
      <>
        <Kbd>Ctrl</Kbd>
        <Kbd>+</Kbd> <Kbd>−</Kbd> <Kbd>0</Kbd>
      </>
    ),
  },
  { what: 'Close a dialog, clear the filter', keys: <Kbd>Esc</Kbd> },
  { what: 'Show this help', keys: <Kbd>?</Kbd> },
];

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Modal testId="shortcuts-dialog" title="Keyboard shortcuts" icon={<Icon name="keyboard" size={20} />} size="small" onClose={onClose} dismissOnBackdrop>
      <dl className="shortcut-list">
        {SHORTCUTS.map(({ what, keys }) => (
          <div key={what} className="shortcut-row">
            <dt>{what}</dt>
            <dd>{keys}</dd>
          </div>
        ))}
      </dl>
    </Modal>
  );
}
