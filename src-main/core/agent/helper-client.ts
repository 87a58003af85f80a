import { FleetdeckError, type Problem } from '../../../src-common/problems.js';
import { ProtocolEndpoint, type CallOptions, type ChannelHandle, type OpenOptions } from '../../../src-common/protocol/endpoint.js';
import { PROTOCOL_VERSION, type InitMessage } from '../../../src-common/protocol/messages.js';

/**
 * The core's side of one helper process, whatever carries its stdio (an SSH exec channel, or a
 * local child process). Starting it waits for the helper's init message and refuses a helper
 * whose protocol version or content hash is not the expected one — a stale helper is never used.
 */
export interface HelperTransport {
  write(bytes: Uint8Array): void;
  onData(listener: (chunk: Buffer) => void): void;
  onStderr?(listener: (chunk: Buffer) => void): void;
  /** Called once when the transport is gone (exit code if known). */
  onClose(listener: (info: { code: number | null; signal?: string | null }) => void): void;
  end(): void;
}

export interface StartOptions {
  expectedHash?: string;
  initTimeoutMs?: number;
  /** A label for messages ("gpu-1"). */
  label: string;
}

export class HelperClient {
  private readonly closeListeners: ((p: Problem) => void)[] = [];
  private stderrTail = '';
  private closed: Problem | null = null;

  private constructor(
    private readonly endpoint: ProtocolEndpoint,
    private readonly transport: HelperTransport,
    readonly init: InitMessage,
  ) {}

  static start(transport: HelperTransport, opts: StartOptions): Promise<HelperClient> {
    return new Promise((resolve, reject) => {
      let client: HelperClient | null = null;
      let stderr = '';
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const endpoint = new ProtocolEndpoint((b) => transport.write(b), {
        init: (msg) => {
          if (settled) return; // one init per helper; a second one is ignored, never adopted
          if (msg.version !== PROTOCOL_VERSION) {
            transport.end();
            settle(() => reject(new FleetdeckError('protocol-error', `The helper on ${opts.label} speaks protocol ${msg.version}, this app ${PROTOCOL_VERSION}. It will be redeployed.`)));
            return;
          }
          if (opts.expectedHash && msg.helperHash !== opts.expectedHash) {
            transport.end();
            settle(() => reject(new FleetdeckError('protocol-error', `The helper on ${opts.label} is not the expected build (hash ${msg.helperHash.slice(0, 12)}…).`, { staleHelper: true })));
            return;
          }
          client = new HelperClient(endpoint, transport, msg);
          client.stderrTail = stderr;
          settle(() => resolve(client!));
        },
        closed: (problem) => {
          if (client) client.handleClosed(problem);
          else settle(() => reject(new FleetdeckError(problem.problem, problem.message)));
        },
      });
      const timer = setTimeout(() => {
        transport.end();
        settle(() => reject(new FleetdeckError('timeout', `The helper on ${opts.label} did not start within ${Math.round((opts.initTimeoutMs ?? 15000) / 1000)} s.${stderr ? ` It said: ${lastLines(stderr)}` : ''}`)));
      }, opts.initTimeoutMs ?? 15_000);
      transport.onData((chunk) => endpoint.receive(chunk));
      transport.onStderr?.((chunk) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-4000);
        if (client) client.stderrTail = stderr;
      });
      transport.onClose(({ code, signal }) => {
        const detail = code !== null && code !== undefined ? `exit code ${code}` : signal ? `signal ${signal}` : 'connection closed';
        const said = stderr.trim() ? `: ${lastLines(stderr)}` : '';
        endpoint.shutdown({ problem: 'disconnected', message: `The helper on ${opts.label} stopped (${detail})${said}.` });
      });
    });
  }

  get isClosed(): boolean {
    return this.closed !== null;
  }

  call<T = unknown>(method: string, params: unknown = {}, opts: CallOptions = {}): Promise<T> {
    return this.endpoint.call(method, params, { timeoutMs: 60_000, ...opts }) as Promise<T>;
  }

  open(method: string, params: unknown, opts: OpenOptions): ChannelHandle {
    return this.endpoint.open(method, params, opts);
  }

  onClosed(listener: (p: Problem) => void): () => void {
    if (this.closed) listener(this.closed);
    else this.closeListeners.push(listener);
    return () => {
      const i = this.closeListeners.indexOf(listener);
      if (i >= 0) this.closeListeners.splice(i, 1);
    };
  }

  get stderr(): string {
    return this.stderrTail;
  }

  close(): void {
    this.transport.end();
    this.endpoint.shutdown({ problem: 'disconnected', message: 'The helper was closed.' });
  }

  private handleClosed(problem: Problem): void {
    if (this.closed) return;
    this.closed = problem;
    this.closeListeners.splice(0).forEach((l) => l(problem));
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}
