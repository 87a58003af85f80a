import { readFileSync } from 'node:fs';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { Db } from '../db/database.js';
import { fingerprintSha256, hostKeyAlgorithmsFor, keyTypeOfBlob, knownHostsName, lookupHostKey, parseKnownHosts, type KnownHostEntry } from './known-hosts.js';

/**
 * Decides whether a host key offered during the SSH handshake is trusted — before any secret is
 * sent. Sources: Fleetdeck's own trust store (keys the user accepted) and the user's OpenSSH
 * known_hosts files (read, never written). A revoked or changed key is a hard stop.
 */
export type HostKeyVerdict =
  | { status: 'trusted'; hostName: string; keyType: string; fingerprint: string }
  | { status: 'unknown'; hostName: string; keyType: string; fingerprint: string }
  | { status: 'changed'; hostName: string; keyType: string; fingerprint: string; expected: string[] }
  | { status: 'revoked'; hostName: string; keyType: string; fingerprint: string };

/** The name a key is stored under, as OpenSSH does: "host" on port 22, else "[host]:port", lowercased. */
export function hostKeyName(address: string, port: number): string {
  return knownHostsName(bare(address), port);
}

function bare(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

export class HostKeyPolicy {
  constructor(
    private readonly db: Db,
    private readonly knownHostsFiles: string[],
  ) {}

  /** Entries of every known_hosts file together, so an @revoked line anywhere is always seen. */
  private knownEntries(): KnownHostEntry[] {
    const all: KnownHostEntry[] = [];
    for (const file of this.knownHostsFiles) {
      try {
        // A loop, not push(...): a known_hosts of a few hundred thousand lines would overflow the stack.
        for (const entry of parseKnownHosts(readFileSync(file, 'utf8'))) all.push(entry);
      } catch {
        /* a missing or unreadable known_hosts file just knows nothing */
      }
    }
    return all;
  }

  private storedKeys(hostName: string): { key_type: string; key_b64: string; fingerprint: string }[] {
    return this.db.prepare('SELECT key_type, key_b64, fingerprint FROM trusted_host_keys WHERE host_name = ?').all(hostName) as {
      key_type: string;
      key_b64: string;
      fingerprint: string;
    }[];
  }

  /**
   * Host key algorithms to offer, the already-known types first (as OpenSSH does): otherwise a
   * server known only by its ecdsa key would be asked for ed25519 and look "changed".
   */
  preferredAlgorithms(address: string, port: number): string[] {
    const fromKnownHosts = hostKeyAlgorithmsFor(this.knownEntries(), bare(address), port);
    const stored = this.storedKeys(hostKeyName(address, port)).map((k) => k.key_type);
    const storedAlgos = stored.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
    return [...new Set([...storedAlgos, ...fromKnownHosts])];
  }

  verify(address: string, port: number, blob: Buffer): HostKeyVerdict {
    const hostName = hostKeyName(address, port);
    const keyType = blobType(blob);
    const fingerprint = fingerprintSha256(blob);
    const b64 = blob.toString('base64');

    const result = lookupHostKey(this.knownEntries(), bare(address), port, keyType, blob);
    if (result.status === 'revoked') return { status: 'revoked', hostName, keyType, fingerprint };
    // A mismatch from either source is a hard stop, even when the other source matches: a key
    // rotated in known_hosts must not stay trusted through Fleetdeck's store (and vice versa).
    const stored = this.storedKeys(hostName);
    const storedMatch = stored.some((k) => k.key_b64 === b64);
    const storedMismatch = stored.filter((k) => k.key_type === keyType && k.key_b64 !== b64);
    if (result.status === 'mismatch' || storedMismatch.length) {
      const expected = [...new Set([...storedMismatch.map((k) => k.fingerprint), ...(result.status === 'mismatch' ? result.knownFingerprints : [])])];
      return { status: 'changed', hostName, keyType, fingerprint, expected };
    }
    if (result.status === 'match' || storedMatch) return { status: 'trusted', hostName, keyType, fingerprint };
    const expected = stored.map((k) => k.fingerprint);
    if (expected.length) return { status: 'changed', hostName, keyType, fingerprint, expected };
    return { status: 'unknown', hostName, keyType, fingerprint };
  }

  trust(hostName: string, blob: Buffer): { hostName: string; keyType: string; fingerprint: string } {
    const keyType = blobType(blob);
    const fingerprint = fingerprintSha256(blob);
    this.db
      .prepare(
        `INSERT INTO trusted_host_keys (host_name, key_type, key_b64, fingerprint, added_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(host_name, key_type) DO NOTHING`,
      )
      .run(hostName, keyType, blob.toString('base64'), fingerprint, Date.now());
    const now = this.db.prepare('SELECT fingerprint FROM trusted_host_keys WHERE host_name = ? AND key_type = ?').get(hostName, keyType) as
      | { fingerprint: string }
      | undefined;
    if (now?.fingerprint !== fingerprint) {
      // Never silently replace a trusted key: that is exactly the attack this guards against.
      throw new FleetdeckError('hostkey-changed', `A different ${keyType} key is already trusted for ${hostName}. Remove it first (fleetdeck hostkeys forget ${hostName}) if the server was really reinstalled.`);
    }
    return { hostName, keyType, fingerprint };
  }

  forget(hostName: string): number {
    return this.db.prepare('DELETE FROM trusted_host_keys WHERE host_name = ?').run(hostName).changes;
  }
}

function blobType(blob: Buffer): string {
  let t: string | null = null;
  try {
    t = keyTypeOfBlob(blob);
  } catch {
    t = null;
  }
  if (!t) throw new FleetdeckError('protocol-error', 'The server sent a host key Fleetdeck cannot read.');
  return t;
}

/** Turns a verdict that is not "trusted" into the problem the user sees. */
export function hostKeyProblem(v: Exclude<HostKeyVerdict, { status: 'trusted' }>): FleetdeckError {
  switch (v.status) {
    case 'unknown':
      return new FleetdeckError(
        'unknown-hostkey',
        `${v.hostName} is not known yet. Its ${v.keyType} key has the fingerprint ${v.fingerprint}. Compare it with the output of "ssh-keygen -lf /etc/ssh/ssh_host_${v.keyType.replace(/^ssh-/, '').replace(/-.*$/, '')}_key.pub" on the server, then trust it.`,
        { hostName: v.hostName, keyType: v.keyType, fingerprint: v.fingerprint },
      );
    case 'changed':
      return new FleetdeckError(
        'hostkey-changed',
        `The host key of ${v.hostName} has CHANGED. Expected ${v.expected.join(' or ')}, but the server offered ${v.fingerprint}. Someone may be intercepting the connection (man-in-the-middle), or the server was reinstalled. Nothing was sent to it. If the change is legitimate, remove the old key (ssh-keygen -R '${v.hostName}', and in Fleetdeck: fleetdeck hostkeys forget '${v.hostName}') and connect again.`,
        { hostName: v.hostName, keyType: v.keyType, expectedFingerprints: v.expected, offeredFingerprint: v.fingerprint },
      );
    case 'revoked':
      return new FleetdeckError(
        'hostkey-revoked',
        `The key offered by ${v.hostName} (${v.fingerprint}) is marked @revoked in your known_hosts. Connection refused.`,
        { hostName: v.hostName, keyType: v.keyType, offeredFingerprint: v.fingerprint },
      );
  }
}
