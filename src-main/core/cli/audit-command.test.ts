import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../src-common/audit/audit.contract.js';
import { Fleet } from '../fleet.js';
import { auditCommand, auditQueryFromFlags, DEFAULT_LIMIT, formatAuditTable, formatLocalTime, parseWhen, printable } from './audit-command.js';

/** `fleetdeck audit list`: flags → query, the table, and the real command against a real database. */

const NOW = new Date(2026, 10, 15, 12, 0, 0).getTime();
const H = 3_600_000;

describe('parseWhen', () => {
  it('reads spans back from now', () => {
    expect(parseWhen('90m', 'since', NOW)).toBe(NOW - 90 * 60_000);
    expect(parseWhen('24h', 'since', NOW)).toBe(NOW - 24 * H);
    expect(parseWhen('7d', 'since', NOW)).toBe(NOW - 7 * 24 * H);
    expect(parseWhen('2w', 'until', NOW)).toBe(NOW - 14 * 24 * H);
    expect(parseWhen(' 7D ', 'since', NOW)).toBe(NOW - 7 * 24 * H);
  });

  it('reads local dates: the start of the day for --since, its end for --until', () => {
    expect(parseWhen('2026-11-01', 'since', NOW)).toBe(new Date(2026, 10, 1).getTime());
    expect(parseWhen('2026-11-01', 'until', NOW)).toBe(new Date(2026, 10, 2).getTime() - 1);
    expect(parseWhen('2024-02-29', 'since', NOW)).toBe(new Date(2024, 1, 29).getTime());
  });

  it('reads local date-times, and explicit zones', () => {
    expect(parseWhen('2026-11-01T12:00', 'since', NOW)).toBe(new Date(2026, 10, 1, 12, 0).getTime());
    expect(parseWhen('2026-11-01 12:00:30', 'since', NOW)).toBe(new Date(2026, 10, 1, 12, 0, 30).getTime());
    expect(parseWhen('2026-11-01T12:00:00Z', 'since', NOW)).toBe(Date.UTC(2026, 10, 1, 12));
    expect(parseWhen('2026-11-01T12:00+02:00', 'since', NOW)).toBe(Date.UTC(2026, 10, 1, 10));
  });

  it('refuses anything else, naming the flag and showing examples', () => {
    for (const bad of ['yesterday', '7', '7x', '-7d', '2026-13-01', '2026-02-30', '2023-02-29', '2026-11-01T25:00', '2026-11-01T12', '11/01/2026', '']) {
      expect(() => parseWhen(bad, 'since', NOW), bad).toThrow(/--since: .*(2026-11-01T12:00).*(7d)/);
    }
    expect(() => parseWhen('soon', 'until', NOW)).toThrow(/^--until: "soon" is not a time/);
  });
});

describe('auditQueryFromFlags', () => {
  it('maps flags to the audit.list query, with a default limit of 50', () => {
    expect(auditQueryFromFlags({}, NOW)).toEqual({ limit: DEFAULT_LIMIT });
    expect(DEFAULT_LIMIT).toBe(50);
    expect(
      auditQueryFromFlags({ host: 'gpu-1', user: 'alice', operation: 'terminal.', result: 'failed', since: '24h', until: '2026-11-15T11:00', search: ' sudo ', limit: '10', json: true }, NOW),
    ).toEqual({ host: 'gpu-1', actor: 'alice', operation: 'terminal.', result: 'failed', since: NOW - 24 * H, until: NOW - H, text: 'sudo', limit: 10 });
  });

  it('refuses bad values with an invalid-input problem that names the flag and gives an example', () => {
    const bad = (flags: Record<string, string | true>, re: RegExp) => {
      let caught: unknown;
      try {
        auditQueryFromFlags(flags, NOW);
      } catch (err) {
        caught = err;
      }
      expect(caught, JSON.stringify(flags)).toMatchObject({ problem: 'invalid-input', message: expect.stringMatching(re) });
    };
    bad({ result: 'error' }, /--result must be ok or failed .*e\.g\. --result failed/);
    bad({ result: 'OK' }, /--result must be ok or failed/);
    bad({ limit: '0' }, /--limit must be a whole number from 1 to 5000 .*e\.g\. --limit 200/);
    bad({ limit: '10.5' }, /--limit/);
    bad({ limit: '99999' }, /--limit/);
    bad({ limit: 'all' }, /--limit/);
    bad({ since: 'last week' }, /--since: "last week" is not a time/);
    bad({ since: '1d', until: '2d' }, /--since is after --until/);
    bad({ host: '  ' }, /--host needs a value, e\.g\. --host gpu-1/);
    bad({ search: true }, /--search needs a value/);
  });
});

