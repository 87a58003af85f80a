/**
 * Fleetdeck testbed: real hosts for integration and e2e tests, all on loopback.
 *
 *   import { startSshdHost, startDebianHost } from '../testbed/index.js';
 *   const sshd = await startSshdHost();                    // ~0.1-0.6 s, needs root
 *   const deb = await startDebianHost({ name: 'deb1' });   // ~1.5 s (+ ~80 s image build once per machine)
 *   // ssh -i deb.users.admin.keyPath -p deb.port admin@127.0.0.1
 *   await deb.stop(); await sshd.stop();
 *
 * Hosts
 *  - kind 'sshd' (startSshdHost): this machine's /usr/sbin/sshd on 127.0.0.1:<free port> with its
 *    own config and host key (UsePAM no, password auth on, sftp). Users live on this machine:
 *      fdtest    key (keys.plain), passwordless sudo
 *      fdpass    password FDPASS_PASSWORD only, sudo asks for the password
 *      fdclose   key; its session is killed ~0.3 s after login (connection drops during bootstrap)
 *      fdkeypass key with passphrase KEY_PASSPHRASE ('correct horse') only
 *    Has node at /usr/bin/node. regenerateHostKey() swaps the host key, same port.
 *  - kind 'debian' (startDebianHost): Debian 12, systemd as PID 1, in Docker with --network none,
 *    labelled fleetdeck-testbed=1. No node installed (tests the runtime push). Users:
 *      admin (1000) key, passwordless sudo
 *      carol (1001) key + password CAROL_PASSWORD, sudo asks for the password
 *      nox   (1002) key, home is a noexec tmpfs
 *    Port 22 is reached via a unix socket and a TCP forwarder living in the calling process; the
 *    host's ports 80/8000/9090/9100 are reachable with http.get({ socketPath: host.socketPath(80) }).
 *    exec(argv) runs a command as root through `docker exec` (test setup, not the app path).
 *
 * Lifetime: hosts belong to the process that started them; stop() them in afterAll. Hosts of a
 * process that died (crash, Ctrl-C) are removed by cleanupLeftovers(), which every start calls.
 * `npm run testbed -- up|status|down` runs one host of each kind in a background daemon for
 * manual work (see cli.ts).
 *
 * State: <repo>/.testbed/ (keys/, run/<pid>-<name>/ with configs, logs, sockets; state.json of the
 * CLI daemon; image-build.log). Machine setup: `sudo scripts/setup-host.sh`.
 */
import { existsSync } from 'node:fs';
import { ensureDockerd } from './docker.js';

export type { TestHost, TestUser } from './types.js';
export { startSshdHost, FDPASS_PASSWORD, type SshdHost } from './sshd-host.js';
export { startDebianHost, CAROL_PASSWORD, type DebianHost } from './debian-host.js';
export { ensureDebianImage, debianImageTag } from './image.js';
export { ensureKeys, KEY_PASSPHRASE, type TestKeys } from './keys.js';
export { cleanupLeftovers } from './registry.js';

/**
 * Why the testbed cannot run here, or null if it can. Tests use it to skip with a reason
 * (e.g. `describe.skipIf(reason)`) instead of failing on machines without root or Docker.
 */
export async function testbedUnavailableReason(needs: { docker?: boolean } = { docker: true }): Promise<string | null> {
  if (process.platform !== 'linux') return 'testbed needs Linux';
  if (process.getuid?.() !== 0) return 'testbed needs root (it creates users and runs sshd/dockerd); run tests as root';
  if (!existsSync('/usr/sbin/sshd')) return 'openssh-server missing: run scripts/setup-host.sh';
  if (needs.docker) {
    try {
      await ensureDockerd();
    } catch (e) {
      return (e as Error).message;
    }
  }
  return null;
}
