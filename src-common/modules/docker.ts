import { z } from 'zod';
import type { ModuleInfo } from '../change/modules.contract.js';

// Placeholder: the docker module's settings and description (being written).
export const dockerSettings = z.object({}).strict();
export type DockerSettings = z.infer<typeof dockerSettings>;

export const dockerInfo: ModuleInfo = {
  id: 'docker',
  title: 'Docker Engine',
  summary: '',
  needs: [],
  notes: [],
  fields: [],
  defaults: {},
};
