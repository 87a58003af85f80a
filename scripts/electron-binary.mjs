// The Electron binary, fetched by Fleetdeck's own scripts instead of electron's postinstall
// (package.json: allowScripts.electron = false). Electron's postinstall downloads ~100 MB from
// GitHub's releases; where that host is unreachable it fails, and a failing install script fails
// the whole `npm install` — so nothing gets built and `npm test` cannot even start. Here the same
// download (electron's own install.js: ELECTRON_MIRROR, ELECTRON_SKIP_BINARY_DOWNLOAD, its cache
// and checksums all apply) is tried by `npm install` (scripts/prepare.mjs) and again by `npm start`,
// and a failure is one clear line, never fatal.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

/** Where the electron package is, and its binary when one is installed. */
export function electronStatus() {
  let pkgJson;
  try {
    pkgJson = require.resolve('electron/package.json');
  } catch {
    return { pkgDir: null, binary: null };
  }
  const pkgDir = path.dirname(pkgJson);
  let binary = null;
  try {
    // index.js throws "Electron failed to install correctly" while no binary is there.
    const p = require('electron');
    binary = typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    binary = null;
  }
  // After an upgrade of the package, the old binary is still there: fetch the matching one (as
  // electron's own install.js would).
  if (binary && !process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const want = JSON.parse(readFileSync(pkgJson, 'utf8')).version;
    let have = null;
    try {
      have = readFileSync(path.join(pkgDir, 'dist/version'), 'utf8').trim().replace(/^v/, '');
    } catch {
      have = null;
    }
    if (have !== want) binary = null;
  }
  return { pkgDir, binary };
}

/**
 * Makes sure the Electron binary is there, downloading it when it is not.
 * Returns { binary } or { binary: null, why } — `why` is a short reason for one line of output.
 */
export function ensureElectronBinary({ log = (s) => console.log(s), timeoutMs = 600_000 } = {}) {
  const status = electronStatus();
  if (status.binary) return { binary: status.binary };
  if (!status.pkgDir) return { binary: null, why: 'the electron package is not installed: run npm install' };
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return { binary: null, why: 'ELECTRON_SKIP_BINARY_DOWNLOAD is set' };
  log('▸ fetching the Electron binary (about 100 MB, from ELECTRON_MIRROR or GitHub releases) …');
  const r = spawnSync(process.execPath, [path.join(status.pkgDir, 'install.js')], {
    cwd: status.pkgDir,
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  const after = electronStatus();
  if (after.binary) return { binary: after.binary };
  if (r.error?.code === 'ETIMEDOUT') return { binary: null, why: `the download did not finish within ${Math.round(timeoutMs / 1000)} s` };
  // install.js prints the error's stack: its first line says what went wrong.
  const first = (r.stderr ?? '').split('\n').map((l) => l.trim()).find(Boolean);
  return { binary: null, why: `the download failed: ${first ?? `install.js exited ${r.status ?? r.signal}`}` };
}

/** The one line printed where the desktop app cannot run (npm install, npm start). */
export function noElectronLine(why) {
  return (
    `fleetdeck: no Electron binary (${why}), so the desktop app cannot start on this machine. ` +
    'The same app runs in your browser: npm run serve. npm test does not need Electron.'
  );
}
