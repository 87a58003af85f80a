import { FleetdeckError, toProblem, type Problem } from '../problems.js';
import { FrameDecoder, FrameError, MAX_FRAME_BYTES, decodeJson, encodeControl, encodeFrame } from './frames.js';
import { DEFAULT_WINDOW_BYTES, isControlMessage, type ControlMessage, type InitMessage } from './messages.js';

/**
 * One end of the helper protocol. The same class runs in the helper (answering calls and
 * serving channels) and in the core (making calls and consuming channels), so both sides
 * agree on framing, ids, cancellation and flow control by construction.
 */
export interface ChannelSink {
  /** Sends bytes; resolves once they fit in the receiver's window (backpressure). */
  send(data: Uint8Array | string): Promise<void>;
  readonly signal: AbortSignal;
}

export interface EndpointHandlers {
  call?(method: string, params: unknown, signal: AbortSignal): Promise<unknown>;
  /** Serves a channel: write with sink.send(); resolve when done, throw a FleetdeckError to close with a problem. */
  open?(method: string, params: unknown, sink: ChannelSink): Promise<void>;
  init?(message: InitMessage): void;
  /** The stream is unusable (malformed frame or transport closed). */
  closed?(problem: Problem): void;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface OpenOptions {
  window?: number;
  /** Called for each data payload; the bytes are acknowledged once it resolves. */
  onData(data: Uint8Array): void | Promise<void>;
}

export interface ChannelHandle {
  /** Resolves when the sender finished (done + close), rejects with the close problem. */
  finished: Promise<void>;
  close(): void;
}

interface PendingCall {
  resolve(v: unknown): void;
  reject(e: FleetdeckError): void;
  timer?: ReturnType<typeof setTimeout>;
}

interface OutChannel {
  inFlight: number;
  window: number;
  waiters: (() => void)[];
  abort: AbortController;
}

interface InChannel {
  opts: OpenOptions;
  window: number;
  /** Bytes received and not yet acknowledged: a sender that ignores the window is cut off. */
  unacked: number;
  resolve(): void;
  reject(e: FleetdeckError): void;
  queue: Promise<void>;
}

export class ProtocolEndpoint {
  private readonly decoder = new FrameDecoder();
  private nextId = 1;
  private nextChannel = 1;
  private readonly pending = new Map<number, PendingCall>();
  private readonly serving = new Map<number, AbortController>();
  private readonly out = new Map<string, OutChannel>();
  private readonly inbound = new Map<string, InChannel>();
  private closedProblem: Problem | null = null;

  constructor(
    private readonly write: (bytes: Uint8Array) => void,
    private readonly handlers: EndpointHandlers = {},
    private readonly channelPrefix = 'c',
  ) {}

  get isClosed(): boolean {
    return this.closedProblem !== null;
  }

  /** Feeds received bytes. A malformed stream closes the endpoint with protocol-error. */
  receive(chunk: Uint8Array): void {
    if (this.closedProblem) return;
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const message = err instanceof FrameError ? err.message : String(err);
      this.shutdown({ problem: 'protocol-error', message: `The helper stream is corrupt (${message}).` });
      return;
    }
    for (const frame of frames) {
      if (this.closedProblem) return;
      if (frame.channel === '') {
        let msg: unknown;
        try {
          msg = decodeJson(frame.payload);
        } catch (err) {
          this.shutdown({ problem: 'protocol-error', message: `The helper stream is corrupt (${(err as Error).message}).` });
          return;
        }
        if (!isControlMessage(msg)) {
          this.shutdown({ problem: 'protocol-error', message: 'Received an unknown control message.' });
          return;
        }
        this.onControl(msg);
      } else {
        this.onData(frame.channel, frame.payload);
      }
    }
  }

  sendControl(message: ControlMessage): void {
    if (this.closedProblem) return;
    this.write(encodeControl(message));
  }

