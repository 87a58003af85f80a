import { useEffect, useRef } from 'react';

export interface ShortcutHandlers {
  addHost: () => void;
  focusFilter: () => void;
  showHelp: () => void;
  /** 1-based tab number on a host page. */
  selectTab: (n: number) => void;
  /** T: a terminal to the host whose page is showing. */
  openTerminal: () => void;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
}

/** Global keys. Esc is left to the dialogs (native <dialog>) and inputs. */
export function useShortcuts(handlers: ShortcutHandlers): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      // Dialogs own the keyboard while open.
      if (document.querySelector('dialog[open]')) return;
      const h = ref.current;
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'n') {
        e.preventDefault();
        h.addHost();
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (e.key === 'n' || e.key === 'N') {
        e.preventDefault();
        h.addHost();
      } else if (e.key === '/') {
        e.preventDefault();
        h.focusFilter();
      } else if (e.key === 't' || e.key === 'T') {
        e.preventDefault();
        h.openTerminal();
      } else if (e.key === '?') {
        e.preventDefault();
        h.showHelp();
      } else if (/^[1-9]$/.test(e.key)) {
        h.selectTab(Number(e.key));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
