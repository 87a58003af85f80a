import type { Host } from '../../../src-common/hosts/host.schema.js';

/** What an edit changed, field by field, for the audit log ("renamed a → b", "port 22 → 2222"). Never a secret. */
export function hostChanges(a: Host, b: Host): string[] {
  const out: string[] = [];
  if (a.name !== b.name) out.push(`renamed ${a.name} → ${b.name}`);
  const fields: [string, (h: Host) => string][] = [
    ['address', (h) => h.address],
    ['port', (h) => String(h.port)],
    ['user', (h) => h.user],
    ['login', (h) => h.auth],
    ['key file', (h) => h.keyPath ?? 'none'],
    ['jump hosts', (h) => h.jump.map((j) => `${j.user}@${j.address}:${j.port}`).join(', ') || 'none'],
    ['tags', (h) => h.tags.join(', ') || 'none'],
  ];
  for (const [label, get] of fields) if (get(a) !== get(b)) out.push(`${label} ${get(a)} → ${get(b)}`);
  return out;
}
