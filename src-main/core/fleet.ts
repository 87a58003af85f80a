import os from 'node:os';
import { z } from 'zod';
import path from 'node:path';
import { allRequests, api, apiEvents } from '../../src-common/api.js';
import type { AnyRequest } from '../../src-common/contract.js';
import type { HostWithState } from '../../src-common/hosts/hosts.contract.js';
import { describeIssues, type ConnectionState, type Host } from '../../src-common/hosts/host.schema.js';
import { hostChanges } from './hosts/host-changes.js';
import type { Inventory } from '../../src-common/inventory/inventory.schema.js';
import type { Probe } from '../../src-common/inventory/probe.schema.js';
import { FleetdeckError, toProblem } from '../../src-common/problems.js';
import { helperApi } from '../../src-common/protocol/helper-api.js';
import { AuditLog } from './audit/audit-log.js';
import { FootprintService } from './footprint/footprint-service.js';
import { openPki, pkiPaths } from './change/pki.js';
import { ChangeCapability } from './change/change-capability.js';
import { ChangeStore } from './change/change-store.js';
import { fleetPrometheusSource } from './monitor/prometheus-servers.js';
import type { Capability } from './capability.js';
import { connectSummary, connectTarget, secretKindsText, type SecretSources } from './audit/audit-summaries.js';
import { openDatabase, type Db } from './db/database.js';
import { EventBus } from './events.js';
import { HostSession, type SessionSecrets } from './hosts/host-session.js';
import { agentHooks } from './hosts/agent-link.js';
import { HostStore } from './hosts/host-store.js';
import { importCandidates, parseSshConfig } from './hosts/ssh-config.js';
import { MonitorService } from './monitor/monitor-service.js';
import { AlertEngine } from './alerts/alert-engine.js';
import { ProcessControl } from './processes/process-control.js';
import { ReportService } from './reports/report-service.js';
import { TerminalService } from './terminal/terminal-service.js';
import { MemorySecretStore, refuseRemember, SECRET_FIELD_NAMES, SECRET_FIELDS, type SecretField, type SecretKind, type SecretStore } from './secrets.js';
import { HostKeyPolicy, hostKeyName, hostKeyProblem } from './ssh/host-key-policy.js';
import { fingerprintSha256 } from './ssh/known-hosts.js';
import { readFileSync } from 'node:fs';

/**
 * The engine behind every front door (Electron IPC, WebSocket, CLI): one method per contract
 * request. Arguments are validated against the contract's schemas here, whatever the caller.
 */
export interface FleetOptions {
  dataDir: string;
  knownHostsFiles?: string[];
  secrets?: SecretStore;
  acceptNewHostKeys?: boolean;
  connectTimeoutMs?: number;
  actor?: string;
  log?: (hostName: string, line: string) => void;
}

export class Fleet {
  readonly db: Db;
  readonly hosts: HostStore;
  readonly policy: HostKeyPolicy;
  readonly events = new EventBus();
  readonly audit: AuditLog;
  readonly monitor: MonitorService;
  readonly alerts: AlertEngine;
  readonly processes: ProcessControl;
  readonly reports: ReportService;
  readonly terminals: TerminalService;
  readonly footprint: FootprintService;
  readonly change: ChangeCapability;
  /** Capabilities that register their own handlers (capability.ts). */
  private readonly capabilities: Capability[];
  private readonly sessions = new Map<number, HostSession>();
  private readonly offeredKeys = new Map<string, Buffer>();
  /** Which secret kinds each session holds in memory from earlier connects (as HostSession keeps them), for audit summaries. */
  private readonly heldSecrets = new WeakMap<HostSession, Set<SecretKind>>();
  private readonly secrets: SecretStore;
  private readonly handlers: Record<string, (params: never) => Promise<unknown>>;
  private readonly lostTrackers = new WeakMap<HostSession, { at: number; reason: string; attempts: number }>();

