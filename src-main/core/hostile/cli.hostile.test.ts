import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../cli/command.js';
import { COMMANDS } from '../cli/commands.js';
import { main } from '../cli/main.js';
import { CANARY, canaryTouched, HOSTILE_NUMBERS, HOSTILE_STRINGS } from './hostile-set.test-util.js';

/**
 * The hostile-input campaign over the CLI (issue 8): every command, its argument and every one of
 * its flags, given each value of the shared hostile set. Each run must exit 2 (invalid-input) —
 * or, for an argument or flag that is data (a file to read or write, a search text, a name to
 * look up), end as data does (not found, nothing matched, refused to connect); never a crash and
 * never anything executed (the canary file stays absent).
 *
 * Runs in process (main with captured output), from a deep temp dir, so a hostile relative path
 * such as ../../../../etc/shadow lands inside the temp dir and not on this machine's files.
 */

/** A valid command line for each command; each hostile value replaces its argument or one flag's value. */
const BASE: Record<string, { args: string[]; flags: Record<string, string | true> }> = {
  probe: { args: ['h1'], flags: { timeout: '1' } },
  inventory: { args: ['h1'], flags: { timeout: '1' } },
  watch: { args: ['h1'], flags: { timeout: '1', count: '1', interval: '1' } },
  hosts: { args: [], flags: {} },
  'hosts list': { args: [], flags: {} },
  'hosts add': { args: ['admin@127.0.0.1'], flags: { name: 'h2', tags: 'lab', port: '2', 'allow-duplicate': true } },
  'hosts remove': { args: ['nope'], flags: {} },
  'hostkeys forget': { args: ['nope'], flags: {} },
  report: { args: ['audit'], flags: { format: 'json', out: 'report.json', since: '7d', until: 'now', host: 'h1' } },
  'audit list': { args: [], flags: { host: 'h1', user: 'me', operation: 'hosts.', result: 'ok', since: '7d', until: 'now', search: 'x', limit: '5' } },
  audit: { args: [], flags: { limit: '5' } },
  serve: { args: [], flags: { port: '0', host: '10.9.9.9' } },
  'hosts names': { args: [], flags: {} },
  completion: { args: ['bash'], flags: {} },
  'modules list': { args: ['h1'], flags: {} },
  'modules ca-cert': { args: [], flags: { out: 'ca.crt' } },
  'modules plan': { args: ['h1', 'nginx'], flags: { set: 'serverName=lab.example.org', timeout: '1', port: '1' } },
  'modules apply': { args: ['h1', 'nginx'], flags: { set: 'serverName=lab.example.org', yes: true, timeout: '1', port: '1' } },
  'modules verify': { args: ['h1', 'nginx'], flags: { timeout: '1', port: '1' } },
  'modules secret': { args: ['h1', 'backup', 'password'], flags: { timeout: '1', port: '1' } },
  'modules rollback': { args: ['h1', 'j-0123456789'], flags: { yes: true, timeout: '1', port: '1' } },
  'modules journals': { args: ['h1'], flags: { timeout: '1', port: '1' } },
  'limits plan': { args: ['h1'], flags: { user: 'alice', memory: '1G', containers: '2', gpus: '0,1', disk: '10G', 'disk-soft': '8G', timeout: '1', port: '1' } },
  'limits apply': { args: ['h1'], flags: { user: 'alice', memory: '1G', yes: true, timeout: '1', port: '1' } },
  'limits verify': { args: ['h1'], flags: { user: 'alice', timeout: '1', port: '1' } },
  'limits show': { args: ['h1'], flags: {} },
  'users list': { args: ['h1'], flags: { timeout: '1', port: '1' } },
  'users create': { args: ['h1', 'alice'], flags: { uid: '1500', 'full-name': 'Alice Liddell', shell: '/bin/bash', groups: 'students', expires: '2027-02-28', yes: true, timeout: '1', port: '1' } },
  'users modify': { args: ['h1', 'alice'], flags: { 'full-name': 'Alice Liddell', shell: '/bin/bash', groups: 'students', expires: 'never', yes: true, timeout: '1', port: '1' } },
  'users delete': { args: ['h1', 'alice'], flags: { yes: true, timeout: '1', port: '1' } },
  'users import': { args: ['h1', 'students.csv'], flags: { yes: true, timeout: '1', port: '1' } },
  'users offboard': { args: ['h1', 'alice'], flags: { yes: true, timeout: '1', port: '1' } },
  'groups list': { args: ['h1'], flags: { timeout: '1', port: '1' } },
  'groups create': { args: ['h1', 'students'], flags: { gid: '2000', yes: true, timeout: '1', port: '1' } },
  'groups delete': { args: ['h1', 'students'], flags: { yes: true, timeout: '1', port: '1' } },
};

