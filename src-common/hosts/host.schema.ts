import { z } from 'zod';
import { deceptiveNameReason } from '../text-safety.js';

/**
 * Host records and their validation. Every boundary (UI form, WebSocket/IPC, CLI, ssh_config
 * import) goes through these schemas, so a bad value is refused with a message saying what to do.
 */

/**
 * A display name, also typed on the command line (`fleetdeck probe gpu-1`): 1–64 letters (any
 * single script), digits, symbols (emoji), spaces and `. _ - + : ( )` (an IPv6 address is a name too), starting with a letter or digit; never a
 * control, invisible or look-alike character.
 */
export const hostNameSchema = z
  .string()
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1, 'Give the host a name, e.g. "gpu-1".')
      .max(64, 'A host name can be at most 64 characters.')
      .refine((s) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s), 'A host name cannot contain control or invisible characters.')
      .refine((s) => /^[\p{L}\p{N}][\p{L}\p{M}\p{N}\p{So} ._+():-]*$/u.test(s), 'A host name may contain letters, digits, symbols such as emoji, spaces and ". _ - + : ( )", starting with a letter or digit (e.g. "gpu-1" or "Lab box (old)").')
      .superRefine((s, ctx) => {
        const why = deceptiveNameReason(s);
        if (why) ctx.addIssue({ code: 'custom', message: `That host name ${why}.` });
      }),
  );

const HOSTNAME_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

export function isValidAddress(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  // IPv6 literal, optionally bracketed
  const v6 = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  if (v6.includes(':')) return /^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/.test(v6) && v6.split(':').length <= 9;
  if (/^\d+(\.\d+){3}$/.test(value)) return value.split('.').every((o) => Number(o) <= 255 && String(Number(o)) === o);
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  // "22", "10.0.0" or "0x7f.1" are not names: the resolver reads them as IPv4 shorthand (0.0.0.22,
  // 10.0.0.0, 127.0.0.1). Only a full dotted quad (above) is taken as an IPv4 address.
  if (name.split('.').every((label) => /^(0x[0-9a-f]*|\d+)$/i.test(label))) return false;
  return name.split('.').every((label) => HOSTNAME_LABEL.test(label));
}

/** A DNS name, IPv4 or IPv6 address. Nothing a shell would interpret can get through. */
export const addressSchema = z
  .string()
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1, 'Enter the address: a host name such as gpu-1.lab.example.org, or an IP address.')
      .refine(
        isValidAddress,
        'That is not a valid address: use a host name (letters, digits, "-" and "."), an IPv4 address such as 10.0.0.5, or an IPv6 address.',
      ),
  );

/** A number, or the digits of one (from a form field or the command line); nothing else is read as a port. */
export const portSchema = z
  .union([z.number(), z.string().trim().regex(/^\d{1,5}$/).transform(Number)], { message: 'The port must be a number between 1 and 65535.' })
  .pipe(z.number().int('The port must be a whole number between 1 and 65535.')
  .min(1, 'The port must be between 1 and 65535 (SSH usually listens on 22).')
  .max(65535, 'The port must be between 1 and 65535 (SSH usually listens on 22).'));

/** POSIX-portable login names (what useradd accepts by default), plus the common '.' and '@'. */
export const loginUserSchema = z
  .string()
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1, 'Enter the user to log in as, e.g. "admin".')
      .max(64, 'A user name can be at most 64 characters.')
      .regex(
        /^[A-Za-z_][A-Za-z0-9_.@-]*\$?$/,
        'A user name may contain only letters, digits, "_", "-", "." and "@", and must not start with a digit or "-".',
      ),
  );

export const tagSchema = z
  .string()
  .trim()
  .min(1, 'A tag cannot be empty.')
  .max(32, 'A tag can be at most 32 characters.')
  .regex(/^[\p{L}\p{N}][\p{L}\p{M}\p{N}_.:/-]*$/u, 'Tags may contain letters, digits and "_ . : / -", starting with a letter or digit (no spaces).')
  .refine((t) => !t.includes('..'), 'A tag cannot contain "..".')
  .superRefine((t, ctx) => {
    const why = deceptiveNameReason(t);
    if (why) ctx.addIssue({ code: 'custom', message: `That tag ${why}.` });
  });