  constructor(private readonly opts: FleetOptions) {
    this.db = openDatabase(opts.dataDir === ':memory:' ? ':memory:' : path.join(opts.dataDir, 'fleetdeck.sqlite'));
    this.hosts = new HostStore(this.db);
    this.policy = new HostKeyPolicy(this.db, opts.knownHostsFiles ?? [path.join(os.homedir(), '.ssh/known_hosts')]);
    this.secrets = opts.secrets ?? new MemorySecretStore();
    this.audit = new AuditLog(this.db, opts.actor ?? os.userInfo().username, (e) => this.events.emit(apiEvents.audit.onRecorded.name, e));
    const installed = new ChangeStore(this.db);
    // Restarts streams on reconnect by listening to hosts.onState on this.events.
    this.monitor = new MonitorService({
      db: this.db,
      events: this.events,
      session: (id) => this.sessions.get(id),
      hostName: (id) => this.hosts.get(id).name,
      log: (id, line) => this.events.emit(apiEvents.hosts.onLog.name, { id, at: Date.now(), line }),
      prometheus: fleetPrometheusSource({ hosts: () => this.hosts.list(), installed: (hostId) => installed.installed(hostId), session: (id) => this.sessions.get(id) }),
    });
    this.alerts = new AlertEngine({
      db: this.db,
      events: this.events,
      host: (id) => {
        try {
          const h = this.hosts.get(id);
          return { name: h.name, tags: h.tags };
        } catch {
          return null; // removed meanwhile
        }
      },
    });
    this.reports = new ReportService({ db: this.db, hosts: this.hosts, audit: this.audit });
    this.terminals = new TerminalService({
      events: this.events,
      session: (id) => this.session(id),
      host: (id) => this.hosts.get(id),
      audit: (e) => this.audit.record(e),
    });
    this.footprint = new FootprintService({ session: (id) => this.session(id), hostName: (id) => this.hosts.get(id).name, audit: (e) => this.audit.record(e) });
    this.change = new ChangeCapability({
      db: this.db,
      session: (id) => this.session(id),
      hostName: (id) => this.hosts.get(id).name,
      saveProbe: (id, probe) => this.hosts.saveFacts(id, { probe }),
      audit: (e) => this.audit.record(e),
      emit: (name, payload) => this.events.emit(name, payload),
      // Fleetdeck's internal CA (modules' "internal-ca" certificates) lives in the data dir.
      pki: opts.dataDir === ':memory:' ? undefined : openPki(opts.dataDir),
      pkiDir: opts.dataDir === ':memory:' ? undefined : pkiPaths(opts.dataDir).dir,
    });
    // Process kill rides on the change engine (plan, journal, verify, audit), on the same targets.
    this.processes = new ProcessControl({ change: this.change.service, target: (id) => this.change.target(id), audit: (e) => this.audit.record(e) });
    // Each capability hands over its own handlers (capability.ts); the rest are still built below.
    // Each capability hands over its own handlers (capability.ts), and is disposed in this order
    // on close (terminals first: their channels ride on the sessions).
    this.capabilities = [this.terminals, this.change, this.processes, this.footprint, this.monitor, this.alerts, this.reports, this.audit];
    this.handlers = Object.assign(this.buildHandlers(), ...this.capabilities.map((c) => c.handlers()));
  }

  /** Validates params against the contract, runs the handler, validates nothing back (we trust ourselves). */
  async call(method: string, params: unknown): Promise<unknown> {
    const def = allRequests().get(method) as AnyRequest | undefined;
    const handler = this.handlers[method];
    if (!def || !handler) throw new FleetdeckError('not-found', `Unknown method ${method}.`);
    const parsed = z.safeParse(def.params, params ?? {});
    if (!parsed.success) throw new FleetdeckError('invalid-input', describeIssues(parsed.error));
    return handler(parsed.data as never);
  }

  private withState(h: Host): HostWithState {
    return { ...h, connection: this.sessions.get(h.id)?.state ?? { state: 'idle' } };
  }

  session(id: number): HostSession {
    let s = this.sessions.get(id);
    const host = this.hosts.get(id);
    if (s) return (s.updateHost(host), s);
    // A link the user did not end: lost → reconnecting… → connected or failed, recorded once.
    const lost = { at: 0, reason: '', attempts: 0 };
    s = new HostSession(host, {
      policy: this.policy,
      acceptNewHostKey: this.opts.acceptNewHostKeys,
      timeoutMs: this.opts.connectTimeoutMs,
      log: (line) => {
        this.opts.log?.(host.name, line);
        this.events.emit(apiEvents.hosts.onLog.name, { id, at: Date.now(), line });
      },
      onState: (connection) => {
        this.events.emit(apiEvents.hosts.onState.name, { id, connection });
        this.recordReconnect(id, lost, connection);
      },
      onUnknownKey: (hostName, blob) => this.offeredKeys.set(hostName, blob),
      ...agentHooks(this, id),
      onElevate: (e) => {
        const [h, how] = [this.hosts.get(id), e.how === 'nopasswd' ? 'sudo -n (NOPASSWD)' : 'sudo with the password you typed'];
        this.audit.record({
          hostId: id,
          hostName: h.name,
          operation: 'hosts.elevate',
          summary: e.ok ? `started the root helper on ${h.name} through ${how} (pid ${e.pid})` : `could not start the root helper on ${h.name} through ${how}: ${e.message ?? e.problem}`,
          result: e.ok ? 'ok' : 'failed',
          problem: e.ok ? null : (e.problem ?? null),
        });
      },
    });
    this.lostTrackers.set(s, lost);
    this.sessions.set(id, s);
    return s;
  }

