import { describe, expect, it } from 'vitest';
import { readFixture } from './fixtures.test-util.js';
import { computeAppsFromCsv, gpusFromQueryGpuCsv } from './nvidia-smi-csv.js';
import { parseNvidiaSmiList } from './nvidia-smi-list.js';
import { parseNvidiaSmiQueryText } from './nvidia-smi-query-text.js';
import { parseNvidiaSmiTable } from './nvidia-smi-table.js';
import { parseNvidiaSmiVersion } from './nvidia-smi-version.js';

/**
 * Cross-checks between the output formats of one machine. The capture file holds every command's
 * output from one RTX 4080 SUPER host; the H100 files are separate sections of another capture.
 */

/** Splits a capture into sections: 80 '#', "# title", optional "# $ command", 80 '#', body, blank-line separator. */
function captureSections(text: string): Map<string, string> {
  const header = /^#{80}\n# (.+)\n(?:# \$ .*\n)?#{80}\n/gm;
  const marks = [...text.matchAll(header)];
  const sections = new Map<string, string>();
  marks.forEach((m, i) => {
    const end = marks[i + 1]?.index ?? text.length;
    const body = text.slice(m.index + m[0].length, end);
    sections.set(m[1]!, body.endsWith('\n\n\n') ? body.slice(0, -2) : body);
  });
  return sections;
}

const MiB = 1024 ** 2;
const capture = captureSections(readFixture('nvidia-smi/captures/linux-x86_64__nvidia-geforce-rtx-4080-super__595.71.05.txt'));
const section = (title: string): string => {
  const body = capture.get(title);
  if (body === undefined) throw new Error(`no section ${title}`);
  return body;
};

describe('RTX 4080 SUPER capture file', () => {
  it('has the idle and load sections', () => {
    expect([...capture.keys()]).toEqual(expect.arrayContaining(['capabilities :: version', 'capabilities :: list (-L)', 'idle :: nvidia-smi (default table)', 'idle :: query (-q)', 'load :: query-gpu (csv, what the exporter parses)']));
    expect(capture.size).toBe(26);
  });

  it('contains the split-out fixtures byte for byte', () => {
    expect(section('capabilities :: list (-L)')).toBe(readFixture('nvidia-smi/list/rtx4080super-single.txt'));
    expect(section('load :: nvidia-smi (default table)')).toBe(readFixture('nvidia-smi/table/rtx4080super-fedora44-drv595-load.txt'));
    expect(section('load :: query-gpu (csv, what the exporter parses)')).toBe(readFixture('nvidia-smi/csv/query-gpu/rtx4080super-fedora44-drv595-load.csv'));
    expect(section('load :: query-compute-apps (per-process)')).toBe(readFixture('nvidia-smi/csv/query-compute-apps/rtx4080super-fedora44-drv595-load.csv'));
  });

  it('agrees on driver and CUDA version across --version, the table and -q', () => {
    expect(parseNvidiaSmiVersion(section('capabilities :: version'))).toEqual({ driverVersion: '595.71.05', cudaVersion: '13.2' });
    const table = parseNvidiaSmiTable(section('idle :: nvidia-smi (default table)'));
    expect([table.driverVersion, table.cudaVersion]).toEqual(['595.71.05', '13.2']);
    const [q] = parseNvidiaSmiQueryText(section('idle :: query (-q)'));
    expect([q!.driverVersion, q!.cudaVersion]).toEqual(['595.71.05', '13.2']);
  });

  it('idle: the table, -q and the CSVs describe the same GPU and processes', () => {
    const table = parseNvidiaSmiTable(section('idle :: nvidia-smi (default table)'));
    const [q] = parseNvidiaSmiQueryText(section('idle :: query (-q)'));
    const [csv] = gpusFromQueryGpuCsv(section('idle :: query-gpu (csv, what the exporter parses)'));
    const [listed] = parseNvidiaSmiList(section('capabilities :: list (-L)'));
    expect(q!.name).toBe(listed!.name);
    expect(csv!.name).toBe(listed!.name);
    // The table cuts the name to its column width.
    expect(listed!.name.startsWith(table.gpus[0]!.name.replace(/\.\.\.$/, '').trim())).toBe(true);
    expect(table.gpus[0]!.memoryUsedBytes).toBe(596 * MiB);
    expect(q!.memoryUsedBytes).toBe(596 * MiB);
    expect(q!.memoryTotalBytes).toBe(csv!.memoryTotalBytes);
    expect(q!.busId).toBe(table.gpus[0]!.busId);
    // -q and the table list graphics processes too; query-compute-apps only the compute ones (C, C+G).
    expect(q!.processes.map((p) => p.pid)).toEqual(table.processes.map((p) => p.pid));
    const compute = computeAppsFromCsv(section('idle :: query-compute-apps (per-process)'));
    expect(compute.map((p) => p.pid)).toEqual(table.processes.filter((p) => p.type.includes('C')).map((p) => p.pid));
  });

  it('load: compute apps are exactly the table processes of type C or C+G', () => {
    const table = parseNvidiaSmiTable(section('load :: nvidia-smi (default table)'));
    const apps = computeAppsFromCsv(section('load :: query-compute-apps (per-process)'));
    const byPid = (a: { pid: number }, b: { pid: number }) => a.pid - b.pid;
    expect(apps.map((a) => ({ pid: a.pid, mem: a.usedMemoryBytes })).sort(byPid)).toEqual(
      table.processes.filter((p) => p.type.includes('C')).map((p) => ({ pid: p.pid, mem: p.usedMemoryBytes })).sort(byPid),
    );
    const [q] = parseNvidiaSmiQueryText(section('load :: query (-q)'));
    expect(q!.utilizationGpuPercent).toBe(table.gpus[0]!.utilizationGpuPercent);
  });
});

