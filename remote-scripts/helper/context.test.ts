import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { createContext } from './context.js';

describe('the helper context runs host changes', () => {
  it('with an administrator’s umask 022, whatever the helper’s own (077 as root)', async () => {
    const old = process.umask(0o077);
    try {
      const ctx = createContext('/');
      const lines: string[] = [];
      const r = await ctx.runStreaming!(['sh', '-c', 'umask; echo "$1"', 'sh', 'a b;$(x)'], { timeoutMs: 5000, onLine: (l) => lines.push(l) });
      expect(r.code).toBe(0);
      expect(lines).toEqual(['0022', 'a b;$(x)']); // argv passes through untouched: no shell reads it
    } finally {
      process.umask(old);
    }
  });

  it('says a program is missing (not a failure of it), and passes exit codes on', async () => {
    const ctx = createContext('/');
    expect(await ctx.runStreaming!(['fleetdeck-no-such-program'], { timeoutMs: 5000 })).toMatchObject({ code: null, missing: true });
    expect((await ctx.runStreaming!(['sh', '-c', 'exit 127'], { timeoutMs: 5000 })).missing).toBeFalsy();
    expect((await ctx.runStreaming!(['sh', '-c', 'exit 3'], { timeoutMs: 5000 })).code).toBe(3);
  });

  // The per-user agent runs with its login's PATH: a directory on it that account may not search
  // (another user's) makes execvp say EACCES, not ENOENT. That is "not there" too, or nvidia-smi
  // would be tried (a fork of the agent) every second on such a host.
  it.runIf(process.getuid?.() === 0)('says a program is missing when a directory on PATH is not this account’s to search', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-eacces-'));
    try {
      chmodSync(dir, 0o755);
      const script = path.join(dir, 'run.mts');
      writeFileSync(script, `import { createContext } from ${JSON.stringify(path.join(import.meta.dirname, 'context.ts'))};
const ctx = createContext('/');
console.log(JSON.stringify([await ctx.run(['fleetdeck-no-such-program']), await ctx.runStreaming(['fleetdeck-no-such-program'], { timeoutMs: 5000 })]));`);
      chmodSync(script, 0o644);
      // Bundled into the 0755 temp dir: the checkout itself may be in a directory nobody cannot enter (CI's clone).
      const bundle = path.join(dir, 'run.mjs');
      buildSync({ entryPoints: [script], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, logLevel: 'silent' });
      chmodSync(bundle, 0o644);
      const out = execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, bundle], { cwd: dir, env: { PATH: `/root:/usr/bin:/bin`, HOME: dir }, encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual([expect.objectContaining({ code: null, missing: true }), expect.objectContaining({ code: null, missing: true })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
