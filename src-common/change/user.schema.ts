import * as z from 'zod/mini';
import { int, list, nonNegativeInt, text } from '../protocol/bounds.js';
import { absPath, account } from './primitives.js';

/**
 * A local account as the change engine wants it (issue 11): present with these fields, or absent
 * (its home archived first when asked). Only what is named is managed: a field left out is left
 * as the host has it. An account the host gets from LDAP/SSSD (NSS, not /etc/passwd) is read and
 * shown, never edited locally: the planner refuses it by name.
 */

/** A new account's name: the portable rule (Debian's default NAME_REGEX), lowercase ASCII only, so look-alikes and shell metacharacters never get in. */
export const NEW_ACCOUNT = /^[a-z_][a-z0-9_-]{0,31}$/;
export const newAccountName = () => z.string().check(z.regex(NEW_ACCOUNT, 'a new account name is 1 to 32 lowercase letters, digits, "_" or "-", starting with a letter or "_"'));

/** The full name (GECOS): printable, no ":" (the passwd separator), no "," (GECOS sub-fields). */
export const fullName = () => z.string().check(z.maxLength(128), z.regex(/^[^:,\0-\x1f\x7f]*$/, 'a full name has no ":", "," or control characters'));

/** One authorized key, without options (command=…, from=…): Fleetdeck never writes those. */
export const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) ([A-Za-z0-9+/]{16,16384}={0,3})(?: ([\x20-\x7e]{1,256}))?$/;
export const sshKeyLine = () => z.string().check(z.regex(SSH_KEY, 'an SSH public key is one line: TYPE BASE64 [COMMENT], e.g. "ssh-ed25519 AAAAC3… alice@laptop"'));

/** A date as the admin gives it and shadow stores it (days since 1970, shown as YYYY-MM-DD). */
export const isoDate = () => z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/), z.refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'a date is YYYY-MM-DD'));

export const userResourceSchema = z.object({
  kind: z.literal('user'),
  name: account(),
  state: z.enum(['present', 'absent']),
  /** On create: the same uid on every chosen host. Not changed on an existing account. */
  uid: z.optional(int().check(z.gte(1), z.lte(4_294_967_294))),
  fullName: z.optional(fullName()),
  shell: z.optional(absPath()),
  /** Supplementary groups, the exact set. */
  groups: z.optional(list(account(), 64)),
  /** Locked: every login refused (the account expired on day 1, and the password locked). */
  locked: z.optional(z.boolean()),
  /** The last day the account may log in (null: never expires). */
  expires: z.optional(z.nullable(isoDate())),
  /** The keys Fleetdeck manages in ~/.ssh/authorized_keys (the user's own lines are kept). */
  keys: z.optional(list(sshKeyLine(), 64)),
  /** absent: archive the home directory to a tarball first (kept by root under /var/lib/fleetdeck/archive). */
  archive: z.optional(z.boolean()),
});
export type UserResource = z.infer<typeof userResourceSchema>;

export const userObservedSchema = z.object({
  kind: z.literal('user'),
  exists: z.boolean(),
  /** files: /etc/passwd; nss: LDAP/SSSD (read-only here). */
  source: z.nullable(z.enum(['files', 'nss'])),
  uid: z.nullable(nonNegativeInt()),
  gid: z.nullable(nonNegativeInt()),
  fullName: z.nullable(text(1024)),
  shell: z.nullable(text(1024)),
  home: z.nullable(text(1024)),
  groups: list(account(), 1024),
  locked: z.boolean(),
  expires: z.nullable(text(32)),
  /** The Fleetdeck-managed keys (null: the file could not be read as the user). */
  keys: z.nullable(list(text(20_000), 256)),
  /** Processes of the account running now (a delete stops them first). */
  processes: nonNegativeInt(),
  /** The uid is taken by another account (create: refused). */
  uidTakenBy: z.nullable(text(64)),
  /** Groups the resource names that the host does not have (create or modify: refused). */
  unknownGroups: list(account(), 64),
  /** The host's range for login accounts (/etc/login.defs). */
  uidRange: z.object({ min: nonNegativeInt(), max: nonNegativeInt() }),
});
export type UserObserved = z.infer<typeof userObservedSchema>;
