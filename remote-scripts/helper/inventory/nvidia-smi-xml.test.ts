import { describe, expect, it } from 'vitest';
import { gpuSchema } from '../../../src-common/inventory/inventory.schema.js';
import { MAX } from '../../../src-common/protocol/bounds.js';
import { listFixtures, readFixture } from './fixtures.test-util.js';
import { parseNvidiaSmiXml, uncorrectableEcc } from './nvidia-smi-xml.js';
import { parseXml } from './xml-lite.js';

const MiB = 1024 ** 2;
const log = (name: string) => parseNvidiaSmiXml(readFixture('nvidia-smi/xml', name));

/** One line per GPU: the readings inventory shows, so a table of expectations stays readable. */
const summary = (name: string) =>
  log(name).gpus.map((g) => ({
    name: g.name, busId: g.busId, memTotalMiB: g.memoryTotalBytes === null ? null : g.memoryTotalBytes / MiB,
    memUsedMiB: g.memoryUsedBytes === null ? null : g.memoryUsedBytes / MiB, util: g.utilizationGpuPercent, memUtil: g.utilizationMemoryPercent,
    tempC: g.temperatureC, powerW: g.powerDrawW, limitW: g.powerLimitW, ecc: g.eccErrorsUncorrected, procs: g.processes.length,
  }));

const EXPECTED = {
  'a10g-drv515-1proc.xml': {
    driver: '515.105.01', cuda: '11.7', attached: 1,
    gpus: [{ name: 'NVIDIA A10G', busId: '00000000:00:1E.0', memTotalMiB: 23028, memUsedMiB: 22, util: 0, memUtil: 0, tempC: 17, powerW: 25.58, limitW: 300, ecc: 0, procs: 1 }],
  },
  'dual-gtx1070-drv384-4procs.xml': {
    driver: '384.66', cuda: null, attached: 6,
    gpus: [
      { name: 'GeForce GTX 1070', busId: '00000000:01:00.0', memTotalMiB: 8112, memUsedMiB: 2028, util: 100, memUtil: 99, tempC: 60, powerW: 119.47, limitW: 180, ecc: null, procs: 3 },
      { name: 'GeForce GTX 1070', busId: '00000000:03:00.0', memTotalMiB: 8114, memUsedMiB: 4057, util: 98, memUtil: 97, tempC: 59, powerW: 139.3, limitW: 180, ecc: null, procs: 1 },
    ],
  },
  'dual-rtx2080-drv590-v13.xml': {
    driver: '590.44.01', cuda: '13.1', attached: 2,
    gpus: [
      { name: 'NVIDIA GeForce RTX 2080', busId: '00000000:01:00.0', memTotalMiB: 8192, memUsedMiB: 1, util: 0, memUtil: 0, tempC: 15, powerW: 1, limitW: 215, ecc: null, procs: 0 },
      { name: 'NVIDIA GeForce RTX 2080', busId: '00000000:02:00.0', memTotalMiB: 8192, memUsedMiB: 1, util: 0, memUtil: 0, tempC: 15, powerW: 1.62, limitW: 215, ecc: null, procs: 0 },
    ],
  },
  'dual-rtx2080ti-drv410-ecc-na.xml': {
    driver: '410.73', cuda: '10.0', attached: 2,
    gpus: [
      { name: 'GeForce RTX 2080 Ti', busId: '00000000:02:00.0', memTotalMiB: 10989, memUsedMiB: 0, util: 0, memUtil: 0, tempC: 24, powerW: 2.12, limitW: 250, ecc: null, procs: 0 },
      { name: 'GeForce RTX 2080 Ti', busId: '00000000:03:00.0', memTotalMiB: 10989, memUsedMiB: 0, util: 0, memUtil: 0, tempC: 24, powerW: 19.11, limitW: 250, ecc: null, procs: 0 },
    ],
  },
  'quadro-p400-drv418.xml': {
    driver: '418.43', cuda: '10.1', attached: 1,
    gpus: [{ name: 'Quadro P400', busId: '00000000:43:00.0', memTotalMiB: 1998, memUsedMiB: 0, util: 0, memUtil: 3, tempC: 33, powerW: null, limitW: null, ecc: null, procs: 0 }],
  },
  'rtx3060-drv570.xml': {
    driver: '570.124.04', cuda: '12.8', attached: 1,
    gpus: [{ name: 'NVIDIA GeForce RTX 3060', busId: '00000000:2D:00.0', memTotalMiB: 12288, memUsedMiB: 116, util: 0, memUtil: 0, tempC: 42, powerW: 11.63, limitW: 170, ecc: null, procs: 0 }],
  },
  'rtx3080-drv536-5procs.xml': {
    driver: '536.40', cuda: '12.2', attached: 1,
    gpus: [{ name: 'NVIDIA GeForce RTX 3080', busId: '00000000:04:00.0', memTotalMiB: 10240, memUsedMiB: 1128, util: 0, memUtil: 37, tempC: 31, powerW: 22.78, limitW: 336, ecc: null, procs: 5 }],
  },
  'rtx3080-drv595-v13.xml': {
    driver: '595.58.03', cuda: '13.2', attached: 1,
    gpus: [{ name: 'NVIDIA GeForce RTX 3080', busId: '00000000:0C:00.0', memTotalMiB: 10240, memUsedMiB: 9184, util: 65, memUtil: 9, tempC: 27, powerW: 142.33, limitW: 320, ecc: null, procs: 0 }],
  },
  'tesla-t4-drv515-2procs.xml': {
    driver: '515.105.01', cuda: '11.7', attached: 1,
    gpus: [{ name: 'Tesla T4', busId: '00000000:00:1E.0', memTotalMiB: 15360, memUsedMiB: 1032, util: 0, memUtil: 0, tempC: 40, powerW: 26.78, limitW: 70, ecc: 0, procs: 2 }],
  },
};

