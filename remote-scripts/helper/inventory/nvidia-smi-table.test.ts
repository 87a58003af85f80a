import { describe, expect, it } from 'vitest';
import { readFixture } from './fixtures.test-util.js';
import { parseNvidiaSmiTable } from './nvidia-smi-table.js';

const MiB = 1024 ** 2;

describe('parseNvidiaSmiTable', () => {
  it('reads the H100 table: header versions, one GPU row, three processes', () => {
    const t = parseNvidiaSmiTable(readFixture('nvidia-smi/table/h100-80gb-hbm3-ubuntu2204-drv590-load.txt'));
    expect({ smi: t.smiVersion, driver: t.driverVersion, cuda: t.cudaVersion }).toEqual({ smi: '590.48.01', driver: '590.48.01', cuda: '13.1' });
    expect(t.gpus).toEqual([{
      index: 0, name: 'NVIDIA H100 80GB HBM3', nameTruncated: false, persistenceMode: 'On', busId: '00000000:00:09.0',
      fanPercent: null, temperatureC: 59, performanceState: 'P0', powerDrawW: 629, powerCapW: 700,
      memoryUsedBytes: 19818 * MiB, memoryTotalBytes: 81559 * MiB, utilizationGpuPercent: 100, computeMode: 'Default', eccErrorsUncorrected: 0,
    }]);
    expect(t.processes).toEqual([
      { gpu: 0, pid: 11327, type: 'C', name: '/root/tools/memhog', usedMemoryBytes: 2566 * MiB },
      { gpu: 0, pid: 11328, type: 'C', name: '/root/tools/memhog', usedMemoryBytes: 1542 * MiB },
      { gpu: 0, pid: 11345, type: 'C', name: './gpu_burn', usedMemoryBytes: 15690 * MiB },
    ]);
  });

  it('reads the RTX 4080 SUPER table: truncated name, fan, N/A ECC, graphics processes', () => {
    const t = parseNvidiaSmiTable(readFixture('nvidia-smi/table/rtx4080super-fedora44-drv595-load.txt'));
    expect(t.cudaVersion).toBe('13.2');
    expect(t.gpus[0]).toMatchObject({ name: 'NVIDIA GeForce RTX 4080 ...', nameTruncated: true, persistenceMode: 'Off', fanPercent: 0, temperatureC: 45, performanceState: 'P2', powerDrawW: 83, powerCapW: 320, eccErrorsUncorrected: null, utilizationGpuPercent: 7 });
    expect(t.processes.map((p) => `${p.pid}:${p.type}`)).toEqual(['2165:C+G', '2496:G', '2620:G', '2954:G', '3527:G', '5021:C', '5022:C']);
    expect(t.processes[1]).toEqual({ gpu: 0, pid: 2496, type: 'G', name: '/usr/bin/plasma-keyboard', usedMemoryBytes: 200 * MiB });
  });

  it('reads the old layout without GI/CI columns and "No running processes found"', () => {
    const old = `| NVIDIA-SMI 418.43       Driver Version: 418.43       CUDA Version: 10.1     |
|-------------------------------+----------------------+----------------------+
| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |
| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |
|===============================+======================+======================|
|   0  Tesla T4            Off  | 00000000:00:1E.0 Off |                    0 |
| N/A   40C    P0    26W /  70W |   1032MiB / 15079MiB |      0%      Default |
+-------------------------------+----------------------+----------------------+

+-----------------------------------------------------------------------------+
| Processes:                                                       GPU Memory |
|  GPU       PID   Type   Process name                             Usage      |
|=============================================================================|
|    0      5762      C   python                                      1005MiB |
+-----------------------------------------------------------------------------+
`;
    const t = parseNvidiaSmiTable(old);
    expect(t.gpus[0]).toMatchObject({ index: 0, name: 'Tesla T4', busId: '00000000:00:1E.0', temperatureC: 40, powerDrawW: 26, powerCapW: 70, memoryTotalBytes: 15079 * MiB });
    expect(t.processes).toEqual([{ gpu: 0, pid: 5762, type: 'C', name: 'python', usedMemoryBytes: 1005 * MiB }]);
    expect(parseNvidiaSmiTable(old.replace(/\|    0      5762.*\n/, '|  No running processes found                                                 |\n')).processes).toEqual([]);
  });
});

describe('parseNvidiaSmiTable on hostile input', () => {
  it('reads GPU and process rows with 32 KB runs of spaces in under 100 ms (lazy regexes retried every space)', () => {
    const table = `|=====|\n|   0  x${' '.repeat(32_000)}y |${' '.repeat(32_000)}| x |\n| ${'a'.repeat(32_000)} | ${'a'.repeat(32_000)} | 1 ${' '.repeat(32_000)}x |\nProcesses:\n|=====|\n|    0   1   C   x${' '.repeat(32_000)}y |\n`;
    const start = performance.now();
    const t = parseNvidiaSmiTable(table);
    expect(performance.now() - start).toBeLessThan(100);
    expect(t.gpus).toEqual([]);
    expect(t.processes).toEqual([]);
  });
});
