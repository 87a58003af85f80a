/**
 * Where the resident agent listens (its unit's runtime directory) and keeps its history. Apart
 * from agent.ts (its settings, with zod): the helper imports these too.
 */
export const AGENT_SOCKET = '/run/fleetdeck-agent/agent.sock';
export const AGENT_DATA = '/var/lib/fleetdeck-agent';
