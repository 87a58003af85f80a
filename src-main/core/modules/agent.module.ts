import { readFileSync } from 'node:fs';
import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import { AGENT_DATA, AGENT_GROUP, AGENT_SOCKET, agentInfo, agentSettings, type AgentSettings } from '../../../src-common/modules/agent.js';
import { loadAssets } from '../agent/assets.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { defineModule, type ModuleContext } from '../change/module.js';
import { userAgentChecks, userAgentResources, userAgentWarnings } from './agent-user.js';

/**
 * The resident agent (settings: src-common/modules/agent.ts): this Fleetdeck's helper bundle and
 * the Node runtime the root helper runs on, copied root-owned into /usr/local/lib/fleetdeck-agent,
 * a systemd unit under a sandbox, the group whose members may open its socket. A new helper build
 * (its hash) or runtime is a plan step (replace, restart, verify); a rollback stops it and removes
 * the unit, the files, the group and its buffer.
 */
export const AGENT_DIR = '/usr/local/lib/fleetdeck-agent';
export const AGENT_UNIT = 'fleetdeck-agent.service';
const UNIT_FILE = `/etc/systemd/system/${AGENT_UNIT}`;
/** Under OpenRC: an init script supervised by supervise-daemon (restarts it as systemd's Restart=always does). */
export const AGENT_SERVICE_OPENRC = 'fleetdeck-agent';
const INIT_SCRIPT = `/etc/init.d/${AGENT_SERVICE_OPENRC}`;
const HEADER = '# Managed by Fleetdeck (agent module). Edits here show up as drift and are undone by the next apply.\n';

/**
 * Runs as root (other users' /proc under hidepid, the Docker socket, nvidia-smi) with what it
 * needs and little else: the system and homes read-only, its own state and runtime directories
 * writable, no new privileges, three capabilities (read any /proc entry, hand its socket to the
 * admins' group), local sockets only (the Docker socket, its own; no IP), the system calls of a
 * service. `systemd-analyze security` on the Debian test host: 9.6 UNSAFE without this, 2.8 OK with it.
 */
export const SANDBOX = `NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_NETLINK
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
CapabilityBoundingSet=CAP_CHOWN CAP_DAC_READ_SEARCH CAP_SYS_PTRACE
UMask=0077
`;

/**
 * Measured for a resident process whose hot path is a light once-a-second read (bench/helper-cost):
 * a small young generation (its garbage is a second's sample, never megabytes); no GC or compiler
 * threads (--single-threaded: fewer wake-ups); no optimising compiler (--lite-mode: about 5 MB less
 * RSS, no measurable CPU cost at 1 Hz).
 */
export const NODE_FLAGS = '--max-semi-space-size=1 --max-old-space-size=96 --single-threaded --lite-mode';

export function agentUnit(s: AgentSettings, sandbox = true): string {
  return `${HEADER}[Unit]
Description=Fleetdeck resident agent (samples this host; Fleetdeck reaches it through SSH)
After=local-fs.target

[Service]
ExecStart=${AGENT_DIR}/node ${agentArgs(s)}
RuntimeDirectory=fleetdeck-agent
RuntimeDirectoryMode=0755
StateDirectory=fleetdeck-agent
StateDirectoryMode=0700
Restart=always
RestartSec=2
Nice=5
${sandbox ? SANDBOX : ''}
[Install]
WantedBy=multi-user.target
`;
}

const agentArgs = (s: AgentSettings) => `${NODE_FLAGS} ${AGENT_DIR}/helper.cjs --agent --socket ${AGENT_SOCKET} --data ${AGENT_DATA} --group ${AGENT_GROUP} --keep-hours ${s.keepHours}`;

/**
 * The OpenRC service (Alpine, Gentoo): supervise-daemon restarts it when it exits, start_pre makes
 * the socket's and the buffer's directories as systemd's RuntimeDirectory/StateDirectory do.
 * OpenRC has no sandbox like systemd's: the agent runs as root without one (the plan says so).
 */
