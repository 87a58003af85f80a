// Client keys for logging into test hosts. Generated once per checkout with ssh-keygen (the same
// tool users have), so tests also cover the OpenSSH private-key format.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { keysDir } from './paths.js';
import { runOk } from './proc.js';

export const KEY_PASSPHRASE = 'correct horse';

export interface TestKeys {
  /** ed25519 key without passphrase. */
  plain: { path: string; publicKey: string };
  /** ed25519 key encrypted with KEY_PASSPHRASE. */
  withPassphrase: { path: string; publicKey: string; passphrase: string };
}

async function generateKey(name: string, passphrase: string): Promise<{ path: string; publicKey: string }> {
  const path = join(keysDir, name);
  if (!existsSync(path) || !existsSync(`${path}.pub`)) {
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    // A unique temp name per call: two generations must never write the same file, or a public
    // key of one could end up beside the private key of the other.
    const tmp = join(keysDir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}`);
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', `fleetdeck-testbed-${name}`, '-f', tmp]);
    renameSync(`${tmp}.pub`, `${path}.pub`);
    renameSync(tmp, path);
  }
  return { path, publicKey: readFileSync(`${path}.pub`, 'utf8').trim() };
}

// Hosts start concurrently (Promise.all) and each asks for the keys: generate once per process.
const pending = new Map<string, Promise<{ path: string; publicKey: string }>>();

function ensureKey(name: string, passphrase: string): Promise<{ path: string; publicKey: string }> {
  let p = pending.get(name);
  if (!p) {
    p = generateKey(name, passphrase);
    pending.set(name, p);
    p.catch(() => pending.delete(name));
  }
  return p;
}

export async function ensureKeys(): Promise<TestKeys> {
  const plain = await ensureKey('id_ed25519', '');
  const withPassphrase = await ensureKey('id_ed25519_passphrase', KEY_PASSPHRASE);
  return { plain, withPassphrase: { ...withPassphrase, passphrase: KEY_PASSPHRASE } };
}

/** authorized_keys content accepting both test keys. */
export function authorizedKeys(keys: TestKeys): string {
  return `${keys.plain.publicKey}\n${keys.withPassphrase.publicKey}\n`;
}