describe('H100 under load: table, -q text and CSVs agree', () => {
  const table = parseNvidiaSmiTable(readFixture('nvidia-smi/table/h100-80gb-hbm3-ubuntu2204-drv590-load.txt'));
  const [q] = parseNvidiaSmiQueryText(readFixture('nvidia-smi/query-text/h100-80gb-hbm3-ubuntu2204-drv590-load.txt'));
  const [csv] = gpusFromQueryGpuCsv(readFixture('nvidia-smi/csv/query-gpu/h100-80gb-hbm3-ubuntu2204-drv590-load.csv'));
  const apps = computeAppsFromCsv(readFixture('nvidia-smi/csv/query-compute-apps/h100-80gb-hbm3-ubuntu2204-drv590-load.csv'));

  it('same identity and memory', () => {
    for (const g of [q!, csv!]) {
      expect(g.name).toBe('NVIDIA H100 80GB HBM3');
      expect(g.busId).toBe('00000000:00:09.0');
      expect(g.memoryTotalBytes).toBe(table.gpus[0]!.memoryTotalBytes);
      expect(g.memoryUsedBytes).toBe(table.gpus[0]!.memoryUsedBytes);
      expect(g.temperatureC).toBe(table.gpus[0]!.temperatureC);
      expect(g.eccErrorsUncorrected).toBe(table.gpus[0]!.eccErrorsUncorrected);
    }
    expect(q!.driverVersion).toBe(table.driverVersion);
    expect(csv!.driverVersion).toBe(table.driverVersion);
  });

  it('power readings were sampled at different instants but agree within 10%', () => {
    for (const w of [q!.powerDrawW!, csv!.powerDrawW!]) expect(Math.abs(w - table.gpus[0]!.powerDrawW!) / 700).toBeLessThan(0.1);
  });

  it('the same three processes with the same memory in all three', () => {
    const rows = (list: Array<{ pid: number; usedMemoryBytes: number | null }>) => list.map((p) => [p.pid, p.usedMemoryBytes]);
    expect(rows(q!.processes)).toEqual(rows(table.processes));
    expect(rows(apps)).toEqual(rows(table.processes));
  });
});
