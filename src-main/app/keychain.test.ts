import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createElectronDouble, type ElectronDouble } from './electron.test-util.js';
import { Keychain } from './keychain.js';

let double: ElectronDouble;
let file: string;

beforeEach(() => {
  double = createElectronDouble();
  file = path.join(double.app.paths.userData!, 'secrets.json');
});
afterEach(() => double.dispose());

const SECRET = 'correct horse battery staple';

describe('Keychain', () => {
  it('is available with a real OS keychain, and not with none or with the basic_text fallback', () => {
    const keychain = new Keychain(file, double.safeStorage);
    expect(keychain.available).toBe(true);
    double.safeStorage.backend = 'basic_text';
    expect(keychain.available).toBe(false);
    double.safeStorage.backend = 'kwallet6';
    double.safeStorage.encryptionAvailable = false;
    expect(keychain.available).toBe(false);
  });

  it('counts an available safeStorage without a backend query (macOS, Windows) as available', () => {
    const withoutBackend = { isEncryptionAvailable: () => true, encryptString: (s: string) => Buffer.from(s), decryptString: (b: Buffer) => b.toString() };
    expect(new Keychain(file, withoutBackend).available).toBe(true);
  });

  it('stores secrets encrypted: the file never holds them in plain text or plain base64', () => {
    const keychain = new Keychain(file, double.safeStorage);
    keychain.set(3, 'password', SECRET);
    keychain.set(3, 'sudoPassword', 'sudo-secret-42');
    const text = readFileSync(file, 'utf8');
    for (const s of [SECRET, 'sudo-secret-42']) {
      expect(text).not.toContain(s);
      expect(text).not.toContain(Buffer.from(s).toString('base64'));
    }
    expect(double.safeStorage.encrypted).toEqual([SECRET, 'sudo-secret-42']);
    expect(Object.keys(JSON.parse(text))).toEqual(['3']);
  });

  it('writes the file readable by its owner only', () => {
    new Keychain(file, double.safeStorage).set(1, 'password', SECRET);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('reads back, across instances (a restart), only the host asked for', () => {
    const first = new Keychain(file, double.safeStorage);
    first.set(1, 'password', SECRET);
    first.set(2, 'passphrase', 'other host');
    const second = new Keychain(file, double.safeStorage);
    expect(second.get(1)).toEqual({ password: SECRET });
    expect(second.get(2)).toEqual({ passphrase: 'other host' });
    expect(second.get(3)).toEqual({});
  });

  it('refuses to store without an OS keychain, and writes nothing', () => {
    double.safeStorage.backend = 'basic_text';
    const keychain = new Keychain(file, double.safeStorage);
    expect(() => keychain.set(1, 'password', SECRET)).toThrow(/not available/);
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
    expect(double.safeStorage.encrypted).toEqual([]);
  });

  it('forgets one kind, or everything of a host', () => {
    const keychain = new Keychain(file, double.safeStorage);
    keychain.set(1, 'password', SECRET);
    keychain.set(1, 'sudoPassword', 's');
    keychain.set(2, 'password', 'p2');
    keychain.forgetKind(1, 'password');
    expect(keychain.get(1)).toEqual({ sudoPassword: 's' });
    keychain.forget(1);
    expect(new Keychain(file, double.safeStorage).get(1)).toEqual({});
    expect(new Keychain(file, double.safeStorage).get(2)).toEqual({ password: 'p2' });
  });

  it('starts empty from a corrupt file instead of failing the app', () => {
    writeFileSync(file, '{not json', { mode: 0o600 });
    expect(new Keychain(file, double.safeStorage).get(1)).toEqual({});
  });
});
