import { describe, expect, it } from 'vitest';
import { matchesFilter } from './fleet-filter.js';

const host = { name: 'gpu-1', address: '10.0.0.5', user: 'admin', tags: ['lab-a', 'A100'] };

describe('matchesFilter', () => {
  it('matches name, address and tags, case-insensitively', () => {
    expect(matchesFilter(host, '')).toBe(true);
    expect(matchesFilter(host, 'GPU')).toBe(true);
    expect(matchesFilter(host, '10.0.0')).toBe(true);
    expect(matchesFilter(host, 'a100')).toBe(true);
    expect(matchesFilter(host, 'db')).toBe(false);
  });
  it('needs every word to match', () => {
    expect(matchesFilter(host, 'gpu lab')).toBe(true);
    expect(matchesFilter(host, 'gpu db')).toBe(false);
  });
  it('restricts tag: words to tags', () => {
    expect(matchesFilter(host, 'tag:lab')).toBe(true);
    expect(matchesFilter(host, 'tag:gpu')).toBe(false);
  });
});
