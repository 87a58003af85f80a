import type { TerminalInfo, TerminalMode } from '../../src-common/terminal/terminal.contract.js';
import { TERMINAL_LIMITS } from '../../src-common/terminal/terminal.contract.js';
import type { ApiConnection } from '../api/create-api.js';
import { AckBatcher } from './ack-batcher.js';
import { EarlyOutput } from './early-output.js';
import type { SearchState, TabView, TerminalsSnapshot } from './terminal-types.js';
import { installCspStyleShim } from './csp-style-shim.js';
import { clampFontSize, FONT_SIZES, resolvedTheme, TERMINAL_THEMES } from './terminal-themes.js';
import { TerminalLinkOpener } from './terminal-links.js';
import { clock, createXterm, dividerLine, findIn, YELLOW, type Instance } from './xterm-instance.js';

/**
 * The renderer's terminals, outside React: xterm instances must outlive page switches (their
 * scrollback is the only copy), so React components only mount their containers and read an
 * immutable snapshot of the tabs (useSyncExternalStore).
 * (Tab states: terminal-types.ts.)
 */
const FONT_KEY = 'fleetdeck.terminal.fontSize';

export class TerminalManager {
  private tabs: TabView[] = [];
  private readonly instances = new Map<string, Instance>();
  private readonly byTerminalId = new Map<string, string>();
  private readonly early = new EarlyOutput();
  private readonly listeners = new Set<() => void>();
  private activeKey: string | null = null;
  private fontSize: number;
  private search: SearchState = { open: false, resultIndex: -1, resultCount: 0 };
  private snapshotValue: TerminalsSnapshot;
  private seq = 0;
  private readonly offs: (() => void)[] = [];
  /** Links clicked in terminal output: shown in full before they open (OpenLinkDialog). */
  readonly links: TerminalLinkOpener;

  constructor(private readonly api: ApiConnection) {
    this.links = new TerminalLinkOpener(api.mode);
    installCspStyleShim();
    let stored = NaN;
    try {
      stored = Number(window.localStorage.getItem(FONT_KEY));
    } catch {
      /* storage disabled */
    }
    this.fontSize = stored ? clampFontSize(stored) : FONT_SIZES.default;
    this.snapshotValue = this.buildSnapshot();
    this.offs.push(api.events.terminals.onData((p) => this.onData(p.terminalId, p.data, p.bytes)));
    this.offs.push(api.events.terminals.onState((p) => this.onState(p)));
    const observer = new MutationObserver(() => this.applyTheme());
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    this.offs.push(() => observer.disconnect());
  }

  // ---- store plumbing -------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): TerminalsSnapshot => this.snapshotValue;

  private buildSnapshot(): TerminalsSnapshot {
    return { tabs: this.tabs.map((t) => ({ ...t })), activeKey: this.activeKey, fontSize: this.fontSize, search: { ...this.search } };
  }

  private changed(): void {
    this.snapshotValue = this.buildSnapshot();
    for (const l of this.listeners) l();
  }

  private patch(key: string, change: Partial<TabView>): void {
    this.tabs = this.tabs.map((t) => (t.key === key ? { ...t, ...change } : t));
    this.changed();
  }

  private tab(key: string): TabView | undefined {
    return this.tabs.find((t) => t.key === key);
  }

  // ---- tabs ------------------------------------------------------------------------------

  /** A new tab for a host; it opens as soon as its pane is mounted and the host is connected. */
  openTab(host: { id: number; name: string; connected: boolean }, mode: TerminalMode = 'shell', session?: string): string {
    const key = `k${++this.seq}`;
    const ordinal = Math.max(0, ...this.tabs.filter((t) => t.hostId === host.id).map((t) => t.ordinal)) + 1;
    this.tabs = [
      ...this.tabs,
      { key, hostId: host.id, hostName: host.name, mode, session: session ?? null, terminalId: null, status: host.connected ? 'opening' : 'waiting', message: null, title: null, ordinal },
    ];
    this.instances.set(key, this.createInstance(key));
    this.activeKey = key;
    this.changed();
    return key;
  }

