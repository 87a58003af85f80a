import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../agent/assets.js';

let cached: string | null = null;

/** Fleetdeck's version from package.json (reports say which version wrote them). */
export function fleetdeckVersion(): string {
  if (cached) return cached;
  try {
    cached = String((JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    cached = 'unknown';
  }
  return cached;
}
