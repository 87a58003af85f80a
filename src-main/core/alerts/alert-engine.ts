import {
  formatDuration,
  GPU_IDLE_UTILIZATION_PERCENT,
  MEMORY_USED_FALLBACK_PERCENT,
  type Alert,
  type AlertRule,
  type AlertRuleSpec,
  type Severity,
} from '../../../src-common/alerts/alert.schema.js';
import type { AlertChange } from '../../../src-common/alerts/alerts.contract.js';
import { api, apiEvents } from '../../../src-common/api.js';
import { handlersFor, type Capability } from '../capability.js';
import type { ConnectionState } from '../../../src-common/hosts/host.schema.js';
import type { Sample } from '../../../src-common/monitor/sample.schema.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events.js';
import { AlertStore } from './alert-store.js';

/**
 * Evaluates alert rules against live samples (monitor.onSample) and connection states
 * (hosts.onState). A condition must hold for the rule's forSeconds (on the core's clock) before
 * an alert fires; it resolves when the condition clears. At most one active alert per
 * (rule, host, subject); active alerts are reloaded from the database on start.
 */
export interface AlertEngineOptions {
  db: Db;
  events: EventBus;
  /** Name and tags of a host, or null when it no longer exists. */
  host: (id: number) => { name: string; tags: string[] } | null;
  now?: () => number;
  /** How often host-down conditions are re-checked without new events (0: never; tests call tick()). */
  tickMs?: number;
}

interface Violation {
  subject: string;
  /** Completes "… for 60 s": says what and where. */
  describe: (hostName: string) => string;
  severity: Severity;
}

const GiB = 1024 ** 3;
const DOWN_STATES = new Set(['lost', 'reconnecting']);
/** A failed connect counts as down when the host could not be reached (not a key or password question). */
const UNREACHABLE_PROBLEMS = new Set(['timeout', 'disconnected']);

const key = (ruleId: number, hostId: number, subject: string) => `${ruleId}|${hostId}|${subject}`;

function fmt(n: number, digits = 0): string {
  return n.toFixed(digits).replace(/\.0+$/, '');
}

export class AlertEngine implements Capability {
  handlers() {
    return handlersFor(api.alerts, {
      list: async (p) => this.list(p),
      acknowledge: async (p) => this.acknowledge(p.id),
      rules: async () => this.rules(),
      saveRule: async (p) => this.saveRule(p),
      deleteRule: async (p) => ({ removed: this.deleteRule(p.id) }),
    });
  }

  readonly store: AlertStore;
  private rulesCache: AlertRule[];
  /** Since when each not-yet-fired condition has held. */
  private readonly pending = new Map<string, number>();
  private readonly active = new Map<string, Alert>();
  /** Hosts currently down, and since when. */
  private readonly down = new Map<number, number>();
  private readonly off: () => void;
  private readonly timer: ReturnType<typeof setInterval> | null;
  private readonly now: () => number;

  constructor(private readonly opts: AlertEngineOptions) {
    this.store = new AlertStore(opts.db);
    this.now = opts.now ?? Date.now;
    this.rulesCache = this.store.rules();
    const startedAt = this.now();
    for (const a of this.store.active()) {
      // After a restart no host is connected yet: a host-down alert cannot be judged, so it ends.
      if (a.kind === 'host-down' || a.ruleId === null) this.store.resolve(a.id, startedAt);
      else this.active.set(key(a.ruleId, a.hostId, a.subject), a);
    }
    this.off = opts.events.on((name, payload) => {
      if (name === apiEvents.monitor.onSample.name) {
        const p = payload as { id: number; sample: Sample };
        this.onSample(p.id, p.sample);
      } else if (name === apiEvents.hosts.onState.name) {
        const p = payload as { id: number; connection: ConnectionState };
        this.onState(p.id, p.connection);
      }
    });
    const tickMs = opts.tickMs ?? 5000;
    this.timer = tickMs > 0 ? setInterval(() => this.tick(), tickMs) : null;
    this.timer?.unref?.();
  }

  dispose(): void {
    this.off();
    if (this.timer) clearInterval(this.timer);
  }

  // ---- API ---------------------------------------------------------------------------------

  rules(): AlertRule[] {
    return this.store.rules();
  }

  list(opts: { activeOnly?: boolean | undefined; hostId?: number | undefined; limit?: number | undefined }): Alert[] {
    return this.store.list(opts);
  }

