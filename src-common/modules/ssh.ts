import { z } from 'zod';
import type { ModuleInfo } from '../change/modules.contract.js';
import { accountName, port } from './settings-fields.js';

/**
 * SSH hardening: key-only logins, no root password (or no root at all), who may log in, and
 * modern algorithms only — written to a drop-in that sshd reads first. Every change is tried on
 * a second sshd (a trial port on 127.0.0.1) with the admin's own login before the real sshd is
 * touched, and the real switch reverts by itself unless a new login confirms it.
 */
export const MAX_SSH_NAMES = 64;

/** A list field: an array from the form, or one line of names separated by commas or spaces. */
const nameList = (what: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v),
    z
      .array(accountName(), { message: `Give ${what} names, e.g. ["alice", "bob"].` })
      .max(MAX_SSH_NAMES, `At most ${MAX_SSH_NAMES} ${what}s: use a group for more.`)
      .refine((names) => new Set(names).size === names.length, `A ${what} is listed twice: list each once.`),
  );

const seconds = (what: string, min: number, max: number) =>
  z.coerce
    .number({ message: `${what} is a number of seconds from ${min} to ${max}.` })
    .int(`${what} is a whole number of seconds.`)
    .min(min, `${what} is at least ${min} seconds.`)
    .max(max, `${what} is at most ${max} seconds.`);

export const sshSettings = z
  .object({
    /** Passwords (and keyboard-interactive) off: only keys log in. */
    keyOnly: z.boolean({ message: 'Key-only is true or false.' }).default(true),
    /** root: never, or with a key only. */
    permitRootLogin: z.enum(['no', 'prohibit-password'], { message: 'Root login is "no" or "prohibit-password" (keys only).' }).default('no'),
    /** Only these accounts may log in (empty: no such limit). Must include Fleetdeck's own login. */
    allowUsers: nameList('user').default([]),
    /** Only members of these groups may log in (empty: no such limit). */
    allowGroups: nameList('group').default([]),
    /** Ciphers, MACs and key exchange limited to modern ones (AEAD/ETM, curve25519, large DH groups). */
    modernCiphers: z.boolean({ message: 'Modern ciphers is true or false.' }).default(true),
    x11Forwarding: z.boolean({ message: 'X11 forwarding is true or false.' }).default(false),
    /** Where the new configuration is tried first (127.0.0.1 only, for a minute or two). */
    trialPort: port('trial port')
      .refine((p) => p !== 22, 'The trial port must not be 22 (sshd listens there).')
      .default(22022),
    /** The switch reverts by itself after this long unless a new login confirms it. */
    revertAfterSeconds: seconds('The automatic revert', 30, 600).default(120),
  })
  .strict();
export type SshSettings = z.infer<typeof sshSettings>;

export const sshInfo: ModuleInfo = {
  id: 'ssh',
  title: 'SSH hardening',
  summary:
    'Key-only logins, no root password (or no root login at all), who may log in, and modern algorithms only. Written to a drop-in sshd reads first; tried on a second sshd with your own login before the real one changes, and reverted by itself unless a new login works afterwards.',
  needs: [],
  notes: [
    'Fleetdeck’s own login user must stay allowed: a list without it is refused',
    'key-only needs you to log in with a key (the trial login proves it before anything changes)',
    'a trial sshd runs on 127.0.0.1 (the trial port) while the change is tested, then stops',
    'sshd reloads; open sessions stay; if no new login works afterwards the host reverts by itself',
  ],
  fields: [
    { key: 'keyOnly', label: 'Key-only logins (no passwords)', kind: 'boolean' },
    {
      key: 'permitRootLogin',
      label: 'Root login',
      kind: 'select',
      options: [
        { value: 'no', label: 'Never' },
        { value: 'prohibit-password', label: 'With a key only' },
      ],
    },
    { key: 'allowUsers', label: 'Allowed users', kind: 'list', help: 'Empty: every account may log in. Must include the account Fleetdeck logs in as.' },
    { key: 'allowGroups', label: 'Allowed groups', kind: 'list', help: 'Empty: no group limit. With users too, a login must match both.' },
    { key: 'modernCiphers', label: 'Modern ciphers, MACs and key exchange only', kind: 'boolean', help: 'Very old clients (OpenSSH before 6.5, PuTTY before 0.68) cannot connect any more.' },
    { key: 'x11Forwarding', label: 'X11 forwarding', kind: 'boolean' },
    { key: 'trialPort', label: 'Trial port', kind: 'number', help: 'The new configuration is tried on 127.0.0.1 on this port first.' },
    { key: 'revertAfterSeconds', label: 'Revert after (seconds)', kind: 'number', help: 'Without a confirming login, the host goes back to its old sshd configuration after this long.' },
  ],
  defaults: { keyOnly: true, permitRootLogin: 'no', allowUsers: [], allowGroups: [], modernCiphers: true, x11Forwarding: false, trialPort: 22022, revertAfterSeconds: 120 },
};
