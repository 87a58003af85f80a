import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { timeAgainstOneMegabyteBound } from '../../../test/fuzz/fuzz.test-util.js';
import { countTopology, parseCpuinfo } from './cpuinfo.js';

// No cpuinfo sample is in the shared fixtures, so these are short hand-written excerpts of the
// per-architecture layouts, plus a sanity check against this machine's own file.
const x86TwoSocketsHt = [0, 1, 2, 3, 4, 5, 6, 7]
  .map((n) => {
    const socket = n % 2;
    const core = Math.floor(n / 2) % 2;
    return `processor\t: ${n}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz\nphysical id\t: ${socket}\nsiblings\t: 4\ncore id\t\t: ${core}\ncpu cores\t: 2\n`;
  })
  .join('\n');

const raspberryPi4 = `processor\t: 0\nBogoMIPS\t: 108.00\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n\nprocessor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n\nHardware\t: BCM2835\nRevision\t: c03114\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n`;

const graviton2 = `processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n\nprocessor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n`;

describe('parseCpuinfo', () => {
  it('counts sockets, cores and threads on x86 with hyper-threading', () => {
    expect(parseCpuinfo(x86TwoSocketsHt)).toEqual({ model: 'Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz', sockets: 2, cores: 4, threads: 8, topologyKnown: true });
  });

  it('takes the board model on a Raspberry Pi and defaults topology', () => {
    expect(parseCpuinfo(raspberryPi4)).toEqual({ model: 'Raspberry Pi 4 Model B Rev 1.4', sockets: 1, cores: 2, threads: 2, topologyKnown: false });
  });

  it('names common arm64 server parts', () => {
    expect(parseCpuinfo(graviton2).model).toBe('ARM Neoverse-N1');
  });

  it('returns zeros for an empty file', () => {
    expect(parseCpuinfo('')).toEqual({ model: 'unknown', sockets: 0, cores: 0, threads: 0, topologyKnown: false });
  });

  it('reads this machine', () => {
    const info = parseCpuinfo(readFileSync('/proc/cpuinfo', 'utf8'));
    expect(info.threads).toBeGreaterThan(0);
    expect(info.cores).toBeLessThanOrEqual(info.threads);
    expect(info.model).not.toBe('');
  });

  it('counts topology from sysfs-style pairs', () => {
    expect(countTopology([{ physicalId: '0', coreId: '0' }, { physicalId: '0', coreId: '0' }, { physicalId: '0', coreId: '1' }])).toEqual({ sockets: 1, cores: 2, threads: 3 });
  });
});

describe('parseCpuinfo on hostile input', () => {
  it('reads 3 MB of processor blocks within the campaign bound for 1 MB (the global blocks were found by scanning every processor per block)', () => {
    const text = 'processor\t: 0\n\n'.repeat(210_000);
    const { ms, boundMs, output } = timeAgainstOneMegabyteBound(() => parseCpuinfo(text));
    expect(ms).toBeLessThan(boundMs);
    expect(output.threads).toBe(210_000);
  });
});
