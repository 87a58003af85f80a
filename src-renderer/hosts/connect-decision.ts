import type { AuthMethod } from '../../src-common/hosts/host.schema.js';
import type { Problem } from '../../src-common/problems.js';

/** What the UI does after a connect attempt fails: the problem code decides (see ARCHITECTURE "Errors"). */
export interface NewHostKey {
  hostName: string;
  keyType: string;
  fingerprint: string;
}

export interface ChangedHostKey {
  hostName: string;
  keyType: string;
  expectedFingerprints: string[];
  offeredFingerprint: string;
}

/** Which secret a prompt asks for: the login password, a key's passphrase, or sudo's password. */
export type SecretPurpose = 'login' | 'passphrase' | 'sudo';

export type ConnectStep =
  | { kind: 'verify-hostkey'; key: NewHostKey }
  | { kind: 'hostkey-changed'; key: ChangedHostKey }
  | { kind: 'ask-password'; purpose: SecretPurpose; retry: boolean }
  | { kind: 'report' };

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

export function parseNewHostKey(details: Record<string, unknown> | undefined): NewHostKey | null {
  const hostName = text(details?.hostName);
  const keyType = text(details?.keyType);
  const fingerprint = text(details?.fingerprint);
  return hostName && keyType && fingerprint ? { hostName, keyType, fingerprint } : null;
}

export function parseChangedHostKey(details: Record<string, unknown> | undefined): ChangedHostKey | null {
  const hostName = text(details?.hostName);
  const keyType = text(details?.keyType) ?? 'unknown';
  const offeredFingerprint = text(details?.offeredFingerprint);
  const expected = Array.isArray(details?.expectedFingerprints) ? details.expectedFingerprints.filter((f): f is string => typeof f === 'string') : [];
  return hostName && offeredFingerprint ? { hostName, keyType, expectedFingerprints: expected, offeredFingerprint } : null;
}

/**
 * @param sentPassword whether the failed attempt already carried a password (then we say it was refused)
 */
export function decideNextStep(problem: Problem, auth: AuthMethod, sent: { password: boolean; sudoPassword: boolean; passphrase?: boolean }): ConnectStep {
  switch (problem.problem) {
    case 'unknown-hostkey': {
      const key = parseNewHostKey(problem.details);
      return key ? { kind: 'verify-hostkey', key } : { kind: 'report' };
    }
    case 'hostkey-changed': {
      const key = parseChangedHostKey(problem.details);
      // Even without details this must never fall through to anything that offers to accept.
      return key
        ? { kind: 'hostkey-changed', key }
        : { kind: 'hostkey-changed', key: { hostName: 'this host', keyType: 'unknown', expectedFingerprints: [], offeredFingerprint: 'unknown' } };
    }
    case 'authentication-failed':
      // The core says which secret it needs (details.needs); a key's passphrase has its own prompt.
      if (problem.details?.needs === 'passphrase') return { kind: 'ask-password', purpose: 'passphrase', retry: Boolean(sent.passphrase) };
      if (problem.details?.needs === 'sudo-password') return { kind: 'ask-password', purpose: 'sudo', retry: sent.sudoPassword };
      if (auth === 'password' || auth === 'keyboard-interactive') return { kind: 'ask-password', purpose: 'login', retry: sent.password };
      return { kind: 'report' };
    case 'sudo-required':
      return { kind: 'ask-password', purpose: 'sudo', retry: sent.sudoPassword };
    default:
      return { kind: 'report' };
  }
}

/** The host key file on the server matching an SSH key type, for the "compare on the server" hint. */
export function hostKeyFileFor(keyType: string): string {
  const t = keyType.toLowerCase();
  const kind = t.includes('ed25519') ? 'ed25519' : t.includes('ecdsa') ? 'ecdsa' : t.includes('rsa') ? 'rsa' : t.includes('dss') || t.includes('dsa') ? 'dsa' : 'ed25519';
  return `/etc/ssh/ssh_host_${kind}_key.pub`;
}
