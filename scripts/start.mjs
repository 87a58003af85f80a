// `npm start`: builds and launches the Electron app. Where no Electron binary could be installed
// (offline machines: ELECTRON_SKIP_BINARY_DOWNLOAD), says so and points at the browser UI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let electronPath = null;
try {
  electronPath = require('electron');
} catch {
  electronPath = null;
}
if (typeof electronPath !== 'string' || !existsSync(electronPath)) {
  console.error(
    'Fleetdeck: no Electron binary is installed here (it is downloaded by "npm install" unless\n' +
      'ELECTRON_SKIP_BINARY_DOWNLOAD is set or the machine is offline).\n' +
      'The same app runs in your browser: npm run serve',
  );
  process.exit(1);
}
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const r = spawnSync(electronPath, ['.'], { stdio: 'inherit', env: { ...process.env, npm_node_execpath: process.execPath } });
process.exit(r.status ?? 0);
