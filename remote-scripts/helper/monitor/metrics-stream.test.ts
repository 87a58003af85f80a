import { describe, expect, it } from 'vitest';
import type { ChannelSink } from '../../../src-common/protocol/endpoint.js';
import { fakeContext } from '../inventory/fake-context.test-util.js';
import { nextTick, serveMetricsStream, sleep, streamInterval } from './metrics-stream.js';

function counterSampler() {
  let n = 0;
  return { sampler: { sample: async () => ({ n: n++ }) }, taken: () => n };
}

function sink(onSend: (line: string, abort: () => void) => Promise<void> | void): ChannelSink & { lines: string[] } {
  const ac = new AbortController();
  const lines: string[] = [];
  return {
    lines,
    signal: ac.signal,
    async send(data) {
      lines.push(String(data));
      await onSend(String(data), () => ac.abort());
    },
  };
}

describe('metrics.stream1', () => {
  it('clamps the interval to 250 ms .. 60 s, 1 s by default', () => {
    expect(streamInterval({})).toBe(1000);
    expect(streamInterval(null)).toBe(1000);
    expect(streamInterval({ intervalMs: 10 })).toBe(250);
    expect(streamInterval({ intervalMs: 3_600_000 })).toBe(60_000);
    expect(streamInterval({ intervalMs: 'soon' })).toBe(1000);
    expect(streamInterval({ intervalMs: 1500.4 })).toBe(1500);
  });

  it('schedules on a fixed grid and skips ticks that passed', () => {
    expect(nextTick(2000, 1500, 1000)).toBe(2000);
    expect(nextTick(2000, 2000, 1000)).toBe(3000);
    expect(nextTick(2000, 4700, 1000)).toBe(5000);
  });

  it('sends one JSON line per sample, without the priming sample, until the consumer closes', async () => {
    const { sampler, taken } = counterSampler();
    const s = sink((_line, abort) => {
      if (s.lines.length === 3) abort();
    });
    const started = Date.now();
    await serveMetricsStream(fakeContext({}), { intervalMs: 250 }, s, { sampler });
    expect(s.lines.map((l) => JSON.parse(l))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(s.lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(taken()).toBe(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 250 - 20);
  });

  it('a slow consumer gets fewer samples, never a backlog: nothing is sampled while send() blocks', async () => {
    const { sampler, taken } = counterSampler();
    const s = sink(async (_line, abort) => {
      await new Promise((r) => setTimeout(r, 600)); // the window is full for 600 ms
      if (s.lines.length === 3) abort();
    });
    const started = Date.now();
    await serveMetricsStream(fakeContext({}), { intervalMs: 250 }, s, { sampler });
    const elapsed = Date.now() - started;
    expect(s.lines).toHaveLength(3);
    expect(taken()).toBe(4);
    // 3 sends of 600 ms each, with the next sample on the first tick after each send.
    expect(elapsed).toBeGreaterThanOrEqual(3 * 600);
    expect(elapsed).toBeLessThan(3 * 600 + 4 * 250 + 400);
  });

  it('stops quietly when send() fails because the consumer closed', async () => {
    const { sampler } = counterSampler();
    const ac = new AbortController();
    const closing: ChannelSink = {
      signal: ac.signal,
      send: async () => {
        ac.abort();
        throw new Error('The channel was closed by the other side.');
      },
    };
    await expect(serveMetricsStream(fakeContext({}), { intervalMs: 250 }, closing, { sampler })).resolves.toBeUndefined();
  });

  it('sleep() wakes early on abort', async () => {
    const ac = new AbortController();
    const t = Date.now();
    setTimeout(() => ac.abort(), 20);
    await sleep(5000, ac.signal);
    expect(Date.now() - t).toBeLessThan(1000);
  });
});
