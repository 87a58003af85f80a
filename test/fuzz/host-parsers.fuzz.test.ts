import { fuzzCampaign } from './campaign.test-util.js';
import { HOST_TARGETS } from './host-targets.test-util.js';

// What a host gives the helper: /proc, /sys and /etc files, command output, the Docker API.
fuzzCampaign(HOST_TARGETS, 100);