  /** Terminals the core has open that this window does not show (a reloaded page): shown again, output from now on. */
  async adoptOpen(): Promise<void> {
    let list: TerminalInfo[];
    try {
      list = await this.api.client.terminals.list({});
    } catch {
      return;
    }
    const known = new Set(this.byTerminalId.keys());
    // Ours, but the core no longer has them: it restarted while the link was down.
    for (const tid of known) {
      if (!list.some((i) => i.terminalId === tid)) this.onState({ terminalId: tid, state: 'closed', at: Date.now(), message: 'Fleetdeck restarted, which ended this session' });
    }
    for (const info of list) {
      if (known.has(info.terminalId)) continue;
      const key = this.openTab({ id: info.hostId, name: info.hostName, connected: true }, info.mode, info.session ?? undefined);
      this.byTerminalId.set(info.terminalId, key);
      this.patch(key, { terminalId: info.terminalId, status: info.state === 'lost' ? 'lost' : 'open' });
      const inst = this.instances.get(key)!;
      inst.acker = this.newAcker(info.terminalId);
      inst.term.write(dividerLine(`reattached at ${clock(Date.now())}; earlier output was in another window`, inst.term.cols));
      // Whatever the previous window left unacknowledged will never be acknowledged: reset the flow.
      void this.api.client.terminals.ack({ terminalId: info.terminalId, bytes: 2 ** 31 }).catch(() => undefined);
      this.drainEarly(info.terminalId);
    }
  }

  activate(key: string): void {
    if (!this.tab(key)) return;
    this.activeKey = key;
    this.search = { ...this.search, resultIndex: -1, resultCount: 0 };
    this.changed();
    requestAnimationFrame(() => {
      this.fitNow(key);
      this.focus(key);
    });
  }

  activateRelative(step: number): void {
    if (!this.tabs.length) return;
    const i = this.tabs.findIndex((t) => t.key === this.activeKey);
    const next = this.tabs[(i + step + this.tabs.length) % this.tabs.length];
    if (next) this.activate(next.key);
  }

  focus(key: string | null = this.activeKey): void {
    if (key) this.instances.get(key)?.term.focus();
  }

  async close(key: string): Promise<void> {
    const tab = this.tab(key);
    if (!tab) return;
    const inst = this.instances.get(key);
    this.instances.delete(key);
    if (tab.terminalId) this.byTerminalId.delete(tab.terminalId);
    const i = this.tabs.findIndex((t) => t.key === key);
    this.tabs = this.tabs.filter((t) => t.key !== key);
    if (this.activeKey === key) this.activeKey = (this.tabs[Math.min(i, this.tabs.length - 1)] ?? null)?.key ?? null;
    this.changed();
    if (inst) {
      inst.acker?.dispose();
      for (const d of inst.disposers) d();
      inst.term.dispose();
      inst.container.remove();
    }
    if (tab.terminalId && (tab.status === 'open' || tab.status === 'lost')) {
      await this.api.client.terminals.close({ terminalId: tab.terminalId }).catch(() => undefined);
    }
    if (this.activeKey) requestAnimationFrame(() => this.activate(this.activeKey!));
  }

  /** A closed or failed tab opens a new session in place, below the old scrollback. */
  reopen(key: string): void {
    const tab = this.tab(key);
    const inst = this.instances.get(key);
    if (!tab || !inst || (tab.status !== 'closed' && tab.status !== 'failed')) return;
    inst.term.write(dividerLine(`new session at ${clock(Date.now())}`, inst.term.cols));
    this.patch(key, { status: 'opening', message: null, terminalId: null });
    void this.start(key);
  }

  /** The host's connection changed: waiting tabs start once it is connected. */
  hostState(hostId: number, state: string, message?: string): void {
    for (const t of this.tabs) {
      if (t.hostId !== hostId || t.status !== 'waiting') continue;
      if (state === 'connected') {
        this.patch(t.key, { status: 'opening', message: null });
        void this.start(t.key);
      } else if (state === 'failed' && message) this.patch(t.key, { message });
    }
  }

