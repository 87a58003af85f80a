import { z } from 'zod';
import type { ModuleInfo } from '../change/modules.contract.js';
import { accountName } from './settings-fields.js';

/**
 * Per-user limits (issue 11): what one user's processes may use on a host, all of them together —
 * CPU (cores), memory (hard, and swap on top), IO bandwidth per device, and tasks. A limit is
 * given directly or through a named profile ("student"); a user's own values win over the
 * profile's. The module writes them where the host enforces them and verify reads them back from
 * the kernel, so a limit written for the wrong cgroup mode never passes silently.
 */

/** Sizes as people write them: 512M, 4G, 1.5T (powers of 1024), or plain bytes. */
const SIZE = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B?)?$/i;
const UNIT = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 } as const;

export function parseSize(v: string | number): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null;
  const m = SIZE.exec(v.trim());
  if (!m) return null;
  const bytes = Math.round(Number(m[1]) * UNIT[m[2]!.toUpperCase() as keyof typeof UNIT]);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** 67108864 → "64M"; what the plan and verify say. */
export function formatSize(bytes: number): string {
  for (const [u, f] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes >= f && bytes % (f / 16) === 0) return `${Number((bytes / f).toFixed(2))}${u}`;
  }
  return `${bytes}`;
}

const size = (what: string, min: number) =>
  z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      const n = parseSize(v);
      if (n === null) {
        ctx.addIssue({ code: 'custom', message: `${what} is a size such as 512M, 4G or 1.5T.` });
        return z.NEVER;
      }
      if (n < min) {
        ctx.addIssue({ code: 'custom', message: `${what} is at least ${formatSize(min)}.` });
        return z.NEVER;
      }
      return n;
    });

/** A block device the IO limits apply to: /dev/NAME (no "..", no spaces). */
const device = z
  .string()
  .trim()
  .regex(/^\/dev\/[A-Za-z0-9][A-Za-z0-9/_.-]{0,62}$/, 'A device is a path under /dev, e.g. /dev/sda or /dev/nvme0n1.')
  .refine((d) => !d.split('/').includes('..'), 'A device path may not contain "..".');

export const limitSpec = z
  .object({
    /** Cores (0.5 = half of one CPU); written as CPUQuota. */
    cpu: z.coerce.number({ message: 'CPU is a number of cores, e.g. 2 or 0.5.' }).min(0.01, 'CPU is at least 0.01 cores.').max(4096, 'CPU is at most 4096 cores.').optional(),
    /** Hard memory limit: past it the kernel reclaims, then kills in that user's processes. */
    memory: size('Memory', 4 * 1024 ** 2).optional(),
    /** Swap the user may use on top of memory (0: none). */
    swap: size('Swap', 0).optional(),
    /** Processes and threads together (a fork bomb stops here). */
    tasks: z.coerce.number({ message: 'Tasks is a whole number, e.g. 512.' }).int('Tasks is a whole number.').min(8, 'Tasks is at least 8 (a login needs a few).').max(4_194_304, 'Tasks is at most 4194304.').optional(),
    /** Running containers at once (Docker, through the client Fleetdeck installs). */
    containers: z.coerce.number({ message: 'Containers is a whole number, e.g. 4.' }).int('Containers is a whole number.').min(0, 'Containers is 0 or more.').max(10_000, 'Containers is at most 10000.').optional(),
    /** GPUs: how many a container may have, or which ones (indices or UUIDs) are the user's. */
    gpus: z
      .union([
        z.number().int('GPUs is a whole number, or a list such as 0,1.').min(0, 'GPUs is 0 or more.').max(64, 'GPUs is at most 64.'),
        z.array(z.string().regex(/^(\d{1,2}|GPU-[0-9a-fA-F-]{8,64}|MIG-[0-9a-fA-F-]{8,64})$/, 'A GPU is its index (0, 1…) or its UUID (GPU-…).')).min(1).max(64).refine((l) => new Set(l).size === l.length, 'A GPU is listed twice.'),
      ])
      .optional(),
    /** Disk quota on the filesystem of the user's home: soft and hard, bytes and files. */
    disk: z
      .object({
        soft: size('Disk soft limit', 1024 ** 2).optional(),
        hard: size('Disk hard limit', 1024 ** 2).optional(),
        inodesSoft: z.number().int().min(1).optional(),
        inodesHard: z.number().int().min(1).optional(),
      })
      .strict()
      .refine((d) => d.soft === undefined || d.hard === undefined || d.soft <= d.hard, 'The disk soft limit is at most the hard limit.')
      .refine((d) => d.inodesSoft === undefined || d.inodesHard === undefined || d.inodesSoft <= d.inodesHard, 'The soft file limit is at most the hard one.')
      .optional(),
    /** Read and write bandwidth per device, bytes per second. */
    io: z
      .array(z.object({ device, read: size('Read bandwidth', 1024).optional(), write: size('Write bandwidth', 1024).optional() }).strict())
      .max(16, 'At most 16 devices.')
      .optional(),
  })
  .strict();
