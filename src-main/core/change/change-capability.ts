import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { ChangeTask } from '../../../src-common/change/modules.contract.js';
import { api, apiEvents } from '../../../src-common/api.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import type { InternalPki } from './module.js';
import type { AuditEntry } from '../audit/audit-log.js';
import { handlersFor, type Capability } from '../capability.js';
import type { Db } from '../db/database.js';
import type { HostSession } from '../hosts/host-session.js';
import { allModules } from '../modules/index.js';
import { ChangeService } from './change-service.js';
import { ChangeStore } from './change-store.js';
import { sessionTarget, type ChangeTarget } from './change-target.js';
import { TaskRunner } from './task-runner.js';
import { accountsOf, keyFingerprint, previewUsers } from './users-import.js';

/**
 * The change engine as the app offers it (change.* requests and events): stored hosts reached
 * through their sessions, plans per host, fleet tasks. Registered by the fleet in one line.
 */
export interface ChangeCapabilityDeps {
  db: Db;
  session(id: number): HostSession;
  hostName(id: number): string;
  saveProbe(id: number, probe: Probe): void;
  audit(e: AuditEntry): void;
  emit(name: string, payload: unknown): void;
  pki?: InternalPki;
  /** Where the internal CA's files are (shown so a person can find ca.crt). */
  pkiDir?: string;
}

export class ChangeCapability implements Capability {
  readonly service: ChangeService;
  readonly tasks: TaskRunner;
  /** Fleetdeck's internal CA (pki.ts), kept in the data dir. */
  readonly pki: InternalPki | undefined;
  private readonly targets = new Map<number, { session: HostSession; target: ChangeTarget }>();

  constructor(private readonly deps: ChangeCapabilityDeps) {
    this.pki = deps.pki;
    this.service = new ChangeService({
      modules: allModules(),
      pki: this.pki,
      store: new ChangeStore(deps.db),
      audit: deps.audit,
      progress: (e) => deps.emit(apiEvents.change.onProgress.name, { hostId: e.hostId ?? 0, journalId: e.journalId, event: e.event }),
    });
    this.tasks = new TaskRunner({
      change: this.service,
      target: (id) => this.target(id),
      onTask: (t: ChangeTask) => deps.emit(apiEvents.change.onTask.name, t),
    });
  }

  /** One target per host session (its probe cache lives as long as the link). */
  target(id: number): ChangeTarget {
    const session = this.deps.session(id);
    const name = this.deps.hostName(id);
    const known = this.targets.get(id);
    if (known && known.session === session) {
      known.target.hostName = name;
      return known.target;
    }
    const target = sessionTarget(session, { id, name, key: `host:${id}` }, (p) => this.deps.saveProbe(id, p));
    this.targets.set(id, { session, target });
    return target;
  }

  handlers() {
    const c = api.change;
    const change = handlersFor(c, {
      modules: async () => this.service.modules(),
      preflight: async (p) => {
        for (const m of p.modules) this.service.module(m);
        return Promise.all(p.ids.map((id) => this.service.preflight(this.target(id), p.modules)));
      },
      plan: async (p) => this.service.plan(this.target(p.id), p.modules),
      apply: async (p) => this.service.apply(this.target(p.id), p.planId, p.tag),
      verify: async (p) => {
        for (const m of p.modules ?? []) this.service.module(m);
        return this.service.verify(this.target(p.id), p.modules);
      },
      rollback: async (p) => this.service.rollback(this.target(p.id), p.journalId),
      resume: async (p) => this.service.resume(this.target(p.id), p.journalId),
      cancel: async (p) => this.service.cancel(this.target(p.id), p.journalId),
      journals: async (p) => this.service.journals(this.target(p.id)),
      installed: async (p) => this.service.installed(this.target(p.id)),
      drift: async (p) => this.service.drift(this.target(p.id)),
      startTasks: async (p) => {
        // Every item's settings are checked now, so a bad one is refused before any task starts.
        for (const i of p.items) {
          this.deps.hostName(i.id);
          for (const m of i.modules) this.service.validate(m);
        }
        return this.tasks.start(p.items.map((i) => ({ hostId: i.id, modules: i.modules, planId: i.planId, tag: i.tag })), p.concurrency);
      },
      tasks: async () => this.tasks.list(),
      cancelTask: async (p) => this.tasks.cancel(p.taskId),
      retryTask: async (p) => this.tasks.retry(p.taskId),
      caCertificate: async () => this.caCertificate(),
      secret: async (p) => this.service.secret(this.target(p.id), p.module, p.key),
    });
    // Accounts ride on the users module (change.plan); these read what a plan cannot show at a glance.
    const accounts = handlersFor(api.users, {
      accounts: async (p) =>
        (await accountsOf(this.service, this.target(p.id), p.names)).map((o, i) => ({ name: p.names[i]!, uid: o.uid, source: o.source, locked: o.locked, expires: o.expires, keys: o.keys === null ? null : o.keys.map(keyFingerprint), processes: o.processes })),
      preview: async (p) => previewUsers(this.service, this.target(p.id), p.csv),
    });
    return { ...change, ...accounts };
  }

  /** The internal CA's certificate with what a person checks before trusting it. */
  caCertificate() {
    if (!this.pki || !this.deps.pkiDir) throw new FleetdeckError('not-found', 'This Fleetdeck keeps no data dir (an in-memory session), so it has no certificate authority.');
    const pem = this.pki.caPem();
    const cert = new X509Certificate(pem);
    return { pem, sha256: `SHA256:${cert.fingerprint256}`, subject: cert.subject.replace(/\n/g, ', '), validFrom: Date.parse(cert.validFrom), validTo: Date.parse(cert.validTo), path: path.join(this.deps.pkiDir, 'ca.crt') };
  }

  dispose(): void {
    this.tasks.dispose();
  }
}
