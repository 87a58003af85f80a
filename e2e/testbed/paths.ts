// Where the testbed keeps its state: <repo>/.testbed/ (git-ignored). Nothing here is needed
// across machines; deleting the directory is always safe when no testbed is running.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const testbedSrcDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(testbedSrcDir, '..', '..');
export const stateDir = join(repoRoot, '.testbed');
/** Generated SSH client keys, shared by every host. */
export const keysDir = join(stateDir, 'keys');
/** One directory per running host, named `<ownerPid>-<hostName>`: configs, logs, unix sockets. */
export const runRoot = join(stateDir, 'run');
/** Written by the CLI daemon (`npm run testbed -- up`). */
export const statePath = join(stateDir, 'state.json');
export const daemonLogPath = join(stateDir, 'daemon.log');
