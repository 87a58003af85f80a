import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR_MS, SampleBuffer } from './sample-buffer.js';

/** The agent's on-disk buffer, on real files: hours rotated and gzipped, bounded by age and size, torn lines skipped, a crash's leftovers finished. */
let dir: string;
let now: number;
const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fd-buffer-'));
  now = T0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const buffer = (o: { keepMs?: number; maxBytes?: number } = {}) => {
  const b = new SampleBuffer(dir, { ...o, now: () => now });
  b.open();
  return b;
};

describe('SampleBuffer', () => {
  it('keeps an hour per file, gzips a finished hour, and reads back in order across them', () => {
    const b = buffer();
    for (let t = T0; t < T0 + 2 * HOUR_MS + 5000; t += 1000) {
      now = t;
      b.append(t, JSON.stringify({ t }));
    }
    expect(readdirSync(dir).sort()).toEqual([`${T0}.jsonl.gz`, `${T0 + HOUR_MS}.jsonl.gz`, `${T0 + 2 * HOUR_MS}.jsonl`]);
    const since = T0 + HOUR_MS - 3000;
    const got = [...b.read(since, T0 + HOUR_MS + 2000)].map((l) => l.t);
    expect(got).toEqual([since + 1000, since + 2000, since + 3000, since + 4000, since + 5000]);
    expect([...b.read(T0 - 1)].length).toBe(2 * 3600 + 5);
    expect(b.status()).toMatchObject({ oldest: T0, newest: T0 + 2 * HOUR_MS + 4000, files: 3 });
    b.close();
  });

  it('drops hours older than it keeps, and the oldest while over its size', () => {
    const b = buffer({ keepMs: 2 * HOUR_MS });
    for (let h = 0; h < 5; h++) {
      now = T0 + h * HOUR_MS;
      b.append(now, JSON.stringify({ pad: 'x'.repeat(1000) }));
    }
    expect(readdirSync(dir).sort()).toEqual([`${T0 + 2 * HOUR_MS}.jsonl.gz`, `${T0 + 3 * HOUR_MS}.jsonl.gz`, `${T0 + 4 * HOUR_MS}.jsonl`]);
    b.close();
    const small = buffer({ maxBytes: 1500 });
    now = T0 + 5 * HOUR_MS;
    small.append(now, JSON.stringify({ pad: 'y'.repeat(1400) }));
    small.prune();
    expect(readdirSync(dir)).toEqual([`${T0 + 5 * HOUR_MS}.jsonl`]); // the hour being written is never dropped
    small.close();
  });

  it('after a crash: a torn last line is skipped, and an hour left plain is gzipped on start', () => {
    const b = buffer();
    b.append(T0 + 1000, '{"a":1}');
    b.close();
    appendFileSync(path.join(dir, `${T0}.jsonl`), `${T0 + 2000} {"a":`); // the agent died mid-write
    now = T0 + HOUR_MS + 10;
    const again = buffer();
    expect(readdirSync(dir)).toEqual([`${T0}.jsonl.gz`]);
    expect([...again.read(0)]).toEqual([{ t: T0 + 1000, json: '{"a":1}' }]);
    again.close();
  });
});
