import * as z from 'zod/mini';

/**
 * Bounds for everything a host sends. A host may be compromised: what it says is checked against
 * these schemas before it is stored, shown or reported, so one hostile host can neither break a
 * report for every host (`filesystems: [null]`) nor fill the database. The bounds sit far above
 * what a real host produces (a lab server with 10,000 local users, 1,000 mounts, 64 GPUs) and
 * far below what would hurt the app.
 *
 * Written with zod/mini, not classic zod: the helper bundles these declarations too (its
 * dispatcher checks params with them), and classic zod would take most of its size budget.
 */
export const MAX = {
  /** Any free-text field: names, paths, models, messages. */
  text: 4096,
  /** Identifiers: device and interface names, uuids, versions. */
  name: 256,
  users: 50_000,
  groupsPerUser: 1024,
  mounts: 10_000,
  blockDevices: 4096,
  interfaces: 4096,
  addressesPerInterface: 1024,
  containers: 10_000,
  labels: 512,
  labelValue: 8192,
  gpus: 64,
  gpuProcesses: 4096,
  cpus: 8192,
  sampleProcesses: 5000,
  sampleUsers: 10_000,
  warnings: 256,
  sections: 64,
} as const;

/** A string of at most `max` characters (UTF-16 code units). */
export const text = (max: number = MAX.text) => z.string().check(z.maxLength(max));
export const name = () => text(MAX.name);
/** An array of at most `max` items. */
export const list = <T extends z.core.SomeType>(item: T, max: number) => z.array(item).check(z.maxLength(max));
/** A finite number (zod rejects NaN and ±Infinity). */
export const num = () => z.number();
export const nonNegative = () => z.number().check(z.nonnegative());
export const int = () => z.int();
export const nonNegativeInt = () => z.int().check(z.nonnegative());
export const percent = () => z.number().check(z.gte(0), z.lte(100));

/** "path.to[3].field: message" for the first few issues, without echoing the (untrusted) values. */
export function describeSchemaIssues(error: z.core.$ZodError, max = 3): string {
  const parts = error.issues.slice(0, max).map((i) => `${i.path.length ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top)'}: ${i.message}`);
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : '';
  return parts.join('; ') + more;
}
