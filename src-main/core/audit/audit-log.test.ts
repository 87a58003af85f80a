import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../../../src-common/audit/audit.contract.js';
import { openDatabase, type Db } from '../db/database.js';
import { Fleet } from '../fleet.js';
import type { SecretKind, SecretStore } from '../secrets.js';
import { AuditLog, type AuditEntry } from './audit-log.js';
import { connectSummary, secretKindsText } from './audit-summaries.js';

/** The audit log: filters, paging, facets, append-only, kept across restarts, and never a secret. */

const T0 = new Date(2026, 10, 1, 12, 0, 0).getTime();
const MIN = 60_000;

let db: Db | undefined;
let fleet: Fleet | undefined;
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  fleet?.close();
  fleet = undefined;
  db?.close();
  db = undefined;
});

/** Records an entry as `actor` at a given time. */
function at(log: AuditLog, t: number, e: AuditEntry): AuditEvent {
  vi.setSystemTime(t);
  return log.record(e);
}

describe('AuditLog queries', () => {
  let alice: AuditLog;
  let bob: AuditLog;
  let seen: AuditEvent[];

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    db = openDatabase(':memory:');
    seen = [];
    alice = new AuditLog(db, 'alice', (e) => seen.push(e));
    bob = new AuditLog(db, 'bob');
    at(alice, T0, { hostId: 1, hostName: 'gpu-1', operation: 'hosts.add', summary: 'added admin@10.0.0.5:22', result: 'ok' });
    at(alice, T0 + 1 * MIN, { hostId: 1, hostName: 'gpu-1', operation: 'hosts.connect', summary: 'could not connect as admin@10.0.0.5:22 using the SSH agent', result: 'failed', problem: 'disconnected' });
    at(bob, T0 + 2 * MIN, { hostId: 2, hostName: 'GPU-2', operation: 'terminal.open', summary: 'opened a login shell as admin', result: 'ok' });
    at(bob, T0 + 3 * MIN, { hostId: 2, hostName: 'GPU-2', operation: 'processes.kill', summary: 'sent SIGTERM to pid 4242 (python, 50% GPU) of carol', result: 'failed', problem: 'access-denied' });
    at(alice, T0 + 4 * MIN, { hostId: 1, hostName: 'gpu-1', operation: 'terminal.close', summary: 'closed terminal a_b', result: 'ok' });
    at(alice, T0 + 5 * MIN, { operation: 'hostkeys.forget', summary: 'forgot 1 trusted key(s) of [10.0.0.9]:2222', result: 'ok' });
  });

  const ops = (q: Parameters<AuditLog['query']>[0]) => alice.query(q).events.map((e) => e.operation);

  it('records the actor, time and fields, tells the listener, and lists newest first', () => {
    const all = alice.query().events;
    expect(all).toHaveLength(6);
    expect(all[0]).toMatchObject({ actor: 'alice', at: T0 + 5 * MIN, hostId: null, hostName: null, operation: 'hostkeys.forget', result: 'ok', problem: null });
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
    expect(all.find((e) => e.operation === 'processes.kill')).toMatchObject({ actor: 'bob', problem: 'access-denied', result: 'failed' });
    // The listener (audit.onRecorded) saw alice's records as they were made, with their ids.
    expect(seen.map((e) => e.operation)).toEqual(['hosts.add', 'hosts.connect', 'terminal.close', 'hostkeys.forget']);
    expect(seen.every((e) => typeof e.id === 'number' && e.actor === 'alice')).toBe(true);
  });

  it('filters by each field', () => {
    expect(ops({ host: 'gpu-2' })).toEqual(['processes.kill', 'terminal.open']); // host names match case-insensitively
    expect(ops({ host: 'gpu' })).toEqual([]); // exact, not a prefix
    expect(ops({ host: 'removed-long-ago' })).toEqual([]);
    expect(ops({ actor: 'bob' })).toEqual(['processes.kill', 'terminal.open']);
    expect(ops({ actor: 'Bob' })).toEqual([]);
    expect(ops({ operation: 'hosts.add' })).toEqual(['hosts.add']);
    expect(ops({ operation: 'terminal.' })).toEqual(['terminal.close', 'terminal.open']);
    expect(ops({ operation: 'terminal' })).toEqual([]); // no dot: exact
    expect(ops({ result: 'failed' })).toEqual(['processes.kill', 'hosts.connect']);
    expect(ops({ since: T0 + 4 * MIN })).toEqual(['hostkeys.forget', 'terminal.close']);
    expect(ops({ until: T0 + 1 * MIN })).toEqual(['hosts.connect', 'hosts.add']);
    expect(ops({ since: T0 + 1 * MIN, until: T0 + 2 * MIN })).toEqual(['terminal.open', 'hosts.connect']);
    // Free text: summary, operation, host name and problem, case-insensitively.
    expect(ops({ text: 'SIGTERM' })).toEqual(['processes.kill']);
    expect(ops({ text: 'KILL' })).toEqual(['processes.kill']);
    expect(ops({ text: 'gpu-2' })).toEqual(['processes.kill', 'terminal.open']);
    expect(ops({ text: 'access-den' })).toEqual(['processes.kill']);
    expect(ops({ text: '10.0.0.9' })).toEqual(['hostkeys.forget']);
  });

  it('combines filters with AND', () => {
    expect(ops({ host: 'gpu-1', result: 'failed' })).toEqual(['hosts.connect']);
    expect(ops({ actor: 'alice', operation: 'terminal.', since: T0 })).toEqual(['terminal.close']);
    expect(ops({ actor: 'bob', result: 'ok', text: 'shell' })).toEqual(['terminal.open']);
    expect(ops({ host: 'gpu-1', actor: 'bob' })).toEqual([]);
    expect(ops({ operation: 'hosts.', result: 'ok', until: T0 })).toEqual(['hosts.add']);
  });

  it('matches % and _ literally, in text and in operation groups', () => {
    expect(ops({ text: '50%' })).toEqual(['processes.kill']);
    expect(ops({ text: '%' })).toEqual(['processes.kill']);
    expect(ops({ text: '5%G' })).toEqual([]); // "%" is not a wildcard
    expect(ops({ text: 'a_b' })).toEqual(['terminal.close']);
    expect(ops({ text: '_' })).toEqual(['terminal.close']);
    expect(ops({ text: 'a_' })).toEqual(['terminal.close']);
    expect(ops({ text: 'i_g' })).toEqual([]); // "_" is not "any character" ("ing")
    expect(ops({ text: '\\' })).toEqual([]);
    expect(ops({ operation: 'host_.' })).toEqual([]);
    expect(ops({ operation: '%.' })).toEqual([]);
  });

  it('pages with the before cursor: no gaps, no repeats, hasMore until the end', () => {
    const all = alice.query().events.map((e) => e.id);
    const seenIds: number[] = [];
    let before: number | undefined;
    const pages: boolean[] = [];
    for (;;) {
      const page = alice.query({ limit: 4, before });
      seenIds.push(...page.events.map((e) => e.id));
      pages.push(page.hasMore);
      if (!page.hasMore) break;
      before = page.events[page.events.length - 1]!.id;
    }
    expect(seenIds).toEqual(all);
    expect(pages).toEqual([true, false]);
    // Exactly `limit` left: no phantom "more".
    expect(alice.query({ limit: 6 }).hasMore).toBe(false);
    expect(alice.query({ limit: 5 }).hasMore).toBe(true);
    // The cursor combines with filters.
    const failed = alice.query({ result: 'failed', limit: 1 });
    expect(failed).toMatchObject({ hasMore: true, events: [{ operation: 'processes.kill' }] });
    expect(alice.query({ result: 'failed', limit: 1, before: failed.events[0]!.id })).toMatchObject({ hasMore: false, events: [{ operation: 'hosts.connect' }] });
  });

  it('validates queries', () => {
    expect(() => alice.query({ since: T0 + MIN, until: T0 })).toThrow(/since must not be after until/);
    expect(() => alice.query({ limit: 0 })).toThrow();
    expect(() => alice.query({ result: 'maybe' as never })).toThrow();
  });

  it('lists the distinct hosts, users and operations for the filters', () => {
    expect(alice.facets()).toEqual({
      hosts: ['gpu-1', 'GPU-2'],
      actors: ['alice', 'bob'],
      operations: ['hostkeys.forget', 'hosts.add', 'hosts.connect', 'processes.kill', 'terminal.close', 'terminal.open'],
    });
  });

  it('lists a host once in the facets whatever the case it was recorded in', () => {
    const own = openDatabase(':memory:');
    const log = new AuditLog(own, 'alice');
    for (const hostName of ['gpu-1', 'GPU-1', 'Gpu-1', 'lab-2']) log.record({ hostName, operation: 'hosts.connect', summary: 'x', result: 'ok' });
    expect(log.facets().hosts).toHaveLength(2);
    expect(log.query({ host: log.facets().hosts[0]! }).events).toHaveLength(3);
    own.close();
  });

  it('is append-only: UPDATE and DELETE are refused by the database itself', () => {
    expect(() => db!.prepare("UPDATE audit_events SET summary = 'nothing happened'").run()).toThrow(/append-only/);
    expect(() => db!.prepare('UPDATE audit_events SET result = ? WHERE result = ?').run('ok', 'failed')).toThrow(/append-only/);
    expect(() => db!.prepare('DELETE FROM audit_events WHERE id = 1').run()).toThrow(/append-only/);
    expect(() => db!.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
    expect(alice.query().events).toHaveLength(6);
    expect(alice.query({ result: 'failed' }).events).toHaveLength(2);
  });

  it('returns events oldest first for a period (reports), optionally for some hosts', () => {
    expect(alice.between(T0 + MIN, T0 + 3 * MIN).map((e) => e.operation)).toEqual(['hosts.connect', 'terminal.open', 'processes.kill']);
    expect(alice.between(T0, T0 + 10 * MIN, ['gpu-2']).map((e) => e.operation)).toEqual(['terminal.open', 'processes.kill']);
  });
});

