import { z } from 'zod';
import type { ModuleInfo } from '../change/modules.contract.js';

// Placeholder: the firewall module's settings and description (being written).
export const firewallSettings = z.object({}).strict();
export type FirewallSettings = z.infer<typeof firewallSettings>;

export const firewallInfo: ModuleInfo = {
  id: 'firewall',
  title: 'Firewall',
  summary: '',
  needs: [],
  notes: [],
  fields: [],
  defaults: {},
};
