import { firewallInfo, firewallSettings, type FirewallSettings } from '../../../src-common/modules/firewall.js';
import { defineModule } from '../change/module.js';

// Placeholder: what the firewall module wants on a host (being written).
export const firewallModule = defineModule<FirewallSettings>({
  info: firewallInfo,
  settings: firewallSettings,
  unsupported: () => 'not available yet',
  network: () => null,
  opens: () => [],
  resources: () => [],
  checks: () => [],
  warnings: () => [],
});
