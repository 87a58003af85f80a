import { describe, expect, it } from 'vitest';
import { allTags, hasTag, hostLoad, isFleetSort, sortHosts, type HostLoad } from './fleet-sort.js';
import { makeGpu, makeSample } from './test-samples.js';

const h = (id: number, name: string, tags: string[] = []) => ({ id, name, tags });

describe('fleet sorting', () => {
  const hosts = [h(1, 'charlie'), h(2, 'alpha'), h(3, 'bravo'), h(4, 'delta')];
  const loads = new Map<number, HostLoad>([
    [1, { cpu: 80, memory: 10, gpu: null }],
    [2, { cpu: 20, memory: 90, gpu: 50 }],
    [3, { cpu: 80, memory: 50, gpu: 99 }],
  ]);

  it('sorts by name', () => {
    expect(sortHosts(hosts, 'name', loads).map((x) => x.name)).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
  });

  it('sorts busiest first, ties by name, unknown last', () => {
    expect(sortHosts(hosts, 'cpu', loads).map((x) => x.name)).toEqual(['bravo', 'charlie', 'alpha', 'delta']);
    expect(sortHosts(hosts, 'memory', loads).map((x) => x.name)).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    expect(sortHosts(hosts, 'gpu', loads).map((x) => x.name)).toEqual(['bravo', 'alpha', 'charlie', 'delta']);
  });

  it('validates stored choices', () => {
    expect(isFleetSort('gpu')).toBe(true);
    expect(isFleetSort('disk')).toBe(false);
    expect(isFleetSort(null)).toBe(false);
  });

  it('reads loads from a sample', () => {
    expect(hostLoad(makeSample(1, { gpus: [makeGpu(0, 30, 1, 2, 50), makeGpu(1, 50, 1, 2, 50), makeGpu(2, null, 1, 2, 50)] }))).toEqual({ cpu: 50, memory: 25, gpu: 40 });
    expect(hostLoad(makeSample(1)).gpu).toBeNull();
    expect(hostLoad(null)).toEqual({ cpu: null, memory: null, gpu: null });
  });
});

describe('tags', () => {
  it('lists every tag once, alphabetically', () => {
    expect(allTags([h(1, 'a', ['gpu', 'lab']), h(2, 'b', ['Lab', 'cpu']), h(3, 'c')])).toEqual(['cpu', 'gpu', 'lab']);
  });

  it('filters by tag, case-insensitively; no tag keeps everything', () => {
    expect(hasTag(h(1, 'a', ['GPU']), 'gpu')).toBe(true);
    expect(hasTag(h(1, 'a', ['gpu-old']), 'gpu')).toBe(false);
    expect(hasTag(h(1, 'a'), null)).toBe(true);
  });
});
