import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFileProblem } from './key-file-check.js';

/** Key files are checked when a host is stored (issue 9, #14): each wrong kind of path gets its own message. */
describe('keyFileProblem', () => {
  let dir: string;
  const at = (name: string) => path.join(dir, name);

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fd-keycheck-'));
    writeFileSync(at('id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });
    writeFileSync(at('id_rsa_pem'), '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n', { mode: 0o600 });
    writeFileSync(at('pkcs8'), '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE KEY-----\n', { mode: 0o600 });
    writeFileSync(at('key.ppk'), 'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n', { mode: 0o600 });
    writeFileSync(at('id_ed25519.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB me@laptop\n');
    writeFileSync(at('notes.txt'), 'hello\n');
    writeFileSync(at('empty'), '');
    writeFileSync(at('cert.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    mkdirSync(at('keys'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts OpenSSH, PEM, PKCS#8 and PuTTY private keys', () => {
    for (const f of ['id_ed25519', 'id_rsa_pem', 'pkcs8', 'key.ppk']) expect(keyFileProblem(at(f)), f).toBeNull();
  });

  it.each([
    ['a missing file', 'nope', /There is no file at .*nope.*ssh-keygen/],
    ['a path through a file', 'notes.txt/id', /a part of the path is not a directory/],
    ['a directory', 'keys', /is a directory: choose the private key file inside it/],
    ['a public key', 'id_ed25519.pub', /is a public key: choose the private key file \(.*id_ed25519\) instead/],
    ['an empty file', 'empty', /is empty/],
    ['a certificate', 'cert.pem', /certificate, not a private key/],
    ['some other file', 'notes.txt', /does not look like a private key/],
  ])('says what is wrong with %s', (_label, name, message) => {
    expect(keyFileProblem(at(name))).toMatch(message);
  });

  it('says so when it is not a regular file', () => {
    expect(keyFileProblem('/dev/null')).toMatch(/not a regular file/);
  });

  it('says so when the file cannot be read', () => {
    writeFileSync(at('locked'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
    chmodSync(at('locked'), 0o000);
    if (process.getuid?.() !== 0) {
      expect(keyFileProblem(at('locked'))).toMatch(/permission denied/);
      return;
    }
    // Root reads any file: the check runs as nobody instead, on a file only root may read. The
    // check is bundled into the (world-readable) temp dir first: the checkout itself may sit in a
    // dir only root can enter (CI clones into a 0700 mktemp dir).
    chmodSync(dir, 0o755);
    const bundle = at('check.mjs');
    buildSync({ entryPoints: [path.join(import.meta.dirname, 'key-file-check.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    chmodSync(bundle, 0o644);
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', `import(process.argv[1]).then((m) => process.stdout.write(String(m.keyFileProblem(process.argv[2]))))`, bundle, at('locked')], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      cwd: dir,
    });
    expect(child.stdout, child.stderr).toMatch(/permission denied/);
  });

  it('reads ~/ as the home directory, as connect does', () => {
    expect(keyFileProblem('~/surely-not-a-key-file-here')).toMatch(/There is no file at ~\/surely-not-a-key-file-here/);
  });
});
