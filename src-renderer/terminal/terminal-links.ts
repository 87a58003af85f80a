import { displayUrl, webLink } from '../../src-common/links.js';

/**
 * Links in terminal output come from the host: a program, a file, a message of the day, an
 * OSC 8 hyperlink whose visible text need not match where it goes. So a link is opened only
 * after its full URL was shown: in the desktop app the shell's native dialog does that (every
 * window.open goes through it); in a browser there is no shell, so the app asks in a modal.
 * Only http(s) links are ever opened.
 */

/** What the dialog shows of a URL at most; the rest is counted, not shown. */
export const MAX_LINK_DISPLAY_CHARS = 300;

export type TerminalLinkDecision =
  | { action: 'refuse' }
  /** Hand it to window.open: the desktop shell asks with the full URL itself. */
  | { action: 'open'; url: string }
  | { action: 'confirm'; link: PendingLink };

export interface PendingLink {
  /** The parsed URL: exactly what is opened. */
  url: string;
  /** The URL to show: escaped and cut. Text, never markup. */
  display: string;
  /** The host that is really visited (punycode for an international name), to show apart. */
  site: string;
}

export function decideTerminalLink(raw: string, mode: 'electron' | 'web'): TerminalLinkDecision {
  const link = webLink(raw);
  if (!link) return { action: 'refuse' };
  if (mode === 'electron') return { action: 'open', url: link.url };
  return { action: 'confirm', link: { url: link.url, display: displayLink(link.url), site: displayLink(link.site, 100) } };
}

/** A URL as the modal shows it (src-common/links.ts). */
export function displayLink(text: string, max = MAX_LINK_DISPLAY_CHARS): string {
  return displayUrl(text, max);
}

/**
 * The renderer's link state, outside React (the terminals are): a link click decides, and a
 * link that needs confirming waits here until the modal confirms or cancels it. A newer click
 * replaces a waiting link.
 */
export class TerminalLinkOpener {
  private pending: PendingLink | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly mode: 'electron' | 'web',
    private readonly openWindow: (url: string) => void = (url) => void window.open(url, '_blank', 'noopener,noreferrer'),
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): PendingLink | null => this.pending;

  /** A link in a terminal was activated (clicked). */
  activate(raw: string): void {
    const decision = decideTerminalLink(raw, this.mode);
    if (decision.action === 'open') this.openWindow(decision.url);
    else if (decision.action === 'confirm') this.set(decision.link);
  }

  confirm(): void {
    const link = this.pending;
    if (!link) return;
    this.set(null);
    this.openWindow(link.url);
  }

  cancel(): void {
    if (this.pending) this.set(null);
  }

  private set(link: PendingLink | null): void {
    this.pending = link;
    for (const l of this.listeners) l();
  }
}
