import { readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';
import type { AuthMethod } from '../../../src-common/hosts/host.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { hostKeyProblem, type HostKeyPolicy, type HostKeyVerdict } from './host-key-policy.js';

/**
 * Opens an SSH connection in numbered, logged steps: tcp → host key → auth, hop by hop through
 * any jump hosts. The host key of every hop is checked against that hop's own name before any
 * secret is sent; ssh2 only starts authentication after hostVerifier said yes.
 */
export interface HopSpec {
  address: string;
  port: number;
  user: string;
  auth: AuthMethod;
  keyPath?: string;
}

export interface Secrets {
  password?: string;
  passphrase?: string;
}

export interface ConnectOptions {
  hops: HopSpec[]; // jump hosts first, the target last
  secrets?: Secrets;
  policy: HostKeyPolicy;
  /** Accept (and store) a key never seen before, like OpenSSH's StrictHostKeyChecking=accept-new. */
  acceptNewHostKey?: boolean;
  timeoutMs?: number;
  keepaliveIntervalMs?: number;
  log?: (line: string) => void;
  /** Called with the key the server offered when it is unknown, so the UI can ask about it later. */
  onUnknownKey?: (hostName: string, blob: Buffer) => void;
  signal?: AbortSignal;
  /**
   * Reach the (single) target through an existing link's own loopback instead: a direct-tcpip
   * channel to 127.0.0.1:port on that host. The lockout guard logs in this way to an sshd tried
   * on a second port, with the same host-key check and the admin's own credentials.
   */
  via?: { client: Client; port: number };
}

export interface SshLink {
  client: Client;
  /** Every client of the chain, target last; ended together. */
  chain: Client[];
  close(): void;
}

function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? `${os.homedir()}${p.slice(1)}` : p;
}

async function tcpConnect(address: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  const host = address.startsWith('[') ? address.slice(1, -1) : address;
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new FleetdeckError('timeout', `No answer from ${address}:${port} within ${Math.round(timeoutMs / 1000)} s. Check the address, the port and any firewall between you and the host.`));
    }, timeoutMs);
    const onAbort = () => {
      sock.destroy();
      reject(new FleetdeckError('cancelled', 'Connecting was cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // ssh2 leaves Nagle on; small request/response frames then wait ~40 ms for an ACK.
      sock.setNoDelay(true);
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(mapSocketError(err, address, port));
    });
  });
}

