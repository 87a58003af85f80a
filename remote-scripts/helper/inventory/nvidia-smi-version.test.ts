import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiVersion } from './nvidia-smi-version.js';

// The capture file's --version section is checked in nvidia-smi-captures.test.ts.
describe('parseNvidiaSmiVersion', () => {
  it('reads driver and CUDA version', () => {
    expect(parseNvidiaSmiVersion('NVIDIA-SMI version  : 595.71.05\nNVML version        : 595.71\nDRIVER version      : 595.71.05\nCUDA Version        : 13.2\n')).toEqual({ driverVersion: '595.71.05', cudaVersion: '13.2' });
  });
});
