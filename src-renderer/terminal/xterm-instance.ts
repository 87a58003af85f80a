import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal } from '@xterm/xterm';
import type { AckBatcher } from './ack-batcher.js';
import { isAppShortcut } from './terminal-shortcuts.js';
import { resolvedTheme, TERMINAL_THEMES } from './terminal-themes.js';

/**
 * One xterm.js terminal as the app uses it: add-ons (fit, search, links, Unicode 11 widths),
 * options, its container, and the lines Fleetdeck itself writes into the scrollback.
 */
export interface Instance {
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
  acker: AckBatcher | null;
  container: HTMLDivElement;
  opened: boolean;
  disposers: (() => void)[];
  resizeTimer: ReturnType<typeof setTimeout> | null;
}

const FONT_FAMILY = '"DejaVu Sans Mono", "Cascadia Mono", Menlo, Consolas, "Liberation Mono", monospace';
const SCROLLBACK_LINES = 10_000;

export interface XtermHandlers {
  fontSize: number;
  /** Keystrokes and pastes, for the host. */
  onInput: (data: string) => void;
  onResize: (cols: number, rows: number) => void;
  /** The title the remote shell set (OSC 0/2): untrusted text, cut to 200 characters; null when cleared. */
  onTitle: (title: string | null) => void;
  onSearchResults: (resultIndex: number, resultCount: number) => void;
  /** A link in the output was clicked (plain URL text or an OSC 8 hyperlink): host data, see terminal-links.ts. */
  onLink: (uri: string) => void;
}

export function createXterm(h: XtermHandlers): Instance {
  const term = new Terminal({
    allowProposedApi: true, // unicode11 and search decorations
    fontFamily: FONT_FAMILY,
    fontSize: h.fontSize,
    scrollback: SCROLLBACK_LINES,
    cursorBlink: true,
    theme: TERMINAL_THEMES[resolvedTheme()],
    allowTransparency: false,
    macOptionIsMeta: true,
    rightClickSelectsWord: true,
    // OSC 8 hyperlinks: their text can say anything, so they go where URL text goes (xterm's
    // default would confirm() and open them itself).
    linkHandler: { activate: (_event, uri) => h.onLink(uri), allowNonHttpProtocols: false },
  });
  const fit = new FitAddon();
  const search = new SearchAddon();
  term.loadAddon(fit);
  term.loadAddon(search);
  term.loadAddon(new Unicode11Addon());
  term.unicode.activeVersion = '11';
  term.loadAddon(
    new WebLinksAddon((event, uri) => {
      event.preventDefault();
      h.onLink(uri);
    }),
  );
  // The app's shortcuts are not sent to the host.
  term.attachCustomKeyEventHandler((e) => !isAppShortcut(e));
  const container = document.createElement('div');
  container.className = 'terminal-surface';
  const subscriptions = [
    term.onData(h.onInput),
    term.onResize(({ cols, rows }) => h.onResize(cols, rows)),
    term.onTitleChange((title) => h.onTitle(title.slice(0, 200) || null)),
    search.onDidChangeResults(({ resultIndex, resultCount }) => h.onSearchResults(resultIndex, resultCount)),
  ];
  return { term, fit, search, acker: null, container, opened: false, disposers: subscriptions.map((d) => () => d.dispose()), resizeTimer: null };
}

/** Finds text in a terminal's scrollback, highlighting every match; false for none (or an unfinished regular expression). */
export function findIn(search: SearchAddon, text: string, direction: 'next' | 'previous', opts: { caseSensitive?: boolean; regex?: boolean }): boolean {
  const dark = resolvedTheme() === 'dark';
  const options = {
    caseSensitive: opts.caseSensitive ?? false,
    regex: opts.regex ?? false,
    decorations: {
      matchBackground: dark ? '#5a4a12' : '#fff1a8',
      matchOverviewRuler: '#d29922',
      activeMatchBackground: dark ? '#b0770a' : '#f5b700',
      activeMatchColorOverviewRuler: '#f5b700',
    },
  };
  try {
    return direction === 'next' ? search.findNext(text, options) : search.findPrevious(text, options);
  } catch {
    return false;
  }
}

const DIM = '\x1b[2m';
export const YELLOW = '\x1b[33m';
const RESET = '\x1b[0m';

export function clock(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A full-width divider line written into the scrollback (never sent to the host). */
export function dividerLine(text: string, cols: number, colour = DIM): string {
  const label = ` ${text} `;
  const side = Math.max(2, Math.floor((Math.max(cols, label.length + 4) - label.length) / 2));
  return `\r\n${colour}${'─'.repeat(side)}${label}${'─'.repeat(side)}${RESET}\r\n`;
}