/** A stand-in for the OS keychain: persistent, in memory. */
class FakeKeychain implements SecretStore {
  readonly persistent = true;
  readonly values = new Map<string, string>();
  get(id: number, kind: SecretKind) {
    return this.values.get(`${id}:${kind}`);
  }
  set(id: number, kind: SecretKind, value: string) {
    this.values.set(`${id}:${kind}`, value);
  }
  forget(id: number) {
    for (const k of [...this.values.keys()]) if (k.startsWith(`${id}:`)) this.values.delete(k);
  }
}

const PASSWORD = 'hunter2-Pw-S3CRET-7f3a';
const SUDO = 'sudo-S3CRET-e91c';

describe('audit records of a real Fleet', () => {
  const dataDir = () => mkdtempSync(path.join(tmpdir(), 'fd-audit-'));

  it('is kept across restarts (reopening the database file)', async () => {
    const dir = dataDir();
    fleet = new Fleet({ dataDir: dir, knownHostsFiles: [], actor: 'alice' });
    const host = (await fleet.call('hosts.add', { name: 'gpu-1', address: '10.0.0.5', user: 'admin' })) as { id: number };
    await fleet.call('hosts.remove', { id: host.id });
    fleet.close();
    fleet = new Fleet({ dataDir: dir, knownHostsFiles: [], actor: 'bob' });
    const page = (await fleet.call('audit.list', { host: 'gpu-1' })) as { events: AuditEvent[] };
    expect(page.events.map((e) => [e.operation, e.actor])).toEqual([
      ['hosts.remove', 'alice'],
      ['hosts.add', 'alice'],
    ]);
    await fleet.call('hosts.add', { name: 'gpu-2', address: '10.0.0.6', user: 'admin' });
    expect(await fleet.call('audit.facets', {})).toEqual({ hosts: ['gpu-1', 'gpu-2'], actors: ['alice', 'bob'], operations: ['hosts.add', 'hosts.remove'] });
  });

  it('records connects, and reading, storing and forgetting stored secrets — never a secret itself', async () => {
    const dir = dataDir();
    const keychain = new FakeKeychain();
    fleet = new Fleet({ dataDir: dir, knownHostsFiles: [], actor: 'alice', secrets: keychain, connectTimeoutMs: 5_000 });
    const pushed: AuditEvent[] = [];
    fleet.events.on((name, payload) => name === 'audit.onRecorded' && pushed.push(payload as AuditEvent));
    const host = (await fleet.call('hosts.add', { name: 'dead', address: '127.0.0.1', port: 1, user: 'carol', auth: 'password' })) as { id: number };

    // Typed and remembered: stored, then the connect fails (nothing listens on port 1).
    const first = (await fleet.call('hosts.connect', { id: host.id, credentials: { password: PASSWORD, sudoPassword: SUDO, remember: true } })) as { state: string; problem: string };
    expect(first).toMatchObject({ state: 'failed', problem: 'disconnected' });
    // From the store: read once for this connect.
    await fleet.call('hosts.connect', { id: host.id });
    // The address changes: the stored secrets must not follow it.
    await fleet.call('hosts.update', { id: host.id, host: { name: 'dead', address: '127.0.0.2', port: 1, user: 'carol', auth: 'password' } });
    // Nothing stored any more: no "read".
    await fleet.call('hosts.connect', { id: host.id });
    await fleet.call('hosts.remove', { id: host.id });

    const events = fleet.audit.query({ limit: 100 }).events.reverse();
    expect(events.map((e) => [e.operation, e.result, e.problem])).toEqual([
      ['hosts.add', 'ok', null],
      ['secrets.store', 'ok', null],
      ['hosts.connect', 'failed', 'disconnected'],
      ['secrets.read', 'ok', null],
      ['hosts.connect', 'failed', 'disconnected'],
      ['secrets.forget', 'ok', null],
      ['hosts.update', 'ok', null],
      ['hosts.connect', 'failed', 'authentication-failed'],
      ['hosts.remove', 'ok', null],
    ]);
    const summaries = events.map((e) => e.summary);
    expect(summaries[1]).toBe('stored the password and sudo password for carol@127.0.0.1:1');
    expect(summaries[2]).toBe('could not connect as carol@127.0.0.1:1 using a supplied password, with a supplied sudo password');
    expect(summaries[3]).toBe('read the stored password and sudo password for carol@127.0.0.1:1 to connect');
    expect(summaries[4]).toBe('could not connect as carol@127.0.0.1:1 using a stored password, with a stored sudo password');
    expect(summaries[5]).toBe("forgot the stored password and sudo password for carol@127.0.0.1:1 (its address or user changed)");
    expect(summaries[7]).toBe('could not connect as carol@127.0.0.2:1 using no password');
    expect(events.every((e) => e.actor === 'alice' && e.hostName === 'dead' && e.hostId === host.id)).toBe(true);
    expect(pushed.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(keychain.values.size).toBe(0);

    // Not in any row, and not anywhere in the database files (WAL included).
    expect(JSON.stringify(events)).not.toMatch(/S3CRET/);
    fleet.close();
    fleet = undefined;
    for (const f of ['fleetdeck.sqlite', 'fleetdeck.sqlite-wal']) {
      const file = path.join(dir, f);
      if (existsSync(file)) expect(readFileSync(file).includes('S3CRET')).toBe(false);
    }
  });

  it('says when a connect used a secret the session kept from an earlier connect, until the server refuses it', async () => {
    fleet = new Fleet({ dataDir: ':memory:', knownHostsFiles: [], actor: 'alice', connectTimeoutMs: 5_000 });
    const h = (await fleet.call('hosts.add', { name: 'dead', address: '127.0.0.1', port: 1, user: 'carol', auth: 'password' })) as { id: number };
    await fleet.call('hosts.connect', { id: h.id, credentials: { password: PASSWORD } });
    await fleet.call('hosts.connect', { id: h.id });
    const [again, first] = fleet.audit.query({ operation: 'hosts.connect' }).events;
    expect(first!.summary).toBe('could not connect as carol@127.0.0.1:1 using a supplied password');
    expect(again!.summary).toBe('could not connect as carol@127.0.0.1:1 using a password kept from an earlier connect');
    expect(fleet.audit.query({ operation: 'secrets.' }).events).toEqual([]); // nothing was stored or read from a store
  });

  it("records the desktop shell's keychain reads (the shell says which secrets it read), ignoring nothing secret", async () => {
    fleet = new Fleet({ dataDir: ':memory:', knownHostsFiles: [], actor: 'alice', connectTimeoutMs: 5_000 });
    const h = (await fleet.call('hosts.add', { name: 'dead', address: '127.0.0.1', port: 1, user: 'carol', auth: 'password' })) as { id: number };
    await fleet.call('hosts.connect', { id: h.id, credentials: { password: PASSWORD, sudoPassword: PASSWORD, keychain: { read: ['password'], store: true } } });
    const events = fleet.audit.query({}).events.reverse();
    expect(events.map((e) => e.operation)).toEqual(['hosts.add', 'secrets.read', 'hosts.connect']);
    expect(events[1]!.summary).toBe('read the stored password for carol@127.0.0.1:1 to connect');
    expect(events[2]!.summary).toBe('could not connect as carol@127.0.0.1:1 using a stored password, with a supplied sudo password');
    // Nothing stored: the connect did not work.
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    await expect(fleet.call('hosts.connect', { id: h.id, credentials: { keychain: { read: ['ssh-key'] } } })).rejects.toMatchObject({ problem: 'invalid-input' });
  });

  it('records a failed agent connect, and forgetting secrets on remove', async () => {
    // An agent "is running" (the connect is refused before anything is asked of it).
    vi.stubEnv('SSH_AUTH_SOCK', path.join(tmpdir(), 'fd-no-such-agent.sock'));
    const keychain = new FakeKeychain();
    fleet = new Fleet({ dataDir: ':memory:', knownHostsFiles: [], actor: 'alice', secrets: keychain, connectTimeoutMs: 5_000 });
    const a = (await fleet.call('hosts.add', { name: 'agent-box', address: '127.0.0.1', port: 1, user: 'admin' })) as { id: number };
    await fleet.call('hosts.connect', { id: a.id });
    expect(fleet.audit.query({ limit: 1 }).events[0]).toMatchObject({ operation: 'hosts.connect', result: 'failed', problem: 'disconnected', summary: 'could not connect as admin@127.0.0.1:1 using the SSH agent' });
    keychain.set(a.id, 'sudo-password', SUDO);
    await fleet.call('hosts.remove', { id: a.id });
    expect(fleet.audit.query({ limit: 2 }).events.map((e) => [e.operation, e.summary])).toEqual([
      ['hosts.remove', 'removed agent-box'],
      ['secrets.forget', 'forgot the stored sudo password for admin@127.0.0.1:1 (the host was removed)'],
    ]);
  });
});

describe('audit summaries', () => {
  const host = { user: 'carol', address: '10.0.0.5', port: 22, jump: [], auth: 'password' as const, keyPath: undefined };

  it('names the secrets used and where they came from, never their values', () => {
    expect(connectSummary(host, { password: 'stored' }, { ok: true })).toBe('connected as carol@10.0.0.5:22 using a stored password');
    expect(connectSummary({ ...host, auth: 'agent' }, {}, { ok: true })).toBe('connected as carol@10.0.0.5:22 using the SSH agent');
    expect(connectSummary({ ...host, auth: 'key', keyPath: '/home/c/.ssh/id_ed25519' }, { passphrase: 'supplied' }, { ok: false })).toBe(
      'could not connect as carol@10.0.0.5:22 using the key /home/c/.ssh/id_ed25519 with a supplied passphrase',
    );
    expect(connectSummary({ ...host, auth: 'keyboard-interactive' }, { password: 'supplied' }, { ok: true })).toBe('connected as carol@10.0.0.5:22 using a supplied password (keyboard-interactive)');
  });

  it('names jump hosts and what a connect put on the host', () => {
    const jumped = { ...host, auth: 'agent' as const, jump: [{ user: 'me', address: 'bastion', port: 2222, auth: 'agent' as const }] };
    expect(connectSummary(jumped, {}, { ok: true, pushedHelper: true, pushedRuntime: true, helperPath: '~/.cache/fleetdeck/helper-ab/helper.cjs' })).toBe(
      'connected as carol@10.0.0.5:22 via me@bastion:2222 using the SSH agent; pushed the helper and a Node runtime (~/.cache/fleetdeck/helper-ab/helper.cjs)',
    );
    expect(connectSummary(host, {}, { ok: false, pushedHelper: true })).toBe('could not connect as carol@10.0.0.5:22 using no password');
  });

  it('lists secret kinds in plain words', () => {
    expect(secretKindsText(['password'])).toBe('password');
    expect(secretKindsText(['password', 'sudo-password'])).toBe('password and sudo password');
    expect(secretKindsText(['password', 'passphrase', 'sudo-password'])).toBe('password, key passphrase and sudo password');
  });
});
