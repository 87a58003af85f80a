import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Host } from '../../../src-common/hosts/host.schema.js';
import { FleetdeckError, toProblem } from '../../../src-common/problems.js';
import { startLocalHelper } from '../agent/local-helper.js';
import type { HelperClient } from '../agent/helper-client.js';
import { connectSummary, type SecretSources } from '../audit/audit-summaries.js';
import { defaultDataDir } from '../data-dir.js';
import { Fleet } from '../fleet.js';
import { HostSession } from '../hosts/host-session.js';
import { agentHooks } from '../hosts/agent-link.js';
import { parseHostInput } from '../hosts/host-store.js';
import { splitTarget, type Flags } from './args.js';
import type { CliIo, FlagGroup } from './command.js';
import { ask } from './prompt.js';

/**
 * How a CLI command reaches a host: `--local` (a helper child on this machine), the name of a host
 * stored with `fleetdeck hosts add` (its address, port, user, key and jump hosts, its trusted key;
 * what it reads is stored, as the app does), or `USER@HOST[:PORT]` ad hoc.
 */
export const CONNECT_FLAGS: FlagGroup = {
  title: 'Connection options',
  flags: {
    port: { alias: 'p', value: 'PORT', help: 'SSH port (default 22)' },
    identity: { alias: 'i', value: 'FILE', help: 'private key (default: the SSH agent, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa)' },
    jump: { alias: 'J', value: 'USER@HOST[:PORT]', help: 'jump host (comma-separated for a chain)' },
    password: { help: 'log in with a password (asked, or FLEETDECK_PASSWORD)' },
    'accept-new': { help: 'trust a host key never seen before (a changed key is always refused)' },
    sudo: { help: 'require root for facts only root can read (sudo -n, or FLEETDECK_SUDO_PASSWORD)' },
    timeout: { value: 'SECONDS', help: 'connect timeout (default 20)' },
    local: { help: 'this machine, without SSH' },
    root: { value: 'DIR', help: 'with --local: read etc/os-release, /proc … under DIR' },
  },
};

/** Flags that describe how to reach an ad-hoc host; a stored host has its own. */
const AD_HOC_ONLY = ['port', 'identity', 'jump', 'password'] as const;

export function dataDir(flags: Flags): string {
  return typeof flags['data-dir'] === 'string' ? path.resolve(flags['data-dir']) : defaultDataDir();
}

export function print(io: CliIo, value: unknown, flags: Flags, human: (v: never) => string): void {
  io.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : `${human(value as never)}\n`);
}

export function hostFromTarget(target: string | undefined, flags: Flags): Host {
  if (!target) throw new FleetdeckError('invalid-input', 'Name the host: USER@HOST, or the name of a stored host (fleetdeck hosts list).');
  const { user, address: given } = splitTarget(target);
  // HOST:PORT (or [v6]:PORT) as the help says; -p says the same where both are given.
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(given);
  const address = hp ? hp[1]!.replace(/^\[|\]$/g, '') : given;
  if (hp && flags.port !== undefined && Number(flags.port) !== Number(hp[2])) throw new FleetdeckError('invalid-input', `${target.slice(0, 200)} names port ${hp[2]} and --port ${String(flags.port).slice(0, 10)}: give one of them.`);
  const jump = typeof flags.jump === 'string'
    ? flags.jump.split(',').map((j) => {
        const { user: ju, address: rest } = splitTarget(j);
        // HOST or HOST:PORT; anything odd is left for the host schema to refuse with its message.
        const m = /^([^:]*):(\d+)$/.exec(rest);
        return { address: m ? m[1]! : rest, port: m ? Number(m[2]) : 22, user: ju ?? process.env.USER ?? 'root', auth: 'agent' as const };
      })
    : [];
  // Like OpenSSH: -i, else the agent, else the first default identity file that exists.
  const identity = typeof flags.identity === 'string' ? path.resolve(flags.identity) : !process.env.SSH_AUTH_SOCK ? defaultIdentity() : undefined;
  const auth = flags.password ? 'password' : identity ? 'key' : 'agent';
  const spec = parseHostInput({
    name: address,
    address,
    port: hp ? Number(hp[2]) : (flags.port ?? 22),
    user: user ?? process.env.USER ?? 'root',
    auth,
    keyPath: auth === 'key' ? identity : undefined,
    jump,
  });
  return { id: 0, ...spec, createdAt: Date.now(), updatedAt: Date.now() };
}

function defaultIdentity(): string | undefined {
  const dir = path.join(os.homedir(), '.ssh');
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(dir, f)).find((f) => existsSync(f));
}

/** A stored host by name, or an ad-hoc one from USER@HOST and the connection flags. */
export function resolveTarget(fleet: Fleet, target: string | undefined, flags: Flags): { host: Host; stored: boolean } {
  if (target && !target.includes('@')) {
    const stored = fleet.hosts.findByName(target);
    if (stored) {
      const given = AD_HOC_ONLY.filter((f) => flags[f] !== undefined);
      if (given.length) {
        throw new FleetdeckError('invalid-input', `"${stored.name}" is a stored host: its own address, port, user and key are used, so ${given.map((f) => `--${f}`).join(', ')} do not apply. Change the stored host in the app, or give USER@ADDRESS instead of its name.`);
      }
      return { host: stored, stored: true };
    }
  }
  return { host: hostFromTarget(target, flags), stored: false };
}