  call(method: string, params: unknown, opts: CallOptions = {}): Promise<unknown> {
    if (this.closedProblem) return Promise.reject(new FleetdeckError(this.closedProblem.problem, this.closedProblem.message));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const entry: PendingCall = { resolve, reject };
      this.pending.set(id, entry);
      if (opts.timeoutMs) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          this.sendControl({ command: 'cancel', id });
          reject(new FleetdeckError('timeout', `The host did not answer "${method}" within ${Math.round(opts.timeoutMs! / 1000)} s.`));
        }, opts.timeoutMs);
      }
      opts.signal?.addEventListener(
        'abort',
        () => {
          if (!this.pending.delete(id)) return;
          if (entry.timer) clearTimeout(entry.timer);
          this.sendControl({ command: 'cancel', id });
          reject(new FleetdeckError('cancelled', `"${method}" was cancelled.`));
        },
        { once: true },
      );
      this.sendControl({ command: 'call', id, method, params });
    });
  }

  open(method: string, params: unknown, opts: OpenOptions): ChannelHandle {
    const channel = `${this.channelPrefix}${this.nextChannel++}`;
    let handle!: InChannel;
    const finished = new Promise<void>((resolve, reject) => {
      handle = { opts, window: opts.window ?? DEFAULT_WINDOW_BYTES, unacked: 0, resolve, reject, queue: Promise.resolve() };
    });
    finished.catch(() => undefined);
    if (this.closedProblem) {
      handle.reject(new FleetdeckError(this.closedProblem.problem, this.closedProblem.message));
    } else {
      this.inbound.set(channel, handle);
      this.sendControl({ command: 'open', channel, method, params, window: handle.window });
    }
    return {
      finished,
      close: () => {
        if (!this.inbound.delete(channel)) return;
        this.sendControl({ command: 'close', channel });
        handle.reject(new FleetdeckError('cancelled', 'The channel was closed.'));
      },
    };
  }

  /** Marks the endpoint unusable and fails everything outstanding with the given problem. */
  shutdown(problem: Problem): void {
    if (this.closedProblem) return;
    this.closedProblem = problem;
    const err = new FleetdeckError(problem.problem, problem.message, problem.details);
    for (const [, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    for (const [, c] of this.inbound) c.reject(err);
    this.inbound.clear();
    for (const [, c] of this.out) {
      c.abort.abort();
      c.waiters.splice(0).forEach((w) => w());
    }
    this.out.clear();
    for (const [, a] of this.serving) a.abort();
    this.serving.clear();
    this.handlers.closed?.(problem);
  }

  private onControl(msg: ControlMessage): void {
    switch (msg.command) {
      case 'init':
        this.handlers.init?.(msg);
        return;
      case 'call':
        void this.serveCall(msg.id, msg.method, msg.params);
        return;
      case 'cancel':
        this.serving.get(msg.id)?.abort();
        return;
      case 'reply': {
        const p = this.pending.get(msg.id);
        if (!p) return; // cancelled or timed out already
        this.pending.delete(msg.id);
        if (p.timer) clearTimeout(p.timer);
        if ('problem' in msg) p.reject(new FleetdeckError(msg.problem.problem, msg.problem.message, msg.problem.details));
        else p.resolve(msg.result);
        return;
      }
      case 'open':
        void this.serveChannel(msg.channel, msg.method, msg.params, msg.window);
        return;
      case 'ack': {
        const c = this.out.get(msg.channel);
        if (!c) return;
        c.inFlight = Math.max(0, c.inFlight - msg.bytes);
        while (c.inFlight < c.window && c.waiters.length) c.waiters.shift()!();
        return;
      }
      case 'ready':
      case 'done':
        return;
      case 'close': {
        const inbound = this.inbound.get(msg.channel);
        if (inbound) {
          this.inbound.delete(msg.channel);
          // Let queued data handlers finish before reporting the end.
          void inbound.queue.then(() => {
            if (msg.problem) inbound.reject(new FleetdeckError(msg.problem.problem, msg.problem.message, msg.problem.details));
            else inbound.resolve();
          });
        }
        const outbound = this.out.get(msg.channel);
        if (outbound) {
          outbound.abort.abort();
          outbound.waiters.splice(0).forEach((w) => w());
        }
        return;
      }
      case 'ping':
        this.sendControl({ command: 'pong', seq: msg.seq });
        return;
      case 'pong':
        return;
    }
  }

  private onData(channel: string, payload: Uint8Array): void {
    const c = this.inbound.get(channel);
    if (!c) return; // data racing a close we sent
    c.unacked += payload.length;
    // One frame of slack: the sender may start a frame just under the window.
    if (c.unacked > c.window + MAX_FRAME_BYTES) {
      this.shutdown({ problem: 'protocol-error', message: `The helper ignored flow control on channel ${channel} (${c.unacked} bytes unacknowledged).` });
      return;
    }
    c.queue = c.queue.then(async () => {
      try {
        await c.opts.onData(payload);
      } finally {
        c.unacked -= payload.length;
        this.sendControl({ command: 'ack', channel, bytes: payload.length });
      }
    });
  }

  private async serveCall(id: number, method: string, params: unknown): Promise<void> {
    const abort = new AbortController();
    this.serving.set(id, abort);
    try {
      if (!this.handlers.call) throw new FleetdeckError('not-found', `No such method: ${method}`);
      const result = await this.handlers.call(method, params, abort.signal);
      if (!abort.signal.aborted) this.sendControl({ command: 'reply', id, result: result ?? null });
    } catch (err) {
      if (!abort.signal.aborted) this.sendControl({ command: 'reply', id, problem: toProblem(err) });
    } finally {
      this.serving.delete(id);
    }
  }

  private async serveChannel(channel: string, method: string, params: unknown, window: number): Promise<void> {
    const state: OutChannel = { inFlight: 0, window: Math.max(1024, window), waiters: [], abort: new AbortController() };
    this.out.set(channel, state);
    const sink: ChannelSink = {
      signal: state.abort.signal,
      send: async (data) => {
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        while (state.inFlight >= state.window && !state.abort.signal.aborted) {
          await new Promise<void>((r) => state.waiters.push(r));
        }
        if (state.abort.signal.aborted) throw new FleetdeckError('cancelled', 'The channel was closed by the other side.');
        state.inFlight += bytes.length;
        this.write(encodeFrame(channel, bytes));
      },
    };
    this.sendControl({ command: 'ready', channel });
    try {
      if (!this.handlers.open) throw new FleetdeckError('not-found', `No such channel method: ${method}`);
      await this.handlers.open(method, params, sink);
      if (!state.abort.signal.aborted) {
        this.sendControl({ command: 'done', channel });
        this.sendControl({ command: 'close', channel });
      }
    } catch (err) {
      if (!state.abort.signal.aborted) this.sendControl({ command: 'close', channel, problem: toProblem(err) });
    } finally {
      this.out.delete(channel);
    }
  }
}
