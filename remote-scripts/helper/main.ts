import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { ProtocolEndpoint } from '../../src-common/protocol/endpoint.js';
import { HELPER_CAPABILITIES } from '../../src-common/protocol/helper-api.js';
import { PROTOCOL_VERSION } from '../../src-common/protocol/messages.js';
import { createContext } from './context.js';
import { createDispatcher } from './dispatch.js';
import { Agent } from './agent/agent.js';
import { AGENT_DATA, AGENT_SOCKET } from '../../src-common/modules/agent-paths.js';
import { primeCpu } from './inventory/collect-cpu-memory.js';

/**
 * The helper process: speaks framed JSON on stdin/stdout with the core. Logs go to stderr, never
 * stdout (stdout is the protocol). It exits when stdin closes, so it never outlives its session.
 */
function ownHash(): string {
  try {
    return createHash('sha256').update(readFileSync(__filename)).digest('hex');
  } catch {
    return 'unknown';
  }
}

type Args = { root: string; agent: boolean; socket: string; data: string; group: string | null; keepHours?: number };

function parseArgs(argv: string[]): Args {
  const a: Args = { root: '/', agent: false, socket: AGENT_SOCKET, data: AGENT_DATA, group: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root' && argv[i + 1]) a.root = argv[++i]!;
    else if (argv[i] === '--agent') a.agent = true;
    else if (argv[i] === '--socket' && argv[i + 1]) a.socket = argv[++i]!;
    else if (argv[i] === '--data' && argv[i + 1]) a.data = argv[++i]!;
    else if (argv[i] === '--group' && argv[i + 1]) a.group = argv[++i]!;
    else if (argv[i] === '--keep-hours' && /^\d{1,2}$/.test(argv[i + 1] ?? '')) a.keepHours = Math.min(48, Math.max(1, Number(argv[++i])));
  }
  return a;
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown'; // a uid without a passwd entry
  }
}

/** The resident agent: a service on a Unix socket (agent/agent.ts); SIGTERM stops it cleanly. */
function agentMain(a: Args): void {
  const agent = new Agent(createContext(a.root), { socket: a.socket, dataDir: a.data, group: a.group, hash: ownHash(), user: userName(), keepHours: a.keepHours });
  agent.start().then(
    () => process.stderr.write(`fleetdeck-agent: listening on ${a.socket}, sampling every ${agent.intervalMs} ms, buffer in ${a.data}\n`),
    (err: Error) => {
      process.stderr.write(`fleetdeck-agent: could not start: ${err.message}\n`);
      process.exit(1);
    },
  );
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    process.on(sig, () => {
      agent.stop();
      process.exit(0);
    });
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (args.agent) return agentMain(args);
  const { root } = args;
  const debug = process.env.FLEETDECK_HELPER_DEBUG === '1';
  const ctx = createContext(root);
  const dispatcher = createDispatcher(ctx, debug);
  // The first inventory measures CPU from here: by the time it is asked for, most of its window has passed.
  void primeCpu(ctx);

  let blocked = false;
  const queue: Uint8Array[] = [];
  const write = (bytes: Uint8Array): void => {
    if (blocked) {
      queue.push(bytes);
      return;
    }
    if (!process.stdout.write(bytes)) blocked = true;
  };
  process.stdout.on('drain', () => {
    blocked = false;
    while (queue.length && !blocked) if (!process.stdout.write(queue.shift()!)) blocked = true;
  });

  const endpoint = new ProtocolEndpoint(write, {
    call: (method, params, signal) => dispatcher.call(method, params, signal),
    open: (method, params, sink) => dispatcher.open(method, params, sink),
    closed: (problem) => {
      process.stderr.write(`fleetdeck-helper: closing: ${problem.message}\n`);
      process.exitCode = problem.problem === 'protocol-error' ? 65 : 0;
      // A host change in progress stops at its next step boundary (and says so in its journal)
      // instead of dying in the middle of a write or a package install.
      dispatcher.change.linkLost = true;
      void dispatcher.change.idle().then(() => setTimeout(() => process.exit(), 50));
    },
  }, 'h');

  const user = userName();
  endpoint.sendControl({
    command: 'init',
    version: PROTOCOL_VERSION,
    helperHash: ownHash(),
    capabilities: [...HELPER_CAPABILITIES],
    pid: process.pid,
    uid: ctx.uid,
    user,
    node: process.version,
  });

  process.stdin.on('data', (chunk: Buffer) => endpoint.receive(chunk));
  process.stdin.on('end', () => endpoint.shutdown({ problem: 'disconnected', message: 'stdin closed' }));
  // The app is gone: a running change finishes its step first (the journal records the rest).
  const linkGone = () => {
    dispatcher.change.linkLost = true;
    void dispatcher.change.idle().then(() => process.exit(0));
  };
  process.stdout.on('error', linkGone);
  // The SSH session ending (sshd killed, the link cut) hangs up on its processes, sudo passing the
  // signal on: by default that kills the helper in the middle of a step. Treat it as a lost link.
  process.on('SIGHUP', linkGone);
}

main();
