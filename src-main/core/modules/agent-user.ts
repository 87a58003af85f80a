import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { MAX_SOCKET_PATH, userAgentDir, userAgentSocket } from '../../../src-common/modules/agent-paths.js';
import type { AgentSettings } from '../../../src-common/modules/agent.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { HostFacts } from '../change/module.js';

/**
 * The per-user agent (runAs: login): for an admin without root, the same helper bundle as a
 * detached process of the login account itself — no sudo, no unit, no group. Every step is the
 * login user's own (asLogin: applied by their own helper, journaled in their own state dir; root
 * never runs or writes any of it). It lives in Fleetdeck's directory for that login on the host:
 *
 *   <dir>/agent/            0700 (so only that account reaches the socket)
 *     node                  the runtime their helper runs on (a hard link where it can, else a copy)
 *     helper.cjs            this Fleetdeck's helper bundle
 *     agent.sock            its socket, 0600
 *     data/                 its 48 h buffer
 *     pid, running, agent.log   which process it is, which build and settings it runs, its log
 *
 * Said plainly (plan, wizard, README): it sees only what that account may see (its own processes,
 * and other users' where /proc is not hidden; no Docker socket unless the account may use it), and
 * a reboot of the host stops it: the next plan then has the step that starts it again.
 */

export const userAgentPaths = (facts: HostFacts) => {
  if (facts.uid === 0) throw new FleetdeckError('invalid-input', `Fleetdeck logs in to ${facts.hostName} as root: install the agent as a service (Runs as: root), which survives reboots.`);
  if (!facts.installDir?.startsWith('/')) throw new FleetdeckError('invalid-input', `Fleetdeck has no directory of its own for ${facts.user} on ${facts.hostName} to run the agent from: connect once, then plan again.`);
  const dir = userAgentDir(facts.installDir);
  const socket = userAgentSocket(facts.installDir);
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) throw new FleetdeckError('invalid-input', `The agent's socket would be ${socket}, longer than a Unix socket path may be (${MAX_SOCKET_PATH} bytes): give ${facts.user} a shorter XDG_CACHE_HOME on ${facts.hostName}, or install the agent as a service (Runs as: root).`);
  return { dir, socket };
};

/**
 * Links the node binary of the helper that runs this step — the login user's own — into the
 * agent's 0700 directory, or copies it (another filesystem, or a binary replaced since it started:
 * /proc/PID/exe still reads it).
 */
const COPY_NODE = 'set -e; umask 077; mkdir -p "$(dirname "$1")"; chmod 0700 "$(dirname "$1")"; rm -f "$1.tmp"; ln "$(readlink "/proc/$PPID/exe")" "$1.tmp" 2>/dev/null || cp "/proc/$PPID/exe" "$1.tmp"; mv -f "$1.tmp" "$1"';
const SAME_NODE = 'cmp -s "/proc/$PPID/exe" "$1"';

/**
 * Stops the agent this directory's pid file names, only if that pid runs this directory's node (a
 * recycled pid is left alone): SIGTERM, then SIGKILL after 5 s; fails if it still runs.
 */
const STOP = `me=$(pwd -P)/node; p=$(cat pid 2>/dev/null) || p=
case $p in ''|*[!0-9]*) ;; *) e=$(readlink "/proc/$p/exe" 2>/dev/null) || e=
  if [ "$e" = "$me" ] || [ "$e" = "$me (deleted)" ]; then
    kill "$p" 2>/dev/null || true; i=0
    while [ -e "/proc/$p" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
    if [ -e "/proc/$p" ]; then kill -9 "$p" 2>/dev/null || true; sleep 0.5; fi
    if [ -e "/proc/$p" ]; then echo "the agent (pid $p) did not stop" >&2; exit 1; fi
  fi;; esac
rm -f pid running agent.sock`;

/**
 * Starts the agent detached (a session of its own: the SSH session ending does not signal it),
 * after stopping the one running (an upgrade), and waits for its socket. $1 the directory, $2 what
 * it runs ("<helper hash> <keep hours>", kept in "running"), $3 the hours it keeps, $4 Node's flags.
 */
const START = `set -e; cd "$1"; umask 077
${STOP}
mkdir -p data
# shellcheck disable=SC2086
# Its own environment: nothing of this login's (a PATH naming a directory another user can write) reaches what it runs.
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME" LC_ALL=C setsid ./node $4 "$1/helper.cjs" --agent --socket "$1/agent.sock" --data "$1/data" --keep-hours "$3" </dev/null >agent.log 2>&1 &
echo $! >pid
i=0; while [ ! -S agent.sock ]; do
  kill -0 $! 2>/dev/null || { echo "the agent exited as it started:" >&2; tail -n 5 agent.log >&2; exit 1; }
  [ $i -lt 100 ] || { kill -9 $! 2>/dev/null; rm -f pid; echo "the agent did not open its socket within 10 s (see $1/agent.log)" >&2; exit 1; }
  sleep 0.1; i=$((i+1)); done
printf '%s\\n' "$2" >running`;

