import type { ConnectionState } from '../../src-common/hosts/host.schema.js';
import { formatDuration } from '../format.js';

/** The connect sequence: tcp → host key → auth → bootstrap → helper init. */
export const CONNECT_STEPS = 5;

export type StateTone = 'idle' | 'busy' | 'ok' | 'warn' | 'error';

export interface StateView {
  tone: StateTone;
  /** Short label for a badge: "Connected", "Connecting · 2/5 host key". */
  label: string;
  /** Longer text for a card or page (a failure's message, written for people by the core). */
  detail: string | null;
}

const FAILURE_LABELS: Record<string, string> = {
  'unknown-hostkey': 'Host key not trusted yet',
  'hostkey-changed': 'Host key changed',
  'hostkey-revoked': 'Host key revoked',
  'authentication-failed': 'Authentication failed',
  'sudo-required': 'Needs sudo password',
  timeout: 'Timed out',
  'unsupported-os': 'Unsupported OS',
  'no-exec-dir': 'No executable directory',
  'access-denied': 'Access denied',
};

/** Seconds since a core timestamp; never negative (the page clock ticks coarsely and may lag the core's). */
function elapsed(sinceMs: number, nowMs: number): number {
  return Math.max(0, (nowMs - sinceMs) / 1000);
}

export function describeConnection(state: ConnectionState, nowMs: number = Date.now()): StateView {
  switch (state.state) {
    case 'idle':
      return { tone: 'idle', label: 'Not connected', detail: null };
    case 'connecting':
      return {
        tone: 'busy',
        label: `Connecting · ${state.step}/${Math.max(CONNECT_STEPS, state.step)} ${state.stepName}`,
        detail: null,
      };
    case 'connected':
      return { tone: 'ok', label: 'Connected', detail: elapsed(state.since, nowMs) < 60 ? 'Connected just now' : `Connected for ${formatDuration(elapsed(state.since, nowMs))}` };
    case 'lost':
      return { tone: 'warn', label: 'Connection lost', detail: `Lost ${formatDuration(elapsed(state.since, nowMs))} ago` };
    case 'reconnecting':
      return {
        tone: 'warn',
        label: `Reconnecting · attempt ${state.attempt}`,
        detail: state.nextInMs > 0 ? `Next try in ${formatDuration(Math.ceil(state.nextInMs / 1000))}` : null,
      };
    case 'failed':
      return { tone: 'error', label: FAILURE_LABELS[state.problem] ?? 'Connection failed', detail: state.message };
  }
}

/** Whether the main action is Connect (else Disconnect, which also cancels a connect in progress). */
export function canConnect(state: ConnectionState): boolean {
  return state.state === 'idle' || state.state === 'failed' || state.state === 'lost';
}

export function isConnected(state: ConnectionState | undefined): boolean {
  return state?.state === 'connected';
}