/** Where a value is data, and what that data is. Anything else must be refused with exit 2. */
const DATA: Record<string, string> = {
  'hosts remove (arg)': 'a name looked up among stored hosts',
  'hostkeys forget (arg)': 'a key name looked up and removed if present',
  'report --out': 'the file to write (written beside, then renamed; never run)',
  'report --host': 'stored host names looked up',
  'audit list --host': 'a filter compared as text',
  'audit list --user': 'a filter compared as text',
  'audit list --operation': 'a filter compared as text',
  'audit list --search': 'a search text, matched with an escaped LIKE',
  'audit --host': 'as for audit list',
  'audit --user': 'as for audit list',
  'audit --operation': 'as for audit list',
  'audit --search': 'as for audit list',
  'probe --root': 'with --local only: a directory read as data (here without --local: refused)',
  'inventory --root': 'as for probe',
  'watch --root': 'as for probe',
  'probe --identity': 'a key file to read (not found)',
  'inventory --identity': 'a key file to read (not found)',
  'watch --identity': 'a key file to read (not found)',
  'hosts add --identity': 'a key file path stored for later',
  'serve --tls-cert': 'a certificate file to read (not found)',
  'serve --tls-key': 'a key file to read (not found)',
  'modules list (arg)': 'a stored host name looked up',
  'modules ca-cert --out': 'the file to write the certificate to (never over an existing one; never run)',
  'limits show (arg)': 'a stored host name looked up',
};
/** Exit codes of data that went nowhere: 0 (nothing matched / nothing to do), 4 (auth), 5 (not found, refused connection). */
const DATA_EXITS = new Set([0, 4, 5]);

/** Hostile values that are valid for that flag (a --limit of "22"). */
const VALID_THERE: Record<string, string[]> = {
  // A host name: "NaN", "Infinity" and "1e3" are valid DNS labels.
  'probe (arg)': ['NaN', 'Infinity', 'exponent string'],
  'inventory (arg)': ['NaN', 'Infinity', 'exponent string'],
  'watch (arg)': ['NaN', 'Infinity', 'exponent string'],
  'hosts add (arg)': ['NaN', 'Infinity', 'exponent string'],
  ...Object.fromEntries(['plan', 'apply', 'verify', 'rollback', 'journals', 'secret'].map((c) => [`modules ${c} (arg)`, ['NaN', 'Infinity', 'exponent string']])),
  ...Object.fromEntries(['plan', 'apply', 'verify'].map((c) => [`limits ${c} (arg)`, ['NaN', 'Infinity', 'exponent string']])),
  ...Object.fromEntries(['list', 'create', 'modify', 'delete', 'import', 'offboard'].map((c) => [`users ${c} (arg)`, ['NaN', 'Infinity', 'exponent string']])),
  ...Object.fromEntries(['list', 'create', 'delete'].map((c) => [`groups ${c} (arg)`, ['NaN', 'Infinity', 'exponent string']])),
  // Cores may be fractional; swap may be 0 (none) or a few bytes.
  ...Object.fromEntries(['plan', 'apply', 'verify'].flatMap((c) => [[`limits ${c} --cpu`, ['1.5']], [`limits ${c} --swap`, ['-0', '1.5']]])),
  'watch --count': ['numeric string'],
  'watch --interval': ['1.5', 'numeric string'],
  'audit list --limit': ['numeric string'],
  'audit --limit': ['numeric string'],
  'probe --timeout': ['1.5', 'numeric string'],
  'inventory --timeout': ['1.5', 'numeric string'],
  'watch --timeout': ['1.5', 'numeric string'],
  'hosts add --port': ['numeric string'],
  'hosts add --name': ['numeric string', 'exponent string', '-0', '1.5', '2^53+1', '1e308', 'NaN', 'Infinity'],
  'hosts add --tags': ['numeric string', 'exponent string'],
  'serve --port': [],
};

