import type { z } from 'zod';
import { authMethodSchema, describeIssues, hostInputSchema, type AuthMethod, type Host, type HostSpec } from '../../src-common/hosts/host.schema.js';

/**
 * The add/edit form as the user types it (all strings), and its translation to a HostInput
 * validated by the same zod schema the core uses. Pure, so it is unit tested.
 */
export interface JumpRow {
  key: number;
  address: string;
  port: string;
  user: string;
  auth: AuthMethod;
  keyPath: string;
}

export interface HostFormState {
  name: string;
  address: string;
  port: string;
  user: string;
  auth: AuthMethod;
  keyPath: string;
  jump: JumpRow[];
  tags: string;
}

/** Field path ("name", "jump.0.address", "tags") → message. "" holds issues tied to no field. */
export type FieldErrors = Record<string, string>;

export type Validation = { ok: true; input: HostSpec } | { ok: false; errors: FieldErrors; summary: string };

export const AUTH_LABELS: Record<AuthMethod, string> = {
  agent: 'SSH agent',
  key: 'Key file',
  password: 'Password',
  'keyboard-interactive': 'Keyboard-interactive',
};

let rowKey = 1;
export function newJumpRow(): JumpRow {
  return { key: rowKey++, address: '', port: '22', user: '', auth: 'agent', keyPath: '' };
}

export function emptyForm(): HostFormState {
  return { name: '', address: '', port: '22', user: '', auth: 'agent', keyPath: '', jump: [], tags: '' };
}

export function formFromHost(host: Pick<Host, 'name' | 'address' | 'port' | 'user' | 'auth' | 'keyPath' | 'jump' | 'tags'>): HostFormState {
  return {
    name: host.name,
    address: host.address,
    port: String(host.port),
    user: host.user,
    auth: host.auth,
    keyPath: host.keyPath ?? '',
    jump: host.jump.map((j) => ({ key: rowKey++, address: j.address, port: String(j.port), user: j.user, auth: j.auth, keyPath: j.keyPath ?? '' })),
    tags: host.tags.join(', '),
  };
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}

function auth(value: unknown): AuthMethod {
  const parsed = authMethodSchema.safeParse(value);
  return parsed.success ? parsed.data : 'agent';
}

/** Fills the form from an ~/.ssh/config candidate's input (untyped: it may be incomplete). */
export function formFromCandidate(alias: string, input: Record<string, unknown>): HostFormState {
  const jump = Array.isArray(input.jump) ? input.jump : [];
  return {
    name: str(input.name, alias),
    address: str(input.address),
    port: str(input.port, '22'),
    user: str(input.user),
    auth: auth(input.auth),
    keyPath: str(input.keyPath),
    jump: jump.map((j: unknown) => {
      const hop = (j && typeof j === 'object' ? j : {}) as Record<string, unknown>;
      return { key: rowKey++, address: str(hop.address), port: str(hop.port, '22'), user: str(hop.user), auth: auth(hop.auth), keyPath: str(hop.keyPath) };
    }),
    tags: Array.isArray(input.tags) ? input.tags.filter((t) => typeof t === 'string').join(', ') : '',
  };
}

/** "gpu, lab a100" → ["gpu", "lab", "a100"]: commas or spaces separate tags. */
export function splitTags(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

export function formToRaw(form: HostFormState): Record<string, unknown> {
  const raw: Record<string, unknown> = {
    name: form.name,
    address: form.address,
    port: form.port.trim() === '' ? undefined : form.port.trim(),
    user: form.user,
    auth: form.auth,
    jump: form.jump.map((j) => ({
      address: j.address,
      port: j.port.trim() === '' ? undefined : j.port.trim(),
      user: j.user,
      auth: j.auth,
      ...(j.auth === 'key' && j.keyPath.trim() ? { keyPath: j.keyPath.trim() } : {}),
    })),
    tags: splitTags(form.tags),
  };
  if (form.auth === 'key' && form.keyPath.trim()) raw.keyPath = form.keyPath;
  return raw;
}

function fieldOf(issue: z.ZodError['issues'][number]): string {
  const [head, index, field] = issue.path;
  if (head === 'tags') return 'tags';
  if (head === 'jump' && typeof index === 'number' && field !== undefined) return `jump.${index}.${String(field)}`;
  if (head === 'jump') return 'jump';
  return head === undefined ? '' : String(head);
}

export function validateForm(form: HostFormState): Validation {
  const raw = formToRaw(form);
  const result = hostInputSchema.safeParse(raw);
  if (result.success) return { ok: true, input: result.data };
  const errors: FieldErrors = {};
  const tags = raw.tags as string[];
  for (const issue of result.error.issues) {
    const field = fieldOf(issue);
    let message = issue.message;
    if (field === 'tags' && typeof issue.path[1] === 'number') message = `"${tags[issue.path[1]] ?? ''}": ${message}`;
    errors[field] ??= message;
  }
  return { ok: false, errors, summary: describeIssues(result.error) };
}
