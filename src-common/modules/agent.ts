import { z } from 'zod';
import type { ModuleInfo } from '../change/modules.contract.js';
import { accountName, listOf } from './settings-fields.js';

/**
 * The resident agent: Fleetdeck's own helper as a systemd or OpenRC service on the host, sampling at 1 Hz
 * all the time and keeping 48 h of samples on the host, on a Unix socket only root and the
 * admins named here may open. Fleetdeck reaches it through the SSH connection (stream-local
 * forwarding), so connects start nothing on the host and history has no gap while the laptop is
 * away. Without it everything works as before.
 */
export const AGENT_GROUP = 'fleetdeck-agent';
export { AGENT_DATA, AGENT_SOCKET } from './agent-paths.js';
export const MAX_AGENT_ADMINS = 32;

export const agentSettings = z
  .object({
    /** Who may open the agent's socket (members of fleetdeck-agent); empty: the account Fleetdeck logs in as. */
    admins: listOf(accountName(), { what: 'admins', example: '["alice"]', max: MAX_AGENT_ADMINS }).default([]),
    /**
     * root: a system service as root (needs sudo) that sees every user's processes; login: a
     * detached process of the login account itself (no root): it sees only what that account sees,
     * only that account can open its socket, and it does not survive a reboot of the host.
     */
    runAs: z.enum(['root', 'login'], { message: 'Runs as is "root" (a service; needs sudo) or "login" (your own account, no root).' }).default('root'),
    /** How much history the host keeps for Fleetdeck (hours, at most 48). */
    keepHours: z.coerce.number({ message: 'Keep is whole hours, 1 to 48.' }).int('Keep is whole hours, 1 to 48.').min(1, 'Keep is whole hours, 1 to 48.').max(48, 'Keep is whole hours, 1 to 48.').default(48),
  })
  .strict();
export type AgentSettings = z.infer<typeof agentSettings>;

export const agentInfo: ModuleInfo = {
  id: 'agent',
  title: 'Resident agent (instant reconnects, no gaps in history)',
  summary:
    'Fleetdeck’s helper as a service on the host: it samples every second all the time and keeps the last 48 h on the host, so charts and per-user GPU-hours have no hole while your laptop is closed, and a connect starts nothing on the host. It listens on a Unix socket only the admins you name can open, reached through SSH itself (no port is opened). It reads the host; changes still go through sudo.',
  needs: [],
  notes: [
    'without root it can run as your own account instead (Runs as: your login): a detached process that sees only what your account sees and does not survive a reboot of the host (apply it again after one)',
    'as a service, on systemd and OpenRC hosts: it runs as root to read every user’s processes, the Docker socket and nvidia-smi — under systemd in a sandbox (read-only system and homes, no new privileges, three capabilities), under OpenRC without one',
    'members of the group fleetdeck-agent can read through it what the Processes page shows (every user’s processes and usage), not change anything',
    'the SSH server must allow stream-local forwarding (OpenSSH’s default); reconnect once after installing so the new group membership counts',
    'about 15 MB of disk for 48 h of history on a small host (gzipped hourly files, capped at 256 MB)',
  ],
  fields: [
    {
      key: 'runAs',
      label: 'Runs as',
      kind: 'select',
      options: [
        { value: 'root', label: 'root, as a service (needs sudo)' },
        { value: 'login', label: 'your login, no root' },
      ],
      help: 'As a service it sees every user and survives reboots. Without root it is a detached process of your own account: it sees only what your account may see, only you can open its socket, and a reboot of the host stops it until you apply it again.',
    },
    { key: 'admins', label: 'Admins who may use it', kind: 'list', placeholder: 'the account Fleetdeck logs in as', help: 'Accounts on the host, comma-separated.', showWhen: { key: 'runAs', is: ['root'] } },
    { key: 'keepHours', label: 'History kept on the host (hours)', kind: 'number' },
  ],
  defaults: { runAs: 'root', admins: [], keepHours: 48 },
};
