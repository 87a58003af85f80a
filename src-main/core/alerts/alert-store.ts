import type { Alert, AlertKind, AlertRule, AlertScope, Severity } from '../../../src-common/alerts/alert.schema.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { Db } from '../db/database.js';

interface RuleRow {
  id: number;
  kind: AlertKind;
  threshold: number;
  for_seconds: number;
  scope_type: 'all' | 'host' | 'tag';
  scope_host_id: number | null;
  scope_tag: string | null;
  enabled: number;
}

interface AlertRow {
  id: number;
  rule_id: number | null;
  kind: AlertKind;
  host_id: number;
  host_name: string | null;
  subject: string;
  message: string;
  severity: Severity;
  started_at: number;
  resolved_at: number | null;
  acknowledged: number;
}

function toRule(r: RuleRow): AlertRule {
  const scope: AlertScope =
    r.scope_type === 'host' ? { type: 'host', hostId: r.scope_host_id! } : r.scope_type === 'tag' ? { type: 'tag', tag: r.scope_tag! } : { type: 'all' };
  return { id: r.id, kind: r.kind, threshold: r.threshold, forSeconds: r.for_seconds, scope, enabled: r.enabled === 1 };
}

function toAlert(r: AlertRow): Alert {
  return {
    id: r.id,
    ruleId: r.rule_id,
    kind: r.kind,
    hostId: r.host_id,
    hostName: r.host_name ?? `host ${r.host_id}`,
    subject: r.subject,
    message: r.message,
    severity: r.severity,
    startedAt: r.started_at,
    resolvedAt: r.resolved_at,
    acknowledged: r.acknowledged === 1,
  };
}

const ALERT_SELECT = 'SELECT a.*, h.name AS host_name FROM alerts a LEFT JOIN hosts h ON h.id = a.host_id';

/** SQLite persistence of alert rules and alerts (tables from migration 4). */
export class AlertStore {
  constructor(private readonly db: Db) {}

  rules(): AlertRule[] {
    return (this.db.prepare('SELECT * FROM alert_rules ORDER BY id').all() as RuleRow[]).map(toRule);
  }

  rule(id: number): AlertRule | null {
    const row = this.db.prepare('SELECT * FROM alert_rules WHERE id = ?').get(id) as RuleRow | undefined;
    return row ? toRule(row) : null;
  }

  /** Inserts (no id) or replaces a rule; input already validated by the contract schema. */
  saveRule(input: Omit<AlertRule, 'id'> & { id?: number | undefined }, now = Date.now()): AlertRule {
    const scope = input.scope;
    if (scope.type === 'host' && !this.db.prepare('SELECT 1 FROM hosts WHERE id = ?').get(scope.hostId)) {
      throw new FleetdeckError('invalid-input', `scope.hostId: there is no host with id ${scope.hostId}.`);
    }
    const values = {
      kind: input.kind,
      threshold: input.threshold,
      for_seconds: input.forSeconds,
      scope_type: scope.type,
      scope_host_id: scope.type === 'host' ? scope.hostId : null,
      scope_tag: scope.type === 'tag' ? scope.tag : null,
      enabled: input.enabled ? 1 : 0,
      now,
    };
    if (input.id === undefined) {
      const info = this.db
        .prepare(
          'INSERT INTO alert_rules (kind, threshold, for_seconds, scope_type, scope_host_id, scope_tag, enabled, created_at, updated_at) VALUES (@kind, @threshold, @for_seconds, @scope_type, @scope_host_id, @scope_tag, @enabled, @now, @now)',
        )
        .run(values);
      return this.rule(Number(info.lastInsertRowid))!;
    }
    const info = this.db
      .prepare(
        'UPDATE alert_rules SET kind = @kind, threshold = @threshold, for_seconds = @for_seconds, scope_type = @scope_type, scope_host_id = @scope_host_id, scope_tag = @scope_tag, enabled = @enabled, updated_at = @now WHERE id = @id',
      )
      .run({ ...values, id: input.id });
    if (info.changes === 0) throw new FleetdeckError('not-found', `There is no alert rule with id ${input.id}.`);
    return this.rule(input.id)!;
  }

  deleteRule(id: number): boolean {
    return this.db.prepare('DELETE FROM alert_rules WHERE id = ?').run(id).changes > 0;
  }

  get(id: number): Alert | null {
    const row = this.db.prepare(`${ALERT_SELECT} WHERE a.id = ?`).get(id) as AlertRow | undefined;
    return row ? toAlert(row) : null;
  }

  list(opts: { activeOnly?: boolean | undefined; hostId?: number | undefined; limit?: number | undefined } = {}): Alert[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.activeOnly) where.push('a.resolved_at IS NULL');
    if (opts.hostId !== undefined) {
      where.push('a.host_id = ?');
      args.push(opts.hostId);
    }
    const sql = `${ALERT_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY (a.resolved_at IS NULL) DESC, COALESCE(a.resolved_at, a.started_at) DESC, a.id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, opts.limit ?? 200) as AlertRow[]).map(toAlert);
  }

  active(): Alert[] {
    return (this.db.prepare(`${ALERT_SELECT} WHERE a.resolved_at IS NULL`).all() as AlertRow[]).map(toAlert);
  }

  insert(a: { ruleId: number; kind: AlertKind; hostId: number; subject: string; message: string; severity: Severity; startedAt: number }): Alert {
    const info = this.db
      .prepare('INSERT INTO alerts (rule_id, kind, host_id, subject, message, severity, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(a.ruleId, a.kind, a.hostId, a.subject, a.message, a.severity, a.startedAt);
    return this.get(Number(info.lastInsertRowid))!;
  }

  resolve(id: number, at: number): Alert | null {
    this.db.prepare('UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL').run(at, id);
    return this.get(id);
  }

  acknowledge(id: number): Alert {
    const info = this.db.prepare('UPDATE alerts SET acknowledged = 1 WHERE id = ?').run(id);
    if (info.changes === 0) throw new FleetdeckError('not-found', `There is no alert with id ${id}.`);
    return this.get(id)!;
  }
}
