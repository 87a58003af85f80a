import type { TerminalMode } from '../../src-common/terminal/terminal.contract.js';

/** waiting (the host is not connected yet; the connect flow runs) → opening → open ⇄ lost → closed; failed when the core refused to open one. */
export type TabStatus = 'waiting' | 'opening' | 'open' | 'lost' | 'closed' | 'failed';

export interface TabView {
  key: string;
  hostId: number;
  hostName: string;
  mode: TerminalMode;
  session: string | null;
  terminalId: string | null;
  status: TabStatus;
  /** Why it is lost, closed or failed. Host text: render as text only. */
  message: string | null;
  /** The title the remote shell set (OSC 0/2), untrusted text. */
  title: string | null;
  /** 1 for the first terminal to a host, 2 for the second, … */
  ordinal: number;
}

export interface SearchState {
  open: boolean;
  resultIndex: number;
  resultCount: number;
}

export interface TerminalsSnapshot {
  tabs: readonly TabView[];
  activeKey: string | null;
  fontSize: number;
  search: SearchState;
}
