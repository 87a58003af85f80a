import { describe, expect, it } from 'vitest';
import { gpuSchema } from '../../../src-common/inventory/inventory.schema.js';
import { readFixture } from './fixtures.test-util.js';
import { parseNvidiaSmiQueryText, parseQueryTree } from './nvidia-smi-query-text.js';

const MiB = 1024 ** 2;

describe('parseNvidiaSmiQueryText (H100 -q)', () => {
  const [gpu, ...rest] = parseNvidiaSmiQueryText(readFixture('nvidia-smi/query-text/h100-80gb-hbm3-ubuntu2204-drv590-load.txt'));

  it('finds one GPU with the same fields the XML gives', () => {
    expect(rest).toEqual([]);
    expect(gpu).toEqual({
      index: 0, name: 'NVIDIA H100 80GB HBM3', uuid: 'GPU-00000000-0000-0000-0000-000000000000', serial: '0000000000000', busId: '00000000:00:09.0',
      driverVersion: '590.48.01', cudaVersion: '13.1', memoryTotalBytes: 81559 * MiB, memoryUsedBytes: 19818 * MiB,
      utilizationGpuPercent: 100, utilizationMemoryPercent: 11, temperatureC: 59, powerDrawW: 588.39, powerLimitW: 700, eccErrorsUncorrected: 0, eccMode: 'enabled',
      processes: [
        { pid: 11327, name: '/root/tools/memhog', type: 'C', usedMemoryBytes: 2566 * MiB },
        { pid: 11328, name: '/root/tools/memhog', type: 'C', usedMemoryBytes: 1542 * MiB },
        { pid: 11345, name: './gpu_burn', type: 'C', usedMemoryBytes: 15690 * MiB },
      ],
    });
    expect(() => gpuSchema.parse(gpu)).not.toThrow();
  });

  it('nests by indentation', () => {
    const tree = parseQueryTree('Top : 1\nGPU 0000:01:00.0\n    A : x\n        B : y\n    C : z\n');
    expect(tree.map((n) => n.key)).toEqual(['Top', 'GPU 0000:01:00.0']);
    expect(tree[1]!.children.map((n) => [n.key, n.value, n.children.length])).toEqual([['A', 'x', 1], ['C', 'z', 0]]);
  });
});