export function agentInitScript(s: AgentSettings): string {
  return `#!/sbin/openrc-run
${HEADER}description="Fleetdeck resident agent (samples this host; Fleetdeck reaches it through SSH)"
supervisor=supervise-daemon
command=${AGENT_DIR}/node
command_args="${agentArgs(s)}"
respawn_delay=2
respawn_max=0

depend() {
\tafter localmount bootmisc
}

start_pre() {
\tcheckpath --directory --mode 0755 --owner root:root /run/fleetdeck-agent
\tcheckpath --directory --mode 0700 --owner root:root ${AGENT_DATA}
}
`;
}

const openrc = (ctx: { facts: ModuleContext<AgentSettings>['facts'] }) => ctx.facts.probe.serviceManager === 'openrc';

/** Copies the node binary of the helper that runs this step (its parent: root's verified runtime). */
const COPY_NODE = 'set -e; src=$(readlink "/proc/$PPID/exe"); mkdir -p "$(dirname "$1")"; install -m 0755 -o root -g root "$src" "$1.tmp"; mv "$1.tmp" "$1"';
const SAME_NODE = 'cmp -s "$(readlink "/proc/$PPID/exe")" "$1"';

const admins = (ctx: ModuleContext<AgentSettings>) => (ctx.settings.admins.length ? ctx.settings.admins : [ctx.facts.user]);

