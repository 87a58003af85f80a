import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from './command.js';
import { main } from './main.js';

async function script(shell: string): Promise<string> {
  const out: string[] = [];
  const io: CliIo = { stdout: { write: (s: string | Uint8Array) => out.push(String(s)) }, stderr: { write: () => true } };
  expect(await main(['completion', shell], io)).toBe(0);
  return out.join('');
}

describe('fleetdeck completion', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fd-completion-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bash: completes commands, subcommands and flags in a real bash', async () => {
    const file = path.join(dir, 'fleetdeck.bash');
    writeFileSync(file, await script('bash'));
    const complete = (...words: string[]) => {
      // The words typed so far, the last one being completed; `fleetdeck hosts names` is not run (no stored hosts: a stub).
      const r = spawnSync('bash', ['-c', `fleetdeck() { :; }; source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _fleetdeck; printf '%s\\n' "\${COMPREPLY[@]}"`, 'x', file, 'fleetdeck', ...words], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.split('\n').filter(Boolean);
    };
    expect(complete('mod')).toEqual(['modules']);
    expect(complete('modules', '')).toEqual(expect.arrayContaining(['plan', 'apply', 'verify', 'rollback', 'journals', 'list', 'ca-cert']));
    expect(complete('modules', 'apply', 'h1', 'nginx', '--se')).toEqual(['--set', '--settings-file']);
    expect(complete('report', '--for')).toEqual(['--format']);
  });

  it('zsh and fish scripts name every command; another shell is refused with the choices', async () => {
    expect(await script('zsh')).toMatch(/^#compdef fleetdeck/);
    const fish = await script('fish');
    for (const c of ['probe', 'inventory', 'watch', 'hosts', 'modules', 'report', 'audit', 'serve']) expect(fish).toContain(`-a '${c}'`);
    const err: string[] = [];
    expect(await main(['completion', 'tcsh'], { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) } })).toBe(2);
    expect(err.join('')).toMatch(/bash|zsh|fish/);
  });
});
