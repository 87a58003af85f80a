import { describe, expect, it } from 'vitest';
import { readFixture } from './fixtures.test-util.js';
import { parseLoadavg } from './loadavg.js';

describe('parseLoadavg', () => {
  it('reads the procfs fixture', () => {
    expect(parseLoadavg(readFixture('proc/loadavg/procfs-fixture'))).toEqual({ one: 0.02, five: 0.04, fifteen: 0.05, running: 1, total: 497, lastPid: 11947 });
  });

  it('rejects garbage', () => {
    expect(parseLoadavg('')).toBeNull();
    expect(parseLoadavg('n/a')).toBeNull();
  });
});