  // ---- xterm instances ---------------------------------------------------------------------

  private createInstance(key: string): Instance {
    return createXterm({
      fontSize: this.fontSize,
      onInput: (data) => this.sendInput(key, data),
      onResize: (cols, rows) => this.scheduleResize(key, cols, rows),
      onTitle: (title) => this.patch(key, { title }),
      onLink: (uri) => this.links.activate(uri),
      onSearchResults: (resultIndex, resultCount) => {
        if (this.activeKey !== key) return;
        this.search = { ...this.search, resultIndex, resultCount };
        this.changed();
      },
    });
  }

  /** A pane's host element is in the document: put the terminal there (first time: open it). */
  mount(key: string, host: HTMLElement): void {
    const inst = this.instances.get(key);
    if (!inst) return;
    if (inst.container.parentElement !== host) host.appendChild(inst.container);
    if (!inst.opened) {
      inst.term.open(inst.container);
      inst.opened = true;
    }
    this.fitNow(key);
    const tab = this.tab(key);
    if (tab?.status === 'opening' && !tab.terminalId) void this.start(key);
  }

  fitNow(key: string | null = this.activeKey): void {
    if (!key) return;
    const inst = this.instances.get(key);
    if (!inst?.opened || !inst.container.isConnected || inst.container.offsetParent === null) return;
    try {
      inst.fit.fit();
    } catch {
      /* not laid out yet */
    }
  }

  private starting = new Set<string>();

  private async start(key: string): Promise<void> {
    const tab = this.tab(key);
    const inst = this.instances.get(key);
    if (!tab || !inst || !inst.opened || this.starting.has(key) || tab.terminalId) return;
    this.starting.add(key);
    this.fitNow(key);
    const cols = clamp(inst.term.cols, TERMINAL_LIMITS.minCols, TERMINAL_LIMITS.maxCols);
    const rows = clamp(inst.term.rows, TERMINAL_LIMITS.minRows, TERMINAL_LIMITS.maxRows);
    try {
      const info = await this.api.client.terminals.open({ id: tab.hostId, cols, rows, mode: tab.mode, ...(tab.session ? { session: tab.session } : {}) });
      if (!this.instances.has(key)) {
        // Closed while opening.
        void this.api.client.terminals.close({ terminalId: info.terminalId }).catch(() => undefined);
        return;
      }
      this.byTerminalId.set(info.terminalId, key);
      inst.acker = this.newAcker(info.terminalId);
      this.patch(key, { terminalId: info.terminalId, status: 'open', session: info.session, message: null });
      this.drainEarly(info.terminalId);
      if (this.activeKey === key) inst.term.focus();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.patch(key, { status: 'failed', message });
    } finally {
      this.starting.delete(key);
    }
  }

  private newAcker(terminalId: string): AckBatcher {
    return new AckBatcher((bytes) => void this.api.client.terminals.ack({ terminalId, bytes }).catch(() => undefined));
  }

  private sendInput(key: string, data: string): void {
    const tab = this.tab(key);
    if (!tab?.terminalId || tab.status !== 'open') return;
    const terminalId = tab.terminalId;
    // Large pastes go in pieces under the API's input limit, in order.
    const max = TERMINAL_LIMITS.maxInput / 4;
    for (let i = 0; i < data.length; i += max) {
      void this.api.client.terminals.input({ terminalId, data: data.slice(i, i + max) }).catch(() => undefined);
    }
  }

  private scheduleResize(key: string, cols: number, rows: number): void {
    const inst = this.instances.get(key);
    if (!inst) return;
    if (inst.resizeTimer) clearTimeout(inst.resizeTimer);
    inst.resizeTimer = setTimeout(() => {
      inst.resizeTimer = null;
      const tab = this.tab(key);
      if (!tab?.terminalId || (tab.status !== 'open' && tab.status !== 'lost')) return;
      void this.api.client.terminals
        .resize({ terminalId: tab.terminalId, cols: clamp(cols, TERMINAL_LIMITS.minCols, TERMINAL_LIMITS.maxCols), rows: clamp(rows, TERMINAL_LIMITS.minRows, TERMINAL_LIMITS.maxRows) })
        .catch(() => undefined);
    }, 60);
  }

