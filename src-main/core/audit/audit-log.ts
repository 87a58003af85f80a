import type { Db } from '../db/database.js';

/**
 * Records every action that changes a host or reads secrets. Append-only: nothing in the app
 * updates or deletes a row. Never stores secrets — summaries are written by our own code.
 */
export interface AuditEntry {
  hostId?: number | null;
  hostName?: string | null;
  operation: string;
  summary: string;
  result: 'ok' | 'failed';
  problem?: string | null;
}

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly actor: string,
  ) {}

  record(e: AuditEntry): void {
    this.db
      .prepare('INSERT INTO audit_events (at, actor, host_id, host_name, operation, summary, result, problem) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(Date.now(), this.actor, e.hostId ?? null, e.hostName ?? null, e.operation, e.summary, e.result, e.problem ?? null);
  }

  list(limit = 200): (AuditEntry & { id: number; at: number; actor: string })[] {
    return this.db
      .prepare('SELECT id, at, actor, host_id AS hostId, host_name AS hostName, operation, summary, result, problem FROM audit_events ORDER BY id DESC LIMIT ?')
      .all(limit) as (AuditEntry & { id: number; at: number; actor: string })[];
  }
}
