#!/usr/bin/env node
// The `fleetdeck` command. Runs the bundled core (built by `npm install` / `npm run build:cli`).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'out/cli/fleetdeck.mjs');
if (!existsSync(bundle)) {
  process.stderr.write('fleetdeck: not built yet. Run "npm run build:helper && npm run build:cli" (npm install does it).\n');
  process.exit(1);
}
await import(pathToFileURL(bundle).href);
