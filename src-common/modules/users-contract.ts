import { z } from 'zod';
import { hostIdSchema } from '../hosts/host.schema.js';
import { request } from '../contract.js';
import { accountName } from './settings-fields.js';
import { userEntry } from './users.js';

/**
 * The app's requests for accounts beyond the change engine's own (change.plan with the users
 * module does create, modify and delete): the accounts as the host has them, and the CSV preview.
 */
export const csvPreviewRowSchema = z.object({
  line: z.number().int(),
  name: z.string().max(64),
  email: z.string().max(400).nullable(),
  profile: z.string().max(64).nullable(),
  problems: z.array(z.string().max(2000)).max(32),
  /** What the row would do on the host (the plan step's summary), when it is good. */
  does: z.string().max(2000).nullable(),
  entry: userEntry.nullable(),
});
export type CsvPreviewRow = z.infer<typeof csvPreviewRowSchema>;

export const accountStateSchema = z.object({
  name: z.string().max(64),
  uid: z.number().int().nullable(),
  source: z.enum(['files', 'nss']).nullable(),
  locked: z.boolean(),
  expires: z.string().max(32).nullable(),
  /** The managed keys' fingerprints (SHA256:… type comment); null when they could not be read as the user. */
  keys: z.array(z.string().max(400)).max(64).nullable(),
  processes: z.number().int(),
});
export type AccountState = z.infer<typeof accountStateSchema>;

export const usersContract = {
  accounts: request('users.accounts', z.object({ id: hostIdSchema, names: z.array(accountName()).max(2000) }), z.array(accountStateSchema)),
  preview: request('users.preview', z.object({ id: hostIdSchema, csv: z.string().max(2 * 1024 * 1024, 'The CSV is over 2 MiB: split it.') }), z.array(csvPreviewRowSchema)),
} as const;
