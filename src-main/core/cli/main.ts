import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Host } from '../../../src-common/hosts/host.schema.js';
import { FleetdeckError, toProblem, type ProblemCode } from '../../../src-common/problems.js';
import { helperApi } from '../../../src-common/protocol/helper-api.js';
import { projectRoot } from '../agent/assets.js';
import { startLocalHelper } from '../agent/local-helper.js';
import { defaultDataDir, Fleet } from '../fleet.js';
import { HostSession } from '../hosts/host-session.js';
import { hostKeyName } from '../ssh/host-key-policy.js';
import { connectSummary, type SecretSources } from '../audit/audit-summaries.js';
import { parseHostInput } from '../hosts/host-store.js';
import { serveStdio } from '../server/stdio-server.js';
import { checkExposure, loadTls, startWebServer } from '../server/web-server.js';
import { flagValue, parseArgs, splitTarget, type Flags } from './args.js';
import { formatInventory, formatProbe } from './format.js';
import { ask } from './prompt.js';
import { watchCommand, type StreamSource } from './watch.js';
import { reportCommand } from './report-command.js';
import { auditCommand } from './audit-command.js';

const HELP = `fleetdeck — run a fleet of Linux servers over SSH

Usage:
  fleetdeck probe USER@HOST [options]        distro, init, cgroups, runtimes, GPUs of a host
  fleetdeck inventory USER@HOST [options]    CPU, memory, disks, network, users, containers, GPUs
  fleetdeck probe --local [--root DIR]       the same for this machine, without SSH
  fleetdeck inventory --local [--root DIR]
  fleetdeck watch USER@HOST|--local [--interval S] [--count N] [--json]
                                             live CPU, memory, disks, GPUs and who uses them
  fleetdeck hosts list|add|remove …          the hosts stored in Fleetdeck
  fleetdeck hostkeys forget NAME             drop a trusted key (after a legitimate reinstall)
  fleetdeck serve [--port N] [--host ADDR] [--tls-cert FILE --tls-key FILE] [--insecure-no-tls]
                                             the app's UI in your browser (see Serve options)
  fleetdeck report inventory|usage|audit --format pdf|csv|json|html --out FILE
                 [--since WHEN] [--until WHEN] [--host NAME[,NAME…]]
                                             a report from stored data (WHEN: 2026-11-01, 7d, 24h)
  fleetdeck audit list [--host NAME] [--user NAME] [--operation OP|GROUP.] [--result ok|failed]
                 [--since WHEN] [--until WHEN] [--search TEXT] [--limit N (50)] [--json]
                                             what Fleetdeck did, newest first (WHEN: 2026-11-01T12:00, 90m)

Connection options:
  -p, --port PORT        SSH port (default 22)
  -i, --identity FILE    private key (default: the SSH agent, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa)
  -J, --jump USER@HOST[:PORT]   jump host (comma-separated for a chain)
      --password         log in with a password (asked on the terminal, or FLEETDECK_PASSWORD)
      --accept-new       trust a host key never seen before (a changed key is always refused)
      --sudo             use sudo for facts only root can read (sudo -n, or FLEETDECK_SUDO_PASSWORD)
      --timeout SECONDS  connect timeout (default 20)
      --json             machine-readable output
      --verbose          show each connection step
      --data-dir DIR     where Fleetdeck keeps its database (default ${defaultDataDir()})

Watch options:
      --interval S       seconds between samples (0.25 to 60, default 1)
      --count N          stop after N samples (default: until Ctrl+C)
      --json             one JSON sample per line

Serve options:
      --port N           port to listen on (default: a free one)
      --host ADDR        address to listen on (default 127.0.0.1). Other machines: prefer an SSH
                         tunnel to the default (ssh -N -L 8080:127.0.0.1:8080 USER@THIS-HOST with
                         --port 8080); an address other than loopback needs HTTPS or --insecure-no-tls
      --tls-cert FILE    serve HTTPS (and wss) with this PEM certificate …
      --tls-key FILE     … and its unencrypted PEM private key
      --insecure-no-tls  serve plain HTTP on an address other than loopback: the access token then
                         crosses the network unencrypted
`;

