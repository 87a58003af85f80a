import { statSync } from 'node:fs';
import path from 'node:path';

/**
 * What a helper running as root hands to the programs it starts. Root must never run what another
 * user can change (ARCHITECTURE.md, "The helper and its protocol"): its children get a PATH made
 * only of directories that root alone can write, and no other inherited environment.
 *
 * Over SSH, root-start.sh starts the helper with `env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin`, so
 * that is all it ever sees. Started by root directly (`fleetdeck probe --local` in a root shell),
 * the caller's PATH entries are kept only where root alone can write them, so a group-writable
 * /usr/local/bin or a user's ~/bin first in PATH is dropped, never searched.
 */
export const ROOT_BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

type StatFn = (p: string) => { uid: number; mode: number; isDirectory(): boolean };

/** A directory (symlinks followed) and every directory above it: root-owned, not group/other-writable unless sticky. */
export function rootOnlyWritable(dir: string, stat: StatFn = statSync): boolean {
  let p = path.resolve(dir);
  for (;;) {
    let s: ReturnType<StatFn>;
    try {
      s = stat(p);
    } catch {
      return false;
    }
    if (s.uid !== 0) return false;
    if ((s.mode & 0o022) !== 0 && !(s.isDirectory() && (s.mode & 0o1000) !== 0)) return false;
    if (p === '/') return true;
    p = path.dirname(p);
  }
}

export function trustedRootDirs(dirs: readonly string[] = ROOT_BIN_DIRS, stat: StatFn = statSync): string[] {
  return [...new Set(dirs)].filter((d) => path.isAbsolute(d) && rootOnlyWritable(d, stat));
}

/** The inherited PATH's absolute entries, then the standard ones; trustedRootDirs filters them. */
export function rootSearchDirs(inheritedPath: string | undefined): string[] {
  return [...(inheritedPath ?? '').split(':').filter((d) => d.startsWith('/')), ...ROOT_BIN_DIRS];
}

/** The environment for a child of a root helper: a fixed PATH and the C locale, nothing else. */
export function rootChildEnv(dirs: readonly string[]): NodeJS.ProcessEnv {
  return { PATH: dirs.join(':'), LC_ALL: 'C', LANG: 'C' };
}
