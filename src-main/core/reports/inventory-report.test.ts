import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryReportSchema, type InventoryReport } from '../../../src-common/reports/report.schema.js';
import { EVIL_HOST, QUOTE_HOST, reportFixture, type Fixture } from './report-fixture.test-util.js';

/** Inventory from facts the helper's own probe and inventory code produced (Tesla T4 capture). */
describe('inventory report from stored facts', () => {
  let f: Fixture;
  let r: InventoryReport;
  beforeAll(async () => {
    f = await reportFixture();
    r = inventoryReportSchema.parse(await f.service.build({ kind: 'inventory' }));
  });
  afterAll(() => f.close());

  it('lists each host with distro, kernel, CPU, memory and disks', () => {
    expect(r.hosts.map((h) => h.host)).toEqual([QUOTE_HOST, EVIL_HOST, 'gpu-1']);
    expect(r.hosts.find((h) => h.host === 'gpu-1')).toMatchObject({
      distro: 'Debian GNU/Linux 12 (bookworm)',
      kernel: '6.1.0-27-amd64',
      arch: 'x86_64',
      cpuModel: 'AMD EPYC 7302 16-Core Processor',
      threads: 8,
      memoryBytes: 16042172416,
      disks: 1,
      diskBytes: 1953525168 * 512,
      gpus: 1,
      hostname: 'gpu-1',
      tags: ['lab'],
      note: null,
    });
    expect(r.disks.find((d) => d.host === 'gpu-1')).toMatchObject({ device: 'nvme0n1', model: 'Samsung SSD 980 PRO 1TB', rotational: false });
    expect(r.filesystems.find((x) => x.host === 'gpu-1')).toMatchObject({ mountPoint: '/', fsType: 'ext4' });
  });

  it('lists GPUs with model, serial, driver and ECC errors, and counts them per model', () => {
    expect(r.gpus).toEqual([
      {
        host: 'gpu-1',
        index: 0,
        model: 'Tesla T4',
        uuid: 'GPU-d37e67a5-91dd-3774-a5cb-99096249601a',
        serial: '0000000000000',
        busId: '00000000:00:1E.0',
        driverVersion: '515.105.01',
        cudaVersion: '11.7',
        memoryTotalBytes: 15360 * 1024 ** 2,
        eccMode: 'enabled',
        eccErrorsUncorrected: 0,
      },
    ]);
    expect(r.gpuModels).toEqual([{ model: 'Tesla T4', count: 1, memoryTotalBytes: 15360 * 1024 ** 2 }]);
  });

  it('says what to do for a host that was never inventoried, and totals what is known', () => {
    expect(r.hosts.find((h) => h.host === QUOTE_HOST)).toMatchObject({ inventoryAt: null, distro: null, threads: null, note: expect.stringMatching(/connect/) });
    expect(r.totals).toEqual({ hosts: 3, inventoried: 2, threads: 16, memoryBytes: 2 * 16042172416, diskBytes: 2 * 1953525168 * 512, gpus: 1 });
    expect(r.distros).toEqual([{ distro: 'Debian GNU/Linux 12 (bookworm)', count: 2 }]);
  });

  it('reads facts stored by an older Fleetdeck without crashing', async () => {
    f.hosts.saveFacts(f.quote.id, { inventory: { takenAt: 5, cpu: { model: 'Old CPU' }, gpus: [{ name: 'Old GPU' }] } });
    const old = inventoryReportSchema.parse(await f.service.build({ kind: 'inventory', hostIds: [f.quote.id] }));
    expect(old.hosts[0]).toMatchObject({ inventoryAt: 5, cpuModel: 'Old CPU', threads: null, memoryBytes: null, gpus: 1, note: null });
    expect(old.gpus[0]).toMatchObject({ model: 'Old GPU', serial: null, eccErrorsUncorrected: null });
  });

  it('one host with hostile stored facts ([null] rows, wrong types) breaks neither its row nor the other hosts', async () => {
    const hostile = { takenAt: 'soon', cpu: null, memory: [1], filesystems: [null, 7, 'x', [], { mountPoint: '/', device: { evil: 1 }, fsType: '<b>' }], blockDevices: [null], gpus: [null, { name: 42 }], users: 'root' };
    f.hosts.saveFacts(f.evil.id, { inventory: hostile, probe: { os: null, kernel: ['x'] } });
    const both = inventoryReportSchema.parse(await f.service.build({ kind: 'inventory', hostIds: [f.evil.id, f.gpu.id] }));
    expect(both.hosts.map((h) => h.host)).toEqual([EVIL_HOST, 'gpu-1']);
    expect(both.hosts[0]).toMatchObject({ inventoryAt: null, cpuModel: null, memoryBytes: null, kernel: null, gpus: 1 });
    expect(both.filesystems.filter((x) => x.host === EVIL_HOST)).toEqual([{ host: EVIL_HOST, mountPoint: '/', device: '', fsType: '<b>', totalBytes: 0, usedBytes: 0, availableBytes: 0 }]);
    expect(both.gpus.find((g) => g.host === 'gpu-1')).toMatchObject({ model: 'Tesla T4' });
  });
});
