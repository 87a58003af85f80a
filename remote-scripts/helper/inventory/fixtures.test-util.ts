import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The shared real-world fixtures (see test/fixtures/shared/SOURCES.md). Tests only: never bundled. */
export const SHARED_FIXTURES = path.join(import.meta.dirname, '../../../test/fixtures/shared');

export function fixturePath(...parts: string[]): string {
  return path.join(SHARED_FIXTURES, ...parts);
}

export function readFixture(...parts: string[]): string {
  return readFileSync(fixturePath(...parts), 'utf8');
}

export function readJsonFixture(...parts: string[]): unknown {
  return JSON.parse(readFixture(...parts)) as unknown;
}

/** File names in a fixture folder, sorted, so table-driven tests notice added files. */
export function listFixtures(...parts: string[]): string[] {
  return readdirSync(fixturePath(...parts)).sort();
}
