import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ConnectionState, Host } from '../../src-common/hosts/host.schema.js';
import { Fleet } from '../../src-main/core/fleet.js';
import type { TestHost } from '../testbed/index.js';

/** A Fleet with its own empty data dir and no ~/.ssh/known_hosts, like a fresh install. */
export function newFleet(opts: { connectTimeoutMs?: number } = {}): Fleet {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fd-it-'));
  return new Fleet({ dataDir, knownHostsFiles: [], connectTimeoutMs: opts.connectTimeoutMs ?? 15_000, actor: 'tester' });
}

export async function addHost(fleet: Fleet, host: TestHost, user: string, extra: Partial<Record<string, unknown>> = {}): Promise<Host> {
  const u = host.users[user];
  if (!u) throw new Error(`test host ${host.name} has no user ${user}`);
  return (await fleet.call('hosts.add', {
    name: `${host.name}-${user}-${Math.random().toString(36).slice(2, 7)}`,
    address: host.address,
    port: host.port,
    user: u.name,
    auth: u.keyPath ? 'key' : 'password',
    keyPath: u.keyPath,
    ...extra,
  })) as Host;
}

type Failed = Extract<ConnectionState, { state: 'failed' }>;

export async function connect(fleet: Fleet, id: number, credentials?: Record<string, unknown>): Promise<ConnectionState> {
  return (await fleet.call('hosts.connect', credentials ? { id, credentials } : { id })) as ConnectionState;
}

/** Connects, trusting the host key the way a user does after comparing the fingerprint. */
export async function connectTrusting(fleet: Fleet, id: number, credentials?: Record<string, unknown>): Promise<ConnectionState> {
  let state = await connect(fleet, id, credentials);
  // One decision per hop: a jump host's key first, then the target's.
  for (let hop = 0; hop < 4 && state.state === 'failed' && state.problem === 'unknown-hostkey'; hop++) {
    const fingerprint = (state.details as { fingerprint: string }).fingerprint;
    await fleet.call('hosts.trustHostKey', { id, fingerprint });
    state = await connect(fleet, id, credentials);
  }
  return state;
}

export function expectFailed(state: ConnectionState): Failed {
  if (state.state !== 'failed') throw new Error(`expected a failed connection, got ${JSON.stringify(state)}`);
  return state;
}

/** A fresh Fleet with the host added as `user` and connected (its key trusted): what most live module tests start from. */
export async function connectedFleet(host: TestHost, user: string): Promise<{ fleet: Fleet; id: number }> {
  const fleet = newFleet();
  try {
    const id = (await addHost(fleet, host, user)).id;
    const state = await connectTrusting(fleet, id);
    if (state.state !== 'connected') throw new Error(`could not connect to ${host.name} as ${user}: ${JSON.stringify(state)}`);
    return { fleet, id };
  } catch (err) {
    fleet.close();
    throw err;
  }
}

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** The CLI as a user runs it (bin/fleetdeck.mjs, its own process) on a data dir: exit code and output. */
export async function runCli(dataDir: string, args: string[], timeoutMs = 240_000): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin/fleetdeck.mjs'), ...args, '--data-dir', dataDir], { timeout: timeoutMs });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}
