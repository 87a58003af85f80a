import type { ConnectionState } from '../../src-common/hosts/host.schema.js';
import { formatDuration } from '../format.js';
import { formatClock } from '../monitor/monitor-format.js';

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

/**
 * A new host key is a question for the user, not a fault: the connect stopped to let them compare
 * the fingerprint. Nothing is wrong with the host.
 */
export function awaitsHostKeyCheck(state: ConnectionState | undefined): boolean {
  return state?.state === 'failed' && state.problem === 'unknown-hostkey';
}

/**
 * @param asking whether the host-key prompt for this host is open right now (then the app is
 *   waiting for the user; else the key is simply not checked yet)
 */
export function describeConnection(state: ConnectionState, nowMs: number = Date.now(), asking = false): StateView {
  if (awaitsHostKeyCheck(state)) {
    return asking
      ? { tone: 'busy', label: 'Waiting for you to check the host key', detail: null }
      : { tone: 'idle', label: 'Host key not checked yet', detail: 'Connect to compare its fingerprint and trust it.' };
  }
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

/** What the card says about a host that is down: since when, or that it never was up. */
export interface OfflineEvidence {
  /** The newest instant this UI saw the host up: a live sample, an inventory read. */
  lastSeen: number | null;
  /** Its last successful connect from the audit log: null when it never connected, undefined while not known. */
  lastConnected?: number | null;
}

export interface OfflineView {
  text: string;
  /** The instant the text names, for a tooltip with the full date. */
  at: number | null;
  never: boolean;
}

/** Null for hosts that are not down (connected, connecting, never tried, or waiting for a host-key check). */
export function describeOffline(state: ConnectionState, evidence: OfflineEvidence, nowMs: number = Date.now()): OfflineView | null {
  if (state.state === 'lost') return { text: `Offline since ${formatClock(state.since, nowMs)}`, at: state.since, never: false };
  if (state.state !== 'failed' || awaitsHostKeyCheck(state)) return null;
  if (evidence.lastSeen !== null) return { text: `Offline since ${formatClock(evidence.lastSeen, nowMs)}`, at: evidence.lastSeen, never: false };
  if (evidence.lastConnected === null) return { text: 'Never connected', at: null, never: true };
  if (evidence.lastConnected !== undefined) return { text: `Offline · last connected ${formatClock(evidence.lastConnected, nowMs)}`, at: evidence.lastConnected, never: false };
  return { text: 'Offline', at: null, never: false };
}

export interface FleetCounts {
  connected: number;
  /** Down or failing: something to fix. */
  attention: number;
  /** Stopped at a new host key: a question for the user. */
  asking: number;
}

export function fleetCounts(states: readonly ConnectionState[]): FleetCounts {
  const c: FleetCounts = { connected: 0, attention: 0, asking: 0 };
  for (const s of states) {
    if (s.state === 'connected') c.connected += 1;
    else if (awaitsHostKeyCheck(s)) c.asking += 1;
    else if (s.state === 'failed' || s.state === 'lost') c.attention += 1;
  }
  return c;
}

/** The connect button's words: a first try, another try, or the host-key question again. */
export function connectLabel(state: ConnectionState): string {
  if (awaitsHostKeyCheck(state)) return 'Check host key';
  if (state.state === 'lost') return 'Reconnect';
  if (state.state === 'failed') return 'Retry';
  return 'Connect';
}

/** Whether the main action is Connect (else Disconnect, which also cancels a connect in progress). */
export function canConnect(state: ConnectionState): boolean {
  return state.state === 'idle' || state.state === 'failed' || state.state === 'lost';
}

export function isConnected(state: ConnectionState | undefined): boolean {
  return state?.state === 'connected';
}