describe('formatAuditTable', () => {
  const ev = (over: Partial<AuditEvent>): AuditEvent => ({ id: 1, at: new Date(2026, 10, 1, 9, 5, 7).getTime(), actor: 'alice', hostId: 1, hostName: 'gpu-1', operation: 'hosts.add', summary: 'added admin@10.0.0.5:22', result: 'ok', problem: null, ...over });

  it('prints local, sortable times', () => {
    expect(formatLocalTime(new Date(2026, 0, 2, 3, 4, 5).getTime())).toBe('2026-01-02 03:04:05');
  });

  it('aligns columns and prints whole summaries when piped', () => {
    const long = `connected as carol@10.0.0.5:22 using a stored password; ${'x'.repeat(200)}`;
    const out = formatAuditTable([ev({}), ev({ id: 2, hostName: null, operation: 'hostkeys.forget', result: 'failed', problem: 'not-found', summary: long })]);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^TIME\s+USER\s+HOST\s+OPERATION\s+RESULT\s+PROBLEM\s+SUMMARY$/);
    expect(lines[1]).toMatch(/^2026-11-01 09:05:07 {2}alice {2}gpu-1 {2}hosts\.add {8}ok {6}\s+added admin@10\.0\.0\.5:22$/);
    expect(lines[2]).toContain('—');
    expect(lines[2]).toContain('not-found');
    expect(lines[2]!.endsWith('x'.repeat(200))).toBe(true);
    // Columns line up: every SUMMARY starts at the same offset.
    const col = lines[0]!.indexOf('SUMMARY');
    expect(lines[1]!.slice(col)).toBe('added admin@10.0.0.5:22');
  });

  it('cuts the summary to the terminal width on a TTY', () => {
    const out = formatAuditTable([ev({ summary: 'y'.repeat(300) })], { width: 100 });
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(out.split('\n')[1]).toMatch(/y…$/);
  });

  it('never writes control characters (escape sequences) from stored text to the terminal', () => {
    expect(printable('evil\u001b[2Jname\r\n')).toBe('evil?[2Jname??');
    const out = formatAuditTable([ev({ summary: 'removed \u001b]0;pwned\u0007', hostName: 'h\u001b' })]);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});

describe('auditCommand', () => {
  it('prints "No audit events match." for an empty result, JSON arrays with --json, and refuses unknown subcommands', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-audit-cli-'));
    let written = '';
    const out = { write: (s: string) => (written += s), isTTY: false };
    await auditCommand(['list'], { host: 'nowhere' }, { dataDir: dir, out });
    expect(written).toBe('No audit events match.\n');
    written = '';
    await auditCommand([], { json: true }, { dataDir: dir, out });
    expect(JSON.parse(written)).toEqual([]);
    await expect(auditCommand(['delete'], {}, { dataDir: dir, out })).rejects.toMatchObject({ problem: 'invalid-input', message: expect.stringMatching(/Unknown audit command "delete"/) });
    await expect(auditCommand(['list', 'gpu-1'], {}, { dataDir: dir, out })).rejects.toMatchObject({ problem: 'invalid-input', message: expect.stringMatching(/--host gpu-1/) });
  });
});

