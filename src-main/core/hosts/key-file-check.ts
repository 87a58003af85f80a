import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import os from 'node:os';

/**
 * Checks a private key path when a host is added or edited, not only at connect: the file must
 * exist, be a regular file this process can read, and look like a private key. The message says
 * what is wrong and what to choose instead. The key itself is not parsed here (a passphrase may
 * be needed for that); connect does it.
 */

/** Leading bytes read: enough for any header after a few comment lines. */
const HEAD_BYTES = 4096;
/** Private keys are a few kB; anything this large is some other file. */
const MAX_KEY_BYTES = 1024 * 1024;

const PRIVATE_KEY_HEADERS = [
  /-----BEGIN OPENSSH PRIVATE KEY-----/,
  /-----BEGIN (RSA |DSA |EC |ENCRYPTED )?PRIVATE KEY-----/,
  // PuTTY's format, which the SSH library reads too.
  /^PuTTY-User-Key-File-\d+:/m,
];
const PUBLIC_KEY = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) AAAA/;

/** `~` and `~/…` as the connect step reads them: this process's home directory. */
export function expandKeyPath(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? `${os.homedir()}${p.slice(1)}` : p;
}

function errno(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error';
}

/** Why this path cannot serve as a private key, or null when it can. */
export function keyFileProblem(keyPath: string): string | null {
  const file = expandKeyPath(keyPath);
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) return `${keyPath} is a directory: choose the private key file inside it (e.g. ${keyPath.replace(/\/$/, '')}/id_ed25519).`;
    if (!st.isFile()) return `${keyPath} is not a regular file: choose the private key file itself (e.g. ~/.ssh/id_ed25519).`;
    size = st.size;
  } catch (err) {
    const code = errno(err);
    if (code === 'ENOENT') return `There is no file at ${keyPath}. Check the path, or create a key with ssh-keygen.`;
    if (code === 'ENOTDIR') return `${keyPath} does not exist: a part of the path is not a directory.`;
    if (code === 'EACCES') return `${keyPath} cannot be reached: permission denied on one of its directories.`;
    return `${keyPath} cannot be read (${code}).`;
  }
  if (size === 0) return `${keyPath} is empty: it is not a private key.`;
  if (size > MAX_KEY_BYTES) return `${keyPath} is too large to be a private key.`;
  let head: string;
  let fd: number | null = null;
  try {
    // Non-blocking: a FIFO swapped in after the stat must not hang the core.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return `${keyPath} is not a regular file: choose the private key file itself.`;
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, size));
    const n = readSync(fd, buf, 0, buf.length, 0);
    head = buf.toString('latin1', 0, n);
  } catch (err) {
    const code = errno(err);
    if (code === 'EACCES' || code === 'EPERM') return `${keyPath} cannot be read by Fleetdeck (permission denied): check its owner and mode (chmod 600).`;
    return `${keyPath} cannot be read (${code}).`;
  } finally {
    if (fd !== null) closeSync(fd);
  }
  if (PRIVATE_KEY_HEADERS.some((re) => re.test(head))) return null;
  if (PUBLIC_KEY.test(head.trimStart())) {
    const hint = keyPath.endsWith('.pub') ? ` (${keyPath.slice(0, -4)})` : '';
    return `${keyPath} is a public key: choose the private key file${hint} instead.`;
  }
  if (/-----BEGIN CERTIFICATE-----/.test(head)) return `${keyPath} is a certificate, not a private key.`;
  return `${keyPath} does not look like a private key (no "-----BEGIN … PRIVATE KEY-----" line): choose a key made by ssh-keygen, e.g. ~/.ssh/id_ed25519.`;
}
