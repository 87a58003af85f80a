import { z } from 'zod';
import { event, request } from '../contract.js';
import { hostIdSchema } from '../hosts/host.schema.js';
import { alertRuleInputSchema, alertRuleSchema, alertSchema, ruleIdSchema } from './alert.schema.js';

export const alertsContract = {
  /** Active alerts first (newest first), then recently resolved ones. */
  list: request(
    'alerts.list',
    z.object({ activeOnly: z.boolean().optional(), hostId: hostIdSchema.optional(), limit: z.number().int().min(1).max(1000).default(200) }).default({ limit: 200 }),
    z.array(alertSchema),
  ),
  acknowledge: request('alerts.acknowledge', z.object({ id: z.number().int().positive() }), alertSchema),
  rules: request('alerts.rules', z.object({}).default({}), z.array(alertRuleSchema)),
  /** Creates (no id) or replaces (id) a rule. */
  saveRule: request('alerts.saveRule', alertRuleInputSchema, alertRuleSchema),
  deleteRule: request('alerts.deleteRule', z.object({ id: ruleIdSchema }), z.object({ removed: z.boolean() })),
} as const;

export const alertChangeSchema = z.enum(['fired', 'resolved', 'acknowledged']);
export type AlertChange = z.infer<typeof alertChangeSchema>;

export const alertsEvents = {
  onChange: event('alerts.onChange', z.object({ change: alertChangeSchema, alert: alertSchema })),
} as const;
