import type { ChangeModule } from '../change/module.js';
import { agentModule } from './agent.module.js';
import { backupModule } from './backup.module.js';
import { dockerModule } from './docker.module.js';
import { firewallModule } from './firewall.module.js';
import { jupyterhubModule } from './jupyterhub.module.js';
import { limitsModule } from './limits.module.js';
import { monitoringModule } from './monitoring.module.js';
import { usersModule } from './users.module.js';
import { nginxModule } from './nginx.module.js';
import { portainerModule } from './portainer.module.js';
import { sshModule } from './ssh.module.js';

/**
 * Every module the change engine offers, in the order the wizard lists them. A module lives in
 * its own file here (what it wants on a host) with its settings and description in
 * src-common/modules (so the UI validates the same way).
 */
export function allModules(): ChangeModule<never>[] {
  return [dockerModule, sshModule, firewallModule, nginxModule, monitoringModule, backupModule, jupyterhubModule, portainerModule, limitsModule, usersModule, agentModule] as ChangeModule<never>[];
}