describe('parseNvidiaSmiXml over every XML fixture', () => {
  it('has an expectation for every fixture', () => {
    expect(listFixtures('nvidia-smi/xml')).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (name, want) => {
    const parsed = log(name);
    expect({ driver: parsed.driverVersion, cuda: parsed.cudaVersion, attached: parsed.attachedGpus }).toEqual({ driver: want.driver, cuda: want.cuda, attached: want.attached });
    expect(summary(name)).toEqual(want.gpus);
    parsed.gpus.forEach((g, i) => {
      expect(g.index).toBe(i);
      expect(g.uuid).toMatch(/^GPU-[0-9a-f-]{36}$/);
      expect(g.driverVersion).toBe(want.driver);
      expect(() => gpuSchema.parse(g)).not.toThrow();
    });
  });

  it('reads processes with type, name and memory (GTX 1070 pair: one miner spans both GPUs)', () => {
    const [gpu0, gpu1] = log('dual-gtx1070-drv384-4procs.xml').gpus;
    expect(gpu0!.processes).toEqual([
      { pid: 1357, name: '/usr/lib/xorg/Xorg', type: 'G', usedMemoryBytes: 99 * MiB },
      { pid: 2384, name: '/usr/bin/gnome-shell', type: 'G', usedMemoryBytes: 79 * MiB },
      { pid: 3093, name: './ethminer', type: 'C', usedMemoryBytes: 2283 * MiB },
    ]);
    expect(gpu1!.processes).toEqual([{ pid: 3093, name: './ethminer', type: 'C', usedMemoryBytes: 2283 * MiB }]);
  });

  it('keeps very long command lines as process names', () => {
    const procs = log('rtx3080-drv536-5procs.xml').gpus[0]!.processes;
    expect(procs.map((p) => p.pid)).toEqual([835, 1481, 2214, 4044, 42416]);
    expect(procs[2]!.name).toMatch(/^\/opt\/microsoft\/msedge\/msedge --type=gpu-process .*--enable-crash-reporter=, /);
    expect(procs[2]!.name.length).toBeGreaterThan(200);
  });

  it('maps N/A serials to null and keeps masked ones', () => {
    expect(log('dual-gtx1070-drv384-4procs.xml').gpus[0]!.serial).toBeNull();
    expect(log('rtx3080-drv595-v13.xml').gpus[0]!.serial).toBe('REDACTED');
    expect(log('tesla-t4-drv515-2procs.xml').gpus[0]!.serial).toBe('0000000000000');
  });

  it('keeps both GPUs even though the sample masks them to one UUID', () => {
    const uuids = log('dual-rtx2080-drv590-v13.xml').gpus.map((g) => g.uuid);
    expect(uuids).toEqual(['GPU-12345678-aaaa-bbbb-cccc-0123456789ab', 'GPU-12345678-aaaa-bbbb-cccc-0123456789ab']);
  });

  it('rejects a document that is not nvidia-smi output', () => {
    expect(() => parseNvidiaSmiXml('<html><body/></html>')).toThrow(/not nvidia-smi XML/);
  });
});

describe('ECC mode from -q -x', () => {
  it('reads current_ecc: Enabled / Disabled, and N/A (no ECC) as null', () => {
    const modes = Object.fromEntries(listFixtures('nvidia-smi/xml').map((f) => [f, log(f).gpus.map((g) => g.eccMode)]));
    expect(modes['tesla-t4-drv515-2procs.xml']).toEqual(['enabled']);
    expect(modes['a10g-drv515-1proc.xml']).toEqual(['enabled']);
    expect(modes['dual-rtx2080ti-drv410-ecc-na.xml']).toEqual([null, null]);
    for (const [file, list] of Object.entries(modes)) for (const m of list) expect([null, 'enabled', 'disabled'], file).toContain(m);
  });
});

describe('parseNvidiaSmiXml on hostile input', () => {
  it('adds up 5,000 uncorrectable counters in under 100 ms (each name was compared with every other)', () => {
    const leaves = Array.from({ length: 5_000 }, (_, i) => `<c${i}_uncorrectable>1</c${i}_uncorrectable>`).join('');
    const gpu = parseXml(`<gpu><ecc_errors><volatile>${leaves}<c1_uncorrectable_parity>5</c1_uncorrectable_parity></volatile></ecc_errors></gpu>`);
    uncorrectableEcc(gpu); // warm: the bound is about the algorithm, not the first compile
    const start = performance.now();
    expect(uncorrectableEcc(gpu)).toBe(5_000);
    expect(performance.now() - start).toBeLessThan(100);
  });

  it(`keeps at most ${MAX.gpus} GPUs and ${MAX.gpuProcesses} processes per GPU, the most the core accepts`, () => {
    const processes = '<process_info><pid>1</pid></process_info>'.repeat(MAX.gpuProcesses + 10);
    const log = parseNvidiaSmiXml(`<nvidia_smi_log><gpu><processes>${processes}</processes></gpu>${'<gpu/>'.repeat(100)}</nvidia_smi_log>`);
    expect(log.gpus).toHaveLength(MAX.gpus);
    expect(log.gpus[0]!.processes).toHaveLength(MAX.gpuProcesses);
  });
});
