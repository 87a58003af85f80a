import { describe, expect, it } from 'vitest';
import { parsePressure, pressureFrom } from './pressure.js';

// As a 6.x kernel prints them (cpu gained its "full" line in 5.13; older kernels have only "some").
const CPU_OLD = 'some avg10=14.19 avg60=3.73 avg300=6.95 total=627349839\n';
const CPU_NEW = 'some avg10=0.48 avg60=3.73 avg300=6.95 total=627349839\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';
const MEMORY = 'some avg10=1.25 avg60=0.40 avg300=0.09 total=1234567\nfull avg10=0.75 avg60=0.20 avg300=0.05 total=654321\n';
const IO = 'some avg10=0.04 avg60=0.10 avg300=0.20 total=99\nfull avg10=0.03 avg60=0.05 avg300=0.10 total=50\n';

describe('PSI', () => {
  it('reads avg10 of the some and full lines', () => {
    expect(parsePressure(MEMORY)).toEqual({ some: 1.25, full: 0.75 });
    expect(parsePressure(CPU_OLD)).toEqual({ some: 14.19, full: null });
    expect(parsePressure(CPU_NEW)).toEqual({ some: 0.48, full: 0 });
  });

  it('is null for a missing file or one without PSI lines (psi=0 kernels answer EOPNOTSUPP, read as null)', () => {
    expect(parsePressure(null)).toBeNull();
    expect(parsePressure('')).toBeNull();
  });

  it('combines the three files; null only when the kernel has none of them', () => {
    expect(pressureFrom(CPU_OLD, MEMORY, IO)).toEqual({ cpuSome: 14.19, memorySome: 1.25, memoryFull: 0.75, ioSome: 0.04, ioFull: 0.03 });
    expect(pressureFrom(CPU_NEW, null, null)).toEqual({ cpuSome: 0.48, memorySome: null, memoryFull: null, ioSome: null, ioFull: null });
    expect(pressureFrom(null, null, null)).toBeNull();
  });
});
