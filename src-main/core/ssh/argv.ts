/**
 * SSH's exec request carries one string that the remote login shell parses. This is the only
 * place where an argv array becomes such a string: every argument is single-quoted, so the remote
 * shell sees each one as a literal word, whatever it contains.
 */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new Error('an argument cannot contain a NUL byte');
  // A leading "=" expands to a command path in zsh (=ls → /bin/ls): quote it like anything odd.
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) && !arg.startsWith('=')) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('empty argv');
  return argv.map(quoteArg).join(' ');
}
