/**
 * Why tests would skip on this machine, as JSON on stdout: `npm test` (scripts/test.mjs) runs this
 * when vitest reports skipped tests and prints each skip with its reason (under CI=true a skip
 * outside the Electron e2e fails the run). The checks are the ones the tests' `skipIf`s use.
 *
 *   node --import tsx e2e/testbed/skip-reasons.ts
 *   → {"testbed":null,"sshd":null,"chromium":"Debian chromium is not installed …","electron":"…",…}
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testbedUnavailableReason } from './index.js';

export interface SkipReasons {
  /** Real hosts that need Docker (the systemd Debian host, containers). */
  testbed: string | null;
  /** Real hosts without Docker (sshd on loopback, local users). */
  sshd: string | null;
  /** Debian's Chromium (web e2e through Playwright, PDF export). */
  chromium: string | null;
  /** An Electron binary (the desktop e2e). */
  electron: string | null;
  tmux: string | null;
  /** The OpenSSH client (`ssh -G` parity). */
  sshClient: string | null;
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function electronMissing(): string | null {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    return typeof p === 'string' && existsSync(p) ? null : 'no Electron binary is installed here';
  } catch {
    return 'no Electron binary is installed here (its download failed or was skipped: see npm install\'s output)';
  }
}

export async function skipReasons(): Promise<SkipReasons> {
  return {
    testbed: await testbedUnavailableReason({ docker: true }),
    sshd: await testbedUnavailableReason({ docker: false }),
    // The same check as e2e/web/serve-app.ts's chromiumMissing (and findChromium's first choice).
    chromium: existsSync('/usr/bin/chromium') ? null : 'Debian chromium is not installed (/usr/bin/chromium): run scripts/setup-host.sh as root',
    electron: electronMissing(),
    tmux: onPath('tmux') ? null : 'tmux is not installed: run scripts/setup-host.sh as root',
    sshClient: onPath('ssh') ? null : 'the OpenSSH client (ssh) is not installed: apt-get install openssh-client',
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await skipReasons())}\n`);
}
