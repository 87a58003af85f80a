import { safeStorage } from 'electron';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Remembered connect secrets, encrypted with the OS keychain (safeStorage) in a file under the
 * app's user data dir. The core never sees this store: the shell adds a host's secrets to a
 * connect call, so secrets never travel through SQLite in any form.
 */
type Kind = 'password' | 'passphrase' | 'sudoPassword';

export class Keychain {
  private data: Record<string, Partial<Record<Kind, string>>> = {};

  constructor(private readonly file: string) {
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
    if (!safeStorage.isEncryptionAvailable()) return false;
    const backend = (safeStorage as unknown as { getSelectedStorageBackend?: () => string }).getSelectedStorageBackend?.();
    return backend !== 'basic_text';
  }

  set(hostId: number, kind: Kind, secret: string): void {
    if (!this.available) throw new Error('The OS keychain is not available; the secret was not stored.');
    const entry = (this.data[String(hostId)] ??= {});
    entry[kind] = safeStorage.encryptString(secret).toString('base64');
    writeFileSync(this.file, JSON.stringify(this.data), { mode: 0o600 });
  }

  get(hostId: number): Partial<Record<Kind, string>> {
    const entry = this.data[String(hostId)] ?? {};
    const out: Partial<Record<Kind, string>> = {};
    for (const [k, v] of Object.entries(entry)) if (v) out[k as Kind] = safeStorage.decryptString(Buffer.from(v, 'base64'));
    return out;
  }

  forgetKind(hostId: number, kind: Kind): void {
    const entry = this.data[String(hostId)];
    if (!entry?.[kind]) return;
    delete entry[kind];
    writeFileSync(this.file, JSON.stringify(this.data), { mode: 0o600 });
  }

  forget(hostId: number): void {
    delete this.data[String(hostId)];
    writeFileSync(this.file, JSON.stringify(this.data), { mode: 0o600 });
  }
}
