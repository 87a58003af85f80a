import { describe, expect, it } from 'vitest';
import { readFixture } from './fixtures.test-util.js';
import { parseNvidiaSmiList } from './nvidia-smi-list.js';

describe('parseNvidiaSmiList', () => {
  it('reads a single consumer GPU', () => {
    expect(parseNvidiaSmiList(readFixture('nvidia-smi/list/rtx4080super-single.txt'))).toEqual([
      { index: 0, name: 'NVIDIA GeForce RTX 4080 SUPER', uuid: 'GPU-00000000-0000-0000-0000-000000000000', migDevices: [] },
    ]);
  });

  it('attaches MIG devices to their GPU', () => {
    const text = 'GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-aaaa)\n  MIG 1g.5gb      Device  0: (UUID: MIG-bbbb)\n  MIG 1g.5gb      Device  1: (UUID: MIG-cccc)\nGPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-dddd)\n';
    const gpus = parseNvidiaSmiList(text);
    expect(gpus.map((g) => g.migDevices.length)).toEqual([2, 0]);
    expect(gpus[0]!.migDevices[1]).toEqual({ profile: '1g.5gb', device: 1, uuid: 'MIG-cccc' });
  });

  it('returns nothing for an error message', () => {
    expect(parseNvidiaSmiList("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.")).toEqual([]);
  });
});

describe('parseNvidiaSmiList on hostile input', () => {
  it('reads a line of 30,000 " (UUID: " in under 100 ms (a lazy regex rescanned the line from each)', () => {
    const start = performance.now();
    expect(parseNvidiaSmiList(`GPU 0: ${' (UUID: '.repeat(30_000)}`)).toEqual([]);
    expect(performance.now() - start).toBeLessThan(100);
  });

  it('still takes the name up to the " (UUID: " whose id has no ")"', () => {
    expect(parseNvidiaSmiList('GPU 1: A (B) (UUID: x) (UUID: GPU-9)')).toEqual([{ index: 1, name: 'A (B) (UUID: x)', uuid: 'GPU-9', migDevices: [] }]);
    expect(parseNvidiaSmiList('GPU 1: A (UUID: )')).toEqual([]);
  });
});
