import type { Probe } from '../../../src-common/inventory/probe.schema.js';

/**
 * Per-family choices for modules, always from what the probe found (the package backend and
 * init it detected), never from the distribution's name alone.
 */
export type Backend = Exclude<Probe['packageBackend'], 'unknown'>;

/** The value for this host's package backend, or null where the table has none. */
export function byBackend<T>(probe: Probe, table: Partial<Record<Backend, T>>): T | null {
  return probe.packageBackend === 'unknown' ? null : (table[probe.packageBackend] ?? null);
}

/** "Debian's mirror" etc.: what a package install needs to reach, for the plan's network line. */
export function mirrorName(probe: Probe): string {
  const os = probe.os.prettyName ?? probe.os.name;
  switch (probe.packageBackend) {
    case 'apt':
      return `${os}'s package mirror (apt sources, or the proxy in /etc/apt/apt.conf.d)`;
    case 'dnf':
    case 'yum':
      return `${os}'s package repositories (/etc/yum.repos.d)`;
    case 'zypper':
      return `${os}'s package repositories (zypper repos)`;
    case 'pacman':
      return `${os}'s package mirror (/etc/pacman.d/mirrorlist)`;
    case 'apk':
      return `${os}'s package repositories (/etc/apk/repositories)`;
    default:
      return 'a package mirror';
  }
}

/** Where apt repository signing keys go (signed-by=…), one file per repository. */
export const APT_KEYRINGS = '/etc/apt/keyrings';

/**
 * Fetches an ASCII-armoured signing key ($1, https only) to $2 atomically: a failed or partial
 * download, or anything that is not a PGP key, leaves nothing behind.
 */
export const FETCH_KEY = 'set -e; mkdir -p "$(dirname "$2")"; tmp="$2.fleetdeck-tmp"; trap \'rm -f "$tmp"\' EXIT; curl -fsSL --proto =https --tlsv1.2 --max-time 120 -o "$tmp" "$1"; grep -q "BEGIN PGP PUBLIC KEY BLOCK" "$tmp"; chmod 0644 "$tmp"; mv "$tmp" "$2"';
