import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { api, apiEvents } from '../../../src-common/api.js';
import type { ConnectionState, Host } from '../../../src-common/hosts/host.schema.js';
import { FleetdeckError, toProblem } from '../../../src-common/problems.js';
import {
  DEFAULT_TMUX_SESSION,
  TERMINAL_WATERMARKS,
  type TerminalInfo,
  type TerminalMode,
  type TerminalState,
} from '../../../src-common/terminal/terminal.contract.js';
import type { AuditEntry } from '../audit/audit-log.js';
import type { EventBus } from '../events.js';
import type { HostSession } from '../hosts/host-session.js';
import { handlersFor, type Capability } from '../capability.js';

/**
 * Terminals on hosts: ssh2 pty channels on the host session's link (so the same host-key, auth
 * and sudo rules apply as for every other call; a password typed into the shell goes straight
 * to the host and is never seen here as such).
 *
 * Flow control: output is counted when it arrives and acknowledged by the front end after
 * xterm has rendered it. Above the high watermark the channel is paused, which stops ssh2 from
 * widening the SSH window, which stops the remote `cat`: memory stays bounded by the watermark.
 *
 * A dropped link leaves the terminal "lost" (its scrollback lives in the front end); when the
 * host session reconnects, a new channel is opened in its place and the front end is told
 * `reconnected`, to draw a divider. tmux/screen modes reattach to the same session.
 */
export interface TerminalDeps {
  events: EventBus;
  session: (hostId: number) => HostSession;
  host: (hostId: number) => Host;
  audit: (e: AuditEntry) => void;
  /** Overridable for tests. */
  watermarks?: { high: number; low: number };
}

export interface OpenOptions {
  cols: number;
  rows: number;
  mode: TerminalMode;
  session?: string;
}

interface Terminal {
  info: TerminalInfo;
  channel: ClientChannel | null;
  generation: number;
  decoder: StringDecoder;
  unacked: number;
  paused: boolean;
  exitCode: number | null | undefined;
  exitSignal: string | null;
  pendingText: string;
  pendingBytes: number;
  flushScheduled: boolean;
  reopening: boolean;
  /** Set when the user (or a host removal) closed it: a late channel close means nothing then. */
  closing: boolean;
}

/** Most terminals one core keeps open (each is an SSH channel on some host). */
export const MAX_TERMINALS = 100;
/** Coalesce output into events of at most this many bytes (fewer, larger wire messages). */
const MAX_EVENT_BYTES = 256 * 1024;

/**
 * tmux/screen: attach to the named session or create it. A fixed script, the name passed as an
 * argument ($1) — never spliced into the script text.
 */
function attachArgv(mode: 'tmux' | 'screen', session: string): string[] {
  const script =
    mode === 'tmux'
      ? 'command -v tmux >/dev/null 2>&1 || { echo "tmux is not installed on this host. Install it (e.g. apt install tmux) or open a plain shell." >&2; exit 127; }; exec tmux new-session -A -s "$1"'
      : 'command -v screen >/dev/null 2>&1 || { echo "screen is not installed on this host. Install it (e.g. apt install screen) or open a plain shell." >&2; exit 127; }; exec screen -xRR -S "$1"';
  return ['sh', '-c', script, 'fleetdeck-terminal', session];
}

export class TerminalService implements Capability {
  handlers() {
    return handlersFor(api.terminals, {
      open: async (p) => this.open(p.id, { cols: p.cols, rows: p.rows, mode: p.mode, session: p.session }),
      input: async (p) => this.input(p.terminalId, p.data),
      resize: async (p) => this.resize(p.terminalId, p.cols, p.rows),
      ack: async (p) => this.ack(p.terminalId, p.bytes),
      close: async (p) => ({ closed: this.close(p.terminalId) }),
      list: async () => this.list(),
    });
  }

  private readonly terminals = new Map<string, Terminal>();
  private readonly offState: () => void;
  private readonly marks: { high: number; low: number };

  constructor(private readonly deps: TerminalDeps) {
    this.marks = deps.watermarks ?? TERMINAL_WATERMARKS;
    this.offState = deps.events.on((name, payload) => {
      if (name !== apiEvents.hosts.onState.name) return;
      const { id, connection } = payload as { id: number; connection: ConnectionState };
      this.onHostState(id, connection);
    });
  }

  list(): TerminalInfo[] {
    return [...this.terminals.values()].map((t) => ({ ...t.info }));
  }

