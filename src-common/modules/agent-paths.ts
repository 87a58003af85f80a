/**
 * Where the resident agent listens (its unit's runtime directory) and keeps its history. Apart
 * from agent.ts (its settings, with zod): the helper imports these too.
 */
export const AGENT_SOCKET = '/run/fleetdeck-agent/agent.sock';
export const AGENT_DATA = '/var/lib/fleetdeck-agent';

/**
 * The per-user agent (runs as the login account, no root): its program, socket (0600, in a 0700
 * directory), buffer and pid file under Fleetdeck's own directory for that login on the host.
 */
export const userAgentDir = (installDir: string) => `${installDir.replace(/\/+$/, '')}/agent`;
export const userAgentSocket = (installDir: string) => `${userAgentDir(installDir)}/agent.sock`;
/** sun_path holds 108 bytes with its NUL. */
export const MAX_SOCKET_PATH = 107;
