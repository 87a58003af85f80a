import { describe, expect, it } from 'vitest';
import { canConnect, connectLabel, describeConnection, describeOffline, fleetCounts } from './connection-state.js';

describe('describeConnection', () => {
  const now = 1_700_000_000_000;
  it('describes each state', () => {
    expect(describeConnection({ state: 'idle' })).toEqual({ tone: 'idle', label: 'Not connected', detail: null });
    expect(describeConnection({ state: 'connecting', step: 2, stepName: 'host key' }).label).toBe('Connecting · 2/5 host key');
    expect(describeConnection({ state: 'connected', since: now - 3_600_000 }, now)).toMatchObject({ tone: 'ok', detail: 'Connected for 1h' });
    expect(describeConnection({ state: 'connected', since: now + 5_000 }, now).detail).toBe('Connected just now');
    expect(describeConnection({ state: 'lost', since: now - 30_000 }, now)).toMatchObject({ tone: 'warn', label: 'Connection lost' });
    expect(describeConnection({ state: 'reconnecting', attempt: 3, nextInMs: 4000 })).toMatchObject({
      label: 'Reconnecting · attempt 3',
      detail: 'Next try in 4s',
    });
  });

  it('shows a failure with the message written by the core', () => {
    const view = describeConnection({ state: 'failed', problem: 'timeout', message: 'gpu-2 did not answer on port 22 within 10 s.' });
    expect(view).toEqual({ tone: 'error', label: 'Timed out', detail: 'gpu-2 did not answer on port 22 within 10 s.' });
    expect(describeConnection({ state: 'failed', problem: 'something-new', message: 'x' }).label).toBe('Connection failed');
  });
});

describe('canConnect', () => {
  it('offers Connect only when not connected or on the way', () => {
    expect(canConnect({ state: 'idle' })).toBe(true);
    expect(canConnect({ state: 'failed', problem: 'timeout', message: '' })).toBe(true);
    expect(canConnect({ state: 'connected', since: 0 })).toBe(false);
    expect(canConnect({ state: 'connecting', step: 1, stepName: 'tcp' })).toBe(false);
    expect(canConnect({ state: 'reconnecting', attempt: 1, nextInMs: 0 })).toBe(false);
  });
});

describe('a host-key question and a host that never connected (issue 9, #11)', () => {
  const now = new Date(2025, 2, 14, 11, 20).getTime();
  const at1113 = new Date(2025, 2, 14, 11, 13).getTime();
  const hostKey = { state: 'failed', problem: 'unknown-hostkey', message: 'The host key of [127.0.0.1]:2222 is not known yet.' } as const;
  const refused = { state: 'failed', problem: 'disconnected', message: '127.0.0.1:1 refused the connection.' } as const;

  it('shows an open host-key prompt as a question, not an error', () => {
    const view = describeConnection(hostKey, now, true);
    expect(view.label).toBe('Waiting for you to check the host key');
    expect(view.tone).not.toBe('error');
    // The prompt closed unanswered: still not a fault.
    expect(describeConnection(hostKey, now, false)).toMatchObject({ tone: 'idle', label: 'Host key not checked yet' });
    expect(connectLabel(hostKey)).toBe('Check host key');
  });

  it('says nothing about being offline while the key is being checked', () => {
    expect(describeOffline(hostKey, { lastSeen: null, lastConnected: null }, now)).toBeNull();
    expect(describeOffline(hostKey, { lastSeen: at1113 }, now)).toBeNull();
  });

  it('says "never connected" for a host that never was, and since when for one that was', () => {
    expect(describeOffline(refused, { lastSeen: null, lastConnected: null }, now)).toEqual({ text: 'Never connected', at: null, never: true });
    expect(describeOffline(refused, { lastSeen: at1113 }, now)?.text).toBe('Offline since 11:13');
    expect(describeOffline(refused, { lastSeen: null, lastConnected: at1113 }, now)?.text).toBe('Offline · last connected 11:13');
    expect(describeOffline(refused, { lastSeen: null }, now)?.text).toBe('Offline');
    expect(describeOffline({ state: 'lost', since: at1113 }, { lastSeen: null, lastConnected: null }, now)?.text).toBe('Offline since 11:13');
    expect(describeOffline({ state: 'connected', since: at1113 }, { lastSeen: null }, now)).toBeNull();
    expect(describeOffline({ state: 'idle' }, { lastSeen: null, lastConnected: null }, now)).toBeNull();
    expect(connectLabel(refused)).toBe('Retry');
    expect(connectLabel({ state: 'idle' })).toBe('Connect');
  });

  it('does not count a host-key question as a host that needs attention', () => {
    expect(fleetCounts([hostKey, refused, { state: 'connected', since: 0 }, { state: 'lost', since: 0 }, { state: 'idle' }])).toEqual({ connected: 1, attention: 2, asking: 1 });
  });
});
