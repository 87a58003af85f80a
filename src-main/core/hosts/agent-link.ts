import type { Client, ClientChannel } from 'ssh2';
import { toProblem } from '../../../src-common/problems.js';
import { loadAssets } from '../agent/assets.js';
import { HelperClient } from '../agent/helper-client.js';
import { channelTransport } from '../agent/remote-exec.js';

/**
 * Reaching the resident agent (the agent module) through the SSH connection itself: OpenSSH's
 * stream-local forwarding (`direct-streamlocal@openssh.com`, as `ssh -L local:/run/…sock`) to its
 * Unix socket, then the helper protocol over that channel. No TCP port, no process started. Where
 * there is no agent (the usual case) sshd's connect fails at once and the per-connection helper is
 * deployed as before; where sshd forbids the forwarding, or the agent runs another build, too —
 * with a note the host page shows.
 */
export const AGENT_SOCKET = '/run/fleetdeck-agent/agent.sock';

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

export async function tryAgent(client: Client, opts: { label: string; log: (line: string) => void; socket?: string; timeoutMs?: number }): Promise<AgentAttempt> {
  const socket = opts.socket ?? AGENT_SOCKET;
  let stream: ClientChannel;
  try {
    stream = await forward(client, socket, opts.timeoutMs ?? 5000);
  } catch (err) {
    const reason = (err as { reason?: number }).reason;
    if (reason === ADMINISTRATIVELY_PROHIBITED) {
      opts.log('agent: sshd refuses stream-local forwarding; using the per-connection helper');
      return { client: null, note: 'The SSH server refuses stream-local forwarding (AllowStreamLocalForwarding no, or DisableForwarding), so the resident agent cannot be reached: Fleetdeck starts its helper per connection instead.' };
    }
    opts.log(`agent: none at ${socket} (${(err as Error).message})`);
    return { client: null, note: null };
  }
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
