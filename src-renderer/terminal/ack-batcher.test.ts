import { afterEach, describe, expect, it, vi } from 'vitest';
import { AckBatcher } from './ack-batcher.js';

describe('AckBatcher', () => {
  afterEach(() => vi.useRealTimers());

  it('acks once per threshold and the tail after the delay', () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    const b = new AckBatcher((n) => sent.push(n), { threshold: 100, delayMs: 10 });
    b.rendered(60);
    expect(sent).toEqual([]);
    b.rendered(60);
    expect(sent).toEqual([120]);
    b.rendered(7);
    vi.advanceTimersByTime(9);
    expect(sent).toEqual([120]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([120, 7]);
  });

  it('never acks more than was rendered, and nothing after dispose', () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    const b = new AckBatcher((n) => sent.push(n), { threshold: 1000, delayMs: 5 });
    for (let i = 0; i < 10; i++) b.rendered(33);
    b.rendered(0);
    b.rendered(-5);
    b.flush();
    expect(sent).toEqual([330]);
    b.rendered(50);
    b.dispose();
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([330]);
  });
});
