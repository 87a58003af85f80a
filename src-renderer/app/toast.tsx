import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Icon } from './icons.js';

export type ToastTone = 'info' | 'success' | 'error';

export interface ToastInput {
  tone: ToastTone;
  title: string;
  /** Host-supplied or core-supplied text: rendered as text only. */
  message?: string;
}

interface Toast extends ToastInput {
  id: number;
}

type Notify = (toast: ToastInput) => void;

const ToastContext = createContext<Notify | null>(null);
const MAX_VISIBLE = 4;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), []);
  const notify = useCallback<Notify>((input) => {
    const id = nextId.current++;
    setToasts((list) => [...list, { ...input, id }].slice(-MAX_VISIBLE));
  }, []);

  return (
    <ToastContext.Provider value={notify}>
      {children}
      <div className="toast-region" role="region" aria-label="Notifications" aria-live="polite">
        {toasts.map((t) => (
          <ToastItem key={t.id} toast={t} onDismiss={dismiss} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  const [paused, setPaused] = useState(false);
  useEffect(() => {
    if (paused) return;
    // Errors stay longer: they usually say what to do next.
    const timer = setTimeout(() => onDismiss(toast.id), toast.tone === 'error' ? 12_000 : 5_000);
    return () => clearTimeout(timer);
  }, [paused, toast.id, toast.tone, onDismiss]);

  const icon = toast.tone === 'error' ? 'alert' : toast.tone === 'success' ? 'check' : 'info';
  return (
    <div
      className={`toast toast-${toast.tone}`}
      data-testid="toast"
      data-tone={toast.tone}
      role={toast.tone === 'error' ? 'alert' : 'status'}
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
    >
      <Icon name={icon} size={18} className="toast-icon" />
      <div className="toast-text">
        <div className="toast-title">{toast.title}</div>
        {toast.message ? <div className="toast-message">{toast.message}</div> : null}
      </div>
      <button type="button" className="icon-button toast-close" aria-label="Dismiss" onClick={() => onDismiss(toast.id)}>
        <Icon name="x" size={14} />
      </button>
    </div>
  );
}

export function useToast(): Notify {
  const notify = useContext(ToastContext);
  if (!notify) throw new Error('useToast needs a ToastProvider');
  return useMemo(() => notify, [notify]);
}