  // ---- events from the core ----------------------------------------------------------------

  private onData(terminalId: string, data: string, bytes: number): void {
    const key = this.byTerminalId.get(terminalId);
    const inst = key ? this.instances.get(key) : undefined;
    if (!key || !inst) {
      this.early.push(terminalId, data, bytes);
      return;
    }
    inst.term.write(data, () => inst.acker?.rendered(bytes));
  }

  private drainEarly(terminalId: string): void {
    for (const c of this.early.take(terminalId)) this.onData(terminalId, c.data, c.bytes);
  }

  private onState(p: { terminalId: string; state: string; at: number; reconnected?: boolean; exitCode?: number | null; message?: string }): void {
    const key = this.byTerminalId.get(p.terminalId);
    const inst = key ? this.instances.get(key) : undefined;
    if (!key || !inst) return;
    const cols = inst.term.cols;
    if (p.state === 'lost') {
      if (this.tab(key)?.status !== 'lost') inst.term.write(dividerLine(`connection lost at ${clock(p.at)}, reconnecting…`, cols, YELLOW));
      this.patch(key, { status: 'lost', message: p.message ?? null });
    } else if (p.state === 'open') {
      if (p.reconnected) {
        inst.acker?.dispose();
        inst.acker = this.newAcker(p.terminalId);
        inst.term.write(dividerLine(`reconnected at ${clock(p.at)}`, cols));
      }
      this.patch(key, { status: 'open', message: null });
    } else if (p.state === 'closed') {
      this.byTerminalId.delete(p.terminalId);
      inst.acker?.flush();
      inst.acker = null;
      const why = p.message ?? 'closed';
      inst.term.write(dividerLine(`session ended: ${why.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ')}`, cols));
      this.patch(key, { status: 'closed', message: why, terminalId: null });
    }
  }

  // ---- view options ------------------------------------------------------------------------

  setFontSize(n: number): void {
    this.fontSize = clampFontSize(n);
    try {
      window.localStorage.setItem(FONT_KEY, String(this.fontSize));
    } catch {
      /* storage disabled */
    }
    for (const inst of this.instances.values()) inst.term.options.fontSize = this.fontSize;
    this.fitNow();
    this.changed();
  }

  zoom(step: number): void {
    this.setFontSize(step === 0 ? FONT_SIZES.default : this.fontSize + step);
  }

  private applyTheme(): void {
    const theme = TERMINAL_THEMES[resolvedTheme()];
    for (const inst of this.instances.values()) inst.term.options.theme = theme;
  }

  // ---- search, clipboard ---------------------------------------------------------------------

  setSearchOpen(open: boolean): void {
    this.search = { open, resultIndex: -1, resultCount: 0 };
    if (!open) {
      const inst = this.activeKey ? this.instances.get(this.activeKey) : undefined;
      inst?.search.clearDecorations();
      inst?.term.clearSelection();
      this.focus();
    }
    this.changed();
  }

  find(text: string, direction: 'next' | 'previous', opts: { caseSensitive?: boolean; regex?: boolean } = {}): boolean {
    const inst = this.activeKey ? this.instances.get(this.activeKey) : undefined;
    if (!inst) return false;
    if (!text) {
      inst.search.clearDecorations();
      this.search = { ...this.search, resultIndex: -1, resultCount: 0 };
      this.changed();
      return false;
    }
    return findIn(inst.search, text, direction, opts);
  }

  selection(): string {
    const inst = this.activeKey ? this.instances.get(this.activeKey) : undefined;
    return inst?.term.getSelection() ?? '';
  }

  paste(text: string): void {
    const inst = this.activeKey ? this.instances.get(this.activeKey) : undefined;
    inst?.term.paste(text);
  }

  dispose(): void {
    for (const off of this.offs) off();
    for (const key of [...this.instances.keys()]) void this.close(key);
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Number.isFinite(n) ? Math.round(n) : lo));
}
