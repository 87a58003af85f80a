import { describe, expect, it } from 'vitest';
import { canConnect, describeConnection } from './connection-state.js';

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