const io = (): CliIo & { out: string[]; err: string[] } => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: { write: (s: string | Uint8Array, cb?: (e?: Error | null) => void) => (out.push(String(s)), cb?.(), true) }, stderr: { write: (s: string) => err.push(s) } };
};

function argv(command: string, args: string[], flags: Record<string, string | true>, dataDir: string): string[] {
  const out = [...command.split(' '), ...args];
  for (const [k, v] of Object.entries(flags)) out.push(v === true ? `--${k}` : `--${k}=${v}`);
  return [...out, `--data-dir=${dataDir}`];
}

describe('hostile input to every CLI command and flag', () => {
  let work: string;
  let dataDir: string;
  const cwd = process.cwd();
  const counts = { runs: 0, refused: 0, data: 0, valid: 0 };
  const surprises: string[] = [];
  const values = [...HOSTILE_STRINGS, ...HOSTILE_NUMBERS.filter((n) => typeof n.value === 'number').map((n) => ({ label: n.label, value: String(n.value) }))];

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'fd-cli-hostile-'));
    const deep = path.join(work, 'a/b/c/d/e/f');
    mkdirSync(deep, { recursive: true });
    dataDir = path.join(work, 'data');
    process.chdir(deep);
    expect(await main(['hosts', 'add', 'admin@127.0.0.1', '--port=1', '--name=h1', `--data-dir=${dataDir}`], io())).toBe(0);
  });
  afterAll(() => {
    process.chdir(cwd);
    rmSync(work, { recursive: true, force: true });
    rmSync(CANARY, { force: true });
  });

  it('has a base command line for every command', () => {
    expect(Object.keys(BASE).sort()).toEqual(COMMANDS.map((c) => c.path.join(' ')).sort());
  });

  for (const command of COMMANDS) {
    const name = command.path.join(' ');
    it(`${name}: its argument and each flag × the hostile set`, async () => {
      const base = BASE[name]!;
      const flagNames = [...new Set(command.flags.flatMap((g) => Object.entries(g.flags).filter(([, f]) => f.value).map(([n]) => n)))];
      const targets = [...((command.maxArgs ?? 1) > 0 ? ['(arg)'] : []), ...flagNames.map((f) => `--${f}`)];
      for (const target of targets) {
        for (const h of values) {
          // A value starting with "-" after "--flag=" is still the value; as an argument it would be
          // read as an option, which is the point of testing it.
          const line = target === '(arg)' ? argv(name, [h.value, ...base.args.slice(1)], base.flags, dataDir) : argv(name, base.args, { ...base.flags, [target.slice(2)]: h.value }, dataDir);
          const o = io();
          let code: number;
          try {
            code = await main(line, o);
          } catch (e) {
            code = -99;
            o.err.push(String(e));
          }
          counts.runs++;
          const where = `${name} ${target}`;
          if (code === 2) counts.refused++;
          else if (DATA[where] && DATA_EXITS.has(code)) counts.data++;
          else if ((VALID_THERE[where] ?? []).includes(h.label) && DATA_EXITS.has(code)) counts.valid++;
          else surprises.push(`${where} = ${h.label}: exit ${code} ${o.err.join('').trim().slice(0, 160)}`);
        }
      }
      // A switch never takes a value.
      for (const [flag] of command.flags.flatMap((g) => Object.entries(g.flags).filter(([, f]) => !f.value))) {
        const code = await main([...name.split(' '), ...base.args, `--${flag}=${HOSTILE_STRINGS[0]!.value}`, `--data-dir=${dataDir}`], io());
        counts.runs++;
        if (code === 2) counts.refused++;
        else surprises.push(`${name} --${flag}=VALUE: exit ${code}`);
      }
    }, 120_000);
  }

  it('adds up: nothing slipped through, nothing crashed, nothing ran', () => {
    console.log(`CLI hostile campaign: ${counts.runs} command lines over ${COMMANDS.length} commands; ${counts.refused} refused (exit 2), ${counts.data} taken as data, ${counts.valid} valid for their flag; ${surprises.length} surprises`);
    expect(surprises).toEqual([]);
    expect(canaryTouched()).toBe(false);
  });
});
