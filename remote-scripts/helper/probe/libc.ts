import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import type { HelperContext } from '../context.js';

export type LibcInfo = Probe['libc'];

/** `getconf GNU_LIBC_VERSION` → "glibc 2.36". */
export function parseGetconfLibc(stdout: string): LibcInfo | null {
  const m = /^glibc\s+(\d+\.\d+(?:\.\d+)?)/.exec(stdout.trim());
  return m ? { kind: 'glibc', version: m[1]! } : null;
}

/**
 * `ldd --version`: glibc prints "ldd (Debian GLIBC 2.36-9+deb12u4) 2.36" on its first line; musl's
 * ldd is the loader itself and prints "musl libc (x86_64)" / "Version 1.2.4" on stderr.
 */
export function parseLddVersion(text: string): LibcInfo | null {
  // The first "Version x.y" after the first "musl libc": searched once from there, since a regex
  // retrying from every "musl libc" rescanned the rest of the text each time.
  const muslAt = text.search(/musl libc/i);
  const musl = muslAt === -1 ? null : /Version\s+(\d+(?:\.\d+)+)/i.exec(text.slice(muslAt));
  if (musl) return { kind: 'musl', version: musl[1]! };
  if (/musl/i.test(text)) return { kind: 'musl', version: null };
  return glibcFromLddLine(text.split('\n', 1)[0] ?? '');
}

/**
 * "... (Debian GLIBC 2.36-9) 2.36": the version follows the line's last ")", and "GLIBC" or
 * "GNU libc" must sit inside that parenthesis (between it and the ")" before it). Found by index:
 * a regex trying every "GLIBC" and scanning to the next ")" from each was quadratic.
 */
function glibcFromLddLine(line: string): LibcInfo | null {
  const close = line.lastIndexOf(')');
  if (close === -1) return null;
  const version = /^\s+(\d+\.\d+(?:\.\d+)?)\s*$/.exec(line.slice(close + 1));
  const previousClose = close === 0 ? -1 : line.lastIndexOf(')', close - 1);
  return version && /GLIBC|GNU libc/i.test(line.slice(previousClose + 1, close)) ? { kind: 'glibc', version: version[1]! } : null;
}

const MUSL_LOADER = /^ld-musl-[\w-]+\.so\.1$/;
const GLIBC_DIRS = ['/lib64', '/lib', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu'];

/**
 * Commands first (they know the version), then files, which is all a --root directory offers:
 * a musl loader in /lib, or glibc's libc.so.6 (old releases also ship libc-X.Y.so, which names the version).
 */
export async function detectLibc(ctx: HelperContext): Promise<LibcInfo> {
  if (ctx.live) {
    const getconf = await ctx.run(['getconf', 'GNU_LIBC_VERSION'], { timeoutMs: 2000 });
    const fromGetconf = getconf.code === 0 ? parseGetconfLibc(getconf.stdout) : null;
    if (fromGetconf) return fromGetconf;
    const ldd = await ctx.run(['ldd', '--version'], { timeoutMs: 2000 });
    const fromLdd = ldd.missing ? null : parseLddVersion(`${ldd.stdout}\n${ldd.stderr}`);
    if (fromLdd) return fromLdd;
  }
  const musl = ((await ctx.listDir('/lib')) ?? []).find((f) => MUSL_LOADER.test(f));
  if (musl) {
    const run = ctx.live ? await ctx.run([`/lib/${musl}`], { timeoutMs: 2000 }) : null;
    return parseLddVersion(run ? `${run.stdout}\n${run.stderr}` : '') ?? { kind: 'musl', version: null };
  }
  for (const dir of GLIBC_DIRS) {
    const files = await ctx.listDir(dir);
    if (!files?.includes('libc.so.6')) continue;
    const versioned = files.map((f) => /^libc-(\d+\.\d+)\.so$/.exec(f)).find(Boolean);
    return { kind: 'glibc', version: versioned ? versioned[1]! : null };
  }
  return { kind: 'unknown', version: null };
}
