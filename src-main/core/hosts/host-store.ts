import { describeIssues, hostInputSchema, type Host, type HostInput, type HostSpec, type JumpHop } from '../../../src-common/hosts/host.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { Db } from '../db/database.js';
import { keyFileProblem } from './key-file-check.js';

interface HostRow {
  id: number;
  name: string;
  address: string;
  port: number;
  user: string;
  auth: Host['auth'];
  key_path: string | null;
  jump_json: string;
  tags_json: string;
  created_at: number;
  updated_at: number;
}

function fromRow(r: HostRow): Host {
  const host: Host = {
    id: r.id,
    name: r.name,
    address: r.address,
    port: r.port,
    user: r.user,
    auth: r.auth,
    jump: JSON.parse(r.jump_json) as JumpHop[],
    tags: JSON.parse(r.tags_json) as string[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.key_path) host.keyPath = r.key_path;
  return host;
}

/** Validates untrusted input into a host spec, or throws invalid-input with a message per field. */
export function parseHostInput(input: unknown) {
  const parsed = hostInputSchema.safeParse(input);
  if (!parsed.success) throw new FleetdeckError('invalid-input', describeIssues(parsed.error));
  return parsed.data;
}

/**
 * Key files are checked when the host is stored, not first at connect: each one the host or a
 * jump hop logs in with must be a readable private key. details.field names the form field.
 */
export function checkKeyFiles(h: Pick<HostSpec, 'auth' | 'keyPath' | 'jump'>): void {
  const keys: Array<{ field: string; path: string | undefined }> = [
    { field: 'keyPath', path: h.auth === 'key' ? h.keyPath : undefined },
    ...h.jump.map((hop, i) => ({ field: `jump.${i}.keyPath`, path: hop.auth === 'key' ? hop.keyPath : undefined })),
  ];
  for (const { field, path } of keys) {
    const problem = path ? keyFileProblem(path) : null;
    if (problem) throw new FleetdeckError('invalid-input', problem, { field });
  }
}

/** How two hosts are the same login: user, address (brackets and case aside) and port. */
function sameLoginKey(h: Pick<Host, 'user' | 'address' | 'port'>): string {
  const address = h.address.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  return `${h.user}@${address}:${h.port}`;
}

export class HostStore {
  constructor(private readonly db: Db) {}

  list(): Host[] {
    return (this.db.prepare('SELECT * FROM hosts ORDER BY name COLLATE NOCASE').all() as HostRow[]).map(fromRow);
  }

  get(id: number): Host {
    const row = this.db.prepare('SELECT * FROM hosts WHERE id = ?').get(id) as HostRow | undefined;
    if (!row) throw new FleetdeckError('not-found', `There is no host with id ${id}; it may have been removed.`);
    return fromRow(row);
  }

  findByName(name: string): Host | null {
    const row = this.db.prepare('SELECT * FROM hosts WHERE name = ? COLLATE NOCASE').get(name) as HostRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** The first other host that logs in as the same user@address:port, if any. */
  findSameLogin(h: Pick<Host, 'user' | 'address' | 'port'>, exceptId?: number): Host | null {
    const key = sameLoginKey(h);
    return this.list().find((other) => other.id !== exceptId && sameLoginKey(other) === key) ?? null;
  }

  add(input: HostInput | unknown): Host {
    const h = this.validated(input);
    const now = Date.now();
    try {
      const info = this.db
        .prepare(
          `INSERT INTO hosts (name, address, port, user, auth, key_path, jump_json, tags_json, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(h.name, h.address, h.port, h.user, h.auth, h.keyPath ?? null, JSON.stringify(h.jump), JSON.stringify(h.tags), now, now);
      return this.get(Number(info.lastInsertRowid));
    } catch (err) {
      throw this.mapConstraint(err, h.name);
    }
  }

  update(id: number, input: HostInput | unknown): Host {
    this.get(id);
    const h = this.validated(input, id);
    try {
      this.db
        .prepare(
          `UPDATE hosts SET name = ?, address = ?, port = ?, user = ?, auth = ?, key_path = ?, jump_json = ?, tags_json = ?, updated_at = ?
           WHERE id = ?`,
        )
        .run(h.name, h.address, h.port, h.user, h.auth, h.keyPath ?? null, JSON.stringify(h.jump), JSON.stringify(h.tags), Date.now(), id);
    } catch (err) {
      throw this.mapConstraint(err, h.name);
    }
    return this.get(id);
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM hosts WHERE id = ?').run(id).changes > 0;
  }

  saveFacts(id: number, facts: { probe?: unknown; inventory?: unknown }): void {
    this.db
      .prepare(
        `INSERT INTO host_facts (host_id, probe_json, inventory_json, updated_at) VALUES (@id, @probe, @inventory, @now)
         ON CONFLICT(host_id) DO UPDATE SET
           probe_json = COALESCE(@probe, probe_json),
           inventory_json = COALESCE(@inventory, inventory_json),
           updated_at = @now`,
      )
      .run({
        id,
        probe: facts.probe === undefined ? null : JSON.stringify(facts.probe),
        inventory: facts.inventory === undefined ? null : JSON.stringify(facts.inventory),
        now: Date.now(),
      });
  }

  /** Fleetdeck's directory for a login on the host, as the last helper start said (absolute; host data, kept as JSON text). */
  saveInstallDir(id: number, user: string, dir: string): void {
    if (!dir.startsWith('/') || dir.length > 4096 || user.length > 256) return;
    this.db.prepare('INSERT INTO host_facts (host_id, install_dir, updated_at) VALUES (?, ?, ?) ON CONFLICT(host_id) DO UPDATE SET install_dir = excluded.install_dir').run(id, JSON.stringify({ user, dir }), Date.now());
  }

  /** That directory, only for the login it was reported for (the host's user may have changed since). */
  installDir(id: number, user: string): string | null {
    const row = this.db.prepare('SELECT install_dir FROM host_facts WHERE host_id = ?').get(id) as { install_dir: string | null } | undefined;
    const kept = parseJsonObject(row?.install_dir);
    return kept?.user === user && typeof kept.dir === 'string' && kept.dir.startsWith('/') ? kept.dir : null;
  }

  facts(id: number): { probe: unknown; inventory: unknown } | null {
    const row = this.db.prepare('SELECT probe_json, inventory_json FROM host_facts WHERE host_id = ?').get(id) as
      | { probe_json: string | null; inventory_json: string | null }
      | undefined;
    if (!row) return null;
    return { probe: row.probe_json ? JSON.parse(row.probe_json) : null, inventory: row.inventory_json ? JSON.parse(row.inventory_json) : null };
  }

  /** The add/edit checks: the schema, the key files, and (when asked) a login another host already has. */
  private validated(input: unknown, id?: number): HostSpec {
    const h = parseHostInput(input);
    checkKeyFiles(h);
    if (h.ifDuplicate === 'refuse') {
      const same = this.findSameLogin(h, id);
      if (same) {
        const address = h.address.includes(':') && !h.address.startsWith('[') ? `[${h.address}]` : h.address;
        throw new FleetdeckError('invalid-input', `"${same.name}" already logs in as ${h.user}@${address}:${h.port}. To keep a second entry for the same login, add it again with ifDuplicate "add".`, {
          field: 'address',
          duplicateOf: { id: same.id, name: same.name },
        });
      }
    }
    return h;
  }

  private mapConstraint(err: unknown, name: string): unknown {
    if (err && typeof err === 'object' && 'code' in err && String((err as { code: unknown }).code).startsWith('SQLITE_CONSTRAINT_UNIQUE')) {
      return new FleetdeckError('invalid-input', `A host named "${name}" already exists: choose another name.`);
    }
    return err;
  }
}

function parseJsonObject(text: string | null | undefined): Record<string, unknown> | null {
  try {
    const v: unknown = text ? JSON.parse(text) : null;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