/** Running, this build, these settings: the pid file's process runs this directory's node, and "running" says so. */
const RUNNING = 'cd "$1" 2>/dev/null && test "$(cat running 2>/dev/null)" = "$2" && test -S agent.sock && p=$(cat pid 2>/dev/null) && case $p in ""|*[!0-9]*) exit 1;; esac && test "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(pwd -P)/node"';

export function userAgentResources(facts: HostFacts, s: AgentSettings, bundle: string, hash: string, nodeFlags: string): Resource[] {
  const { dir } = userAgentPaths(facts);
  const runs = `${hash} ${s.keepHours}`;
  return [
    { kind: 'command', id: 'agent-node', asLogin: true, label: `Link the Node runtime ${facts.user}'s helper runs on to ${dir}/node (a directory only ${facts.user} may enter)`, argv: ['/bin/sh', '-c', COPY_NODE, 'sh', `${dir}/node`], unless: ['/bin/sh', '-c', SAME_NODE, 'sh', `${dir}/node`], undo: ['rm', '-rf', dir], undoLast: true },
    { kind: 'file', path: `${dir}/helper.cjs`, content: bundle, mode: 0o600, asLogin: true },
    {
      kind: 'command',
      id: 'agent-run',
      asLogin: true,
      label: `Start the agent as ${facts.user}, detached (no root: it sees what ${facts.user} sees; a reboot of the host stops it until the next apply)`,
      argv: ['/bin/sh', '-c', START, 'sh', dir, runs, String(s.keepHours), nodeFlags],
      unless: ['/bin/sh', '-c', RUNNING, 'sh', dir, runs],
      rerunWhen: ['command:agent-node'],
      undo: ['/bin/sh', '-c', `cd "$1" 2>/dev/null || exit 0\n${STOP}`, 'sh', dir],
    },
  ];
}

export function userAgentChecks(facts: HostFacts, s: AgentSettings, hash: string): Check[] {
  const { dir, socket } = userAgentPaths(facts);
  return [
    { kind: 'command', id: 'agent-process', asLogin: true, label: `The agent is running as ${facts.user}`, argv: ['/bin/sh', '-c', 'p=$(cat "$1/pid") && case $p in ""|*[!0-9]*) exit 1;; esac && test "$(stat -c %U "/proc/$p")" = "$2" && test "$(readlink "/proc/$p/exe")" = "$(cd "$1" && pwd -P)/node"', 'sh', dir, facts.user] },
    // The socket appears a moment after the start: waited for, 10 s at most.
    { kind: 'command', id: 'agent-socket', asLogin: true, label: `Its socket ${socket} is 0600 ${facts.user}`, argv: ['/bin/sh', '-c', 'i=0; while [ ! -S "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; test "$(stat -c %a:%U "$1")" = "600:$2"', 'sh', socket, facts.user] },
    { kind: 'command', id: 'agent-others-refused', asLogin: true, label: `Its directory is 0700 ${facts.user}: no other account reaches the socket`, argv: ['/bin/sh', '-c', 'test "$(stat -c %a:%U "$1")" = "700:$2"', 'sh', dir, facts.user] },
    { kind: 'command', id: 'agent-hash', asLogin: true, label: 'It runs this Fleetdeck’s helper build', argv: ['/bin/sh', '-c', 'test "$(cat "$1/running")" = "$2 $3" && test "$(sha256sum < "$1/helper.cjs" | cut -d" " -f1)" = "$2"', 'sh', dir, hash, String(s.keepHours)] },
  ];
}

export function userAgentWarnings(facts: HostFacts, s: AgentSettings): string[] {
  return [
    `The agent runs as ${facts.user}, without root: it sees only what ${facts.user} may see (their own processes; other users' only where /proc is not hidden; Docker only if ${facts.user} may use its socket), and only ${facts.user} can open its socket.`,
    `It is a detached process, not a service: a reboot of ${facts.hostName} stops it. Fleetdeck then says so on connect, and applying the agent again starts it.`,
    ...(s.admins.length ? [`Admins (${s.admins.join(', ')}) apply to the root service only: the per-user agent admits ${facts.user} alone.`] : []),
  ];
}
