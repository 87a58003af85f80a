import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_FIXTURES } from './fixtures.test-util.js';

/**
 * Every shared fixture must be read by some parser test. A fixture counts as used when a test
 * names its path relative to the fixture root, or names the file and lists its folder (the
 * table-driven tests that enumerate a folder and check it against their expectations).
 */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const testDirs = [path.join(import.meta.dirname, '..'), path.join(import.meta.dirname, '../../../src-common/inventory')];
const testSources = testDirs
  .flatMap((d) => walk(d))
  .filter((f) => f.endsWith('.test.ts') && !f.endsWith('fixtures-coverage.test.ts'))
  .map((f) => readFileSync(f, 'utf8'));

describe('shared fixture coverage', () => {
  const fixtures = walk(SHARED_FIXTURES)
    .map((f) => path.relative(SHARED_FIXTURES, f))
    .filter((f) => f !== 'SOURCES.md');

  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(70);
  });

  it.each(fixtures)('%s is read by a test', (rel) => {
    const dir = path.dirname(rel);
    const base = path.basename(rel);
    const used = testSources.some((src) => src.includes(rel) || (src.includes(`'${base}'`) && (src.includes(`'${dir}'`) || src.includes(`/${dir}'`))));
    expect(used).toBe(true);
  });
});
