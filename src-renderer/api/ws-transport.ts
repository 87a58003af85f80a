import { FleetdeckError } from '../../src-common/problems.js';
import type { WireRequest } from '../../src-common/wire.js';
import { toApiError } from './api-error.js';
import type { LinkListener, LinkStatus, Transport } from './transport.js';

/** The subset of the browser WebSocket we use, so tests can drive a fake one. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface WsTransportOptions {
  url: string;
  createSocket: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Delay before reconnect attempt n (1-based). */
  backoff?: (attempt: number) => number;
}

const OPEN = 1;

/** 0.5 s, 1 s, 2 s … capped at 15 s, with ±20% jitter so many tabs do not reconnect in lockstep. */
export function defaultBackoff(attempt: number): number {
  const base = Math.min(15_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: FleetdeckError) => void;
  /** Serialized request while it waits for the link; null once sent. */
  frame: string | null;
}

/**
 * Request/response and pushed events over one WebSocket to the core, reconnecting with backoff.
 * Calls made while the link is down wait for it; calls already sent when it drops are rejected
 * with `disconnected`, since we cannot know whether the core ran them.
 */
export class WsTransport implements Transport {
  private socket: SocketLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly linkListeners = new Set<LinkListener>();
  private status: LinkStatus = { state: 'connecting', attempt: 0, retryAt: null, everConnected: false };
  private timer: unknown = null;
  private disposed = false;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly backoff: (attempt: number) => number;

  constructor(private readonly options: WsTransportOptions) {
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.backoff = options.backoff ?? defaultBackoff;
  }

  start(): void {
    if (!this.socket && !this.disposed) this.open();
  }

  call(method: string, params: unknown): Promise<unknown> {
    if (this.disposed) return Promise.reject(new FleetdeckError('cancelled', 'The app is shutting down.'));
    const id = this.nextId++;
    const request: WireRequest = { id, method, params };
    const frame = JSON.stringify(request);
    return new Promise((resolve, reject) => {
      const entry: Pending = { resolve, reject, frame };
      this.pending.set(id, entry);
      if (this.socket?.readyState === OPEN) this.send(entry);
    });
  }

  subscribe(event: string, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  link(): LinkStatus {
    return this.status;
  }

  onLink(listener: LinkListener): () => void {
    this.linkListeners.add(listener);
    return () => {
      this.linkListeners.delete(listener);
    };
  }

  /** Skips the backoff wait (the banner's "Retry now", or the browser coming back online). */
  retryNow(): void {
    if (this.disposed || this.status.state !== 'down') return;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.open();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'closing');
    }
    this.failPending(() => true, new FleetdeckError('cancelled', 'The app is shutting down.'));
    this.listeners.clear();
    this.linkListeners.clear();
  }

  private setStatus(next: LinkStatus): void {
    this.status = next;
    for (const l of [...this.linkListeners]) l(next);
  }

  private open(): void {
    this.setStatus({ ...this.status, state: 'connecting', retryAt: null });
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.options.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.setStatus({ state: 'open', attempt: 0, retryAt: null, everConnected: true });
      for (const entry of this.pending.values()) if (entry.frame !== null) this.send(entry);
    };
    socket.onmessage = (ev) => {
      if (this.socket === socket) this.receive(ev.data);
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting is handled there.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.failPending(
        (p) => p.frame === null,
        new FleetdeckError('disconnected', 'The link to the Fleetdeck core dropped before it answered. Try again once it is back.'),
      );
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.disposed) return;
    const attempt = this.status.attempt + 1;
    const delay = this.backoff(attempt);
    this.setStatus({ state: 'down', attempt, retryAt: Date.now() + delay, everConnected: this.status.everConnected });
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.open();
    }, delay);
  }

  private send(entry: Pending): void {
    if (!this.socket || entry.frame === null) return;
    try {
      this.socket.send(entry.frame);
      entry.frame = null;
    } catch {
      // Still queued: it goes out when the link is back.
    }
  }

  private failPending(which: (p: Pending) => boolean, error: FleetdeckError): void {
    for (const [id, entry] of [...this.pending]) {
      if (!which(entry)) continue;
      this.pending.delete(id);
      entry.reject(error);
    }
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      console.warn('fleetdeck: ignored a frame that is not JSON');
      return;
    }
    if (!message || typeof message !== 'object') return;
    const m = message as Record<string, unknown>;
    if (typeof m.id === 'number') {
      const entry = this.pending.get(m.id);
      if (!entry) return;
      this.pending.delete(m.id);
      if ('problem' in m) entry.reject(toApiError(m.problem));
      else entry.resolve(m.result);
      return;
    }
    if (typeof m.event === 'string') {
      const set = this.listeners.get(m.event);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          listener(m.payload);
        } catch (err) {
          console.error('fleetdeck: event listener failed', err);
        }
      }
    }
  }
}
