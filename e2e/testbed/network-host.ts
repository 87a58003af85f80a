// A real network path into a test host, for firewall tests. A Debian test host runs with
// `--network none`: only `lo`, which every firewall accepts. attachVeth() gives it a second
// interface: a veth pair, one end moved into the container's network namespace (as eth0), the
// other left on this machine, with a private /30 between them. Nothing beyond this machine and
// that container is reachable through it (no route, no forwarding, no NAT is set up), and the
// pair disappears with the container (or with close()).
import { randomBytes, randomInt } from 'node:crypto';
import net from 'node:net';
import { dockerOk } from './docker.js';
import { run, runOk } from './proc.js';

export interface VethLink {
  /** This machine's end of the /30 (what the host sees as the source of our connections). */
  localAddress: string;
  /** The test host's address on its eth0: connect here to go through its firewall. */
  hostAddress: string;
  /** This machine's interface name. */
  localIf: string;
  close(): Promise<void>;
}

/** Why attachVeth cannot work here (not root, no `ip`/`nsenter`), or null. */
export async function vethUnavailableReason(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'a veth into a test host needs root';
  for (const tool of ['ip', 'nsenter']) {
    const r = await run('sh', ['-c', 'command -v "$1"', 'sh', tool]).catch(() => null);
    if (!r || r.code !== 0) return `${tool} is missing (iproute2, util-linux)`;
  }
  return null;
}

/** A /30 in 10.231.0.0/16 that no interface of this machine uses yet. */
async function freeSubnet(): Promise<{ local: string; host: string }> {
  const used = await runOk('ip', ['-4', '-o', 'addr', 'show']);
  for (let i = 0; i < 50; i++) {
    const b = randomInt(0, 256);
    const c = randomInt(0, 64) * 4;
    const prefix = `10.231.${b}.`;
    if (used.includes(`${prefix}${c + 1}/`) || used.includes(`${prefix}${c + 2}/`)) continue;
    return { local: `${prefix}${c + 1}`, host: `${prefix}${c + 2}` };
  }
  throw new Error('no free /30 in 10.231.0.0/16');
}

/** Gives a running test host an eth0 on a private /30 shared with this machine only. */
export async function attachVeth(containerId: string): Promise<VethLink> {
  const pid = (await dockerOk(['inspect', '-f', '{{.State.Pid}}', containerId])).trim();
  if (!/^[1-9]\d*$/.test(pid)) throw new Error(`container ${containerId.slice(0, 12)} has no process (${pid})`);
  const { local, host } = await freeSubnet();
  const tag = randomBytes(3).toString('hex');
  const localIf = `fdv${tag}`;
  const peerIf = `fdp${tag}`;
  await runOk('ip', ['link', 'add', localIf, 'type', 'veth', 'peer', 'name', peerIf]);
  const close = async () => {
    // Deleting one end deletes the pair; gone already when the container went first.
    await run('ip', ['link', 'del', localIf]).catch(() => undefined);
  };
  try {
    await runOk('ip', ['link', 'set', peerIf, 'netns', pid]);
    const inside = (args: string[]) => runOk('nsenter', ['-t', pid, '-n', 'ip', ...args]);
    await inside(['link', 'set', peerIf, 'name', 'eth0']);
    await inside(['addr', 'add', `${host}/30`, 'dev', 'eth0']);
    await inside(['link', 'set', 'eth0', 'up']);
    await runOk('ip', ['addr', 'add', `${local}/30`, 'dev', localIf]);
    await runOk('ip', ['link', 'set', localIf, 'up']);
  } catch (e) {
    await close();
    throw e;
  }
  return { localAddress: local, hostAddress: host, localIf, close };
}

/**
 * One TCP connect from this machine: 'open' (accepted), 'refused' (RST: nothing listens, or a
 * reject rule), 'timeout' (no answer: a drop rule), or the error code.
 */
export function probeTcp(address: string, port: number, timeoutMs = 2000): Promise<'open' | 'refused' | 'timeout' | string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port });
    const done = (r: string) => {
      s.destroy();
      resolve(r);
    };
    s.setTimeout(timeoutMs, () => done('timeout'));
    s.once('connect', () => done('open'));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : (e.code ?? e.message)));
  });
}
