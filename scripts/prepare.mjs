// `npm install` (the "prepare" script): builds the helper and the CLI, then fetches the Electron
// binary for `npm start` (see scripts/electron-binary.mjs). A failed Electron download is reported
// in one line and never fails the install: the CLI, `npm run serve` and `npm test` do not need it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureElectronBinary, noElectronLine } from './electron-binary.mjs';

// `npm pack` / `npm publish` run "prepare" too, after "prepack" has built everything the tarball
// holds (which has no Electron in it): nothing to do then.
if (['pack', 'publish'].includes(process.env.npm_command ?? '')) process.exit(0);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
for (const script of ['scripts/build-helper.mjs', 'scripts/build-cli.mjs']) {
  const r = spawnSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const electron = ensureElectronBinary();
if (electron.binary) console.log(`Electron binary: ${path.relative(root, electron.binary)}`);
else console.warn(noElectronLine(electron.why));
