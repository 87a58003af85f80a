import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FleetdeckError } from '../../../src-common/problems.js';

/**
 * What the core pushes to hosts: bootstrap.sh, the bundled helper and portable Node runtimes.
 * Found under FLEETDECK_ROOT (packaged app) or by walking up from this module to the checkout.
 */
export interface RuntimeAsset {
  id: string;
  arch: string;
  version: string;
  sha256: string;
  gzPath: string;
}

export interface HelperAssets {
  root: string;
  /** trust.sh + bootstrap.sh, compacted: run as the login user with `sh -c`. */
  bootstrap: string;
  /** trust.sh + root-start.sh, compacted: run as root through sudo (and so logged by sudo). */
  rootStart: string;
  /** trust.sh + footprint.sh, compacted: lists or removes what Fleetdeck put on a host. */
  footprint: string;
  helperPath: string;
  helper: Buffer;
  helperHash: string;
  runtimes: RuntimeAsset[];
}

export function projectRoot(): string {
  if (process.env.FLEETDECK_ROOT) return process.env.FLEETDECK_ROOT;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, 'remote-scripts/bootstrap.sh'))) return dir;
    dir = path.dirname(dir);
  }
  throw new FleetdeckError('internal-error', 'Cannot find Fleetdeck\'s files (remote-scripts/bootstrap.sh). Set FLEETDECK_ROOT to the install directory.');
}

let cached: HelperAssets | null = null;

export function loadAssets(fresh = false): HelperAssets {
  if (cached && !fresh) return cached;
  const root = projectRoot();
  const helperPath = path.join(root, 'out/helper/helper.cjs');
  const manifestPath = path.join(root, 'out/helper/manifest.json');
  if (!existsSync(helperPath) || !existsSync(manifestPath)) {
    throw new FleetdeckError('internal-error', 'The helper is not built yet: run "npm run build:helper" (npm install does it too).');
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { sha256: string };
  const runtimes: RuntimeAsset[] = [];
  for (const dir of [path.join(root, 'resources/runtime'), path.join(root, '.cache/runtime')]) {
    for (const arch of ['x64', 'arm64']) {
      for (const file of existsSync(dir) ? readdirSafe(dir) : []) {
        if (!file.endsWith(`-linux-${arch}.json`)) continue;
        const meta = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { id: string; version: string; sha256: string };
        const gzPath = path.join(dir, `${meta.id}.gz`);
        if (existsSync(gzPath) && !runtimes.some((r) => r.id === meta.id)) runtimes.push({ id: meta.id, arch, version: meta.version, sha256: meta.sha256, gzPath });
      }
    }
  }
  cached = {
    root,
    bootstrap: composeScript(root, 'bootstrap.sh'),
    rootStart: composeScript(root, 'root-start.sh'),
    footprint: composeScript(root, 'footprint.sh'),
    helperPath,
    helper: readFileSync(helperPath),
    helperHash: manifest.sha256,
    runtimes,
  };
  return cached;
}

/**
 * A script as sent to hosts: the shared trust checks, then the script's own body, without comment
 * lines, blank lines or indentation. Both files stay readable and shellcheck-clean in the repo;
 * what travels (and what sudo writes to the host's auth log) is about a third of their size.
 */
export function composeScript(root: string, name: string): string {
  const trust = readFileSync(path.join(root, 'remote-scripts/trust.sh'), 'utf8');
  const body = readFileSync(path.join(root, 'remote-scripts', name), 'utf8');
  return compactShell(`${trust}\n${body}`);
}

/** Drops full-line comments, blank lines and leading whitespace (the scripts have no heredocs). */
export function compactShell(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimStart())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .join('\n');
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** uname -m → the Node runtime arch name. */
export function nodeArch(unameMachine: string): string | null {
  switch (unameMachine) {
    case 'x86_64':
    case 'amd64':
      return 'x64';
    case 'aarch64':
    case 'arm64':
      return 'arm64';
    default:
      return null;
  }
}
