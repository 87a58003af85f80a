import { z } from 'zod';

/**
 * Building blocks for module settings: each refuses hostile or malformed input with a message
 * that says what is expected. Shared by the core (validated before planning) and the wizard
 * (validated as the user types).
 */
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A DNS name (ASCII; an internationalised name in its xn-- form) or an IP address. */
export const domainName = () =>
  z
    .string()
    .trim()
    .min(1, 'Give a name, e.g. gpu-1.lab.example.org.')
    .max(253, 'A domain name has at most 253 characters.')
    .refine((v) => !/\s/.test(v), 'A domain name has no spaces.')
    .refine((v) => !/[^\x00-\x7f]/.test(v), 'Use ASCII: write an international name in its xn-- (punycode) form.')
    .refine((v) => isIp(v) || v.replace(/\.$/, '').split('.').every((l) => LABEL.test(l)), 'Not a valid domain name: letters, digits and dashes between dots, e.g. gpu-1.lab.example.org.');

export function isIp(v: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255 && String(Number(o)) === o);
  return /^[0-9A-Fa-f:]+$/.test(v) && v.includes(':') && v.split('::').length <= 2 && v.length <= 39;
}

export const port = (what = 'port') =>
  z.coerce
    .number({ message: `The ${what} is a number from 1 to 65535.` })
    .int(`The ${what} is a whole number.`)
    .min(1, `The ${what} is a number from 1 to 65535.`)
    .max(65535, `The ${what} is a number from 1 to 65535.`);

/** A Unix account or group name, as useradd takes them. */
export const accountName = () =>
  z
    .string()
    .trim()
    .regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'An account name is lowercase letters, digits, "_", "." or "-" (up to 32), starting with a letter or "_".');

/** An absolute path on the host: no "..", no control characters. */
export const hostPath = () =>
  z
    .string()
    .trim()
    .max(4096, 'A path has at most 4096 characters.')
    .regex(/^\/[^\0\n\r\t]*$/, 'Give an absolute path, starting with "/".')
    .refine((p) => !p.split('/').includes('..'), 'A path may not contain "..".');

export const email = () =>
  z
    .string()
    .trim()
    .max(254, 'An email address has at most 254 characters.')
    .regex(/^[^\s@<>"'`;\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'Not an email address, e.g. admin@example.org.');

export const httpsUrl = () =>
  z
    .string()
    .trim()
    .max(2048, 'A URL has at most 2048 characters.')
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && /^[\x21-\x7e]+$/.test(v);
      } catch {
        return false;
      }
    }, 'Give an http(s) URL without credentials, e.g. https://acme-v02.api.letsencrypt.org/directory.');

/**
 * A list field: an array from the form, or one line of items separated by commas or spaces;
 * each item checked, the list bounded, nothing listed twice.
 */
export const listOf = <T extends z.ZodTypeAny>(item: T, o: { what: string; example: string; max: number }) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v),
    z
      .array(item, { message: `Give ${o.what}, e.g. ${o.example}.` })
      .max(o.max, `At most ${o.max} ${o.what}.`)
      .refine((a) => new Set(a).size === a.length, `One of the ${o.what} is listed twice: list each once.`),
  );

/**
 * A password a module sets once at install, or '' (generated on the host): one line, at least
 * `min` characters (what the service itself demands).
 */
export const setOncePassword = (what: string, min: number, max = 256) =>
  z
    .union([
      z.literal(''),
      z
        .string()
        .min(min, `${what} has at least ${min} characters.`)
        .max(max, `${what} has at most ${max} characters.`)
        .refine((p) => !/[\0\n\r]/.test(p), `${what} is one line.`),
    ])
    .default('');
