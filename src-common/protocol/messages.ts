import type { Problem } from '../problems.js';

/** Protocol version spoken by this build; the core refuses a helper speaking another. */
export const PROTOCOL_VERSION = 1;

/** Bytes a channel's sender may have in flight before it waits for an ack. */
export const DEFAULT_WINDOW_BYTES = 256 * 1024;

export type Superuser = 'none' | 'try' | 'require';

export interface InitMessage {
  command: 'init';
  version: number;
  helperHash: string;
  capabilities: string[];
  pid: number;
  uid: number;
  user: string;
  node: string;
}

export interface CallMessage {
  command: 'call';
  id: number;
  method: string;
  params: unknown;
}

export type ReplyMessage = { command: 'reply'; id: number; result: unknown } | { command: 'reply'; id: number; problem: Problem };

export interface CancelMessage {
  command: 'cancel';
  id: number;
}

export interface OpenMessage {
  command: 'open';
  channel: string;
  method: string;
  params: unknown;
  window: number;
}

export interface ReadyMessage {
  command: 'ready';
  channel: string;
}
export interface AckMessage {
  command: 'ack';
  channel: string;
  bytes: number;
}
export interface DoneMessage {
  command: 'done';
  channel: string;
}
export interface CloseMessage {
  command: 'close';
  channel: string;
  problem?: Problem;
}

export interface PingMessage {
  command: 'ping' | 'pong';
  seq: number;
}

export type ControlMessage =
  | InitMessage
  | CallMessage
  | ReplyMessage
  | CancelMessage
  | OpenMessage
  | ReadyMessage
  | AckMessage
  | DoneMessage
  | CloseMessage
  | PingMessage;

const COMMANDS = new Set(['init', 'call', 'reply', 'cancel', 'open', 'ready', 'ack', 'done', 'close', 'ping', 'pong']);

/** Structural check of a decoded control message; anything else is a protocol error. */
export function isControlMessage(value: unknown): value is ControlMessage {
  if (!value || typeof value !== 'object') return false;
  const m = value as Record<string, unknown>;
  if (typeof m.command !== 'string' || !COMMANDS.has(m.command)) return false;
  switch (m.command) {
    case 'call':
      return Number.isInteger(m.id) && typeof m.method === 'string';
    case 'reply': {
      if (!Number.isInteger(m.id)) return false;
      if (!('problem' in m)) return 'result' in m;
      const p = m.problem as Record<string, unknown> | null;
      return !!p && typeof p === 'object' && typeof p.problem === 'string' && typeof p.message === 'string';
    }
    case 'cancel':
      return Number.isInteger(m.id);
    case 'open':
      return typeof m.channel === 'string' && m.channel !== '' && typeof m.method === 'string' && Number.isInteger(m.window);
    case 'ready':
    case 'done':
    case 'close':
      return typeof m.channel === 'string' && m.channel !== '';
    case 'ack':
      return typeof m.channel === 'string' && Number.isInteger(m.bytes);
    case 'init':
      return Number.isInteger(m.version) && typeof m.helperHash === 'string';
    default:
      return true;
  }
}