  acknowledge(id: number): Alert {
    const alert = this.store.acknowledge(id);
    for (const [k, a] of this.active) if (a.id === id) this.active.set(k, alert);
    this.emit('acknowledged', alert);
    return alert;
  }

  saveRule(input: AlertRuleSpec): AlertRule {
    const rule = this.store.saveRule(input);
    this.rulesCache = this.store.rules();
    // A changed rule starts its timers again; alerts it no longer covers end now.
    this.forgetPending(rule.id);
    for (const [k, a] of this.active) {
      if (a.ruleId !== rule.id) continue;
      if (!rule.enabled || a.kind !== rule.kind || !this.inScope(rule, a.hostId)) this.resolveKey(k);
    }
    // Host-down needs no sample to be judged again.
    if (rule.kind === 'host-down') this.tick();
    return rule;
  }

  deleteRule(id: number): boolean {
    for (const [k, a] of this.active) if (a.ruleId === id) this.resolveKey(k);
    this.forgetPending(id);
    const removed = this.store.deleteRule(id);
    this.rulesCache = this.store.rules();
    return removed;
  }

  // ---- Evaluation --------------------------------------------------------------------------

  onSample(hostId: number, sample: Sample): void {
    const host = this.opts.host(hostId);
    if (!host) return;
    for (const rule of this.rulesCache) {
      if (!rule.enabled || rule.kind === 'host-down' || !this.matches(rule, host.tags, hostId)) continue;
      this.apply(rule, hostId, host.name, violations(rule, sample));
    }
  }

  onState(hostId: number, connection: ConnectionState): void {
    const wasDown = this.down.has(hostId);
    const isDown =
      DOWN_STATES.has(connection.state) ||
      (connection.state === 'failed' && (wasDown || UNREACHABLE_PROBLEMS.has(connection.problem))) ||
      // Connecting again after losing the host: still down until connected.
      (connection.state === 'connecting' && wasDown);
    if (isDown && !wasDown) this.down.set(hostId, this.now());
    if (!isDown) this.down.delete(hostId);
    this.evaluateDown(hostId);
  }

  /** Re-checks conditions that need no new event (host down for forSeconds). */
  tick(): void {
    const hosts = new Set<number>(this.down.keys());
    for (const a of this.active.values()) if (a.kind === 'host-down') hosts.add(a.hostId);
    for (const id of hosts) this.evaluateDown(id);
  }

  private evaluateDown(hostId: number): void {
    const host = this.opts.host(hostId);
    if (!host) {
      this.down.delete(hostId);
      for (const [k, a] of this.active) if (a.hostId === hostId) this.active.delete(k);
      return;
    }
    const since = this.down.get(hostId);
    for (const rule of this.rulesCache) {
      if (!rule.enabled || rule.kind !== 'host-down' || !this.matches(rule, host.tags, hostId)) continue;
      const list: Violation[] =
        since === undefined
          ? []
          : [{ subject: 'host', severity: 'critical', describe: (name) => `${name} is unreachable (connection lost)` }];
      this.apply(rule, hostId, host.name, list, since);
    }
  }

  private apply(rule: AlertRule, hostId: number, hostName: string, list: Violation[], heldSince?: number): void {
    const now = this.now();
    const seen = new Set<string>();
    for (const v of list) {
      const k = key(rule.id, hostId, v.subject);
      seen.add(k);
      if (this.active.has(k)) continue;
      const since = this.pending.get(k) ?? heldSince ?? now;
      this.pending.set(k, since);
      if (now - since >= rule.forSeconds * 1000) {
        this.pending.delete(k);
        const message = `${v.describe(hostName)} for ${formatDuration(rule.forSeconds)}`;
        const alert = this.store.insert({ ruleId: rule.id, kind: rule.kind, hostId, subject: v.subject, message, severity: v.severity, startedAt: now });
        this.active.set(k, alert);
        this.emit('fired', alert);
      }
    }
    const prefix = `${rule.id}|${hostId}|`;
    for (const k of [...this.pending.keys()]) if (k.startsWith(prefix) && !seen.has(k)) this.pending.delete(k);
    for (const k of [...this.active.keys()]) if (k.startsWith(prefix) && !seen.has(k)) this.resolveKey(k);
  }

