import type { ReportExport, ReportFormat, ReportQuery } from '../../../src-common/reports/report.contract.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Db } from '../db/database.js';
import type { HostStore } from '../hosts/host-store.js';

/** Builds reports from stored data (facts, monitoring history, audit log) and exports them. */
export interface ReportDeps {
  db: Db;
  hosts: HostStore;
  audit: AuditLog;
}

export class ReportService {
  constructor(private readonly deps: ReportDeps) {}

  async build(query: ReportQuery): Promise<unknown> {
    void this.deps;
    throw new FleetdeckError('internal-error', `Reports are not built yet (${query.kind}).`);
  }

  async export(query: ReportQuery & { format: ReportFormat }): Promise<ReportExport> {
    throw new FleetdeckError('internal-error', `Reports are not built yet (${query.kind}).`);
  }
}
