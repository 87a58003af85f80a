import { describe, expect, it } from 'vitest';
import { gpuSampleSchema } from '../../../src-common/monitor/sample.schema.js';
import { listFixtures, readFixture } from '../inventory/fixtures.test-util.js';
import { clocksByGpu, gpuReadingFromXml } from './gpu-sample.js';
import { MiB, NVIDIA_XML_EXPECTED } from './nvidia-xml-expected.test-util.js';

describe('GPU samples from every recorded nvidia-smi -q -x', () => {
  it('covers every XML fixture', () => {
    expect(listFixtures('nvidia-smi/xml')).toEqual(Object.keys(NVIDIA_XML_EXPECTED).sort());
  });

  it.each(Object.entries(NVIDIA_XML_EXPECTED))('%s', (file, want) => {
    const reading = gpuReadingFromXml(readFixture('nvidia-smi/xml', file));
    expect(reading.gpus.map((g) => gpuSampleSchema.parse(g))).toHaveLength(want.gpus.length);
    reading.gpus.forEach((g, i) => {
      const w = want.gpus[i]!;
      expect(g).toMatchObject({ index: i, smClockMHz: w.sm, memClockMHz: w.mem, utilizationPercent: w.util, memoryUsedBytes: w.usedMiB * MiB, memoryTotalBytes: w.totalMiB * MiB });
      expect(g.name).toMatch(/\S/);
    });
    expect([...reading.processes.keys()].sort((a, b) => a - b)).toEqual(Object.keys(want.processes).map(Number));
    for (const [pid, p] of Object.entries(want.processes)) {
      const got = reading.processes.get(Number(pid))!;
      expect(got).toMatchObject({ pid: Number(pid), gpuMemoryBytes: p.MiB * MiB, gpus: p.gpus });
      expect(got.name.startsWith(p.name)).toBe(true);
    }
  });

  it('refuses XML that is not nvidia-smi’s', () => {
    expect(() => gpuReadingFromXml('<html></html>')).toThrow(/not nvidia-smi XML/);
  });
});

describe('clocksByGpu on hostile input', () => {
  it('reads a <gpu> of 40,000 unclosed <clocks> in under 100 ms (a lazy regex rescanned to the end from each)', () => {
    const start = performance.now();
    expect(clocksByGpu(`<gpu>${'<clocks>'.repeat(40_000)}`)).toEqual([{ smClockMHz: null, memClockMHz: null }]);
    expect(performance.now() - start).toBeLessThan(100);
    expect(clocksByGpu('<gpu><clocks></clocks><clocks><sm_clock>1 MHz</sm_clock></clocks></gpu>')).toEqual([{ smClockMHz: null, memClockMHz: null }]);
  });
});