export function mapSocketError(err: NodeJS.ErrnoException, address: string, port: number): FleetdeckError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return new FleetdeckError('disconnected', `${address} refused the connection on port ${port}: is sshd running, and is ${port} its port?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new FleetdeckError('not-found', `The name ${address} could not be resolved. Check the spelling, or use the IP address.`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new FleetdeckError('disconnected', `${address} is unreachable from this machine (${err.code}). Check VPN/network and routes.`);
    case 'ETIMEDOUT':
      return new FleetdeckError('timeout', `Connecting to ${address}:${port} timed out. The host may be down or a firewall drops the traffic.`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new FleetdeckError('disconnected', `${address}:${port} closed the connection unexpectedly.`);
    default:
      return new FleetdeckError('disconnected', `Could not connect to ${address}:${port}: ${err.message}`);
  }
}

async function authConfig(hop: HopSpec, secrets: Secrets | undefined): Promise<Partial<ConnectConfig>> {
  switch (hop.auth) {
    case 'agent': {
      const agent = process.env.SSH_AUTH_SOCK;
      if (!agent) throw new FleetdeckError('authentication-failed', `No SSH agent is running (SSH_AUTH_SOCK is not set). Start ssh-agent and ssh-add your key, or choose a key file for ${hop.user}@${hop.address}.`);
      return { agent };
    }
    case 'key': {
      if (!hop.keyPath) throw new FleetdeckError('invalid-input', 'Choose the private key file to log in with.');
      const file = expandHome(hop.keyPath);
      let privateKey: Buffer;
      try {
        privateKey = await readFile(file);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new FleetdeckError(
          'invalid-input',
          code === 'ENOENT' ? `The key file ${hop.keyPath} does not exist. Check the path, or create a key with ssh-keygen.` : `The key file ${hop.keyPath} cannot be read (${code}).`,
        );
      }
      const encrypted = /ENCRYPTED|bcrypt/.test(privateKey.toString('latin1', 0, 4096)) || isEncryptedOpenSshKey(privateKey);
      if (encrypted && !secrets?.passphrase) {
        throw new FleetdeckError('authentication-failed', `The key ${hop.keyPath} is protected by a passphrase: enter it to connect.`, { needs: 'passphrase' });
      }
      return secrets?.passphrase ? { privateKey, passphrase: secrets.passphrase } : { privateKey };
    }
    case 'password':
      if (!secrets?.password) throw new FleetdeckError('authentication-failed', `Enter the password for ${hop.user}@${hop.address}.`, { needs: 'password' });
      return { password: secrets.password };
    case 'keyboard-interactive':
      if (!secrets?.password) throw new FleetdeckError('authentication-failed', `Enter the password for ${hop.user}@${hop.address}.`, { needs: 'password' });
      return { tryKeyboard: true };
  }
}

/** OpenSSH-format keys name their cipher in the blob; "none" means unencrypted. */
function isEncryptedOpenSshKey(pem: Buffer): boolean {
  const text = pem.toString('utf8');
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]+?)-----END/.exec(text);
  if (!m) return false;
  const raw = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  // "openssh-key-v1\0" then string ciphername
  const off = 15;
  if (raw.length < off + 4) return false;
  const len = raw.readUInt32BE(off);
  return raw.toString('latin1', off + 4, off + 4 + len) !== 'none';
}

async function connectHop(hop: HopSpec, auth: Partial<ConnectConfig>, sock: Duplex, opts: ConnectOptions, step: (n: number, name: string) => () => void): Promise<Client> {
  const client = new Client();
  let verdict: HostKeyVerdict | null = null;
  const doneKey = step(2, `host key of ${hop.address}:${hop.port}`);
  let doneAuth: (() => void) | null = null;

  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const fail = (err: FleetdeckError) => {
      if (settled) return;
      settled = true;
      client.destroy();
      reject(err);
    };
    if (opts.signal?.aborted) {
      fail(new FleetdeckError('cancelled', 'Connecting was cancelled.'));
      return;
    }
    opts.signal?.addEventListener('abort', () => fail(new FleetdeckError('cancelled', 'Connecting was cancelled.')), { once: true });
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
      // Answer password-like prompts with the password; others get an empty answer.
      finish(prompts.map((p) => (/password|passcode|passphrase/i.test(p.prompt) ? opts.secrets?.password ?? '' : '')));
    });
    client.once('ready', () => {
      doneAuth?.();
      settled = true;
      resolve(client);
    });
    // `on`, not `once`: a client that failed may emit again while being destroyed.
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (verdict && verdict.status !== 'trusted' && !(verdict.status === 'unknown' && opts.acceptNewHostKey)) {
        fail(hostKeyProblem(verdict));
      } else if (err.level === 'client-authentication') {
        fail(new FleetdeckError('authentication-failed', `${hop.user}@${hop.address} refused the ${describeAuth(hop.auth)}. Check the user name and ${hop.auth === 'password' || hop.auth === 'keyboard-interactive' ? 'password' : 'that the key is in ~/.ssh/authorized_keys on the host'}.`));
      } else if (err.level === 'client-timeout' || /Timed out while waiting for handshake/.test(err.message)) {
        fail(new FleetdeckError('timeout', `${hop.address}:${hop.port} accepted the connection but did not complete the SSH handshake in time. Is it an SSH server?`));
      } else if (/passphrase|Encrypted private/i.test(err.message)) {
        fail(new FleetdeckError('authentication-failed', `The passphrase for ${hop.keyPath} is wrong.`, { needs: 'passphrase' }));
      } else if (/Cannot parse privateKey|Unsupported key format/i.test(err.message)) {
        fail(new FleetdeckError('invalid-input', `The file ${hop.keyPath} is not a private key Fleetdeck can read (${err.message}).`));
      } else if (err.code) {
        fail(mapSocketError(err as NodeJS.ErrnoException, hop.address, hop.port));
      } else {
        fail(new FleetdeckError('disconnected', `${hop.address}:${hop.port} closed the connection during the SSH handshake (${err.message}).`));
      }
    });
    client.once('close', () => fail(new FleetdeckError('disconnected', `${hop.address}:${hop.port} closed the connection during the SSH handshake.`)));
    try {
      client.connect({
        sock: sock as unknown as ConnectConfig['sock'],
        username: hop.user,
        readyTimeout: opts.timeoutMs ?? 20_000,
        keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: 3,
        ...auth,
        algorithms: { serverHostKey: opts.policy.preferredAlgorithms(hop.address, hop.port) as never },
        hostVerifier: (key: Buffer) => {
          // ssh2 asks again on every rekey: the key must still be trusted, but that is no new step.
          if (settled) return opts.policy.verify(hop.address, hop.port, key).status === 'trusted';
          verdict = opts.policy.verify(hop.address, hop.port, key);
          if (verdict.status === 'unknown') {
            opts.onUnknownKey?.(verdict.hostName, key);
            if (opts.acceptNewHostKey) {
              opts.policy.trust(verdict.hostName, key);
              opts.log?.(`    accepted new ${verdict.keyType} key ${verdict.fingerprint} for ${verdict.hostName}`);
            }
          }
          const ok = verdict.status === 'trusted' || (verdict.status === 'unknown' && !!opts.acceptNewHostKey);
          if (ok) {
            doneKey();
            doneAuth = step(3, `auth as ${hop.user} (${describeAuth(hop.auth)})`);
          }
          return ok;
        },
      });
    } catch (err) {
      // ssh2 parses the private key synchronously here.
      const message = (err as Error).message;
      if (/passphrase|integrity check|decrypt/i.test(message)) {
        fail(new FleetdeckError('authentication-failed', `The passphrase for ${hop.keyPath} is wrong.`, { needs: 'passphrase' }));
      } else if (/parse|key format|privateKey/i.test(message)) {
        fail(new FleetdeckError('invalid-input', `The file ${hop.keyPath} is not a private key Fleetdeck can read (${message}).`));
      } else {
        fail(new FleetdeckError('invalid-input', `Cannot start SSH: ${message}`));
      }
    }
  });
}

function describeAuth(auth: AuthMethod): string {
  return auth === 'agent' ? 'keys of the SSH agent' : auth === 'key' ? 'key' : auth === 'password' ? 'password' : 'keyboard-interactive login';
}

function forward(client: Client, address: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, address.replace(/^\[|\]$/g, ''), port, (err, stream) => {
      if (err) reject(new FleetdeckError('disconnected', `The jump host could not reach ${address}:${port} (${err.message}).`));
      else resolve(stream);
    });
  });
}

export async function openSshLink(opts: ConnectOptions): Promise<SshLink> {
  const log = opts.log ?? (() => undefined);
  const chain: Client[] = [];
  const closeAll = () => chain.forEach((c) => c.end());
  try {
    for (let i = 0; i < opts.hops.length; i++) {
      const hop = opts.hops[i]!;
      const label = opts.hops.length > 1 ? ` [hop ${i + 1}/${opts.hops.length}]` : '';
      const step = (n: number, name: string) => {
        const started = Date.now();
        log(`${n}/5 ${name}${label} …`);
        return () => log(`${n}/5 ${name}${label} ok (${Date.now() - started} ms)`);
      };
      // Read keys (and learn which secret is missing) before opening TCP, so a missing secret
      // leaves no half-open connection. Secrets belong to the target only: a jump host never
      // receives the target's password or passphrase.
      const isTarget = i === opts.hops.length - 1;
      if (!isTarget && (hop.auth === 'password' || hop.auth === 'keyboard-interactive')) {
        throw new FleetdeckError('invalid-input', `Jump host ${hop.address} is set to log in with a password; jump hosts log in with a key or the SSH agent.`);
      }
      const auth = await authConfig(hop, isTarget ? opts.secrets : undefined);
      let sock: Duplex;
      if (opts.via && isTarget) {
        const done = step(1, `tcp 127.0.0.1:${opts.via.port} on ${hop.address}, through the open connection`);
        sock = await forward(opts.via.client, '127.0.0.1', opts.via.port);
        done();
      } else if (i === 0) {
        const done = step(1, `tcp ${hop.address}:${hop.port}`);
        sock = await tcpConnect(hop.address, hop.port, opts.timeoutMs ?? 20_000, opts.signal);
        done();
      } else {
        const done = step(1, `tcp ${hop.address}:${hop.port} via jump host`);
        sock = await forward(chain[i - 1]!, hop.address, hop.port);
        done();
      }
      chain.push(await connectHop(hop, auth, sock, opts, step));
    }
  } catch (err) {
    closeAll();
    throw err;
  }
  return { client: chain.at(-1)!, chain, close: closeAll };
}
