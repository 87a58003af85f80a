/**
 * Pressure stall information (/proc/pressure/{cpu,memory,io}, Linux 4.20+ with CONFIG_PSI and not
 * booted with psi=0): the share of wall time in which some (or all) runnable tasks were stalled
 * on the resource. avg10 is the 10-second average, the one that tracks a live view.
 */

export interface PressureLines {
  some: number | null;
  full: number | null;
}

/** "some avg10=0.48 avg60=3.73 avg300=6.95 total=627349839"; null fields when the line is absent. */
export function parsePressure(text: string | null): PressureLines | null {
  if (text === null) return null;
  const out: PressureLines = { some: null, full: null };
  let any = false;
  for (const line of text.split('\n')) {
    const m = /^(some|full)\s.*?\bavg10=([\d.]+)/.exec(line.trim());
    if (!m) continue;
    out[m[1] as 'some' | 'full'] = Number(m[2]);
    any = true;
  }
  return any ? out : null;
}

export interface Pressure {
  cpuSome: number | null;
  memorySome: number | null;
  memoryFull: number | null;
  ioSome: number | null;
  ioFull: number | null;
}

/** null when the kernel has no PSI at all, so the UI can say "not available" rather than "0 %". */
export function pressureFrom(cpu: string | null, memory: string | null, io: string | null): Pressure | null {
  const c = parsePressure(cpu);
  const m = parsePressure(memory);
  const i = parsePressure(io);
  if (!c && !m && !i) return null;
  return { cpuSome: c?.some ?? null, memorySome: m?.some ?? null, memoryFull: m?.full ?? null, ioSome: i?.some ?? null, ioFull: i?.full ?? null };
}
