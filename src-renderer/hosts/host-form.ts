import type { z } from 'zod';
import { toApiError } from '../api/api-error.js';
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

/**
 * Every bad tag, by what is wrong with it: `"b@d!", "x#y": Tags may contain…`. One message per
 * problem, so three tags with the same fault read as one sentence.
 */
function tagsMessage(bad: Map<string, string[]>): string {
  return [...bad].map(([message, tags]) => `${tags.map((t) => `"${t}"`).join(', ')}: ${message}`).join(' ');
}

export function validateForm(form: HostFormState): Validation {
  const raw = formToRaw(form);
  const result = hostInputSchema.safeParse(raw);
  if (result.success) return { ok: true, input: result.data };
  const errors: FieldErrors = {};
  const tags = raw.tags as string[];
  const badTags = new Map<string, string[]>();
  for (const issue of result.error.issues) {
    const field = fieldOf(issue);
    const index = issue.path[1];
    if (field === 'tags' && typeof index === 'number') {
      const tag = tags[index] ?? '';
      const same = badTags.get(issue.message) ?? [];
      if (!same.includes(tag)) badTags.set(issue.message, [...same, tag]);
      continue;
    }
    errors[field] ??= issue.message;
  }
  if (badTags.size > 0) errors.tags = tagsMessage(badTags);
  return { ok: false, errors, summary: describeIssues(result.error) };
}

/** A host that already logs in as the same user@address:port (the core's answer to ifDuplicate 'refuse'). */
export interface DuplicateLogin {
  id: number;
  name: string;
}

/** What the core said about a failed add or edit: tied to a form field, a duplicate login, or neither. */
export type SaveProblem = { kind: 'field'; field: string; message: string } | { kind: 'duplicate'; of: DuplicateLogin; message: string } | { kind: 'other'; message: string };

export function saveProblem(err: unknown): SaveProblem {
  const e = toApiError(err);
  const details = e.details ?? {};
  const dup = details.duplicateOf as { id?: unknown; name?: unknown } | undefined;
  if (e.problem === 'invalid-input' && dup && typeof dup.id === 'number' && typeof dup.name === 'string') {
    return { kind: 'duplicate', of: { id: dup.id, name: dup.name }, message: e.message };
  }
  if (e.problem === 'invalid-input' && typeof details.field === 'string' && /^(keyPath|address|name|user|port|tags|jump\.\d+\.keyPath)$/.test(details.field)) {
    return { kind: 'field', field: details.field, message: e.message };
  }
  return { kind: 'other', message: e.message };
}

/** "admin@10.0.0.5:22", "admin@[fd00::5]:2222": the login a duplicate warning names. */
export function loginLabel(input: Pick<HostSpec, 'user' | 'address' | 'port'>): string {
  const address = input.address.includes(':') && !input.address.startsWith('[') ? `[${input.address}]` : input.address;
  return `${input.user}@${address}:${input.port}`;
}

function loginKey(user: unknown, address: unknown, port: unknown): string | null {
  if (typeof user !== 'string' || typeof address !== 'string' || !address) return null;
  const p = port === undefined ? 22 : Number(port);
  return `${user}@${address.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase()}:${p}`;
}

/** The stored host that already logs in as this (possibly incomplete) input's user@address:port, as the core compares them. */
export function sameLoginAs<H extends Pick<Host, 'user' | 'address' | 'port'>>(hosts: readonly H[], input: Record<string, unknown>): H | null {
  const key = loginKey(input.user, input.address, input.port);
  return key === null ? null : (hosts.find((h) => loginKey(h.user, h.address, h.port) === key) ?? null);
}
