import { describe, expect, it } from 'vitest';
import { EarlyOutput } from './early-output.js';

describe('EarlyOutput', () => {
  it('keeps chunks per terminal in order until taken', () => {
    const e = new EarlyOutput(100);
    e.push('t1', 'a', 1);
    e.push('t2', 'x', 1);
    e.push('t1', 'b', 1);
    expect(e.take('t1').map((c) => c.data)).toEqual(['a', 'b']);
    expect(e.take('t1')).toEqual([]);
    expect(e.take('t2').map((c) => c.data)).toEqual(['x']);
  });

  it('drops the oldest terminal past the limit', () => {
    const e = new EarlyOutput(10);
    e.push('old', 'a', 6);
    e.push('new', 'b', 6);
    expect(e.take('old')).toEqual([]);
    expect(e.take('new').map((c) => c.data)).toEqual(['b']);
  });
});