export type LimitSpec = z.infer<typeof limitSpec>;

export const profileName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'A profile name is lowercase letters, digits and dashes, e.g. "student".');

export const MAX_LIMITED_USERS = 2000;

export const limitsSettings = z
  .object({
    profiles: z.record(profileName, limitSpec).default({}),
    /**
     * Host processes too see only their GPUs: each allocated /dev/nvidiaN belongs to a group of the
     * users it is allocated to (mode 0660). Off by default: containers are held to their GPUs either way.
     */
    gpuDevices: z.boolean().optional(),
    users: z
      .array(limitSpec.extend({ user: accountName(), profile: profileName.optional() }).strict())
      .max(MAX_LIMITED_USERS, `At most ${MAX_LIMITED_USERS} users per host.`)
      .default([])
      .refine((us) => new Set(us.map((u) => u.user)).size === us.length, 'A user is listed twice: list each once.'),
    /** Limits for every member of a group (as the host lists them); a user's own entry goes on top. */
    groups: z
      .array(limitSpec.extend({ group: accountName(), profile: profileName.optional() }).strict())
      .max(500, 'At most 500 groups per host.')
      .default([])
      .refine((gs) => new Set(gs.map((g) => g.group)).size === gs.length, 'A group is listed twice: list each once.'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const known = (p: string | undefined) => !p || s.profiles[p];
    s.users.forEach((u, i) => {
      if (!known(u.profile)) ctx.addIssue({ code: 'custom', path: ['users', i, 'profile'], message: `There is no profile "${u.profile}": define it, or leave the profile out.` });
    });
    s.groups.forEach((g, i) => {
      if (!known(g.profile)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'profile'], message: `There is no profile "${g.profile}": define it, or leave the profile out.` });
    });
  });
export type LimitsSettings = z.infer<typeof limitsSettings>;

type Sourced = { spec: LimitSpec; from: Partial<Record<keyof LimitSpec, string>> };

function layer(out: Sourced, values: LimitSpec, source: string): void {
  for (const k of Object.keys(values) as (keyof LimitSpec)[]) {
    if (values[k] === undefined) continue;
    (out.spec as Record<string, unknown>)[k] = values[k];
    out.from[k] = source;
  }
}

/**
 * What applies to one user, and where each value comes from: the first listed group the user is
 * in (its profile, then its own values), then the user's profile, then the user's own values.
 * memberOf: the user's groups on the host (for group limits); null when the user has none here.
 */
export function effectiveLimits(s: LimitsSettings, user: string, memberOf: readonly string[] = []): Sourced | null {
  const u = s.users.find((x) => x.user === user);
  const g = s.groups.find((x) => memberOf.includes(x.group));
  if (!u && !g) return null;
  const out: Sourced = { spec: {}, from: {} };
  if (g) {
    const { group, profile, ...own } = g;
    if (profile) layer(out, s.profiles[profile] ?? {}, `group ${group} (profile ${profile})`);
    layer(out, own, `group ${group}`);
  }
  if (u) {
    const { user: _u, profile, ...own } = u;
    if (profile) layer(out, s.profiles[profile] ?? {}, `profile ${profile}`);
    layer(out, own, 'own');
  }
  return out;
}

/** The policy with each named user taking a profile (their own values kept): the CSV onboarding's profile column. */
export function policyWithProfiles(policy: LimitsSettings, take: readonly { user: string; profile: string }[]): Record<string, unknown> {
  const users: Record<string, unknown>[] = policy.users.map((u) => ({ ...u }));
  for (const t of take) {
    const at = users.findIndex((u) => u.user === t.user);
    if (at >= 0) users[at] = { ...users[at], profile: t.profile };
    else users.push({ user: t.user, profile: t.profile });
  }
  return { ...policy, users };
}

/** Whether a verify result is one of a user's (the limits module names them limits-, containers- and disk-USER). */
export const isUsersCheck = (id: string, user: string) => ['limits', 'containers', 'disk'].some((k) => id === `${k}-${user}`);

export const limitsInfo: ModuleInfo = {
  id: 'limits',
  title: 'Per-user limits',
  summary:
    "What each user's processes may use together: CPU cores, memory (and swap), IO bandwidth and tasks. Written where the host enforces it (systemd's user slices), and verified by reading the kernel's own values back.",
  needs: [],
  notes: ['Applies to new and running sessions at once (systemd reloads the user slices)', 'A user without a session yet gets the limits at the next login'],
  fields: [],
  defaults: { profiles: {}, users: [], groups: [] },
  wizard: false,
};

