import { z } from 'zod';
import { request } from '../contract.js';
import { hostIdSchema } from '../hosts/host.schema.js';
import { inventorySchema } from './inventory.schema.js';
import { probeSchema } from './probe.schema.js';

export const inventoryContract = {
  probe: request('inventory.probe', z.object({ id: hostIdSchema }), probeSchema),
  snapshot: request('inventory.snapshot', z.object({ id: hostIdSchema }), inventorySchema),
} as const;
