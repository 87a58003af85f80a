// Bundles the core + CLI (src-main/core) into out/cli/fleetdeck.mjs for plain Node. npm packages
// stay external (native modules: better-sqlite3, ssh2's crypto binding).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [path.join(root, 'src-main/core/cli/entry.ts')],
  outfile: path.join(root, 'out/cli/fleetdeck.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
console.log('cli bundle: out/cli/fleetdeck.mjs');