export const agentModule = defineModule<AgentSettings>({
  info: agentInfo,
  settings: agentSettings as never,
  unsupported(facts, s) {
    if (s.runAs === 'login') return null;
    if (facts.probe.serviceManager !== 'systemd' && facts.probe.serviceManager !== 'openrc') return `the agent runs as a systemd or OpenRC service; ${facts.probe.os.prettyName ?? facts.probe.os.name} runs neither as init: Fleetdeck keeps starting its helper per connection there`;
    return null;
  },
  withoutRoot: 'Without root the agent can still run as your own process: set “Runs as: your login, no root” (CLI: --set agent.runAs=login); it then sees only your account and stops at a reboot.',
  network: () => null,
  opens: () => [],
  accounts: (s) => (s.runAs === 'login' ? [] : s.admins),
  resources(ctx) {
    const assets = loadAssets();
    const bundle = readFileSync(assets.helperPath, 'utf8');
    // One agent per login and host: the other kind is rolled back first (its steps are the other helper's to take).
    if (ctx.previous && ctx.previous.runAs !== ctx.settings.runAs) {
      const was = ctx.previous.runAs === 'login' ? `as ${ctx.facts.user}'s own process` : 'as a root service';
      throw new FleetdeckError('change-conflict', `The agent runs ${was} on ${ctx.facts.hostName}: roll that back first (Services → Roll back…), then apply it ${ctx.settings.runAs === 'login' ? 'as your own process' : 'as a service'}.`);
    }
    if (ctx.settings.runAs === 'login') return userAgentResources(ctx.facts, ctx.settings, bundle, assets.helperHash, NODE_FLAGS);
    const file = (path: string, content: string, mode = 0o644): Resource => ({ kind: 'file', path, content, mode, owner: 'root', group: 'root' });
    const service = openrc(ctx)
      ? { file: INIT_SCRIPT, content: agentInitScript(ctx.settings), mode: 0o755, name: AGENT_SERVICE_OPENRC }
      : { file: UNIT_FILE, content: agentUnit(ctx.settings), mode: 0o644, name: AGENT_UNIT };
    const out: Resource[] = [
      { kind: 'command', id: 'agent-group', label: `Make the group ${AGENT_GROUP} (who may open the agent's socket)`, argv: ['groupadd', '--system', AGENT_GROUP], unless: ['getent', 'group', AGENT_GROUP], undo: ['groupdel', AGENT_GROUP] },
      ...admins(ctx).map(
        (u): Resource => ({
          kind: 'command',
          id: `agent-admin-${u}`,
          label: `Let ${u} open the agent's socket (member of ${AGENT_GROUP}; counts from their next login)`,
          argv: ['gpasswd', '-a', u, AGENT_GROUP],
          unless: ['/bin/sh', '-c', 'id -nG -- "$1" | tr " " "\\n" | grep -qx -- "$2"', 'sh', u, AGENT_GROUP],
          undo: ['gpasswd', '-d', u, AGENT_GROUP],
        }),
      ),
      { kind: 'command', id: 'agent-data', label: `Make the agent's history directory ${AGENT_DATA} (root only)`, argv: ['install', '-d', '-m', '0700', '-o', 'root', '-g', 'root', AGENT_DATA], unless: ['test', '-d', AGENT_DATA], undo: ['rm', '-rf', AGENT_DATA] },
      { kind: 'command', id: 'agent-node', label: `Copy the Node runtime Fleetdeck's root helper runs on to ${AGENT_DIR}/node (root-owned)`, argv: ['/bin/sh', '-c', COPY_NODE, 'sh', `${AGENT_DIR}/node`], unless: ['/bin/sh', '-c', SAME_NODE, 'sh', `${AGENT_DIR}/node`], undo: ['rm', '-rf', AGENT_DIR], undoLast: true },
      file(`${AGENT_DIR}/helper.cjs`, bundle),
      file(`${AGENT_DIR}/HASH`, `${assets.helperHash}\n`),
      file(service.file, service.content, service.mode),
      { kind: 'unit', name: service.name, enabled: true, state: 'running', restartOn: [`file:${service.file}`, `file:${AGENT_DIR}/helper.cjs`, 'command:agent-node'] },
    ];
    return out;
  },
  checks(ctx) {
    if (ctx.settings.runAs === 'login') return userAgentChecks(ctx.facts, ctx.settings, loadAssets().helperHash);
    // The socket appears once Node has started (a moment after the unit is active): waited for, 10 s at most.
    const mode = ['/bin/sh', '-c', 'i=0; while [ ! -S "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; test "$(stat -c %a:%U:%G "$1")" = "660:root:$2"', 'sh', AGENT_SOCKET, AGENT_GROUP];
    const checks: Check[] = [
      { kind: 'unit-running', id: 'agent-status', label: 'The agent is running', unit: openrc(ctx) ? AGENT_SERVICE_OPENRC : AGENT_UNIT },
      { kind: 'command', id: 'agent-socket', label: `Its socket ${AGENT_SOCKET} is 0660 root:${AGENT_GROUP}`, argv: mode },
      { kind: 'command', id: 'agent-others-refused', label: 'A user outside the group cannot open the socket', argv: ['/bin/sh', '-c', '! setpriv --reuid=65534 --regid=65534 --clear-groups -- test -w "$1"', 'sh', AGENT_SOCKET] },
      ...admins(ctx).map((u): Check => ({ kind: 'command', id: `agent-admin-${u}`, label: `${u} may open it`, argv: ['/bin/sh', '-c', 'setpriv --reuid="$(id -u -- "$2")" --regid="$(id -g -- "$2")" --init-groups -- test -w "$1"', 'sh', AGENT_SOCKET, u] })),
      { kind: 'command', id: 'agent-hash', label: 'It runs this Fleetdeck’s helper build', argv: ['/bin/sh', '-c', 'test "$(sha256sum < "$1" | cut -d" " -f1)" = "$(cat "$2")"', 'sh', `${AGENT_DIR}/helper.cjs`, `${AGENT_DIR}/HASH`] },
    ];
    return checks;
  },
  warnings(ctx) {
    if (ctx.settings.runAs === 'login') return userAgentWarnings(ctx.facts, ctx.settings);
    return [
      `After installing, reconnect to ${ctx.facts.hostName} once: ${admins(ctx).join(', ')} join ${AGENT_GROUP} with their next login, and Fleetdeck then reaches the agent instead of starting its helper.`,
      ...(openrc(ctx) ? ['OpenRC has no service sandbox like systemd\'s: on this host the agent runs as root without one (its socket still admits only root and the group).'] : []),
    ];
  },
});