  /** The audit record of an automatic reconnect: how long the host was away and how it ended. */
  private recordReconnect(id: number, lost: { at: number; reason: string; attempts: number }, c: ConnectionState): void {
    if (c.state === 'lost') {
      Object.assign(lost, { at: c.since, reason: c.reason ?? 'the link closed', attempts: 0 });
      return;
    }
    if (c.state === 'reconnecting') {
      lost.attempts = c.attempt;
      return;
    }
    if (c.state === 'idle') lost.at = 0; // the user disconnected, or the host was removed
    if (!lost.at || (c.state !== 'connected' && c.state !== 'failed')) return;
    const away = ((Date.now() - lost.at) / 1000).toFixed(1);
    const h = this.hosts.get(id);
    if (c.state === 'connected') {
      this.audit.record({ hostId: id, hostName: h.name, operation: 'hosts.reconnect', summary: `reconnected to ${h.name} by itself after ${away} s (${lost.attempts} attempt${lost.attempts === 1 ? '' : 's'}); the link was lost: ${lost.reason}`, result: 'ok' });
    } else if (c.state === 'failed') {
      this.audit.record({ hostId: id, hostName: h.name, operation: 'hosts.reconnect', summary: `gave up reconnecting to ${h.name} after ${away} s (${lost.attempts} attempts): ${c.message}`, result: 'failed', problem: c.problem });
    }
    lost.at = 0;
  }

  /**
   * The secrets for a connect the user asked for: those given, else (unless already connected)
   * those in the secret store. Storing ("remember") and reading the store are audited here, once
   * per user action — automatic reconnects reuse the session's copy and read nothing.
   */
  private secretsFor(id: number, given?: SessionSecrets & { remember?: boolean; keychain?: { read: SecretField[]; store: boolean } }, readStore = true): { secrets: SessionSecrets; sources: SecretSources } {
    const host = this.hosts.get(id);
    const kinds = SECRET_FIELD_NAMES.map((key) => [SECRET_FIELDS[key], key] as const);
    if (given?.remember) {
      if (!this.secrets.persistent) refuseRemember();
      const kept = kinds.filter(([, key]) => given[key]).map(([kind]) => kind);
      for (const [kind, key] of kinds) if (given[key]) this.secrets.set(id, kind, given[key]);
      if (kept.length) this.audit.record({ hostId: id, hostName: host.name, operation: 'secrets.store', summary: `stored the ${secretKindsText(kept)} for ${connectTarget(host)}`, result: 'ok' });
    }
    const secrets: SessionSecrets = {};
    const sources: SecretSources = {};
    const read: SecretKind[] = [];
    for (const [kind, key] of kinds) {
      const value = given?.[key] ?? (readStore ? this.secrets.get(id, kind) : undefined);
      if (!value) continue;
      secrets[key] = value;
      const fromKeychain = given?.keychain?.read.includes(key) ?? false;
      sources[kind] = given?.[key] !== undefined && !fromKeychain ? 'supplied' : 'stored';
      if (sources[kind] === 'stored') read.push(kind);
    }
    if (read.length) this.audit.record({ hostId: id, hostName: host.name, operation: 'secrets.read', summary: `read the stored ${secretKindsText(read)} for ${connectTarget(host)} to connect`, result: 'ok' });
    return { secrets, sources };
  }

  /** Forgets a host's stored secrets, recording which kinds there were (never their values). */
  private forgetSecrets(host: Host, why: string): void {
    const had = Object.values(SECRET_FIELDS).filter((k) => this.secrets.get(host.id, k) !== undefined);
    this.secrets.forget(host.id);
    if (had.length) this.audit.record({ hostId: host.id, hostName: host.name, operation: 'secrets.forget', summary: `forgot the stored ${secretKindsText(had)} for ${connectTarget(host)} (${why})`, result: 'ok' });
  }

