import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetDev } from './net-dev.js';

// No /proc/net/dev sample is in the shared fixtures: short hand-written samples
// in the kernel's layout, plus this machine's own file.
const netDev = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  123456     789    0    0    0     0          0         0   123456     789    0    0    0     0       0          0
  eth0:98765432109 1234567    1    2    0     0          0        10 1234567890  765432    3    4    0     0       0          0
`;

describe('parseNetDev', () => {
  it('reads rx/tx counters per interface, skipping the two header lines', () => {
    const m = parseNetDev(netDev);
    expect([...m.keys()]).toEqual(['lo', 'eth0']);
    expect(m.get('eth0')).toEqual({ rxBytes: 98765432109, rxPackets: 1234567, rxErrors: 1, rxDropped: 2, txBytes: 1234567890, txPackets: 765432, txErrors: 3, txDropped: 4 });
  });

  it('reads this machine', () => {
    const m = parseNetDev(readFileSync('/proc/net/dev', 'utf8'));
    expect(m.size).toBeGreaterThan(0);
  });
});
