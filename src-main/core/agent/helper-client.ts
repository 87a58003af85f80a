import * as z from 'zod/mini';
import { FleetdeckError, type Problem } from '../../../src-common/problems.js';
import { describeSchemaIssues } from '../../../src-common/protocol/bounds.js';
import type { HelperChannelDef, HelperParams, HelperRequestDef, HelperResult } from '../../../src-common/protocol/helper-api.js';
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
    private readonly label: string,
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
          client = new HelperClient(endpoint, transport, msg, opts.label);
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

  /**
   * Calls a declared helper method. The reply is untrusted (the host may be compromised): it is
   * checked against the declared result schema, and one that does not fit is refused with
   * protocol-error, so nothing from it is stored or shown.
   */
  async request<D extends HelperRequestDef>(def: D, params: HelperParams<D>, opts: CallOptions = {}): Promise<HelperResult<D>> {
    const p = z.safeParse(def.params, params);
    if (!p.success) throw new FleetdeckError('invalid-input', `${def.method}: ${describeSchemaIssues(p.error)}`);
    const raw = await this.endpoint.call(def.method, p.data, { timeoutMs: 60_000, ...opts });
    return checkReply(def.result, raw, def.method, this.label) as HelperResult<D>;
  }

  /** Opens a declared channel. Each item is the consumer's to check (checkReply with def.item). */
  open<D extends HelperChannelDef>(def: D, params: HelperParams<D>, opts: OpenOptions): ChannelHandle {
    const p = z.safeParse(def.params, params);
    if (!p.success) throw new FleetdeckError('invalid-input', `${def.method}: ${describeSchemaIssues(p.error)}`);
    return this.endpoint.open(def.method, p.data, opts);
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

/** A value from a host checked against its declared schema; protocol-error (naming where it failed) if it does not fit. */
export function checkReply<S extends z.core.$ZodType>(schema: S, raw: unknown, method: string, label: string): z.output<S> {
  const r = z.safeParse(schema, raw);
  if (r.success) return r.data;
  throw new FleetdeckError('protocol-error', `${label} answered ${method} with data that does not fit its schema (${describeSchemaIssues(r.error)}). Nothing from it was used. The host may run a modified helper: reconnect to redeploy it.`);
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}
