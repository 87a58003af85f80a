/** How the renderer talks to the core: the Electron preload bridge or a WebSocket. */

export interface LinkStatus {
  /** connecting: first try or a retry in progress; open: usable; down: waiting to retry. */
  state: 'connecting' | 'open' | 'down';
  /** Failed attempts in a row. */
  attempt: number;
  /** When the next try starts (epoch ms), while down. */
  retryAt: number | null;
  /** Whether the link ever worked in this page's life (a first failure usually means a bad URL or token). */
  everConnected: boolean;
}

export type LinkListener = (status: LinkStatus) => void;

export interface Transport {
  start(): void;
  /** Resolves with the result; rejects with a FleetdeckError (`.problem`, `.message`, `.details`). */
  call(method: string, params: unknown): Promise<unknown>;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
  link(): LinkStatus;
  onLink(listener: LinkListener): () => void;
  retryNow(): void;
  dispose(): void;
}
