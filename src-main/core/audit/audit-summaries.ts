import type { Host } from '../../../src-common/hosts/host.schema.js';
import type { SecretKind } from '../secrets.js';

/**
 * Plan summaries for the audit log, written from facts only (which secret kinds, where they came
 * from) — a secret's value never reaches these functions.
 */

const KIND_LABEL: Record<SecretKind, string> = { password: 'password', passphrase: 'key passphrase', 'sudo-password': 'sudo password' };

/** ["password", "sudo-password"] → "password and sudo password". */
export function secretKindsText(kinds: readonly SecretKind[]): string {
  const labels = kinds.map((k) => KIND_LABEL[k]);
  if (labels.length <= 1) return labels[0] ?? '';
  return `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}

/** "carol@10.0.0.5:22" (via "me@bastion:22" when jump hosts are used). */
export function connectTarget(host: Pick<Host, 'user' | 'address' | 'port' | 'jump'>): string {
  const t = `${host.user}@${host.address}:${host.port}`;
  return host.jump.length ? `${t} via ${host.jump.map((j) => `${j.user}@${j.address}:${j.port}`).join(', ')}` : t;
}

/**
 * Where each secret kind used by a connect came from: the secret store, the request itself, or
 * kept in memory by the host's session from an earlier connect.
 */
export type SecretSource = 'stored' | 'supplied' | 'kept';
export type SecretSources = Partial<Record<SecretKind, SecretSource>>;

/** "a stored password", "a supplied key passphrase", "a password kept from an earlier connect". */
function secretText(src: SecretSource, what: string): string {
  return src === 'kept' ? `a ${what} kept from an earlier connect` : `a ${src} ${what}`;
}

function how(host: Pick<Host, 'auth' | 'keyPath'>, src: SecretSources): string {
  switch (host.auth) {
    case 'agent':
      return 'the SSH agent';
    case 'key': {
      const key = `the key ${host.keyPath ?? '(none)'}`;
      return src.passphrase ? `${key} with ${secretText(src.passphrase, 'passphrase')}` : key;
    }
    case 'password':
    case 'keyboard-interactive': {
      const via = host.auth === 'keyboard-interactive' ? ' (keyboard-interactive)' : '';
      return src.password ? `${secretText(src.password, 'password')}${via}` : `no password${via}`;
    }
  }
}

export interface ConnectOutcome {
  ok: boolean;
  /** Set when the connect put files on the host. */
  pushedHelper?: boolean;
  pushedRuntime?: boolean;
  helperPath?: string;
}

/** "connected as carol@10.0.0.5:22 using a stored password; pushed the helper to …" */
export function connectSummary(host: Pick<Host, 'user' | 'address' | 'port' | 'jump' | 'auth' | 'keyPath'>, src: SecretSources, outcome: ConnectOutcome): string {
  let s = `${outcome.ok ? 'connected' : 'could not connect'} as ${connectTarget(host)} using ${how(host, src)}`;
  if (src['sudo-password']) s += `, with ${secretText(src['sudo-password'], 'sudo password')}`;
  if (outcome.ok && (outcome.pushedHelper || outcome.pushedRuntime)) {
    const what = outcome.pushedHelper && outcome.pushedRuntime ? 'the helper and a Node runtime' : outcome.pushedHelper ? 'the helper' : 'a Node runtime';
    s += `; pushed ${what}${outcome.helperPath ? ` (${outcome.helperPath})` : ''}`;
  }
  return s;
}
