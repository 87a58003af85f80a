/**
 * A command as the plan, the journal and the audit log show it. An inline script (`/bin/sh -c
 * SCRIPT NAME ARGS…`, used where a rollback must not depend on a file the rollback removes) is
 * named by its $0 and its length instead of being printed whole; the script itself is in the plan
 * data for whoever wants to read it.
 */
export function showArgv(argv: readonly string[]): string {
  if (argv.length >= 4 && /(^|\/)sh$/.test(argv[0]!) && argv[1] === '-c' && argv[2]!.includes('\n')) {
    return [argv[0], '-c', `<${argv[3]} script, ${argv[2]!.split('\n').length} lines>`, ...argv.slice(4)].join(' ');
  }
  return argv.join(' ');
}
