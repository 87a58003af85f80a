import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ElectronApi } from './electron-api.js';

/**
 * Remembered connect secrets, encrypted with the OS keychain (safeStorage) in a file under the
 * app's user data dir. The core never sees this store: the shell adds a host's secrets to a
 * connect call, so secrets never travel through SQLite in any form.
 */
export type SecretKind = 'password' | 'passphrase' | 'sudoPassword';
export const SECRET_KINDS: readonly SecretKind[] = ['password', 'passphrase', 'sudoPassword'];

/** getSelectedStorageBackend exists on Linux only. */
type SafeStorage = Pick<ElectronApi['safeStorage'], 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & Partial<Pick<ElectronApi['safeStorage'], 'getSelectedStorageBackend'>>;

export class Keychain {
  private data: Record<string, Partial<Record<SecretKind, string>>> = {};

  constructor(
    private readonly file: string,
    private readonly safeStorage: SafeStorage,
  ) {
    if (existsSync(file)) {
      try {
        this.data = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        this.data = {};
      }
    }
  }

  /** Only a real OS keychain counts: on Linux without one, Electron falls back to a fixed key. */
  get available(): boolean {
    if (!this.safeStorage.isEncryptionAvailable()) return false;
    return this.safeStorage.getSelectedStorageBackend?.() !== 'basic_text';
  }

  set(hostId: number, kind: SecretKind, secret: string): void {
    if (!this.available) throw new Error('The OS keychain is not available; the secret was not stored.');
    const entry = (this.data[String(hostId)] ??= {});
    entry[kind] = this.safeStorage.encryptString(secret).toString('base64');
    this.save();
  }

  get(hostId: number): Partial<Record<SecretKind, string>> {
    const entry = this.data[String(hostId)] ?? {};
    const out: Partial<Record<SecretKind, string>> = {};
    for (const [k, v] of Object.entries(entry)) if (v && SECRET_KINDS.includes(k as SecretKind)) out[k as SecretKind] = this.safeStorage.decryptString(Buffer.from(v, 'base64'));
    return out;
  }

  /**
   * A module's password kept on a host (the backup repository's, Portainer's admin password),
   * copied here so it outlives the host. Kept apart from the connect secrets: a new address or
   * login for the host does not drop it; removing the host does.
   */
  getModule(hostId: number, name: string): string | undefined {
    const v = (this.data[`modules:${hostId}`] as Record<string, string> | undefined)?.[name];
    return v ? this.safeStorage.decryptString(Buffer.from(v, 'base64')) : undefined;
  }

  setModule(hostId: number, name: string, secret: string): void {
    if (!this.available) throw new Error('The OS keychain is not available; the secret was not stored.');
    const entry = (this.data[`modules:${hostId}`] ??= {}) as Record<string, string>;
    const enc = this.safeStorage.encryptString(secret).toString('base64');
    if (entry[name] && this.safeStorage.decryptString(Buffer.from(entry[name], 'base64')) === secret) return;
    entry[name] = enc;
    this.save();
  }

  forgetKind(hostId: number, kind: SecretKind): void {
    const entry = this.data[String(hostId)];
    if (!entry?.[kind]) return;
    delete entry[kind];
    this.save();
  }

  forget(hostId: number, withModules = false): void {
    delete this.data[String(hostId)];
    if (withModules) delete this.data[`modules:${hostId}`];
    this.save();
  }

  private save(): void {
    writeFileSync(this.file, JSON.stringify(this.data), { mode: 0o600 });
  }
}
