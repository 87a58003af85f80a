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
});
