import { dockerInfo, dockerSettings, type DockerSettings } from '../../../src-common/modules/docker.js';
import { defineModule } from '../change/module.js';

// Placeholder: what the docker module wants on a host (being written).
export const dockerModule = defineModule<DockerSettings>({
  info: dockerInfo,
  settings: dockerSettings,
  unsupported: () => 'not available yet',
  network: () => null,
  opens: () => [],
  resources: () => [],
  checks: () => [],
  warnings: () => [],
});
