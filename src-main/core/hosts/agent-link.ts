import type { Client, ClientChannel } from 'ssh2';
import { toProblem } from '../../../src-common/problems.js';
import { AGENT_SOCKET } from '../../../src-common/modules/agent.js';
import { userAgentSocket } from '../../../src-common/modules/agent-paths.js';
import { ChangeStore } from '../change/change-store.js';
import type { Db } from '../db/database.js';
import type { HostStore } from './host-store.js';
import { loadAssets } from '../agent/assets.js';
import { HelperClient } from '../agent/helper-client.js';
import { channelTransport, execCapture } from '../agent/remote-exec.js';

/**
 * Reaching the resident agent (the agent module) through the SSH connection itself: OpenSSH's
 * stream-local forwarding (`direct-streamlocal@openssh.com`, as `ssh -L local:/run/…sock`) to its
 * Unix socket, then the helper protocol over that channel. No TCP port, no process started. Where
 * there is no agent (the usual case) sshd's connect fails at once and the per-connection helper is
 * deployed as before; where the host should have one (the agent module is installed) and it does
 * not answer — sshd forbids the forwarding, it is stopped, this login may not open it, it runs
 * another build — too, with a note that says which (the host page shows it).
 */

/**
 * Where a host's agent listens, from what Fleetdeck installed there: the root service's socket, or
 * (runAs: login) the per-user agent's in Fleetdeck's directory for the login, which the last start
 * of the helper reported. Null: no agent module (only the service's socket is tried, quietly).
 */
export function expectedAgent(installed: readonly { module: string; settings: Record<string, unknown> }[], installDir: () => string | null): { socket: string; perUser: boolean } | null {
  const a = installed.find((m) => m.module === 'agent');
  if (!a) return null;
  if (a.settings.runAs !== 'login') return { socket: AGENT_SOCKET, perUser: false };
  const dir = installDir();
  return dir ? { socket: userAgentSocket(dir), perUser: true } : null;
}

/** A stored host's session hooks (the app's and the CLI's): where its agent should answer, and where the helper said Fleetdeck's directory is. */
export function agentHooks(fleet: { db: Db; hosts: HostStore }, id: number) {
  // A root login never uses a per-user agent: that would be a process another account controls.
  const dirOf = (user: string) => (user === 'root' ? null : fleet.hosts.installDir(id, user));
  return {
    expectsAgent: () => expectedAgent(new ChangeStore(fleet.db).installed(id), () => dirOf(fleet.hosts.get(id).user)),
    onDeployed: (f: { user: string; uid: number; dir: string | null }) => {
      if (f.dir && f.uid !== 0 && fleet.hosts.installDir(id, f.user) !== f.dir) fleet.hosts.saveInstallDir(id, f.user, f.dir);
    },
  };
}

/** RFC 4254 channel open failure reasons ssh2 passes on. */
const ADMINISTRATIVELY_PROHIBITED = 1;

export type AgentAttempt = { client: HelperClient; note: null } | { client: null; note: string | null };

function forward(client: Client, socket: string, timeoutMs: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`no answer in ${timeoutMs / 1000} s`), { reason: 0 })), timeoutMs);
    try {
      client.openssh_forwardOutStreamLocal(socket, (err, stream) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(stream);
      });
    } catch (err) {
      clearTimeout(timer);
      reject(err as Error);
    }
  });
}

/**
 * Why an agent the host should have did not answer: sshd says "open failed" alike for a missing
 * socket, one this login may not open and a forwarding it refuses, so the login asks the host
 * (a fixed script, the path as an argument).
 */
async function whyNoAgent(client: Client, socket: string, perUser: boolean): Promise<string> {
  // A per-user agent's socket outlives a reboot in its home: it runs when its pid file's process runs its node.
  const alive = perUser ? 'd=$(dirname "$1"); p=$(cat "$d/pid" 2>/dev/null) && test "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(cd "$d" && pwd -P)/node" || exit 3; ' : '';
  const r = await execCapture(client, ['/bin/sh', '-c', `${alive}test -S "$1" || exit 3; test -w "$1" || exit 4; exit 0`, 'sh', socket], { timeoutMs: 5000 }).catch(() => null);
  const tail = 'Fleetdeck starts its helper per connection instead.';
  if (perUser && r?.code === 3) return `Your per-user agent is not running (no socket at ${socket}): it runs without root as a detached process, which a reboot of the host stops. Apply the agent again (Services → Re-apply) to start it. ${tail}`;
  if (r?.code === 0) return `The SSH server refuses stream-local forwarding (AllowStreamLocalForwarding no, or DisableForwarding), so the resident agent cannot be reached: ${tail}`;
  if (r?.code === 3) return `The resident agent is installed but not running (no socket at ${socket}): check fleetdeck-agent.service on the host (Services → Verify). ${tail}`;
  if (r?.code === 4) return `This login may not open the agent's socket: it joins the group fleetdeck-agent with its next login (reconnect), or is not one of the agent's admins (the agent module's settings). ${tail}`;
  return `The resident agent did not answer through SSH. ${tail}`;
}

/** `socket` and `perUser` where the host has the agent module installed (it is expected to answer there); else the root service's socket is tried quietly. */
export async function tryAgent(client: Client, opts: { label: string; log: (line: string) => void; socket?: string; perUser?: boolean; timeoutMs?: number }): Promise<AgentAttempt> {
  const socket = opts.socket ?? AGENT_SOCKET;
  const expected = opts.socket !== undefined;
  let stream: ClientChannel;
  try {
    stream = await forward(client, socket, opts.timeoutMs ?? 5000);
  } catch (err) {
    const reason = (err as { reason?: number }).reason;
    opts.log(`agent: none at ${socket} (${(err as Error).message}${reason ? `, reason ${reason}` : ''})`);
    if (!expected) return { client: null, note: null };
    const note = reason === ADMINISTRATIVELY_PROHIBITED ? `The SSH server refuses stream-local forwarding, so the resident agent cannot be reached: Fleetdeck starts its helper per connection instead.` : await whyNoAgent(client, socket, !!opts.perUser);
    opts.log(`agent: ${note}`);
    return { client: null, note };
  }
  // The agent exiting (a crash, a restart) is only an EOF from sshd's side of the channel: close ours
  // too, so the channel closes and the session notices (it falls back to the per-connection helper).
  stream.once('end', () => stream.close());
  try {
    const helper = await HelperClient.start(channelTransport(stream), { label: `${opts.label} (agent)`, expectedHash: loadAssets().helperHash, initTimeoutMs: opts.timeoutMs ?? 5000 });
    opts.log(`agent: connected through ${socket} (pid ${helper.init.pid})`);
    return { client: helper, note: null };
  } catch (err) {
    const p = toProblem(err);
    const stale = (p.details as { staleHelper?: boolean } | undefined)?.staleHelper;
    opts.log(`agent: not used (${p.message})`);
    return { client: null, note: stale ? 'The resident agent runs another build of the helper than this Fleetdeck: re-apply the agent module (Services → Re-apply) to upgrade it. Until then Fleetdeck starts its helper per connection.' : `The resident agent did not answer (${p.message}): Fleetdeck starts its helper per connection.` };
  }
}