  async probe(id: number): Promise<Probe> {
    const probe = await this.session(id).request(helperApi.probe, {}, { superuser: 'try' });
    this.hosts.saveFacts(id, { probe });
    return probe;
  }

  async inventory(id: number, maxAgeMs?: number): Promise<Inventory> {
    const inv = await this.session(id).request(helperApi.inventorySnapshot, maxAgeMs === undefined ? {} : { maxAgeMs }, { superuser: 'try' });
    this.hosts.saveFacts(id, { inventory: inv });
    return inv;
  }

  private buildHandlers(): Record<string, (params: never) => Promise<unknown>> {
    type P<K extends keyof typeof api.hosts> = import('zod').infer<(typeof api.hosts)[K]['params']>;
    return {
      [api.hosts.list.method]: async () => this.hosts.list().map((h) => this.withState(h)),
      [api.hosts.get.method]: async (p: P<'get'>) => this.withState(this.hosts.get(p.id)),
      [api.hosts.add.method]: async (p: P<'add'>) => {
        const host = this.hosts.add(p);
        this.audit.record({ hostId: host.id, hostName: host.name, operation: 'hosts.add', summary: `added ${host.user}@${host.address}:${host.port}`, result: 'ok' });
        return host;
      },
      [api.hosts.update.method]: async (p: P<'update'>) => {
        const before = this.hosts.get(p.id);
        const host = this.hosts.update(p.id, p.host);
        if (before.address !== host.address || before.port !== host.port || before.user !== host.user) {
          // Secrets were given for that server and user: they must not follow the host elsewhere.
          this.forgetSecrets(before, 'its address or user changed');
          this.terminals.closeHost(p.id, 'the host\'s address or user changed');
          this.sessions.get(p.id)?.dispose();
          this.sessions.delete(p.id);
        } else this.sessions.get(p.id)?.updateHost(host);
        const changes = hostChanges(before, host);
        this.audit.record({ hostId: host.id, hostName: host.name, operation: 'hosts.update', summary: changes.length ? `updated ${host.name}: ${changes.join('; ')}` : `saved ${host.name} unchanged`, result: 'ok' });
        return host;
      },
      [api.hosts.remove.method]: async (p: P<'remove'>) => {
        const host = this.hosts.get(p.id);
        this.terminals.closeHost(p.id, 'the host was removed');
        this.sessions.get(p.id)?.dispose();
        this.sessions.delete(p.id);
        this.forgetSecrets(host, 'the host was removed');
        const removed = this.hosts.remove(p.id);
        this.audit.record({ hostId: p.id, hostName: host.name, operation: 'hosts.remove', summary: `removed ${host.name}`, result: 'ok' });
        return { removed };
      },
      [api.hosts.connect.method]: async (p: P<'connect'>) => {
        const s = this.session(p.id);
        const tracker = this.lostTrackers.get(s);
        if (tracker) tracker.at = 0;
        const host = this.hosts.get(p.id);
        // Already connected: nothing is read from the store, and nothing is recorded unless a new link was made.
        const wasConnected = s.state.state === 'connected';
        const generation = s.linkGeneration;
        const { secrets, sources } = this.secretsFor(p.id, p.credentials, !wasConnected);
        const held = this.heldSecrets.get(s) ?? new Set<SecretKind>();
        for (const k of held) sources[k] ??= 'kept';
        for (const k of Object.keys(sources) as SecretKind[]) held.add(k);
        this.heldSecrets.set(s, held);
        let state: ConnectionState;
        let problem: string | null = null;
        try {
          state = await s.connect(secrets);
        } catch (err) {
          // The failure is the state's problem (with details for the UI), not a transport error.
          state = s.state;
          problem = toProblem(err).problem;
        }
        const ok = state.state === 'connected';
        const refused = !ok && (state.state === 'failed' ? state.problem : problem) === 'authentication-failed';
        // The session drops a refused password or passphrase (so must this record of it).
        if (refused) {
          held.delete('password');
          held.delete('passphrase');
        }
        // The desktop shell's keychain: it stores what just worked and forgets what was refused.
        const kc = p.credentials?.keychain;
        if (kc) {
          const target = connectTarget(host);
          const supplied = SECRET_FIELD_NAMES.filter((k) => p.credentials?.[k] !== undefined && !kc.read.includes(k)).map((k) => SECRET_FIELDS[k]);
          if (ok && kc.store && supplied.length) this.audit.record({ hostId: host.id, hostName: host.name, operation: 'secrets.store', summary: `stored the ${secretKindsText(supplied)} for ${target} in the OS keychain`, result: 'ok' });
          const dropped = kc.read.filter((k) => k !== 'sudoPassword').map((k) => SECRET_FIELDS[k]);
          if (refused && dropped.length) this.audit.record({ hostId: host.id, hostName: host.name, operation: 'secrets.forget', summary: `forgot the stored ${secretKindsText(dropped)} for ${target} (the server refused it)`, result: 'ok' });
        }
        const failedProblem = ok ? null : state.state === 'failed' ? state.problem : (problem ?? 'disconnected');
        // A never-seen host key is a question for the user, not a failed connect: the decision
        // (hostkeys.trust) and the connect after it are what get recorded.
        if (failedProblem === 'unknown-hostkey') return state;
        if (!ok || !wasConnected || s.linkGeneration !== generation) {
          const d = ok ? s.lastDeploy : null;
          this.audit.record({
            hostId: host.id,
            hostName: host.name,
            operation: 'hosts.connect',
            summary: connectSummary(host, sources, { ok, pushedHelper: d?.pushedHelper, pushedRuntime: d?.pushedRuntime, helperPath: d?.helperPath }),
            result: ok ? 'ok' : 'failed',
            problem: failedProblem,
          });
        }
        return state;
      },
      [api.hosts.disconnect.method]: async (p: P<'disconnect'>) => {
        const s = this.sessions.get(p.id);
        const was = s?.state.state ?? 'idle';
        s?.disconnect();
        if (s && was !== 'idle') {
          const h = this.hosts.get(p.id);
          this.audit.record({ hostId: p.id, hostName: h.name, operation: 'hosts.disconnect', summary: `disconnected from ${h.name} (was ${was}); it stays disconnected until you connect again`, result: 'ok' });
        }
        return { ok: true };
      },
      [api.hosts.trustHostKey.method]: async (p: P<'trustHostKey'>) => {
        const host = this.hosts.get(p.id);
        // The key waiting for a decision may be any hop's (jump hosts first); the fingerprint the
        // user confirmed must be exactly the one that hop offered.
        const hops = [...host.jump, host].map((h) => ({ address: h.address, port: h.port, name: hostKeyName(h.address, h.port) }));
        const names = hops.map((h) => h.name);
        const waiting = names.filter((n) => this.offeredKeys.has(n));
        if (!waiting.length) throw new FleetdeckError('not-found', `No key offered by ${host.name} is waiting for a decision. Connect first, then compare and trust the fingerprint.`);
        const name = waiting.find((n) => fingerprintSha256(this.offeredKeys.get(n)!) === p.fingerprint);
        if (!name) {
          throw new FleetdeckError('invalid-input', `The fingerprint you confirmed (${p.fingerprint}) is not the one ${waiting.join(' / ')} offered. Nothing was trusted.`);
        }
        // Still only "unknown"? (known_hosts may have changed since the key was offered.)
        const hop = hops.find((h) => h.name === name)!;
        const verdict = this.policy.verify(hop.address, hop.port, this.offeredKeys.get(name)!);
        if (verdict.status === 'trusted') {
          this.offeredKeys.delete(name);
          return { hostName: verdict.hostName, keyType: verdict.keyType, fingerprint: verdict.fingerprint };
        }
        if (verdict.status !== 'unknown') throw hostKeyProblem(verdict);
        const info = this.policy.trust(name, this.offeredKeys.get(name)!);
        this.offeredKeys.delete(name);
        this.audit.record({ hostId: p.id, hostName: host.name, operation: 'hostkeys.trust', summary: `trusted ${info.keyType} ${info.fingerprint} for ${name}`, result: 'ok' });
        return info;
      },
      [api.hosts.sshConfigCandidates.method]: async (p: { path?: string }) => {
        const file = p.path ?? path.join(os.homedir(), '.ssh/config');
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          throw new FleetdeckError('not-found', `There is no SSH config at ${file}.`);
        }
        const config = parseSshConfig(text, { path: file, homeDir: os.homedir(), readFile: (f: string) => { try { return readFileSync(f, 'utf8'); } catch { return null; } } });
        return importCandidates(config);
      },
      [api.inventory.probe.method]: async (p: { id: number }) => this.probe(p.id),
      [api.inventory.snapshot.method]: async (p: { id: number; maxAgeMs?: number }) => this.inventory(p.id, p.maxAgeMs),
    };
  }

  close(): void {
    // First: its channels ride on the sessions, and its last queued samples go to the database.
    for (const c of this.capabilities) c.dispose?.();
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
    this.db.close();
  }
}
