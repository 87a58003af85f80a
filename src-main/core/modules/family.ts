import type { Resource } from '../../../src-common/change/resource.schema.js';
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

/**
 * A password a service reads from a root-only file (or root and the service's group, 0640): the
 * one given (a secret file, never shown in a plan), or, when none is given, one generated on the
 * host (random bytes, base64, one line). Either way it is set once: a file already there is
 * kept, and so does a rollback, for the reason `kept` gives. Fleetdeck reads it back only when
 * the admin asks (change.secret), which the desktop app does to keep a copy in the OS keychain.
 */
export function hostSecret(o: { id: string; path: string; given: string; bytes: number; label: string; kept: string; group?: string }): Resource {
  const group = o.group ?? 'root';
  if (o.given) return { kind: 'file', path: o.path, content: o.given, mode: group === 'root' ? 0o600 : 0o640, owner: 'root', group, secret: true, keep: true };
  const share = group === 'root' ? '' : '; chgrp "$3" "$1.tmp"; chmod 0640 "$1.tmp"';
  return {
    kind: 'command',
    id: o.id,
    label: o.label,
    argv: ['/bin/sh', '-c', `set -e; umask 077; mkdir -p "$(dirname "$1")"; head -c "$2" /dev/urandom | base64 | tr -d "\\n" > "$1.tmp"${share}; mv "$1.tmp" "$1"`, 'sh', o.path, String(o.bytes), ...(group === 'root' ? [] : [group])],
    unless: ['test', '-s', o.path],
    undoneWith: o.kept,
  };
}
