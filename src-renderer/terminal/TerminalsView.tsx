import '@xterm/xterm/css/xterm.css';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { Icon } from '../app/icons.js';
import { useToast } from '../app/toast.js';
import { EmptyState, Kbd, Spinner, StatusDot } from '../app/ui.js';
import { useConnectFlow } from '../hosts/connect-flow.js';
import { useHosts } from '../hosts/use-hosts.js';
import type { TabView } from './terminal-types.js';
import { terminalShortcut } from './terminal-shortcuts.js';
import { useOpenTerminal, useTerminalManager, useTerminals } from './terminals-context.js';
import { NewTerminalForm } from './NewTerminalForm.js';
import { SearchBar } from './TerminalSearchBar.js';
import './terminal.css';

/**
 * The Terminals page. Always mounted (hidden when another page shows) so that running terminals
 * and their scrollback survive page switches.
 *
 * Test ids: terminals-page, terminal-tab-<key> (data-status), terminal-tab-close-<key>,
 * terminal-new-button, terminal-new-form, terminal-new-host, terminal-new-mode, terminal-new-session,
 * terminal-new-open, terminal-pane-<key> (data-status, data-terminal-id), terminal-banner,
 * terminal-reopen, terminal-search, terminal-search-count, terminal-search-next, terminal-search-prev,
 * terminal-search-close, terminal-search-toggle, terminal-zoom-in, terminal-zoom-out, terminal-copy,
 * terminal-paste, terminals-empty.
 */
