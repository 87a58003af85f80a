// `npm start`: builds and launches the Electron app. Where no Electron binary can be had (no access
// to GitHub's release downloads, ELECTRON_SKIP_BINARY_DOWNLOAD, the electron package missing), it
// says so in one line, points at the browser UI (`npm run serve`) and exits 1.
import { spawnSync } from 'node:child_process';
import { ensureElectronBinary, noElectronLine } from './electron-binary.mjs';

// `npm install` normally fetched the binary already; this retries a download that failed then.
const electron = ensureElectronBinary({ log: (s) => console.error(s) });
if (!electron.binary) {
  console.error(noElectronLine(electron.why));
  process.exit(1);
}
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const r = spawnSync(electron.binary, ['.'], { stdio: 'inherit', env: { ...process.env, npm_node_execpath: process.execPath } });
process.exit(r.status ?? 0);
