import { describe, expect, it } from 'vitest';
import { nvBytes, nvNumber, nvText } from './nvidia-values.js';

describe('nvidia-smi value conventions', () => {
  it.each(['N/A', '[N/A]', '[Not Supported]', 'Requested functionality has been deprecated', '[Requested functionality has been deprecated]', '[Unknown Error]', '', '  '])('"%s" is missing', (raw) => {
    expect(nvText(raw)).toBeNull();
    expect(nvNumber(raw)).toBeNull();
    expect(nvBytes(raw)).toBeNull();
  });

  it('reads numbers with units', () => {
    expect(nvNumber('26.78 W')).toBe(26.78);
    expect(nvNumber('40 C')).toBe(40);
    expect(nvNumber('100 %')).toBe(100);
    expect(nvNumber('-8 C')).toBe(-8);
    expect(nvNumber('P0')).toBeNull();
  });

  it('converts sizes to bytes, taking the unit from the value or the header', () => {
    expect(nvBytes('1005 MiB')).toBe(1005 * 1024 ** 2);
    expect(nvBytes('19818MiB')).toBe(19818 * 1024 ** 2);
    expect(nvBytes('80 GiB')).toBe(80 * 1024 ** 3);
    expect(nvBytes('2566', 'MiB')).toBe(2566 * 1024 ** 2);
    expect(nvBytes('12 parsecs')).toBeNull();
  });
});
