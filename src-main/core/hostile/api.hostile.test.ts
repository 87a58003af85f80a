import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRequests } from '../../../src-common/api.js';
import { toProblem } from '../../../src-common/problems.js';
import { Fleet } from '../fleet.js';
import { ALL_HOSTILE, CANARY, canaryTouched } from './hostile-set.test-util.js';

/**
 * The hostile-input campaign over the app API (issue 8): every method, every field of its params
 * (nested ones and array items too), every value of the shared hostile set. Each call must end in
 * a clear `invalid-input`, or — only for fields that hold free data (a password, a search text, a
 * terminal's keystrokes) — be taken as data; never a crash, and nothing ever executed (the canary
 * file the hostile strings would create stays absent).
 *
 * Hosts here point at a closed loopback port, so a value that passes validation fails to connect
 * at once; no host is touched.
 */

/** A valid call for every method: each hostile value replaces one field of it. */
const BASE: Record<string, Record<string, unknown>> = {
  'alerts.list': { activeOnly: true, hostId: 1, limit: 10 },
  'alerts.acknowledge': { id: 1 },
  'alerts.rules': {},
  'alerts.saveRule': { kind: 'disk-usage', threshold: 90, forSeconds: 60, scope: { type: 'tag', tag: 'lab' }, enabled: true },
  'alerts.deleteRule': { id: 1 },
  'audit.list': { host: 'h1', actor: 'me', operation: 'hosts.', result: 'ok', since: 0, until: 1, text: 'x', limit: 5 },
  'audit.facets': {},
  'change.modules': {},
  'change.preflight': { ids: [1], modules: ['nginx'] },
  'change.plan': { id: 1, modules: [{ id: 'nginx', settings: { serverName: 'lab.example.org', tls: 'self-signed' } }] },
  'change.apply': { id: 1, planId: 'p', tag: 't' },
  'change.verify': { id: 1, modules: ['nginx'] },
  'change.rollback': { id: 1, journalId: 'j-0123456789' },
  'change.resume': { id: 1, journalId: 'j-0123456789' },
  'change.cancel': { id: 1, journalId: 'j-0123456789' },
  'change.journals': { id: 1 },
  'change.installed': { id: 1 },
  'change.drift': { id: 1 },
  'change.startTasks': { items: [{ id: 1, modules: [{ id: 'nginx', settings: { serverName: 'lab.example.org' } }], planId: 'p', tag: 't' }], concurrency: 2 },
  'change.tasks': {},
  'change.cancelTask': { taskId: 'task-1' },
  'change.retryTask': { taskId: 'task-1' },
  'change.caCertificate': {},
  'change.secret': { id: 1, module: 'backup', key: 'password' },
  'footprint.plan': { id: 1 },
  'footprint.remove': { id: 1, planId: 'p', tag: 't' },
  'hosts.list': {},
  'hosts.get': { id: 1 },
  'hosts.add': { name: 'h2', address: '127.0.0.1', port: 1, user: 'admin', auth: 'agent', jump: [{ address: '127.0.0.1', port: 1, user: 'j', auth: 'agent' }], tags: ['lab'], ifDuplicate: 'add' },
  'hosts.update': { id: 1, host: { name: 'h1', address: '127.0.0.1', port: 1, user: 'admin', auth: 'agent', tags: ['lab'] } },
  'hosts.remove': { id: 999 },
  'hosts.connect': { id: 1, credentials: { password: 'p', passphrase: 'q', sudoPassword: 's' } },
  'hosts.disconnect': { id: 1 },
  'hosts.trustHostKey': { id: 1, fingerprint: 'SHA256:abc' },
  'hosts.sshConfigCandidates': { path: '/nonexistent/ssh_config' },
  'inventory.probe': { id: 1 },
  'inventory.snapshot': { id: 1, maxAgeMs: 60000 },
  'monitor.start': { id: 1, intervalMs: 1000 },
  'monitor.stop': { id: 1 },
  'monitor.latest': { id: 1 },
  'monitor.history': { id: 1, series: 'cpu', from: 0, to: 1000, points: 10, source: 'local' },
  'monitor.historySources': { id: 1 },
  'monitor.gpuHistory': { id: 1, series: 'util', from: 0, to: 1000, points: 10, gpu: 1 },
  'processes.planKill': { id: 1, pid: 5, signal: 'TERM' },
  'processes.applyKill': { id: 1, planId: 'p', tag: 't' },
  'reports.build': { kind: 'audit', since: 0, until: 1000, hostIds: [1], timeZone: 'UTC', previewEvents: 5 },
  'reports.export': { kind: 'audit', since: 0, until: 1000, hostIds: [1], timeZone: 'UTC', format: 'json' },
  'terminals.open': { id: 1, cols: 80, rows: 24, mode: 'tmux', session: 'main' },
  'terminals.input': { terminalId: 't1', data: 'ls\r' },
  'terminals.resize': { terminalId: 't1', cols: 80, rows: 24 },
  'terminals.ack': { terminalId: 't1', bytes: 10 },
  'terminals.close': { terminalId: 't1' },
  'terminals.list': {},
  'users.accounts': { id: 1, names: ['alice'] },
  'users.preview': { id: 1, csv: 'name\nalice\n' },
};

