import { sshInfo, sshSettings, type SshSettings } from '../../../src-common/modules/ssh.js';
import { defineModule } from '../change/module.js';

// Placeholder: what the ssh module wants on a host (being written).
export const sshModule = defineModule<SshSettings>({
  info: sshInfo,
  settings: sshSettings,
  unsupported: () => 'not available yet',
  network: () => null,
  opens: () => [],
  resources: () => [],
  checks: () => [],
  warnings: () => [],
});
