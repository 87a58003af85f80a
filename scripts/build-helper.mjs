// Bundles the helper (remote-scripts/helper) into one CommonJS file for Node >= 18 on the host,
// enforces its size budget, and records its sha256 (the install dir is keyed by it).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'out/helper');
const BUDGET_BYTES = 400 * 1024;

mkdirSync(outDir, { recursive: true });
const outfile = path.join(outDir, 'helper.cjs');
await build({
  entryPoints: [path.join(root, 'remote-scripts/helper/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const bytes = readFileSync(outfile);
const sha256 = createHash('sha256').update(bytes).digest('hex');
writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify({ sha256, bytes: bytes.length }, null, 2));
console.log(`helper bundle: ${(bytes.length / 1024).toFixed(1)} KiB (budget ${BUDGET_BYTES / 1024} KiB), sha256 ${sha256.slice(0, 16)}…`);
if (bytes.length > BUDGET_BYTES) {
  console.error(`helper bundle is over its ${BUDGET_BYTES / 1024} KiB budget: look for a dependency that crept in.`);
  process.exit(1);
}
