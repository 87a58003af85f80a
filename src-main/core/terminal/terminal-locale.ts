/**
 * The environment a terminal asks the server for, as OpenSSH's `SendEnv LANG LC_*` does: without
 * a locale the remote shell runs in "C", and bash's readline then reads the UTF-8 bytes of "✓" or
 * "你好" as Meta keys (typing `echo AB✓CD` arrives as `echo CD` plus a file listing).
 *
 * Fleetdeck's terminal (xterm.js) always speaks UTF-8, whatever this machine's locale is, so the
 * character type must be a UTF-8 one: this machine's LANG and LC_* are passed on when they are
 * UTF-8 locales, and LANG falls back to C.UTF-8 (built into every current glibc and musl) when
 * not. sshd takes them only where it `AcceptEnv LANG LC_*` (the Debian/Ubuntu/Fedora default).
 */
const LOCALE_VALUE = /^[A-Za-z0-9_.@-]{1,64}$/;
const UTF8 = /\.utf-?8(@|$)/i;
export const FALLBACK_LOCALE = 'C.UTF-8';

export function terminalLocaleEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || !(k === 'LANG' || /^LC_[A-Z]+$/.test(k)) || !LOCALE_VALUE.test(v)) continue;
    // A non-UTF-8 value for what decides the character type would bring the bug back.
    if (!UTF8.test(v) && (k === 'LANG' || k === 'LC_ALL' || k === 'LC_CTYPE')) continue;
    out[k] = v;
  }
  out.LANG ??= FALLBACK_LOCALE;
  return out;
}
