import { fuzzCampaign } from './campaign.test-util.js';
import { CORE_TARGETS } from './core-targets.test-util.js';

// The core's readers of text it did not write: bootstrap output, known_hosts, ssh_config.
fuzzCampaign(CORE_TARGETS, 120);