/**
 * Fields whose values are data the app keeps or passes on as such, never a name, path or command:
 * any string within its length limit is acceptable there (and then must still not execute).
 * Why each is data:
 */
const DATA_FIELDS: Record<string, string> = {
  'hosts.connect credentials.password': 'a password is any string; it goes to sshd, never to a shell',
  'hosts.connect credentials.passphrase': 'the key passphrase, handed to the key parser',
  'hosts.connect credentials.sudoPassword': 'written to sudo -S on stdin, never to a command line',
  'audit.list text': 'a search text, matched with an escaped LIKE',
  'audit.list host': 'a filter value, compared as text',
  'audit.list actor': 'a filter value, compared as text',
  'audit.list operation': 'a filter value, compared as text',
  'terminals.input data': "the user's own keystrokes for their shell (to an unknown terminal here)",
  'processes.applyKill planId': 'an opaque plan id, looked up (not found)',
  'footprint.remove planId': 'an opaque plan id, looked up (not found)',
  'footprint.remove tag': 'an opaque tag, compared',
  'processes.applyKill tag': 'an opaque tag, compared',
  'change.apply planId': 'an opaque plan id, looked up (not found)',
  'change.apply tag': 'an opaque tag, compared',
  'change.startTasks items.0.planId': 'an opaque plan id, looked up when the task runs',
  'change.startTasks items.0.tag': 'an opaque tag, compared when the task runs',
  'change.cancelTask taskId': 'an opaque task id, looked up (not found)',
  'change.retryTask taskId': 'an opaque task id, looked up (not found)',
  'hosts.trustHostKey fingerprint': 'compared with the fingerprint the host offered',
  'hosts.sshConfigCandidates path': 'a local file the user chose to import; read as text, never run',
  'users.preview csv': 'the CSV text itself: parsed and checked row by row, every value by the users schema',
};

/**
 * Hostile-set values that are simply valid for a field (a boolean field given `true`, a count given
 * `-0`, a threshold of 1.5, a host named "22"): the call going through is right there.
 */
const VALID_THERE: Record<string, string[]> = {
  '(params)': ['null', 'object', '__proto__ object'], // methods whose params are all optional: {} is a full call
  'alerts.list activeOnly': ['true'],
  'alerts.saveRule enabled': ['true'],
  'alerts.saveRule threshold': ['-1', '-0', '1.5'],
  'alerts.saveRule forSeconds': ['-0'],
  'audit.list since': ['-0'],
  'audit.list until': ['-0'],
  'inventory.snapshot maxAgeMs': ['-0'], // 0: read afresh
  'monitor.history from': ['-0'],
  'monitor.history to': ['-0'],
  'monitor.gpuHistory from': ['-0'],
  'monitor.gpuHistory to': ['-0'],
  'monitor.gpuHistory gpu': ['-0'], // GPU 0
  'reports.build since': ['-0'],
  'reports.export since': ['-0'],
  'terminals.ack bytes': ['-0'],
  'hosts.add name': ['numeric string', 'exponent string'],
  'hosts.update host.name': ['numeric string', 'exponent string'],
  'hosts.add port': ['numeric string'],
  'hosts.update host.port': ['numeric string'],
  'hosts.add jump.0.port': ['numeric string'],
  'hosts.add address': ['exponent string'], // "1e3" is a valid DNS label
  'hosts.update host.address': ['exponent string'],
  'hosts.add jump.0.address': ['exponent string'],
  'hosts.add tags.0': ['numeric string', 'exponent string'],
  'hosts.update host.tags.0': ['numeric string', 'exponent string'],
  'alerts.saveRule scope.tag': ['numeric string', 'exponent string'],
  'change.plan modules.0.settings.serverName': ['empty', 'numeric string', 'exponent string'], // '' = the host's name; "22" and "1e3" are valid DNS labels
  'change.startTasks items.0.modules.0.settings.serverName': ['empty', 'numeric string', 'exponent string'],
  'terminals.open session': ['numeric string', 'exponent string'],
};