  private resolveKey(k: string): void {
    const a = this.active.get(k);
    if (!a) return;
    this.active.delete(k);
    const resolved = this.store.resolve(a.id, this.now());
    if (resolved) this.emit('resolved', resolved);
  }

  private forgetPending(ruleId: number): void {
    for (const k of [...this.pending.keys()]) if (k.startsWith(`${ruleId}|`)) this.pending.delete(k);
  }

  private inScope(rule: AlertRule, hostId: number): boolean {
    const host = this.opts.host(hostId);
    return !!host && this.matches(rule, host.tags, hostId);
  }

  private matches(rule: AlertRule, tags: string[], hostId: number): boolean {
    switch (rule.scope.type) {
      case 'all':
        return true;
      case 'host':
        return rule.scope.hostId === hostId;
      case 'tag':
        return tags.includes(rule.scope.tag);
    }
  }

  private emit(change: AlertChange, alert: Alert): void {
    this.opts.events.emit(apiEvents.alerts.onChange.name, { change, alert });
  }
}

/** The subjects of one sample that break a (sample-based) rule. */
export function violations(rule: AlertRule, s: Sample): Violation[] {
  const out: Violation[] = [];
  const limit = rule.threshold;
  switch (rule.kind) {
    case 'gpu-temp':
      for (const g of s.gpus) {
        const t = g.temperatureC;
        if (t !== null && t > limit) {
          out.push({ subject: `gpu:${g.index}`, severity: 'critical', describe: (h) => `GPU ${g.index} on ${h} at ${fmt(t)} °C (limit ${fmt(limit, 1)} °C)` });
        }
      }
      break;
    case 'disk-usage':
      for (const f of s.filesystems) {
        if (f.totalBytes <= 0) continue;
        const pct = (f.usedBytes / f.totalBytes) * 100;
        if (pct > limit) {
          out.push({
            subject: `mount:${f.mountPoint}`,
            severity: pct >= 98 ? 'critical' : 'warning',
            describe: (h) => `Disk ${f.mountPoint} on ${h} is ${fmt(pct, 1)} % full (limit ${fmt(limit, 1)} %)`,
          });
        }
      }
      break;
    case 'memory-pressure': {
      const psi = s.pressure?.memorySome ?? null;
      if (psi !== null) {
        if (psi > limit) out.push({ subject: 'memory', severity: 'warning', describe: (h) => `Memory pressure on ${h} at ${fmt(psi, 1)} % (PSI some avg10, limit ${fmt(limit, 1)} %)` });
      } else if (s.memory.totalBytes > 0) {
        const used = (s.memory.usedBytes / s.memory.totalBytes) * 100;
        if (used > MEMORY_USED_FALLBACK_PERCENT) {
          out.push({ subject: 'memory', severity: 'warning', describe: (h) => `Memory on ${h} is ${fmt(used, 1)} % used (no PSI on this kernel; limit ${MEMORY_USED_FALLBACK_PERCENT} %)` });
        }
      }
      break;
    }
    case 'gpu-idle-memory': {
      const util = new Map(s.gpus.map((g) => [g.index, g.utilizationPercent]));
      for (const p of s.processes) {
        if (p.gpuMemoryBytes <= limit * GiB || p.gpus.length === 0) continue;
        // Idle only when every GPU it holds memory on is known to be (about) idle.
        const idle = p.gpus.every((i) => {
          const u = util.get(i);
          return u !== undefined && u !== null && u <= GPU_IDLE_UTILIZATION_PERCENT;
        });
        if (!idle) continue;
        const who = p.user ?? (p.uid !== null ? `uid ${p.uid}` : 'unknown user');
        const cmd = p.command.length > 60 ? `${p.command.slice(0, 57)}…` : p.command;
        const gpus = p.gpus.length === 1 ? `GPU ${p.gpus[0]}` : `GPUs ${p.gpus.join(', ')}`;
        out.push({
          subject: `pid:${p.pid}`,
          severity: 'warning',
          describe: (h) => `PID ${p.pid} (${who}: ${cmd}) holds ${fmt(p.gpuMemoryBytes / GiB, 1)} GiB on ${gpus} of ${h} at ~0 % utilisation (limit ${fmt(limit, 1)} GiB)`,
        });
      }
      break;
    }
    case 'host-down':
      break;
  }
  return out;
}