const FLAGS = {
  port: { alias: 'p', value: true },
  identity: { alias: 'i', value: true },
  jump: { alias: 'J', value: true },
  password: { value: false },
  'accept-new': { value: false },
  sudo: { value: false },
  timeout: { value: true },
  json: { value: false },
  verbose: { alias: 'v', value: false },
  local: { value: false },
  root: { value: true },
  'data-dir': { value: true },
  host: { value: true },
  name: { value: true },
  user: { value: true },
  tags: { value: true },
  help: { alias: 'h', value: false },
  'no-open': { value: false },
  stdio: { value: false },
  interval: { value: true },
  count: { value: true },
  since: { value: true },
  until: { value: true },
  format: { value: true },
  out: { alias: 'o', value: true },
  operation: { value: true },
  result: { value: true },
  search: { value: true },
  limit: { value: true },
  'tls-cert': { value: true },
  'tls-key': { value: true },
  'insecure-no-tls': { value: false },
} as const;

/** Exit codes: scripts can tell usage errors from host-key, auth and network failures. */
export function exitCodeFor(problem: ProblemCode): number {
  switch (problem) {
    case 'invalid-input':
      return 2;
    case 'unknown-hostkey':
    case 'hostkey-changed':
    case 'hostkey-revoked':
      return 3;
    case 'authentication-failed':
    case 'access-denied':
    case 'sudo-required':
      return 4;
    case 'timeout':
    case 'disconnected':
    case 'not-found':
      return 5;
    default:
      return 1;
  }
}


