import { describe, expect, it } from 'vitest';
import { parseIpAddrJson } from './ip-addr.js';

// No `ip -j addr` sample is in the shared fixtures: a hand-written one in iproute2's shape.
describe('parseIpAddrJson', () => {
  it('collects addr/prefix per interface', () => {
    const json = JSON.stringify([
      { ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }, { family: 'inet6', local: '::1', prefixlen: 128 }] },
      { ifname: 'eth0', addr_info: [] },
      { ifname: 'wg0' },
    ]);
    expect(Object.fromEntries(parseIpAddrJson(json))).toEqual({ lo: ['127.0.0.1/8', '::1/128'], eth0: [], wg0: [] });
  });

  it('returns nothing for non-JSON (iproute2 too old for -j)', () => {
    expect(parseIpAddrJson('Option "-j" is unknown').size).toBe(0);
  });
});
