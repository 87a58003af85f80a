// The realistic host: Debian 12 with systemd as PID 1 in Docker (services install and run, logins
// get user-UID.slice). No network (--network none); port 22 is reached through a unix socket
// in the bind-mounted run dir (see debian-image.sh) and a TCP forwarder in this process.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptProxy, APT_PROXY_SETUP } from './apt-proxy.js';
import { docker, dockerOk, LABEL, removeContainer } from './docker.js';
import { forwardToUnixSocket, type Forwarder } from './forward.js';
import { ensureDebianImage } from './image.js';
import { authorizedKeys, ensureKeys } from './keys.js';
import { sleep, waitForSshBanner, type RunResult } from './proc.js';
import { cleanupLeftovers, createRunDir, ownerTag, writeOwner } from './registry.js';
import type { TestHost } from './types.js';

/** Baked into the image by debian-image.sh. */
export const CAROL_PASSWORD = 'carol-Secret-1';

export type DebianHost = TestHost & {
  kind: 'debian';
  containerId: string;
  /** Unix socket on this machine reaching 127.0.0.1:PORT inside (22, 80, 8000, 9090, 9100). */
  socketPath(port: number): string;
  /** `docker exec` as root (or `user`); never goes through SSH. */
  exec(argv: string[], opts?: { user?: string; input?: string }): Promise<RunResult>;
  stop(): Promise<void>;
};

const MAX_UNIX_PATH = 107; // sun_path is 108 bytes including the NUL

async function waitForFile(path: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${ms} ms`);
    await sleep(50);
  }
}

/** Waits for boot to finish; `--wait` blocks inside, retries cover "bus not up yet". */
async function waitForSystemd(id: string, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    const r = await docker(['exec', id, 'systemctl', 'is-system-running', '--wait'], { timeoutMs: Math.max(1000, deadline - Date.now()) });
    last = (r.stdout.trim() || r.stderr.trim()).split('\n')[0] ?? '';
    if (last === 'running' || last === 'degraded') return last;
    if (last === 'maintenance' || last === 'stopping') break;
    await sleep(100);
  }
  throw new Error(`systemd in ${id.slice(0, 12)} did not come up (last state: ${last || 'none'})`);
}

export interface DebianHostOptions {
  name: string;
  log?: (s: string) => void;
  /** apt inside reaches Debian's mirror through this machine's caching proxy (apt-proxy.ts). */
  apt?: boolean;
  /** Extra capabilities: NET_ADMIN for a firewall; 'docker' for Docker inside (all but SYS_RESOURCE, /var/lib/docker a volume). */
  caps?: ('NET_ADMIN' | 'docker')[];
  /** Start from this image instead of the testbed's Debian image (one made from it: family-host.ts). */
  image?: string;
}

export async function startDebianHost(opts: DebianHostOptions): Promise<DebianHost> {
  const { name, log = () => {} } = opts;
  await cleanupLeftovers(log);
  const image = opts.image ?? (await ensureDebianImage(log));
  const keys = await ensureKeys();

  const dir = createRunDir(name, 'debian');
  const sockDir = join(dir, 'sock');
  const sshSock = join(sockDir, '22.sock');
  if (sshSock.length > MAX_UNIX_PATH) throw new Error(`unix socket path too long (${sshSock.length} > ${MAX_UNIX_PATH}): ${sshSock}`);
  mkdirSync(sockDir);
  // Read by the image's init wrapper before systemd starts (see debian-image.sh).
  writeFileSync(join(dir, 'authorized_keys'), authorizedKeys(keys));

  const containerId = (
    await dockerOk([
      'run', '-d',
      '--name', `fdtb-${process.pid}-${name}`,
      '--label', `${LABEL}=1`,
      '--label', `${LABEL}.owner=${ownerTag()}`,
      '--hostname', name,
      '--network', 'none',
      // systemd as PID 1 under Debian's dockerd 20.10 on a cgroup v1 machine (--privileged fails
      // here: the VM lacks CAP_SYS_RESOURCE); the image's init wrapper remounts cgroups rw.
      '--cgroupns=private', '--cap-add', 'SYS_ADMIN', '--security-opt', 'seccomp=unconfined',
      '--stop-signal', 'SIGRTMIN+3', // `docker import` of 20.10 refuses STOPSIGNAL
      '--tmpfs', '/run', '--tmpfs', '/run/lock',
      // nox's home is noexec: the helper must never be placed (or run) there.
      '--tmpfs', '/home/nox:rw,noexec,nosuid,size=64m,uid=1002,gid=1002,mode=755',
      '-v', `${dir}:/testbed`,
      ...(opts.caps?.includes('docker') ? ['--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE', '-v', '/var/lib/docker'] : []),
      ...(opts.caps?.includes('NET_ADMIN') && !opts.caps.includes('docker') ? ['--cap-add', 'NET_ADMIN'] : []),
      image,
    ])
  ).trim();
  writeOwner(dir, { ownerPid: process.pid, ownerStart: ownerTag().split(':')[1] ?? '', name, kind: 'debian', containerId });

  let fwd: Forwarder | undefined;
  const stop = async () => {
    if (opts.apt) await aptProxy().close(join(dir, 'apt.sock'));
    await fwd?.close();
    fwd = undefined;
    await removeContainer(containerId);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForFile(sshSock, 30_000);
    fwd = await forwardToUnixSocket(sshSock);
    const state = await waitForSystemd(containerId, 60_000);
    if (state === 'degraded') {
      const failed = await docker(['exec', containerId, 'systemctl', '--failed', '--no-legend', '--plain']);
      log(`${name}: systemd is degraded: ${failed.stdout.trim()}`);
    }
    await waitForSshBanner(fwd.port, 30_000);
    if (opts.apt) {
      await aptProxy().listen(join(dir, 'apt.sock'));
      const r = await docker(['exec', '-i', containerId, 'sh'], { input: APT_PROXY_SETUP, timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`apt proxy setup: ${r.stderr || r.stdout}`);
    }
  } catch (e) {
    const logs = await docker(['logs', '--tail', '30', containerId]).catch(() => undefined);
    await stop().catch(() => {});
    throw new Error(`debian host ${name}: ${(e as Error).message}${logs ? `\n${logs.stdout}${logs.stderr}` : ''}`);
  }

  const home = (u: string) => `/home/${u}`;
  return {
    name,
    kind: 'debian',
    address: '127.0.0.1',
    port: fwd.port,
    containerId,
    users: {
      admin: { name: 'admin', uid: 1000, home: home('admin'), keyPath: keys.plain.path, sudo: 'nopasswd' },
      carol: { name: 'carol', uid: 1001, home: home('carol'), keyPath: keys.plain.path, password: CAROL_PASSWORD, sudo: 'password' },
      nox: { name: 'nox', uid: 1002, home: home('nox'), keyPath: keys.plain.path, sudo: 'none' },
    },
    socketPath: (port) => join(sockDir, `${port}.sock`),
    exec: (argv, o = {}) =>
      docker(['exec', ...(o.input !== undefined ? ['-i'] : []), ...(o.user ? ['-u', o.user] : []), containerId, ...argv], {
        input: o.input,
        timeoutMs: 600_000,
      }),
    stop,
  };
}
