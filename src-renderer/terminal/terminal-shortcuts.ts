/** What a key press means to the terminals page (null: not ours; the terminal gets it). */
export type TerminalShortcut = 'copy' | 'paste' | 'search' | 'new' | 'close' | 'prev' | 'next' | 'zoom-in' | 'zoom-out' | 'zoom-reset';

/**
 * Terminal shortcuts need Ctrl+Shift (plain Ctrl+C/V/F/W belong to the shell). Browser-reserved
 * keys (Ctrl+Shift+T/W, Ctrl+PageUp) are avoided: they never reach a page.
 */
export function terminalShortcut(e: Pick<KeyboardEvent, 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey' | 'key' | 'code'>): TerminalShortcut | null {
  const mod = e.ctrlKey || e.metaKey;
  if (!mod || e.altKey) return null;
  if (e.shiftKey) {
    switch (e.code) {
      case 'KeyC':
        return 'copy';
      case 'KeyV':
        return 'paste';
      case 'KeyF':
        return 'search';
      case 'Backquote':
        return 'new';
      case 'KeyX':
        return 'close';
      case 'BracketLeft':
        return 'prev';
      case 'BracketRight':
        return 'next';
    }
  }
  if (e.key === '=' || e.key === '+') return 'zoom-in';
  if (e.key === '-' || e.key === '_') return 'zoom-out';
  if (e.key === '0' && !e.shiftKey) return 'zoom-reset';
  return null;
}

/** Keys xterm must not send to the host because the app handles them. */
export function isAppShortcut(e: KeyboardEvent): boolean {
  return terminalShortcut(e) !== null;
}
