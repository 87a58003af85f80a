import { z } from 'zod';
import type { ModuleInfo } from '../change/modules.contract.js';

// Placeholder: the ssh module's settings and description (being written).
export const sshSettings = z.object({}).strict();
export type SshSettings = z.infer<typeof sshSettings>;

export const sshInfo: ModuleInfo = {
  id: 'ssh',
  title: 'SSH hardening',
  summary: '',
  needs: [],
  notes: [],
  fields: [],
  defaults: {},
};
