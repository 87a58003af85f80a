import { z } from 'zod';
import { request } from '../contract.js';
import { hostIdSchema } from '../hosts/host.schema.js';
import { inventorySchema } from './inventory.schema.js';
import { probeSchema } from './probe.schema.js';

export const inventoryContract = {
  probe: request('inventory.probe', z.object({ id: hostIdSchema }), probeSchema),
  /** maxAgeMs: a host's resident agent may answer from the inventory it keeps (at most that old); without it the host is read afresh. */
  snapshot: request('inventory.snapshot', z.object({ id: hostIdSchema, maxAgeMs: z.number().int().min(0).max(3_600_000).optional() }), inventorySchema),
} as const;