  async open(hostId: number, opts: OpenOptions): Promise<TerminalInfo> {
    if (this.terminals.size >= MAX_TERMINALS) throw new FleetdeckError('invalid-input', `${MAX_TERMINALS} terminals are open already: close some first.`);
    const host = this.deps.host(hostId);
    const session = opts.mode === 'shell' ? null : (opts.session ?? DEFAULT_TMUX_SESSION);
    const terminalId = `t${randomBytes(8).toString('hex')}`;
    const info: TerminalInfo = {
      terminalId,
      hostId,
      hostName: host.name,
      user: host.user,
      mode: opts.mode,
      session,
      cols: opts.cols,
      rows: opts.rows,
      openedAt: Date.now(),
      state: 'opening',
    };
    const t: Terminal = {
      info,
      channel: null,
      generation: 0,
      decoder: new StringDecoder('utf8'),
      unacked: 0,
      paused: false,
      exitCode: undefined,
      exitSignal: null,
      pendingText: '',
      pendingBytes: 0,
      flushScheduled: false,
      reopening: false,
      closing: false,
    };
    const what = `${opts.mode === 'shell' ? 'terminal' : `${opts.mode} session "${session}"`} as ${host.user} on ${host.name}`;
    try {
      await this.attach(t);
    } catch (err) {
      const p = toProblem(err);
      this.deps.audit({ hostId, hostName: host.name, operation: 'terminal.open', summary: `open ${what}`, result: 'failed', problem: p.problem });
      throw err;
    }
    this.terminals.set(terminalId, t);
    info.state = 'open';
    this.deps.audit({ hostId, hostName: host.name, operation: 'terminal.open', summary: `opened ${what} (${terminalId})`, result: 'ok' });
    return { ...info };
  }

  /** Opens a channel for t on its host's current link and wires it up. */
  private async attach(t: Terminal): Promise<void> {
    const { info } = t;
    const argv = info.mode === 'shell' ? undefined : attachArgv(info.mode, info.session ?? DEFAULT_TMUX_SESSION);
    const { channel, generation } = await this.deps.session(info.hostId).openPty({ term: 'xterm-256color', cols: info.cols, rows: info.rows, width: 0, height: 0 }, argv);
    t.channel = channel;
    t.generation = generation;
    t.decoder = new StringDecoder('utf8');
    t.unacked = 0;
    t.paused = false;
    t.exitCode = undefined;
    t.exitSignal = null;
    const onData = (chunk: Buffer) => this.onOutput(t, channel, chunk);
    channel.on('data', onData);
    channel.stderr.on('data', onData);
    channel.on('exit', (code: number | null, signal?: string) => {
      t.exitCode = typeof code === 'number' ? code : null;
      t.exitSignal = signal ?? null;
    });
    channel.on('error', () => undefined);
    channel.on('close', () => this.onChannelClose(t, channel));
  }

  private onOutput(t: Terminal, channel: ClientChannel, chunk: Buffer): void {
    if (t.channel !== channel) return;
    t.unacked += chunk.length;
    t.pendingText += t.decoder.write(chunk);
    t.pendingBytes += chunk.length;
    if (!t.paused && t.unacked >= this.marks.high) {
      t.paused = true;
      channel.pause();
    }
    if (t.pendingBytes >= MAX_EVENT_BYTES) this.flush(t);
    else if (!t.flushScheduled) {
      t.flushScheduled = true;
      setImmediate(() => this.flush(t));
    }
  }

  private flush(t: Terminal): void {
    t.flushScheduled = false;
    if (!t.pendingBytes) return;
    const data = t.pendingText;
    const bytes = t.pendingBytes;
    t.pendingText = '';
    t.pendingBytes = 0;
    this.deps.events.emit(apiEvents.terminals.onData.name, { terminalId: t.info.terminalId, data, bytes });
  }

  private emitState(t: Terminal, state: TerminalState, extra: { reconnected?: boolean; exitCode?: number | null; message?: string } = {}): void {
    t.info.state = state;
    this.deps.events.emit(apiEvents.terminals.onState.name, { terminalId: t.info.terminalId, state, at: Date.now(), ...extra });
  }

