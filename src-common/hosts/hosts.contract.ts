import { z } from 'zod';
import { event, request } from '../contract.js';
import { connectionStateSchema, hostIdSchema, hostInputSchema, hostSchema } from './host.schema.js';

export const hostWithStateSchema = hostSchema.extend({ connection: connectionStateSchema });
export type HostWithState = z.infer<typeof hostWithStateSchema>;

export const hostKeyInfoSchema = z.object({
  /** "[127.0.0.1]:2222" style name the key is stored under. */
  hostName: z.string(),
  keyType: z.string(),
  fingerprint: z.string(),
});
export type HostKeyInfo = z.infer<typeof hostKeyInfoSchema>;

/** Secrets for one connect; kept in memory for this session only (browser/CLI), or in the OS keychain (Electron). */
export const credentialsSchema = z.object({
  password: z.string().max(4096).optional(),
  passphrase: z.string().max(4096).optional(),
  sudoPassword: z.string().max(4096).optional(),
  /** Store the given secrets in the OS keychain (Electron only; refused elsewhere). */
  remember: z.boolean().optional(),
  /**
   * Set by the desktop shell, which keeps remembered secrets in the OS keychain itself: which of
   * the secrets above it read from the keychain, and whether it stores the others once the
   * connect works. Only for the audit log (the core never sees the keychain).
   */
  keychain: z
    .object({
      read: z.array(z.enum(['password', 'passphrase', 'sudoPassword'])).max(3).default([]),
      store: z.boolean().default(false),
    })
    .optional(),
});

export const sshConfigCandidateSchema = z.object({
  alias: z.string(),
  input: z.record(z.string(), z.unknown()),
  /** Why this entry cannot be imported as-is, or null. */
  problem: z.string().nullable(),
});

export const hostsContract = {
  list: request('hosts.list', z.object({}).default({}), z.array(hostWithStateSchema)),
  get: request('hosts.get', z.object({ id: hostIdSchema }), hostWithStateSchema),
  add: request('hosts.add', hostInputSchema, hostSchema),
  update: request('hosts.update', z.object({ id: hostIdSchema, host: hostInputSchema }), hostSchema),
  remove: request('hosts.remove', z.object({ id: hostIdSchema }), z.object({ removed: z.boolean() })),
  connect: request(
    'hosts.connect',
    z.object({ id: hostIdSchema, credentials: credentialsSchema.optional() }),
    connectionStateSchema,
  ),
  disconnect: request('hosts.disconnect', z.object({ id: hostIdSchema }), z.object({ ok: z.boolean() })),
  /** Trusts the key last offered by this host (after the user compared its fingerprint). */
  trustHostKey: request(
    'hosts.trustHostKey',
    z.object({ id: hostIdSchema, fingerprint: z.string().min(1).max(200) }),
    hostKeyInfoSchema,
  ),
  sshConfigCandidates: request(
    'hosts.sshConfigCandidates',
    z.object({ path: z.string().max(4096).optional() }).default({}),
    z.array(sshConfigCandidateSchema),
  ),
} as const;

export const hostsEvents = {
  onState: event('hosts.onState', z.object({ id: hostIdSchema, connection: connectionStateSchema })),
  onLog: event('hosts.onLog', z.object({ id: hostIdSchema, at: z.number(), line: z.string() })),
} as const;
