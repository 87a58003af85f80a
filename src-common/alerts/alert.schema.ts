import { z } from 'zod';
import { hostIdSchema, tagSchema } from '../hosts/host.schema.js';

/**
 * Alert rules and alerts. A rule says what to watch (kind), the limit (threshold, in the kind's
 * unit), how long the condition must hold before it fires (forSeconds) and which hosts it covers
 * (all, one host, or every host with a tag). Every boundary validates rules with these schemas.
 */
export const ALERT_KINDS = ['gpu-temp', 'disk-usage', 'memory-pressure', 'host-down', 'gpu-idle-memory'] as const;
export const alertKindSchema = z.enum(ALERT_KINDS, { message: `The kind must be one of: ${ALERT_KINDS.join(', ')}.` });
export type AlertKind = z.infer<typeof alertKindSchema>;

/** What the threshold means for each kind, for messages and the rules editor. */
export const KIND_INFO: Record<AlertKind, { label: string; unit: string; usesThreshold: boolean; max?: number }> = {
  'gpu-temp': { label: 'GPU temperature', unit: '°C', usesThreshold: true, max: 200 },
  'disk-usage': { label: 'Disk usage', unit: '%', usesThreshold: true, max: 100 },
  'memory-pressure': { label: 'Memory pressure', unit: '%', usesThreshold: true, max: 100 },
  'host-down': { label: 'Host down', unit: '', usesThreshold: false },
  'gpu-idle-memory': { label: 'Idle GPU memory', unit: 'GiB', usesThreshold: true, max: 4096 },
};

/** Used memory (%) that counts as pressure on hosts whose kernel has no PSI. */
export const MEMORY_USED_FALLBACK_PERCENT = 95;
/** GPU utilisation (%) at or below which a GPU counts as idle. */
export const GPU_IDLE_UTILIZATION_PERCENT = 1;

export const alertScopeSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('all') }),
    z.object({ type: z.literal('host'), hostId: hostIdSchema }),
    z.object({ type: z.literal('tag'), tag: tagSchema }),
  ],
  { message: 'The scope must be all hosts, one host ({ type: "host", hostId }) or a tag ({ type: "tag", tag }).' },
);
export type AlertScope = z.infer<typeof alertScopeSchema>;

export const ruleIdSchema = z.number().int().positive();

const MAX_FOR_SECONDS = 7 * 24 * 3600;

export const alertRuleInputSchema = z
  .object({
    /** Absent: a new rule. */
    id: ruleIdSchema.optional(),
    kind: alertKindSchema,
    threshold: z
      .number({ message: 'The threshold must be a number.' })
      .refine((n) => Number.isFinite(n), 'The threshold must be a finite number.')
      .refine((n) => n > 0, 'The threshold must be a positive number.'),
    forSeconds: z
      .number({ message: 'The duration must be a number of seconds.' })
      .int('The duration must be a whole number of seconds.')
      .min(0, 'The duration cannot be negative (0 fires at once).')
      .max(MAX_FOR_SECONDS, 'The duration can be at most 7 days (604800 s).'),
    scope: alertScopeSchema.default({ type: 'all' }),
    enabled: z.boolean().default(true),
  })
  .superRefine((r, ctx) => {
    const info = KIND_INFO[r.kind];
    if (info.max !== undefined && r.threshold > info.max) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: `A ${info.label.toLowerCase()} threshold can be at most ${info.max} ${info.unit}.` });
    }
  });
export type AlertRuleInput = z.input<typeof alertRuleInputSchema>;
export type AlertRuleSpec = z.output<typeof alertRuleInputSchema>;

export const alertRuleSchema = z.object({
  id: ruleIdSchema,
  kind: alertKindSchema,
  threshold: z.number(),
  forSeconds: z.number(),
  scope: alertScopeSchema,
  enabled: z.boolean(),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;

export const severitySchema = z.enum(['warning', 'critical']);
export type Severity = z.infer<typeof severitySchema>;

export const alertSchema = z.object({
  id: z.number().int().positive(),
  /** Null once the rule was deleted (the alert stays in the history). */
  ruleId: ruleIdSchema.nullable(),
  kind: alertKindSchema,
  hostId: hostIdSchema,
  hostName: z.string(),
  /** What on the host: "gpu:1", "mount:/data", "pid:4242", "memory", "host". */
  subject: z.string(),
  message: z.string(),
  severity: severitySchema,
  startedAt: z.number(),
  resolvedAt: z.number().nullable(),
  acknowledged: z.boolean(),
});
export type Alert = z.infer<typeof alertSchema>;

/** Formats a duration for messages: "0 s", "60 s", "30 min", "2 h". */
export function formatDuration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 120 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export function formatThreshold(kind: AlertKind, threshold: number): string {
  const info = KIND_INFO[kind];
  if (!info.usesThreshold) return '—';
  return `${threshold}${info.unit === '%' ? ' %' : ` ${info.unit}`}`;
}