export function TerminalsView({ visible }: { visible: boolean }) {
  const manager = useTerminalManager();
  const snap = useTerminals();
  const toast = useToast();
  const openTerminal = useOpenTerminal();
  const hosts = useHosts();
  const [newOpen, setNewOpen] = useState(false);
  const panesRef = useRef<HTMLDivElement>(null);
  const active = snap.tabs.find((t) => t.key === snap.activeKey) ?? null;

  // Fit the visible terminal whenever its space changes (window resize, sidebar, page shown).
  useEffect(() => {
    const el = panesRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => manager.fitNow());
    ro.observe(el);
    return () => ro.disconnect();
  }, [manager]);
  useEffect(() => {
    if (visible) requestAnimationFrame(() => {
      manager.fitNow();
      manager.focus();
    });
  }, [visible, manager]);

  const copy = async () => {
    const text = manager.selection();
    if (!text) {
      toast({ tone: 'info', title: 'Nothing selected', message: 'Select text in the terminal first (drag, or double-click a word).' });
      return;
    }
    try {
      await navigator.clipboard.writeText(text);
      toast({ tone: 'success', title: 'Copied', message: `${text.length} characters` });
    } catch {
      toast({ tone: 'error', title: 'Could not copy', message: 'The clipboard is not available here: use your browser\'s copy (right-click) instead.' });
    }
  };
  const paste = async () => {
    try {
      const text = await navigator.clipboard.readText();
      if (text) manager.paste(text);
    } catch {
      toast({ tone: 'error', title: 'Could not paste', message: 'The clipboard is not readable here: use Ctrl+Shift+V or your browser\'s paste instead.' });
    }
    manager.focus();
  };

  useEffect(() => {
    if (!visible) return;
    const onKey = (e: KeyboardEvent) => {
      if (document.querySelector('dialog[open]')) return;
      const what = terminalShortcut(e);
      if (!what) return;
      // Native copy/paste in inputs (the search box) stays native.
      if ((what === 'copy' || what === 'paste') && e.target instanceof HTMLInputElement) return;
      e.preventDefault();
      switch (what) {
        case 'copy':
          void copy();
          break;
        case 'paste':
          void paste();
          break;
        case 'search':
          manager.setSearchOpen(true);
          break;
        case 'new': {
          const host = hosts.data?.find((h) => h.id === active?.hostId);
          if (host) openTerminal(host, active?.mode ?? 'shell', active?.session ?? undefined);
          else setNewOpen(true);
          break;
        }
        case 'close':
          if (active) void manager.close(active.key);
          break;
        case 'prev':
          manager.activateRelative(-1);
          break;
        case 'next':
          manager.activateRelative(1);
          break;
        case 'zoom-in':
          manager.zoom(1);
          break;
        case 'zoom-out':
          manager.zoom(-1);
          break;
        case 'zoom-reset':
          manager.zoom(0);
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <section className={`terminals-page${visible ? '' : ' is-hidden'}`} data-testid="terminals-page" aria-hidden={!visible} aria-label="Terminals">
      <div className="terminal-tabbar">
        <div className="terminal-tabs" role="tablist" aria-label="Open terminals">
          {snap.tabs.map((t) => (
            <TabButton key={t.key} tab={t} active={t.key === snap.activeKey} onSelect={() => manager.activate(t.key)} onClose={() => void manager.close(t.key)} />
          ))}
        </div>
        <button type="button" className="icon-button" aria-label="New terminal" title="New terminal (Ctrl+Shift+`)" aria-expanded={newOpen} onClick={() => setNewOpen((o) => !o)} data-testid="terminal-new-button">
          <Icon name="plus" />
        </button>
        {active ? (
          <div className="terminal-tools">
            <button type="button" className="icon-button" aria-label="Find in the terminal" title="Find (Ctrl+Shift+F)" onClick={() => manager.setSearchOpen(!snap.search.open)} data-testid="terminal-search-toggle">
              <Icon name="search" size={16} />
            </button>
            <button type="button" className="icon-button" aria-label="Copy the selection" title="Copy (Ctrl+Shift+C)" onClick={() => void copy()} data-testid="terminal-copy">
              <Icon name="copy" size={16} />
            </button>
            <button type="button" className="icon-button text-button" aria-label="Paste" title="Paste (Ctrl+Shift+V)" onClick={() => void paste()} data-testid="terminal-paste">
              Paste
            </button>
            <span className="terminal-zoom" role="group" aria-label="Font size">
              <button type="button" className="icon-button text-button" aria-label="Smaller text" title="Smaller (Ctrl+-)" onClick={() => manager.zoom(-1)} data-testid="terminal-zoom-out">
                A−
              </button>
              <span className="terminal-zoom-value" data-testid="terminal-font-size">{snap.fontSize}px</span>
              <button type="button" className="icon-button text-button" aria-label="Larger text" title="Larger (Ctrl+=)" onClick={() => manager.zoom(1)} data-testid="terminal-zoom-in">
                A+
              </button>
            </span>
          </div>
        ) : null}
      </div>
      {newOpen ? <NewTerminalForm hosts={hosts.data ?? []} onCancel={() => setNewOpen(false)} onOpen={(h, mode, session) => { setNewOpen(false); openTerminal(h, mode, session); }} /> : null}
      {active && snap.search.open ? <SearchBar key={active.key} /> : null}
      <div className="terminal-panes" ref={panesRef}>
        {snap.tabs.map((t) => (
          <Pane key={t.key} tab={t} active={t.key === snap.activeKey} />
        ))}
        {snap.tabs.length === 0 && !newOpen ? (
          <EmptyState
            icon="terminal"
            title="No terminals open"
            testId="terminals-empty"
            actions={
              <button type="button" className="button primary" onClick={() => setNewOpen(true)} disabled={!hosts.data?.length}>
                <Icon name="plus" size={14} />
                New terminal
              </button>
            }
          >
            {hosts.data?.length ? (
              <>
                Open a shell on a host — or press <Kbd>T</Kbd> on a host&apos;s page. Terminals keep running while you look at other pages.
              </>
            ) : (
              'Add a host first; then open a shell on it here.'
            )}
          </EmptyState>
        ) : null}
      </div>
    </section>
  );
}

const STATUS_TONE = { waiting: 'busy', opening: 'busy', open: 'ok', lost: 'warn', closed: 'idle', failed: 'error' } as const;
const STATUS_LABEL = { waiting: 'Connecting to the host', opening: 'Opening', open: 'Open', lost: 'Connection lost, reconnecting', closed: 'Ended', failed: 'Could not open' } as const;

function tabLabel(t: TabView): string {
  return t.ordinal > 1 ? `${t.hostName} (${t.ordinal})` : t.hostName;
}

function TabButton({ tab, active, onSelect, onClose }: { tab: TabView; active: boolean; onSelect: () => void; onClose: () => void }) {
  return (
    <div className={`terminal-tab${active ? ' is-active' : ''}`} data-testid={`terminal-tab-${tab.key}`} data-status={tab.status} data-host={tab.hostName}>
      <button type="button" role="tab" aria-selected={active} className="terminal-tab-main" onClick={onSelect} title={`${tabLabel(tab)} — ${STATUS_LABEL[tab.status]}${tab.title ? ` — ${tab.title}` : ''}`}>
        <StatusDot tone={STATUS_TONE[tab.status]} label={STATUS_LABEL[tab.status]} />
        <span className="truncate">{tabLabel(tab)}</span>
        {tab.mode !== 'shell' ? <span className="terminal-mode-badge">{tab.mode}</span> : null}
      </button>
      <button type="button" className="terminal-tab-close" aria-label={`Close the terminal to ${tabLabel(tab)}`} title="Close (Ctrl+Shift+X)" onClick={onClose} data-testid={`terminal-tab-close-${tab.key}`}>
        <Icon name="x" size={12} />
      </button>
    </div>
  );
}

function Pane({ tab, active }: { tab: TabView; active: boolean }) {
  const manager = useTerminalManager();
  const hostRef = useRef<HTMLDivElement>(null);
  const flow = useConnectFlow();
  const hosts = useHosts();
  useLayoutEffect(() => {
    if (hostRef.current) manager.mount(tab.key, hostRef.current);
  }, [manager, tab.key]);
  useEffect(() => {
    if (active) requestAnimationFrame(() => manager.fitNow(tab.key));
  }, [active, manager, tab.key]);
  const host = hosts.data?.find((h) => h.id === tab.hostId);

  return (
    <div className={`terminal-pane${active ? ' is-active' : ''}`} data-testid={`terminal-pane-${tab.key}`} data-status={tab.status} data-terminal-id={tab.terminalId ?? ''} role="tabpanel" aria-label={`Terminal to ${tabLabel(tab)}`}>
      <Banner tab={tab} host={host} onConnect={() => host && flow.connect(host)} connecting={host ? flow.pending.has(host.id) : false} onReopen={() => manager.reopen(tab.key)} onClose={() => void manager.close(tab.key)} />
      <div className="terminal-host" ref={hostRef} />
    </div>
  );
}

function Banner({ tab, host, onConnect, connecting, onReopen, onClose }: { tab: TabView; host: HostWithState | undefined; onConnect: () => void; connecting: boolean; onReopen: () => void; onClose: () => void }) {
  if (tab.status === 'open') return null;
  let body: React.ReactNode;
  let tone = 'info';
  if (tab.status === 'waiting') {
    const failed = host?.connection.state === 'failed';
    tone = failed ? 'error' : 'info';
    body = failed ? (
      <>
        <span>Not connected to {tab.hostName}: {tab.message ?? 'the last attempt failed'}</span>
        <button type="button" className="button small" onClick={onConnect} disabled={connecting}>
          {connecting ? <Spinner /> : null}
          Connect
        </button>
      </>
    ) : (
      <>
        <Spinner />
        <span>Connecting to {tab.hostName}…</span>
      </>
    );
  } else if (tab.status === 'opening') {
    body = (
      <>
        <Spinner />
        <span>Opening a {tab.mode === 'shell' ? 'shell' : `${tab.mode} session`} on {tab.hostName}…</span>
      </>
    );
  } else if (tab.status === 'lost') {
    tone = 'warning';
    body = (
      <>
        <Spinner />
        <span>Connection to {tab.hostName} lost. Fleetdeck is reconnecting; the output above is kept.</span>
      </>
    );
  } else {
    tone = tab.status === 'failed' ? 'error' : 'info';
    body = (
      <>
        <span>{tab.status === 'failed' ? `Could not open a terminal: ${tab.message ?? ''}` : `Session ended: ${tab.message ?? 'closed'}`}</span>
        <button type="button" className="button small" onClick={onReopen} data-testid="terminal-reopen">
          <Icon name="refresh" size={13} />
          {tab.status === 'failed' ? 'Try again' : 'New session'}
        </button>
        <button type="button" className="button small ghost" onClick={onClose}>
          Close tab
        </button>
      </>
    );
  }
  return (
    <div className={`terminal-banner tone-${tone}`} role="status" data-testid="terminal-banner">
      {body}
    </div>
  );
}