export const authMethodSchema = z.enum(['key', 'agent', 'password', 'keyboard-interactive']);
export type AuthMethod = z.infer<typeof authMethodSchema>;

/** Jump hosts log in with a key or the agent: a password typed for the target must never reach them. */
export const jumpAuthMethodSchema = z.enum(['key', 'agent'], { message: 'Jump hosts log in with a key file or the SSH agent.' });

export const jumpHopSchema = z.object({
  address: addressSchema,
  port: portSchema.default(22),
  user: loginUserSchema,
  auth: jumpAuthMethodSchema.default('agent'),
  keyPath: z.string().max(4096).optional(),
});
export type JumpHop = z.infer<typeof jumpHopSchema>;

export const hostInputSchema = z
  .object({
    name: hostNameSchema,
    address: addressSchema,
    port: portSchema.default(22),
    user: loginUserSchema,
    auth: authMethodSchema.default('agent'),
    keyPath: z
      .string()
      .trim()
      .max(4096, 'The key path is too long.')
      .refine((p) => !/[\0\n\r]/.test(p), 'The key path contains invalid characters.')
      .optional(),
    jump: z.array(jumpHopSchema).max(8, 'At most 8 jump hosts are supported.').default([]),
    tags: z.array(tagSchema).max(32).default([]),
    /**
     * What to do when another host already logs in as the same user@address:port. 'add' (the
     * default: scripts, and imports the user picked knowing it) stores it anyway; 'refuse' answers
     * invalid-input with details.duplicateOf = { id, name }, so an interactive client can warn and
     * send it again with 'add' once the user confirms. Not stored.
     */
    ifDuplicate: z.enum(['add', 'refuse'], { message: 'ifDuplicate is "add" or "refuse".' }).optional(),
  })
  .superRefine((h, ctx) => {
    if (h.auth === 'key' && !h.keyPath) {
      ctx.addIssue({ code: 'custom', path: ['keyPath'], message: 'Choose the private key file to log in with (e.g. ~/.ssh/id_ed25519).' });
    }
  });
export type HostInput = z.input<typeof hostInputSchema>;
export type HostSpec = z.output<typeof hostInputSchema>;

export const hostIdSchema = z.number().int().positive();

export const connectionStateSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('idle') }),
  z.object({ state: z.literal('connecting'), step: z.number().int(), stepName: z.string() }),
  z.object({
    state: z.literal('connected'),
    since: z.number(),
    /** Who answers for the host: its resident agent (the agent module) or the helper started per connection. */
    helper: z.enum(['agent', 'per-connection']).optional(),
    /** The agent answering is the login's own per-user agent (no root: it sees what that account sees), not the root service. */
    agentPerUser: z.boolean().optional(),
    /** Why the agent is not used where one may be installed (forwarding refused, another build). */
    note: z.string().optional(),
  }),
  z.object({ state: z.literal('lost'), since: z.number(), reason: z.string().optional() }),
  z.object({ state: z.literal('reconnecting'), attempt: z.number().int(), nextInMs: z.number() }),
  z.object({
    state: z.literal('failed'),
    problem: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
]);
export type ConnectionState = z.infer<typeof connectionStateSchema>;

export const hostSchema = z.object({
  id: hostIdSchema,
  name: z.string(),
  address: z.string(),
  port: z.number(),
  user: z.string(),
  auth: authMethodSchema,
  keyPath: z.string().optional(),
  jump: z.array(jumpHopSchema),
  tags: z.array(z.string()),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Host = z.infer<typeof hostSchema>;

/** Formats zod issues as one message a person can act on. */
export function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .map((i) => {
      const where = i.path.length ? `${i.path.join('.')}: ` : '';
      return `${where}${i.message}`;
    })
    .join('; ');
}