function hostFromTarget(target: string | undefined, flags: Flags): Host {
  if (!target) throw new FleetdeckError('invalid-input', 'Name the host to connect to, e.g. "fleetdeck probe admin@gpu-1".');
  const { user, address } = splitTarget(target);
  const jump = typeof flags.jump === 'string'
    ? flags.jump.split(',').map((j) => {
        const { user: ju, address: rest } = splitTarget(j);
        const m = /^(.*?)(?::(\d+))?$/.exec(rest)!;
        return { address: m[1]!, port: m[2] ? Number(m[2]) : 22, user: ju ?? process.env.USER ?? 'root', auth: 'agent' as const };
      })
    : [];
  // Like OpenSSH: -i, else the agent, else the first default identity file that exists.
  const identity = typeof flags.identity === 'string' ? path.resolve(flags.identity) : !process.env.SSH_AUTH_SOCK ? defaultIdentity() : undefined;
  const auth = flags.password ? 'password' : identity ? 'key' : 'agent';
  const spec = parseHostInput({
    name: address,
    address,
    port: flags.port ?? 22,
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

async function connectAdHoc(fleet: Fleet, host: Host, flags: Flags): Promise<HostSession> {
  const verbose = !!flags.verbose;
  const offered = new Map<string, Buffer>();
  const session = new HostSession(host, {
    onUnknownKey: (name, blob) => offered.set(name, blob),
    policy: fleet.policy,
    acceptNewHostKey: !!flags['accept-new'],
    timeoutMs: flags.timeout ? Number(flags.timeout) * 1000 : 20_000,
    log: (line) => verbose && process.stderr.write(`[${host.name}] ${line}\n`),
  });
  const secrets: { password?: string; passphrase?: string; sudoPassword?: string } = {};
  if (process.env.FLEETDECK_SUDO_PASSWORD) secrets.sudoPassword = process.env.FLEETDECK_SUDO_PASSWORD;
  if (host.auth === 'password') {
    secrets.password = process.env.FLEETDECK_PASSWORD ?? (await ask(`Password for ${host.user}@${host.address}: `, { secret: true })) ?? undefined;
  }
  // Ad-hoc connects put the helper on the host too: they are recorded like the app's.
  const record = (ok: boolean, problem: string | null) => {
    const sources: SecretSources = {};
    if (secrets.password) sources.password = 'supplied';
    if (secrets.passphrase) sources.passphrase = 'supplied';
    if (secrets.sudoPassword) sources['sudo-password'] = 'supplied';
    const d = ok ? session.lastDeploy : null;
    fleet.audit.record({
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
      record(false, p.problem);
      if (p.problem === 'unknown-hostkey' && process.stdin.isTTY) {
        process.stderr.write(`${p.message}\n`);
        const yes = await ask('Trust this key and connect? [y/N] ');
        if (yes?.trim().toLowerCase() !== 'y') throw err;
        const d = p.details as { hostName: string };
        const blob = offered.get(d.hostName);
        if (!blob) throw err;
        const info = fleet.policy.trust(d.hostName, blob);
        fleet.audit.record({ hostName: host.name, operation: 'hostkeys.trust', summary: `trusted ${info.keyType} ${info.fingerprint} for ${d.hostName} (CLI)`, result: 'ok' });
        continue;
      }
      if (p.problem === 'authentication-failed' && (p.details as { needs?: string } | undefined)?.needs === 'passphrase') {
        const pass = process.env.FLEETDECK_PASSPHRASE ?? (await ask(`Passphrase for ${host.keyPath}: `, { secret: true }));
        if (pass === null || secrets.passphrase === pass) throw err;
        secrets.passphrase = pass;
        continue;
      }
      throw err;
    }
  }
  throw new FleetdeckError('authentication-failed', 'Giving up after 3 attempts.');
}

async function runFacts(kind: 'probe' | 'inventory', positionals: string[], flags: Flags): Promise<unknown> {
  const def = kind === 'probe' ? helperApi.probe : helperApi.inventorySnapshot;
  if (flags.local) {
    const helper = await startLocalHelper({ root: typeof flags.root === 'string' ? path.resolve(flags.root) : undefined });
    try {
      return await helper.request(def, {}, { timeoutMs: 60_000 });
    } finally {
      helper.close();
    }
  }
  if (flags.root) throw new FleetdeckError('invalid-input', '--root only works with --local.');
  const fleet = new Fleet({ dataDir: dataDir(flags), acceptNewHostKeys: !!flags['accept-new'] });
  let session: HostSession | null = null;
  try {
    session = await connectAdHoc(fleet, hostFromTarget(positionals[0], flags), flags);
    return await session.request(def, {}, { superuser: flags.sudo ? 'require' : 'try' });
  } finally {
    session?.dispose();
    fleet.close();
  }
}

/** The helper a streaming command talks to: a local child, or the host's over SSH (root's where sudo allows). */
async function openHelper(positionals: string[], flags: Flags): Promise<{ source: StreamSource; dispose(): void }> {
  if (flags.local) {
    const helper = await startLocalHelper({ root: typeof flags.root === 'string' ? path.resolve(flags.root) : undefined });
    return { source: helper, dispose: () => helper.close() };
  }
  if (flags.root) throw new FleetdeckError('invalid-input', '--root only works with --local.');
  const fleet = new Fleet({ dataDir: dataDir(flags), acceptNewHostKeys: !!flags['accept-new'] });
  let session: HostSession | null = null;
  try {
    session = await connectAdHoc(fleet, hostFromTarget(positionals[0], flags), flags);
    const helper = await session.helperFor(flags.sudo ? 'require' : 'try');
    const owned = session;
    return {
      source: helper,
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

function dataDir(flags: Flags): string {
  return typeof flags['data-dir'] === 'string' ? path.resolve(flags['data-dir']) : defaultDataDir();
}

function print(value: unknown, flags: Flags, human: (v: never) => string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : `${human(value as never)}\n`);
}

async function hostsCommand(positionals: string[], flags: Flags): Promise<void> {
  const fleet = new Fleet({ dataDir: dataDir(flags) });
  try {
    const [sub, arg] = positionals;
    if (sub === 'list' || !sub) {
      const list = fleet.hosts.list();
      print(list, flags, (l: typeof list) => (l.length ? l.map((h) => `${h.name.padEnd(20)} ${h.user}@${h.address}:${h.port} ${h.tags.join(',')}`).join('\n') : 'No hosts yet: fleetdeck hosts add USER@HOST --name NAME'));
    } else if (sub === 'add') {
      const base = hostFromTarget(arg, flags);
      const host = await fleet.call('hosts.add', { ...base, name: typeof flags.name === 'string' ? flags.name : base.name, tags: typeof flags.tags === 'string' ? flags.tags.split(',') : [] });
      print(host, flags, (h: Host) => `added ${h.name} (${h.user}@${h.address}:${h.port})`);
    } else if (sub === 'remove') {
      const host = arg ? fleet.hosts.findByName(arg) : null;
      if (!host) throw new FleetdeckError('not-found', `No host named "${arg ?? ''}". See "fleetdeck hosts list".`);
      await fleet.call('hosts.remove', { id: host.id });
      print({ removed: host.name }, flags, () => `removed ${host.name}`);
    } else throw new FleetdeckError('invalid-input', `Unknown hosts command "${sub}": use list, add or remove.`);
  } finally {
    fleet.close();
  }
}

async function serveCommand(flags: Flags): Promise<void> {
  if (flags.stdio) {
    const fleet = new Fleet({ dataDir: dataDir(flags) });
    await serveStdio(fleet);
    fleet.close();
    process.exit(0);
  }
  const certFile = flagValue(flags, 'tls-cert', '--tls-cert /etc/fleetdeck/cert.pem');
  const keyFile = flagValue(flags, 'tls-key', '--tls-key /etc/fleetdeck/key.pem');
  if (!certFile !== !keyFile) throw new FleetdeckError('invalid-input', 'HTTPS needs both --tls-cert FILE and --tls-key FILE.');
  const host = flagValue(flags, 'host', '--host 127.0.0.1') ?? '127.0.0.1';
  const insecureNoTls = !!flags['insecure-no-tls'];
  // Address and files are checked before the database is opened: a refusal leaves nothing behind.
  checkExposure(host, { tls: !!certFile, insecureNoTls });
  const tls = certFile && keyFile ? loadTls(path.resolve(certFile), path.resolve(keyFile)) : undefined;
  const fleet = new Fleet({ dataDir: dataDir(flags), log: (h, l) => flags.verbose && process.stderr.write(`[${h}] ${l}\n`) });
  let server;
  try {
    server = await startWebServer({
      fleet,
      webRoot: path.join(projectRoot(), 'out/web'),
      host,
      port: flags.port ? Number(flags.port) : 0,
      tls,
      insecureNoTls,
    });
  } catch (err) {
    fleet.close();
    throw err;
  }
  for (const line of server.warnings) process.stderr.write(`${line}\n`);
  process.stdout.write(`Fleetdeck is serving on ${server.url}\nOpen that address (it carries your access token). Ctrl+C stops.\n`);
  const stop = async () => {
    await server.close();
    fleet.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export async function main(argv: string[]): Promise<number> {
  let flags: Flags = {};
  try {
    const parsed = parseArgs(argv, FLAGS);
    flags = parsed.flags;
    const [command, ...rest] = parsed.positionals;
    if (!command || command === 'help' || flags.help) {
      process.stdout.write(HELP);
      return command || flags.help ? 0 : 2;
    }
    switch (command) {
      case 'probe':
        print(await runFacts('probe', rest, flags), flags, formatProbe);
        return 0;
      case 'inventory':
        print(await runFacts('inventory', rest, flags), flags, formatInventory);
        return 0;
      case 'hosts':
        await hostsCommand(rest, flags);
        return 0;
      case 'watch':
        await watchCommand(flags, () => openHelper(rest, flags));
        return 0;
      case 'hostkeys': {
        if (rest[0] !== 'forget' || !rest[1]) throw new FleetdeckError('invalid-input', 'Usage: fleetdeck hostkeys forget NAME (e.g. "[10.0.0.5]:2222" or gpu-1).');
        const fleet = new Fleet({ dataDir: dataDir(flags) });
        const n = fleet.policy.forget(rest[1]);
        const owner = n ? fleet.hosts.list().find((h) => h.name.toLowerCase() === rest[1]!.toLowerCase() || hostKeyName(h.address, h.port) === rest[1]) : undefined;
        if (n) fleet.audit.record({ hostId: owner?.id ?? null, hostName: owner?.name ?? null, operation: 'hostkeys.forget', summary: `forgot ${n} trusted key(s) of ${rest[1]}`, result: 'ok' });
        fleet.close();
        process.stdout.write(`forgot ${n} key(s) of ${rest[1]}\n`);
        return 0;
      }
      case 'report':
        await reportCommand(rest, flags, { dataDir: dataDir(flags) });
        return 0;
      case 'audit':
        await auditCommand(rest, flags, { dataDir: dataDir(flags) });
        return 0;
      case 'serve':
        await serveCommand(flags);
        return -1; // keeps running
      default:
        throw new FleetdeckError('invalid-input', `Unknown command "${command}". Run "fleetdeck help".`);
    }
  } catch (err) {
    const p = toProblem(err);
    if (flags.json) process.stdout.write(`${JSON.stringify(p, null, 2)}\n`);
    process.stderr.write(`fleetdeck: ${p.problem}: ${p.message}\n`);
    return exitCodeFor(p.problem);
  }
}
