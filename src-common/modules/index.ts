import type { z } from 'zod';
import { backupSettings } from './backup.js';
import { dockerSettings } from './docker.js';
import { firewallSettings } from './firewall.js';
import { jupyterhubSettings } from './jupyterhub.js';
import { limitsSettings } from './limits.js';
import { monitoringSettings } from './monitoring.js';
import { nginxSettings } from './nginx.js';
import { portainerSettings } from './portainer.js';
import { sshSettings } from './ssh.js';

/**
 * Each module's settings schema by module id: the same schemas the core validates with before
 * planning, so the setup wizard shows a refusal under the field as the user types.
 */
export const moduleSettingsSchemas: Readonly<Record<string, z.ZodType>> = {
  docker: dockerSettings,
  ssh: sshSettings,
  firewall: firewallSettings,
  nginx: nginxSettings,
  limits: limitsSettings,
  monitoring: monitoringSettings,
  backup: backupSettings,
  jupyterhub: jupyterhubSettings,
  portainer: portainerSettings,
};

export interface SettingsIssue {
  /** The top-level settings key the problem is about ('' when it is about the whole form). */
  field: string;
  message: string;
}

/**
 * Checks settings as the core does (defaults first, then what was entered). Unknown modules
 * pass: the core refuses them with its own message.
 */
export function checkModuleSettings(id: string, defaults: Record<string, unknown>, settings: Record<string, unknown>): SettingsIssue[] {
  const schema = moduleSettingsSchemas[id];
  if (!schema) return [];
  const parsed = schema.safeParse({ ...defaults, ...settings });
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => ({ field: i.path.length ? String(i.path[0]) : '', message: i.message }));
}
