import type { HelperContext } from '../context.js';

/** Where distributions install tools; PATH is added when live, since a non-login SSH shell's PATH can be short. */
const STANDARD_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * Finds an installed program by looking for the file, so the answer is the same for a live host
 * and a --root directory, and nothing is executed just to learn whether it exists.
 */
export async function findBinary(ctx: HelperContext, name: string): Promise<string | null> {
  const fromPath = ctx.live ? (ctx.env.PATH ?? '').split(':').filter((d) => d.startsWith('/')) : [];
  // As root only the directories root alone can write (ctx.binDirs): see root-env.ts.
  const dirs = ctx.live && ctx.binDirs ? ctx.binDirs : [...new Set([...fromPath, ...STANDARD_DIRS])];
  for (const dir of dirs) {
    const candidate = `${dir}/${name}`;
    if (await ctx.exists(candidate)) return candidate;
  }
  return null;
}