export async function connectHost(fleet: Fleet, host: Host, flags: Flags, io: CliIo, stored: boolean): Promise<HostSession> {
  const verbose = !!flags.verbose;
  const offered = new Map<string, Buffer>();
  const session = new HostSession(host, {
    onUnknownKey: (name, blob) => offered.set(name, blob),
    policy: fleet.policy,
    acceptNewHostKey: !!flags['accept-new'],
    timeoutMs: timeoutMs(flags),
    log: (line) => verbose && io.stderr.write(`[${host.name}] ${line}\n`),
    ...(stored ? agentHooks(fleet, host.id) : {}),
  });
  const secrets: { password?: string; passphrase?: string; sudoPassword?: string } = {};
  if (process.env.FLEETDECK_SUDO_PASSWORD) secrets.sudoPassword = process.env.FLEETDECK_SUDO_PASSWORD;
  if (host.auth === 'password') {
    secrets.password = process.env.FLEETDECK_PASSWORD ?? (await ask(`Password for ${host.user}@${host.address}: `, { secret: true })) ?? undefined;
  }
  const hostId = stored ? host.id : null;
  // CLI connects put the helper on the host too: they are recorded like the app's.
  const record = (ok: boolean, problem: string | null) => {
    const sources: SecretSources = {};
    if (secrets.password) sources.password = 'supplied';
    if (secrets.passphrase) sources.passphrase = 'supplied';
    if (secrets.sudoPassword) sources['sudo-password'] = 'supplied';
    const d = ok ? session.lastDeploy : null;
    fleet.audit.record({
      hostId,
      hostName: host.name,
      operation: 'hosts.connect',
      summary: `${connectSummary(host, sources, { ok, pushedHelper: d?.pushedHelper, pushedRuntime: d?.pushedRuntime, helperPath: d?.helperPath })} (CLI)`,
      result: ok ? 'ok' : 'failed',
      problem,
    });
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await session.connect(secrets);
      record(true, null);
      return session;
    } catch (err) {
      const p = toProblem(err);
      if (p.problem === 'unknown-hostkey' && process.stdin.isTTY) {
        io.stderr.write(`${p.message}\n`);
        const yes = await ask('Trust this key and connect? [y/N] ');
        if (yes?.trim().toLowerCase() !== 'y') throw err;
        const d = p.details as { hostName: string };
        const blob = offered.get(d.hostName);
        if (!blob) throw err;
        const info = fleet.policy.trust(d.hostName, blob);
        fleet.audit.record({ hostId, hostName: host.name, operation: 'hostkeys.trust', summary: `trusted ${info.keyType} ${info.fingerprint} for ${d.hostName} (CLI)`, result: 'ok' });
        continue;
      }
      if (p.problem === 'authentication-failed' && (p.details as { needs?: string } | undefined)?.needs === 'passphrase') {
        const pass = process.env.FLEETDECK_PASSPHRASE ?? (await ask(`Passphrase for ${host.keyPath}: `, { secret: true }));
        if (pass === null || secrets.passphrase === pass) {
          record(false, p.problem);
          throw err;
        }
        secrets.passphrase = pass;
        continue;
      }
      // A first-time host key is a question, not a failed connect (the app records it the same way).
      if (p.problem !== 'unknown-hostkey') record(false, p.problem);
      session.dispose();
      throw err;
    }
  }
  session.dispose();
  throw new FleetdeckError('authentication-failed', 'Giving up after 3 attempts.');
}

function timeoutMs(flags: Flags): number {
  if (flags.timeout === undefined) return 20_000;
  const s = Number(flags.timeout);
  if (flags.timeout === true || !Number.isFinite(s) || s <= 0 || s > 600) throw new FleetdeckError('invalid-input', `--timeout takes seconds from 1 to 600, e.g. --timeout 30 (got "${String(flags.timeout).slice(0, 40)}").`);
  return Math.round(s * 1000);
}

/** A helper for the command: this machine's (--local), or the host's over SSH (root's where asked). */
export interface OpenedHelper {
  helper: HelperClient;
  /** The stored host it belongs to, if any: what the command reads is stored for it. */
  fleet: Fleet | null;
  storedId: number | null;
  dispose(): void;
}

/** method: what the command asks first; the host's resident agent answers it where it serves it (no sudo, no helper started). */
export async function openHelper(positionals: string[], flags: Flags, io: CliIo, method?: string): Promise<OpenedHelper> {
  if (flags.local) {
    if (positionals.length) throw new FleetdeckError('invalid-input', `--local means this machine: leave out "${positionals[0]!.slice(0, 80)}".`);
    const helper = await startLocalHelper({ root: typeof flags.root === 'string' ? path.resolve(flags.root) : undefined });
    return { helper, fleet: null, storedId: null, dispose: () => helper.close() };
  }
  if (flags.root) throw new FleetdeckError('invalid-input', '--root only works with --local.');
  const fleet = new Fleet({ dataDir: dataDir(flags), acceptNewHostKeys: !!flags['accept-new'] });
  let session: HostSession | null = null;
  try {
    const { host, stored } = resolveTarget(fleet, positionals[0], flags);
    session = await connectHost(fleet, host, flags, io, stored);
    const helper = method ? await session.helperForMethod(method, flags.sudo ? 'require' : 'try') : await session.helperFor(flags.sudo ? 'require' : 'try');
    const owned = session;
    return {
      helper,
      fleet,
      storedId: stored ? host.id : null,
      dispose: () => {
        owned.dispose();
        fleet.close();
      },
    };
  } catch (err) {
    session?.dispose();
    fleet.close();
    throw err;
  }
}