  private onChannelClose(t: Terminal, channel: ClientChannel): void {
    if (t.channel !== channel) return;
    // The rest of a split UTF-8 sequence will never come.
    t.pendingText += t.decoder.end();
    this.flush(t);
    t.channel = null;
    if (t.closing) return;
    if (t.exitCode !== undefined) {
      const message = t.exitSignal ? `ended by signal ${t.exitSignal}` : `exited with status ${t.exitCode}`;
      this.finish(t, message, t.exitCode);
      return;
    }
    // No exit status: either the link dropped (the session notices in a moment) or the server
    // closed just this channel. Look again once the session has had time to see its link.
    setTimeout(() => {
      if (!this.terminals.has(t.info.terminalId) || t.channel || t.closing) return;
      const session = this.deps.session(t.info.hostId);
      if (session.state.state === 'connected' && session.linkGeneration === t.generation) {
        this.finish(t, `${t.info.hostName} closed the terminal`, null);
      } else {
        this.emitState(t, 'lost', { message: `The connection to ${t.info.hostName} dropped; Fleetdeck reconnects and reopens this terminal.` });
        if (session.state.state === 'connected') void this.reopen(t);
      }
    }, 300).unref?.();
  }

  private onHostState(hostId: number, connection: ConnectionState): void {
    for (const t of this.terminals.values()) {
      if (t.info.hostId !== hostId) continue;
      if (connection.state === 'connected' && t.info.state === 'lost') void this.reopen(t);
      else if (connection.state === 'idle') this.closeTerminal(t, `disconnected from ${t.info.hostName}`);
      else if (connection.state === 'failed') this.closeTerminal(t, `${t.info.hostName}: ${connection.message}`);
    }
  }

  private async reopen(t: Terminal): Promise<void> {
    if (t.reopening || t.channel || t.closing) return;
    t.reopening = true;
    try {
      await this.attach(t);
      // Closed while we were reopening: drop the new channel.
      const reopened = t.channel as ClientChannel | null;
      if (t.closing) {
        reopened?.close();
        return;
      }
      this.emitState(t, 'open', { reconnected: true });
    } catch (err) {
      // The next "connected" state tries again; a failed session closes the terminal.
      this.emitState(t, 'lost', { message: toProblem(err).message });
    } finally {
      t.reopening = false;
    }
  }

  private get(terminalId: string): Terminal {
    const t = this.terminals.get(terminalId);
    if (!t) throw new FleetdeckError('not-found', 'That terminal is closed. Open a new one.');
    return t;
  }

  async input(terminalId: string, data: string): Promise<{ ok: true }> {
    const t = this.get(terminalId);
    if (!t.channel) throw new FleetdeckError('disconnected', `${t.info.hostName} is reconnecting: type again once the terminal is back.`);
    t.channel.write(data);
    return { ok: true };
  }

  async resize(terminalId: string, cols: number, rows: number): Promise<{ ok: true }> {
    const t = this.get(terminalId);
    t.info.cols = cols;
    t.info.rows = rows;
    t.channel?.setWindow(rows, cols, 0, 0);
    return { ok: true };
  }

  async ack(terminalId: string, bytes: number): Promise<{ ok: true }> {
    const t = this.get(terminalId);
    t.unacked = Math.max(0, t.unacked - bytes);
    if (t.paused && t.unacked <= this.marks.low) {
      t.paused = false;
      t.channel?.resume();
    }
    return { ok: true };
  }

  /** Bytes sent but not yet acknowledged (tests and the benchmark watch that it stays bounded). */
  unacked(terminalId: string): number {
    return this.get(terminalId).unacked;
  }

  close(terminalId: string): boolean {
    const t = this.terminals.get(terminalId);
    if (!t) return false;
    this.closeTerminal(t, 'closed');
    return true;
  }

  closeHost(hostId: number, why: string): void {
    for (const t of [...this.terminals.values()]) if (t.info.hostId === hostId) this.closeTerminal(t, why);
  }

  private closeTerminal(t: Terminal, why: string): void {
    t.closing = true;
    const ch = t.channel;
    t.channel = null;
    if (ch) {
      this.flush(t);
      try {
        ch.close();
      } catch {
        /* the link is gone already */
      }
    }
    this.finish(t, why, null);
  }

  private finish(t: Terminal, message: string, exitCode: number | null): void {
    if (!this.terminals.delete(t.info.terminalId)) return;
    this.emitState(t, 'closed', { exitCode, message });
    const minutes = Math.max(0, Math.round((Date.now() - t.info.openedAt) / 60_000));
    this.deps.audit({
      hostId: t.info.hostId,
      hostName: t.info.hostName,
      operation: 'terminal.close',
      summary: `closed terminal ${t.info.terminalId} as ${t.info.user} on ${t.info.hostName} after ${minutes} min: ${message}`,
      result: 'ok',
    });
  }

  dispose(): void {
    this.offState();
    for (const t of [...this.terminals.values()]) this.closeTerminal(t, 'Fleetdeck quit');
  }
}
