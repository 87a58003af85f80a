// `npm run testbed -- up|status|down`: one sshd host and one Debian host for manual work.
//
//   up      cleans leftovers, builds the image if needed (progress on stderr), starts a detached
//           daemon that owns the hosts (sshd and the port forwarder must outlive this command),
//           prints their connection details as JSON. If already up, prints the current details.
//   status  prints the same JSON from .testbed/state.json plus "alive"; exit 1 if not running.
//   down    stops the daemon, removes its containers (docker rm -f -v) and any other leftovers.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startDebianHost, type DebianHost } from './debian-host.js';
import { ensureDebianImage } from './image.js';
import { ensureKeys } from './keys.js';
import { daemonLogPath, stateDir, statePath } from './paths.js';
import { killAndWait, processAlive, processStartTime, sleep } from './proc.js';
import { cleanupLeftovers } from './registry.js';
import { startSshdHost, type SshdHost } from './sshd-host.js';
import type { TestHost } from './types.js';

interface State {
  status: 'ready' | 'failed';
  daemonPid: number;
  daemonStart: string;
  error?: string;
  keys?: Awaited<ReturnType<typeof ensureKeys>>;
  hosts: (TestHost & { ssh: Record<string, string>; socketDir?: string })[];
}

const log = (s: string) => process.stderr.write(`testbed: ${s}\n`);

function readState(): State | undefined {
  try {
    return JSON.parse(readFileSync(statePath, 'utf8')) as State;
  } catch {
    return undefined;
  }
}

function writeState(s: State): void {
  writeFileSync(`${statePath}.tmp`, JSON.stringify(s, null, 2));
  renameSync(`${statePath}.tmp`, statePath); // readers never see half a file
}

const alive = (s: State | undefined) => !!s && s.status === 'ready' && processAlive(s.daemonPid, s.daemonStart);

/** Plain JSON for a host, with a ready-to-paste OpenSSH command per user. */
function describe(h: SshdHost | DebianHost): State['hosts'][number] {
  const ssh: Record<string, string> = {};
  for (const u of Object.values(h.users)) {
    const key = u.keyPath ? `-i ${u.keyPath} ` : '';
    ssh[u.name] = `ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null ${key}-p ${h.port} ${u.name}@127.0.0.1`;
  }
  const { name, kind, address, port, users, containerId } = h;
  const socketDir = h.kind === 'debian' ? h.socketPath(22).replace(/\/22\.sock$/, '') : undefined;
  return { name, kind, address, port, users, containerId, ssh, socketDir };
}

async function daemon(): Promise<void> {
  const hosts: (SshdHost | DebianHost)[] = [];
  const base = { daemonPid: process.pid, daemonStart: processStartTime(process.pid) ?? '' };
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled(hosts.map((h) => h.stop()));
    if (readState()?.daemonPid === process.pid) rmSync(statePath, { force: true });
    process.exit(0);
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => void shutdown());
  try {
    const [sshd, deb] = await Promise.all([startSshdHost({ name: 'sshd' }), startDebianHost({ name: 'debian', log })]);
    hosts.push(sshd, deb);
    writeState({ ...base, status: 'ready', keys: await ensureKeys(), hosts: hosts.map(describe) });
    log(`ready (daemon pid ${process.pid})`);
  } catch (e) {
    writeState({ ...base, status: 'failed', error: (e as Error).stack ?? String(e), hosts: [] });
    await Promise.allSettled(hosts.map((h) => h.stop()));
    process.exit(1);
  }
  setInterval(() => {}, 1 << 30); // keep the event loop (forwarders, sshd children) alive
}

async function up(): Promise<number> {
  const current = readState();
  if (alive(current)) {
    log('already up');
    console.log(JSON.stringify({ ...current, alive: true }, null, 2));
    return 0;
  }
  rmSync(statePath, { force: true });
  await cleanupLeftovers(log);
  await ensureDebianImage(log); // in the foreground, so the one-time build shows progress
  mkdirSync(stateDir, { recursive: true });
  const out = openSync(daemonLogPath, 'a');
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '__daemon'], {
    detached: true, // own session: survives this command and the terminal's Ctrl-C
    stdio: ['ignore', out, out],
  });
  child.unref();
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const s = readState();
    if (s && s.daemonPid === child.pid) {
      console.log(JSON.stringify({ ...s, alive: s.status === 'ready' }, null, 2));
      return s.status === 'ready' ? 0 : 1;
    }
    if (child.pid === undefined || !processAlive(child.pid)) break;
    await sleep(100);
  }
  log(`daemon did not become ready; see ${daemonLogPath}`);
  if (child.pid) await killAndWait(child.pid, 30_000);
  await cleanupLeftovers(log);
  return 1;
}

function status(): number {
  const s = readState();
  const isAlive = alive(s);
  console.log(JSON.stringify(s ? { ...s, alive: isAlive } : { alive: false }, null, 2));
  return isAlive ? 0 : 1;
}

async function down(): Promise<number> {
  const s = readState();
  if (s && processAlive(s.daemonPid, s.daemonStart)) {
    log(`stopping daemon ${s.daemonPid}`);
    await killAndWait(s.daemonPid, 30_000); // SIGTERM: it stops its hosts itself
  }
  await cleanupLeftovers(log); // whatever the daemon left (it is dead now, so all of it)
  rmSync(statePath, { force: true });
  console.log(JSON.stringify({ alive: false }));
  return 0;
}

async function main(cmd: string | undefined): Promise<number> {
  switch (cmd) {
    case 'up':
      return up();
    case 'status':
      return status();
    case 'down':
      return down();
    case '__daemon':
      await daemon();
      return -1;
    default:
      log('usage: npm run testbed -- up|status|down');
      return 2;
  }
}

if (!existsSync('/proc/self')) throw new Error('testbed needs Linux');
main(process.argv[2]).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    log((e as Error).stack ?? String(e));
    process.exit(1);
  },
);
