import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { FleetdeckError } from '../../../src-common/problems.js';

/**
 * The internal CA's files (pki.ts): private directories, reads that never follow a symlink, and
 * writes that nobody sees half-done (an O_EXCL temporary, then link(2) or rename).
 */

export const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** A private directory of ours: made 0700, not a symlink, tightened if it was looser. */
export function ensurePrivateDir(dir: string, trouble: (what: string) => Error): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw trouble(`${dir} is not a directory`);
  if (process.platform !== 'win32' && (st.mode & 0o777) !== 0o700) fs.chmodSync(dir, 0o700);
}

/** The file's contents, or null where there is none; never through a symlink. */
export function readOwnFile(file: string): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new FleetdeckError('step-failed', `${file} is a symbolic link: Fleetdeck's internal CA keeps only plain files of its own there. Remove the link.`);
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new FleetdeckError('step-failed', `${file} is not a plain file: Fleetdeck's internal CA keeps only plain files of its own there.`);
    // A key file of ours readable by others (a copy, an unpacked backup): make it private again.
    if (process.platform !== 'win32' && file.endsWith('.key') && (st.mode & 0o077) !== 0) fs.fchmodSync(fd, 0o600);
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function writeTemp(file: string, content: string, mode: number): string {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW, mode);
  try {
    if (process.platform !== 'win32') fs.fchmodSync(fd, mode);
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  return tmp;
}

/**
 * Puts the file in place only if there is none (never replacing one): written whole to an
 * O_EXCL temporary, then hard-linked to its name, so nobody ever reads half of it. False when
 * the name was taken already. Where hard links are not supported, an O_EXCL create.
 */
export function publishExclusive(file: string, content: string, mode: number): boolean {
  const tmp = writeTemp(file, content, mode);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
    try {
      const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW, mode);
      try {
        fs.writeFileSync(fd, content);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return true;
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err2;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Replaces a derived file (an issued leaf) atomically: a temporary renamed over it. */
export function writeReplacing(file: string, content: string, mode: number): void {
  const tmp = writeTemp(file, content, mode);
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Not every platform can fsync a directory (Windows); the files themselves were synced.
  }
}

export function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
