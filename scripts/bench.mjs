// `npm run bench`: builds what is measured, then runs each benchmark in bench/ in its own Node.
// NODE_EXTRA_CA_CERTS is dropped: it adds ~120 ms to every Node start and would skew results.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
for (const step of [['scripts/fetch-runtime.mjs'], ['scripts/build-helper.mjs'], ['scripts/build-cli.mjs']]) {
  const r = spawnSync(process.execPath, step, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const only = process.argv[2];
for (const file of readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)))) {
  console.log(`\n▸ bench/${file}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', file)], { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