/** The real `fleetdeck` binary (the bundle `npm install`/`npm test` build) against a data dir written by a real Fleet. */
describe('fleetdeck audit list (spawned)', () => {
  const repo = path.resolve(import.meta.dirname, '../../..');
  const bin = path.join(repo, 'bin/fleetdeck.mjs');
  const run = promisify(execFile);
  let dataDir: string;
  const cli = (...args: string[]) => run(process.execPath, [bin, 'audit', 'list', '--data-dir', dataDir, ...args], { cwd: repo, env: { ...process.env, FLEETDECK_DATA_DIR: '' } });

  beforeAll(async () => {
    if (!existsSync(path.join(repo, 'out/cli/fleetdeck.mjs'))) throw new Error('The CLI bundle is missing: run "npm run build:cli" first.');
    dataDir = mkdtempSync(path.join(tmpdir(), 'fd-audit-bin-'));
    const fleet = new Fleet({ dataDir, knownHostsFiles: [], actor: 'alice', connectTimeoutMs: 5_000 });
    try {
      const a = (await fleet.call('hosts.add', { name: 'gpu-1', address: '10.0.0.5', user: 'admin' })) as { id: number };
      const b = (await fleet.call('hosts.add', { name: 'dead', address: '127.0.0.1', port: 1, user: 'carol', auth: 'password' })) as { id: number };
      // A trusted key for "dead", for `hostkeys forget` below.
      const pub = ssh2.utils.generateKeyPairSync('ed25519').public;
      fleet.policy.trust('[127.0.0.1]:1', Buffer.from(pub.split(' ')[1]!, 'base64'));
      await fleet.call('hosts.connect', { id: b.id, credentials: { password: 'not-in-the-log-S3CRET' } });
      await fleet.call('hosts.remove', { id: a.id });
    } finally {
      fleet.close();
    }
  });

  it('lists events newest first as a table', async () => {
    const { stdout } = await cli();
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+USER\s+HOST\s+OPERATION\s+RESULT\s+PROBLEM\s+SUMMARY$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[3])).toEqual(['hosts.remove', 'hosts.connect', 'hosts.add', 'hosts.add']);
    expect(lines[2]).toMatch(/alice\s+dead\s+hosts\.connect\s+failed\s+disconnected\s+could not connect as carol@127\.0\.0\.1:1 using a supplied password$/);
    expect(stdout).not.toContain('S3CRET');
  });

  it('filters, and prints JSON', async () => {
    const failed = JSON.parse((await cli('--result', 'failed', '--json')).stdout) as AuditEvent[];
    expect(failed).toMatchObject([{ operation: 'hosts.connect', hostName: 'dead', actor: 'alice', result: 'failed', problem: 'disconnected' }]);
    const gpu = JSON.parse((await cli('--host', 'GPU-1', '--json', '--since', '1h')).stdout) as AuditEvent[];
    expect(gpu.map((e) => e.operation)).toEqual(['hosts.remove', 'hosts.add']);
    expect(JSON.parse((await cli('--operation', 'hosts.', '--search', 'removed', '--json')).stdout)).toHaveLength(1);
    expect(JSON.parse((await cli('--limit', '1', '--json')).stdout)).toHaveLength(1);
    expect((await cli('--host', 'never-existed')).stdout).toBe('No audit events match.\n');
    expect((await cli('--until', '2000-01-01')).stdout).toBe('No audit events match.\n');
  });

  it('`hostkeys forget` is recorded too', async () => {
    const forgot = await run(process.execPath, [bin, 'hostkeys', 'forget', '[127.0.0.1]:1', '--data-dir', dataDir], { cwd: repo });
    expect(forgot.stdout).toBe('forgot 1 key(s) of [127.0.0.1]:1\n');
    const [e] = JSON.parse((await cli('--operation', 'hostkeys.', '--json')).stdout) as AuditEvent[];
    expect(e).toMatchObject({ hostName: 'dead', operation: 'hostkeys.forget', result: 'ok', summary: 'forgot 1 trusted key(s) of [127.0.0.1]:1' });
  });

  it('exits 2 with the flag named on bad input', async () => {
    await expect(cli('--result', 'bad')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/^fleetdeck: invalid-input: --result must be ok or failed/) });
    await expect(cli('--since', 'tomorrow')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--since: "tomorrow" is not a time/) });
  });
});
