import type { InstalledModule } from '../../../src-common/change/modules.contract.js';
import type { CheckResult } from '../../../src-common/change/plan.schema.js';
import type { Db } from '../db/database.js';

/**
 * What Fleetdeck applied to each stored host (migration 9): the installed modules with the
 * settings they were applied with (secret fields left out) and every apply or rollback run.
 * Host data never lands here unchecked: module ids and settings come from the validated request.
 */
export interface ChangeRun {
  id: number;
  hostId: number;
  journalId: string;
  kind: 'apply' | 'rollback' | 'resume';
  modules: string[];
  settings: Record<string, Record<string, unknown>>;
  steps: number;
  status: string;
  message: string | null;
  startedAt: number;
  endedAt: number | null;
}

interface InstalledRow {
  module: string;
  settings: string;
  applied_at: number;
  journal_id: string | null;
  verify_at: number | null;
  verify_ok: number | null;
  verify_failed: string | null;
  verify_status: string | null;
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export class ChangeStore {
  constructor(private readonly db: Db) {}

  installed(hostId: number): InstalledModule[] {
    const rows = this.db.prepare('SELECT module, settings, applied_at, journal_id, verify_at, verify_ok, verify_failed, verify_status FROM change_installed WHERE host_id = ? ORDER BY module').all(hostId) as InstalledRow[];
    return rows.map((r) => ({
      module: r.module,
      settings: parseJson<Record<string, unknown>>(r.settings, {}),
      appliedAt: r.applied_at,
      journalId: r.journal_id,
      lastVerify: r.verify_at === null ? null : { at: r.verify_at, ok: r.verify_ok === 1, failed: parseJson<string[]>(r.verify_failed, []), ...(r.verify_status === null ? {} : { status: r.verify_status }) },
    }));
  }

  markInstalled(hostId: number, module: string, settings: Record<string, unknown>, journalId: string | null, at = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO change_installed (host_id, module, settings, applied_at, journal_id) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (host_id, module) DO UPDATE SET settings = excluded.settings, applied_at = excluded.applied_at, journal_id = excluded.journal_id`,
      )
      .run(hostId, module, JSON.stringify(settings), at, journalId);
  }

  /** A rolled-back change takes its modules off the list (they are no longer as applied). */
  forget(hostId: number, modules: string[]): void {
    const del = this.db.prepare('DELETE FROM change_installed WHERE host_id = ? AND module = ?');
    for (const m of modules) del.run(hostId, m);
  }

  /** A module's verify results: passed or not, the failed checks, and its status check's evidence (id "<module>-status"). */
  recordVerify(hostId: number, module: string, results: readonly CheckResult[], at = Date.now()): void {
    const ok = results.every((r) => r.ok);
    const failed = results.filter((r) => !r.ok).map((r) => r.label);
    const status = results.find((r) => r.id === `${module}-status`)?.evidence ?? null;
    this.db.prepare('UPDATE change_installed SET verify_at = ?, verify_ok = ?, verify_failed = ?, verify_status = ? WHERE host_id = ? AND module = ?').run(at, ok ? 1 : 0, JSON.stringify(failed), status, hostId, module);
  }

  startRun(r: Omit<ChangeRun, 'id' | 'endedAt' | 'message' | 'status'>): number {
    const info = this.db
      .prepare('INSERT INTO change_runs (host_id, journal_id, kind, modules, settings, steps, status, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(r.hostId, r.journalId, r.kind, JSON.stringify(r.modules), JSON.stringify(r.settings), r.steps, 'running', r.startedAt);
    return Number(info.lastInsertRowid);
  }

  endRun(id: number, status: string, message: string | null, at = Date.now()): void {
    this.db.prepare('UPDATE change_runs SET status = ?, message = ?, ended_at = ? WHERE id = ?').run(status, message, at, id);
  }

  /** The apply run that wrote this journal (for a resume: its modules and settings). */
  runByJournal(hostId: number, journalId: string): ChangeRun | null {
    const r = this.db.prepare("SELECT * FROM change_runs WHERE host_id = ? AND journal_id = ? AND kind = 'apply' ORDER BY id LIMIT 1").get(hostId, journalId) as
      | { id: number; host_id: number; journal_id: string; kind: ChangeRun['kind']; modules: string; settings: string; steps: number; status: string; message: string | null; started_at: number; ended_at: number | null }
      | undefined;
    if (!r) return null;
    return {
      id: r.id,
      hostId: r.host_id,
      journalId: r.journal_id,
      kind: r.kind,
      modules: parseJson<string[]>(r.modules, []),
      settings: parseJson<Record<string, Record<string, unknown>>>(r.settings, {}),
      steps: r.steps,
      status: r.status,
      message: r.message,
      startedAt: r.started_at,
      endedAt: r.ended_at,
    };
  }
}
