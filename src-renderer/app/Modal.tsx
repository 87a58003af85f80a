import { useEffect, useId, useRef, type ReactNode } from 'react';
import { Icon } from './icons.js';

interface ModalProps {
  title: ReactNode;
  /** Called on Esc, the close button, and (when dismissable) a click on the backdrop. */
  onClose: () => void;
  testId: string;
  children: ReactNode;
  footer?: ReactNode;
  description?: ReactNode;
  tone?: 'default' | 'danger' | 'warning';
  size?: 'small' | 'medium' | 'large';
  /** Whether a click outside closes it; off for forms so a stray click loses nothing. */
  dismissOnBackdrop?: boolean;
  icon?: ReactNode;
}

/**
 * A modal on the native <dialog>: the browser gives us the top layer, inert background, focus
 * containment and Esc. Mounted = open. The element marked data-autofocus gets the focus.
 */
export function Modal({ title, onClose, testId, children, footer, description, tone = 'default', size = 'medium', dismissOnBackdrop = false, icon }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const unmounted = useRef(false);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const previouslyFocused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    const target = dialog.querySelector<HTMLElement>('[data-autofocus]');
    target?.focus();
    unmounted.current = false;
    return () => {
      unmounted.current = true;
      if (dialog.open) dialog.close();
      previouslyFocused?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`modal modal-${size} modal-tone-${tone}`}
      data-testid={testId}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onCloseRef.current();
      }}
      onClose={() => {
        // The browser may close a dialog itself (repeated Esc): keep React's state in step.
        // (A close queued by a previous mount, as StrictMode does in development, finds it open again.)
        if (!unmounted.current && !ref.current?.open) onCloseRef.current();
      }}
      onMouseDown={(e) => {
        if (dismissOnBackdrop && e.target === e.currentTarget) onCloseRef.current();
      }}
    >
      <div className="modal-frame">
        <header className="modal-header">
          {icon ? <div className={`modal-icon modal-icon-${tone}`}>{icon}</div> : null}
          <div className="modal-heading">
            <h2 id={titleId} className="modal-title">
              {title}
            </h2>
            {description ? <p className="modal-description">{description}</p> : null}
          </div>
          <button type="button" className="icon-button modal-close" aria-label="Close" data-testid={`${testId}-close`} onClick={() => onCloseRef.current()}>
            <Icon name="x" />
          </button>
        </header>
        <div className="modal-body">{children}</div>
        {footer ? <footer className="modal-footer">{footer}</footer> : null}
      </div>
    </dialog>
  );
}
