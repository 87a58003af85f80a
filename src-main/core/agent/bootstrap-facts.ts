import { FleetdeckError } from '../../../src-common/problems.js';

/** What bootstrap.sh reported about a host, parsed from its key=value lines. */
export interface BootstrapFacts {
  arch: string;
  kernel: string;
  uid: number;
  user: string;
  libc: 'glibc' | 'musl' | 'unknown';
  libcVersion: string | null;
  nodePath: string | null;
  nodeVersion: string | null;
  /** Nodes on the host that Fleetdeck refused to run: another user could change them (trust.sh). */
  nodeUntrusted: string[];
  /** `untrusted`: a sudo exists, but not one that only root can change; it is never run. */
  sudo: 'nopasswd' | 'password' | 'absent' | 'untrusted';
  /** The root-owned sudo Fleetdeck runs, by absolute path. */
  sudoPath: string | null;
  candidates: { state: 'ok' | 'noexec' | 'unwritable' | 'unsafe'; dir: string }[];
  dir: string | null;
  freeBytes: number | null;
  freeInodes: number | null;
  helperPresent: boolean;
  runtimePresent: boolean;
  /** The runtime root published for every user (root-owned, whole path root's); set only when the user has none of their own. */
  runtimeShared: string | null;
  runtimeVersion: string | null;
}

export function parseBootstrapOutput(text: string): BootstrapFacts {
  const kv = new Map<string, string>();
  const candidates: BootstrapFacts['candidates'] = [];
  const nodeUntrusted: string[] = [];
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'candidate') {
      const colon = value.indexOf(':');
      candidates.push({ state: value.slice(0, colon) as 'ok', dir: value.slice(colon + 1) });
    } else if (key === 'node_untrusted') {
      if (nodeUntrusted.length < 8 && !nodeUntrusted.includes(value)) nodeUntrusted.push(value.slice(0, 4096));
    } else kv.set(key, value);
  }
  if (kv.has('error')) throw new FleetdeckError('protocol-error', `The bootstrap script failed on the host: ${kv.get('error')}`);
  if (kv.get('bootstrap') !== '1') throw new FleetdeckError('protocol-error', 'The host did not run the bootstrap script (is the login shell a POSIX shell?). Output: ' + text.slice(0, 200));
  const num = (k: string) => (kv.has(k) && /^\d+$/.test(kv.get(k)!) ? Number(kv.get(k)) : null);
  return {
    arch: kv.get('arch') ?? 'unknown',
    kernel: kv.get('kernel') ?? 'unknown',
    uid: num('uid') ?? -1,
    user: kv.get('user') ?? 'unknown',
    libc: (kv.get('libc') as BootstrapFacts['libc']) ?? 'unknown',
    libcVersion: kv.get('libc_version') ?? null,
    nodePath: kv.get('node_path') || null,
    nodeVersion: kv.get('node_version') || null,
    nodeUntrusted,
    sudo: (['nopasswd', 'password', 'absent', 'untrusted'] as const).find((v) => v === kv.get('sudo')) ?? 'absent',
    sudoPath: kv.get('sudo_path')?.startsWith('/') ? kv.get('sudo_path')! : null,
    candidates,
    dir: kv.get('dir') || null,
    freeBytes: num('dir_free_bytes'),
    freeInodes: num('dir_free_inodes'),
    helperPresent: kv.get('helper_present') === 'yes',
    runtimePresent: kv.get('runtime_present') === 'yes',
    runtimeShared: /^\/var\/lib\/fleetdeck\/runtime-[A-Za-z0-9._-]+\/bin\/node$/.test(kv.get('runtime_shared') ?? '') ? kv.get('runtime_shared')! : null,
    runtimeVersion: kv.get('runtime_version') ?? null,
  };
}

/** glibc needed by the official Node 20 Linux builds. */
export const MIN_GLIBC_FOR_RUNTIME = [2, 28] as const;

export function glibcAtLeast(version: string | null, min: readonly [number, number]): boolean {
  if (!version) return false;
  const [maj, minor] = version.split('.').map(Number);
  if (maj === undefined || minor === undefined || Number.isNaN(maj) || Number.isNaN(minor)) return false;
  return maj > min[0] || (maj === min[0] && minor >= min[1]);
}
