import type { Sample } from '../../src-common/monitor/sample.schema.js';
import { ratioPercent } from '../format.js';

/** Orderings and tag choices of the fleet page. Pure, so they are unit tested. */

export type FleetSort = 'name' | 'cpu' | 'memory' | 'gpu';

export const FLEET_SORTS: Array<{ id: FleetSort; label: string }> = [
  { id: 'name', label: 'Name' },
  { id: 'cpu', label: 'CPU load' },
  { id: 'memory', label: 'Memory use' },
  { id: 'gpu', label: 'GPU load' },
];

export function isFleetSort(value: unknown): value is FleetSort {
  return FLEET_SORTS.some((s) => s.id === value);
}

export interface HostLoad {
  cpu: number | null;
  memory: number | null;
  gpu: number | null;
}

/** The numbers a host is sorted by, from its newest live sample. */
export function hostLoad(sample: Sample | null | undefined): HostLoad {
  if (!sample) return { cpu: null, memory: null, gpu: null };
  const utils = sample.gpus.map((g) => g.utilizationPercent).filter((u): u is number => typeof u === 'number' && Number.isFinite(u));
  return {
    cpu: sample.cpu.totalPercent,
    memory: ratioPercent(sample.memory.usedBytes, sample.memory.totalBytes),
    gpu: utils.length ? utils.reduce((a, b) => a + b, 0) / utils.length : null,
  };
}

/**
 * By name, or busiest first. Hosts with no live number (offline, no GPU) go last, by name, so
 * a sort by GPU shows the GPU boxes on top.
 */
export function sortHosts<H extends { id: number; name: string }>(hosts: readonly H[], sort: FleetSort, loads: ReadonlyMap<number, HostLoad>): H[] {
  const byName = (a: H, b: H) => a.name.localeCompare(b.name) || a.id - b.id;
  if (sort === 'name') return [...hosts].sort(byName);
  return [...hosts].sort((a, b) => {
    const va = loads.get(a.id)?.[sort] ?? null;
    const vb = loads.get(b.id)?.[sort] ?? null;
    if (va === null && vb === null) return byName(a, b);
    if (va === null) return 1;
    if (vb === null) return -1;
    return vb - va || byName(a, b);
  });
}

/** Every tag used in the fleet, once, alphabetically (case-insensitive). */
export function allTags(hosts: ReadonlyArray<{ tags: readonly string[] }>): string[] {
  const seen = new Map<string, string>();
  for (const h of hosts) for (const t of h.tags) if (!seen.has(t.toLowerCase())) seen.set(t.toLowerCase(), t);
  return [...seen.values()].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
}

export function hasTag(host: { tags: readonly string[] }, tag: string | null): boolean {
  if (!tag) return true;
  const want = tag.toLowerCase();
  return host.tags.some((t) => t.toLowerCase() === want);
}
