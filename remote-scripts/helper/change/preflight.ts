import { promises as fs } from 'node:fs';
import type { HelperContext } from '../context.js';

/**
 * What the setup wizard checks before planning (change.preflight1): the TCP ports something
 * listens on (from /proc/net/tcp and tcp6, so no tool is needed and nothing runs), and the free
 * space where packages and configs go. Read as any user; changes nothing.
 */
export function parseListening(text: string): number[] {
  const ports = new Set<number>();
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st …; st 0A = LISTEN
    if (f.length < 4 || f[3] !== '0A') continue;
    const hex = f[1]?.split(':').pop();
    const port = hex && /^[0-9A-Fa-f]{1,4}$/.test(hex) ? parseInt(hex, 16) : NaN;
    if (port > 0 && port < 65536) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

async function freeBytes(ctx: HelperContext, p: string): Promise<number | null> {
  const statfs = (fs as unknown as { statfs?: (p: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }> }).statfs;
  try {
    if (statfs) {
      const s = await statfs(ctx.live ? p : `${ctx.root}${p}`);
      return Number(s.bavail) * Number(s.bsize);
    }
  } catch {
    return null;
  }
  const r = await ctx.run(['df', '-Pk', p], { timeoutMs: 10_000 });
  const avail = Number(r.stdout.trim().split('\n')[1]?.trim().split(/\s+/)[3]);
  return r.code === 0 && Number.isFinite(avail) ? avail * 1024 : null;
}

export async function preflight(ctx: HelperContext): Promise<{ listening: number[]; disk: { path: string; freeBytes: number | null }[] }> {
  const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((p) => ctx.readText(p)));
  const listening = [...new Set(tables.flatMap((t) => (t ? parseListening(t) : [])))].sort((a, b) => a - b);
  const disk = await Promise.all(['/', '/var', '/etc'].map(async (p) => ({ path: p, freeBytes: await freeBytes(ctx, p) })));
  return { listening: listening.slice(0, 4096), disk };
}
