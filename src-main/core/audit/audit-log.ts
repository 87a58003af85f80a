import type { AuditEvent, AuditFacets, AuditPage, AuditQuery } from '../../../src-common/audit/audit.contract.js';
import { auditQuerySchema } from '../../../src-common/audit/audit.contract.js';
import type { Db } from '../db/database.js';
import { handlersFor, type Capability } from '../capability.js';
import { api } from '../../../src-common/api.js';

/**
 * Records every action that changes a host or reads secrets. Append-only: nothing in the app
 * updates or deletes a row. Never stores secrets or keystrokes — summaries are written by our own code.
 */
export interface AuditEntry {
  hostId?: number | null;
  hostName?: string | null;
  operation: string;
  summary: string;
  result: 'ok' | 'failed';
  problem?: string | null;
}

/**
 * Events carry the host's stable id: the name shown is the host's current one (a rename does not
 * split its history), and the recorded name where that differs; a removed host keeps the name it
 * had. `h` is the hosts table, joined on the id.
 */
const COLUMNS = `e.id AS id, e.at AS at, e.actor AS actor, e.host_id AS hostId, COALESCE(h.name, e.host_name) AS hostName,
  CASE WHEN h.name IS NOT NULL AND e.host_name IS NOT NULL AND h.name <> e.host_name THEN e.host_name END AS recordedHostName,
  e.operation AS operation, e.summary AS summary, e.result AS result, e.problem AS problem`;
const FROM = 'audit_events e LEFT JOIN hosts h ON h.id = e.host_id';
/** The host filter: events of the host that has this name now (whatever it was called then), or recorded under it and no longer stored. */
const HOST_MATCH = '(e.host_id IN (SELECT id FROM hosts WHERE name = ? COLLATE NOCASE) OR (h.id IS NULL AND e.host_name = ? COLLATE NOCASE))';

/** LIKE with our own escape character, so a user's "%" or "_" is matched literally. */
function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class AuditLog implements Capability {
  handlers() {
    return handlersFor(api.audit, {
      list: async (p) => this.query(p),
      facets: async () => this.facets(),
    });
  }

  constructor(
    private readonly db: Db,
    private readonly actor: string,
    private readonly onRecorded?: (e: AuditEvent) => void,
  ) {}

  record(e: AuditEntry): AuditEvent {
    const at = Date.now();
    const info = this.db
      .prepare('INSERT INTO audit_events (at, actor, host_id, host_name, operation, summary, result, problem) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(at, this.actor, e.hostId ?? null, e.hostName ?? null, e.operation, e.summary, e.result, e.problem ?? null);
    const event: AuditEvent = {
      id: Number(info.lastInsertRowid),
      at,
      actor: this.actor,
      hostId: e.hostId ?? null,
      hostName: e.hostName ?? null,
      operation: e.operation,
      summary: e.summary,
      result: e.result,
      problem: e.problem ?? null,
    };
    this.onRecorded?.(event);
    return event;
  }

  /** Newest first. Every value is a bound parameter; the SQL text is fixed per filter combination. */
  query(input: AuditQuery = {}): AuditPage {
    const q = auditQuerySchema.parse(input);
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.host) {
      where.push(HOST_MATCH);
      args.push(q.host, q.host);
    }
    if (q.actor) {
      where.push('e.actor = ?');
      args.push(q.actor);
    }
    if (q.operation) {
      if (q.operation.endsWith('.')) {
        where.push("e.operation LIKE ? ESCAPE '\\'");
        args.push(`${likeEscape(q.operation)}%`);
      } else {
        where.push('e.operation = ?');
        args.push(q.operation);
      }
    }
    if (q.result) {
      where.push('e.result = ?');
      args.push(q.result);
    }
    if (q.since !== undefined) {
      where.push('e.at >= ?');
      args.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('e.at <= ?');
      args.push(q.until);
    }
    if (q.before !== undefined) {
      where.push('e.id < ?');
      args.push(q.before);
    }
    if (q.text) {
      const like = `%${likeEscape(q.text)}%`;
      where.push("(e.summary LIKE ? ESCAPE '\\' OR e.operation LIKE ? ESCAPE '\\' OR IFNULL(e.host_name, '') LIKE ? ESCAPE '\\' OR IFNULL(h.name, '') LIKE ? ESCAPE '\\' OR IFNULL(e.problem, '') LIKE ? ESCAPE '\\')");
      args.push(like, like, like, like, like);
    }
    const sql = `SELECT ${COLUMNS} FROM ${FROM}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY e.id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, q.limit + 1) as AuditEvent[];
    const hasMore = rows.length > q.limit;
    return { events: hasMore ? rows.slice(0, q.limit) : rows, hasMore };
  }

  /** Every event of a period, oldest first (for reports). */
  between(since: number, until: number, hostNames?: string[]): AuditEvent[] {
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE e.at >= ? AND e.at <= ? ORDER BY e.id`).all(since, until) as AuditEvent[];
    if (!hostNames) return rows;
    const wanted = new Set(hostNames.map((h) => h.toLowerCase()));
    return rows.filter((r) => r.hostName !== null && wanted.has(r.hostName.toLowerCase()));
  }

  facets(): AuditFacets {
    const col = (sql: string) => (this.db.prepare(sql).all() as { v: string }[]).map((r) => r.v);
    return {
      // One entry per host whatever the case it was recorded in (the host filter ignores case too).
      hosts: col(`SELECT MAX(COALESCE(h.name, e.host_name)) AS v FROM ${FROM} WHERE COALESCE(h.name, e.host_name) IS NOT NULL GROUP BY COALESCE(h.name, e.host_name) COLLATE NOCASE ORDER BY v COLLATE NOCASE`),
      actors: col('SELECT DISTINCT actor AS v FROM audit_events ORDER BY v'),
      operations: col('SELECT DISTINCT operation AS v FROM audit_events ORDER BY v'),
    };
  }

  /** The newest events (kept for callers from before query()). */
  list(limit = 200): AuditEvent[] {
    return this.query({ limit }).events;
  }
}