/** Outcomes that mean "taken as data, and it went no further" (or the value is simply valid there). */
const DATA_OUTCOMES = new Set(['ok', 'not-found', 'disconnected', 'timeout', 'unknown-hostkey', 'authentication-failed', 'cancelled']);

type Leaf = { path: (string | number)[]; label: string };

function leaves(value: unknown, at: (string | number)[] = []): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...at, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]));
  return [{ path: at, label: at.join('.') }];
}

function withValue(base: unknown, p: (string | number)[], v: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[p[p.length - 1]!] = v;
  return copy;
}

describe('hostile input to every API method', () => {
  let fleet: Fleet;
  let dir: string;
  const counts = { calls: 0, refused: 0, data: 0, valid: 0 };
  const surprises: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fd-hostile-'));
    fleet = new Fleet({ dataDir: dir, knownHostsFiles: [], connectTimeoutMs: 2000, actor: 'tester' });
    await fleet.call('hosts.add', { name: 'h1', address: '127.0.0.1', port: 1, user: 'admin', auth: 'agent', tags: ['lab'] });
  });
  afterAll(() => {
    fleet?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(CANARY, { force: true });
  });

  it('has a valid base call for every declared method (new methods join the campaign)', () => {
    expect(Object.keys(BASE).sort()).toEqual([...allRequests().keys()].sort());
  });

  for (const [method, base] of Object.entries(BASE)) {
    it(`${method}: every field × the hostile set → invalid-input, or data where the field is data; never executed`, async () => {
      const targets: Leaf[] = [{ path: [], label: '(params)' }, ...leaves(base)];
      for (const t of targets) {
        for (const h of ALL_HOSTILE) {
          const params = t.path.length ? withValue(base, t.path, h.value) : h.value;
          let outcome: string;
          try {
            await fleet.call(method, params);
            outcome = 'ok';
          } catch (err) {
            outcome = toProblem(err).problem;
            if (!(err && typeof err === 'object' && 'problem' in err)) outcome = `crash: ${(err as Error).message}`;
          }
          counts.calls++;
          const where = `${method} ${t.label}`;
          if (outcome === 'invalid-input') counts.refused++;
          else if (DATA_FIELDS[where] && DATA_OUTCOMES.has(outcome)) counts.data++;
          else if ((VALID_THERE[where] ?? (t.path.length ? [] : VALID_THERE['(params)']!)).includes(h.label) && DATA_OUTCOMES.has(outcome)) counts.valid++;
          else surprises.push(`${where} = ${h.label}: ${outcome}`);
        }
      }
      // Cleanup between methods: nothing a call made may leak into the next.
      for (const h of fleet.hosts.list()) if (h.name !== 'h1') await fleet.call('hosts.remove', { id: h.id });
    });
  }

  it('adds up: nothing slipped through, nothing crashed, nothing ran', () => {
    console.log(`API hostile campaign: ${counts.calls} calls over ${Object.keys(BASE).length} methods; ${counts.refused} refused as invalid-input, ${counts.data} taken as data in data fields, ${counts.valid} valid for their field; ${surprises.length} surprises`);
    expect(surprises.slice(0, 400)).toEqual([]);
    expect(canaryTouched()).toBe(false);
  });
});
