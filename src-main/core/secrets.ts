import { FleetdeckError } from '../../src-common/problems.js';

/**
 * Where connect secrets live. In the desktop app: the OS keychain (Electron safeStorage) —
 * implemented in src-main/app. In browser and CLI mode: this process's memory only.
 */
export type SecretKind = 'password' | 'passphrase' | 'sudo-password';

/** The credential fields of a connect request, and the kind each is stored as. */
export const SECRET_FIELDS = { password: 'password', passphrase: 'passphrase', sudoPassword: 'sudo-password' } as const satisfies Record<string, SecretKind>;
export type SecretField = keyof typeof SECRET_FIELDS;
export const SECRET_FIELD_NAMES = Object.keys(SECRET_FIELDS) as SecretField[];

export interface SecretStore {
  readonly persistent: boolean;
  get(hostId: number, kind: SecretKind): string | undefined;
  set(hostId: number, kind: SecretKind, value: string): void;
  forget(hostId: number): void;
}

export class MemorySecretStore implements SecretStore {
  readonly persistent = false;
  private readonly values = new Map<string, string>();
  get(hostId: number, kind: SecretKind) {
    return this.values.get(`${hostId}:${kind}`);
  }
  set(hostId: number, kind: SecretKind, value: string) {
    this.values.set(`${hostId}:${kind}`, value);
  }
  forget(hostId: number) {
    for (const k of [...this.values.keys()]) if (k.startsWith(`${hostId}:`)) this.values.delete(k);
  }
}

export function refuseRemember(): never {
  throw new FleetdeckError('invalid-input', 'Passwords can only be remembered in the desktop app, which keeps them in the OS keychain. Here they are asked for and kept in memory until you close Fleetdeck.');
}
