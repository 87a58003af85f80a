import { FleetdeckError, toProblem, type ProblemCode } from '../../../src-common/problems.js';
import { parseArgs } from './args.js';
import { commandHelp, findCommand, globalHelp, parseFor, unionSpec, type CliIo } from './command.js';
import { COMMANDS } from './commands.js';
import { terminalSafeIo } from './terminal-text.js';

/**
 * `fleetdeck`: finds the command named by the leading words (cli/commands.ts lists them; each
 * capability declares its own), parses only that command's flags, runs it, and turns a problem
 * into `fleetdeck: <code>: <what to do>` and an exit code scripts can act on.
 */

/** Exit codes: scripts can tell usage errors from host-key, auth and network failures. */
export function exitCodeFor(problem: ProblemCode): number {
  switch (problem) {
    case 'invalid-input':
      return 2;
    case 'unknown-hostkey':
    case 'hostkey-changed':
    case 'hostkey-revoked':
      return 3;
    case 'authentication-failed':
    case 'access-denied':
    case 'sudo-required':
      return 4;
    case 'timeout':
    case 'disconnected':
    case 'not-found':
      return 5;
    default:
      return 1;
  }
}

const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

/** Runs one command line; resolves with the exit code (-1: keeps running, as `serve` does). */
export async function main(argv: string[], rawIo: CliIo = processIo): Promise<number> {
  // Host data reaches the terminal through every command: no escape sequence gets through.
  const io = terminalSafeIo(rawIo);
  let json = argv.includes('--json');
  try {
    // Which words are positionals depends on which flags take values: any command's will do here,
    // the command's own parse below is the strict one.
    const words = parseArgs(argv, unionSpec(COMMANDS)).positionals;
    const wantsHelp = argv.includes('--help') || argv.includes('-h');
    if (!argv.length || (words[0] === 'help' && words.length === 1) || (!words.length && wantsHelp)) {
      io.stdout.write(globalHelp(COMMANDS));
      return argv.length ? 0 : 2;
    }
    const helpFor = words[0] === 'help';
    const asked = helpFor ? words.slice(1) : words;
    let found = findCommand(COMMANDS, asked);
    // "hosts frob": a group's shorthand takes no arguments, so the word was meant as a subcommand.
    if (found && found.rest.length && found.command.maxArgs === 0 && COMMANDS.some((c) => c.path.length > found!.command.path.length && found!.command.path.every((w, i) => c.path[i] === w))) found = null;
    if (!found) {
      const first = (helpFor ? words[1] : words[0]) ?? '';
      const group = COMMANDS.filter((c) => c.path[0] === first && !c.hidden).map((c) => c.path.join(' '));
      throw new FleetdeckError('invalid-input', group.length ? `"${words.slice(0, 2).join(' ').slice(0, 80)}" is not a command: use ${group.map((g) => `"fleetdeck ${g}"`).join(', ')}.` : `Unknown command "${first.slice(0, 80)}". Run "fleetdeck help".`);
    }
    const { command } = found;
    if (helpFor || wantsHelp) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    const { positionals, flags } = parseFor(command, argv);
    json = !!flags.json;
    return await command.run({ positionals, flags, io });
  } catch (err) {
    const p = toProblem(err);
    if (json) io.stdout.write(`${JSON.stringify(p, null, 2)}\n`);
    io.stderr.write(`fleetdeck: ${p.problem}: ${p.message}\n`);
    return exitCodeFor(p.problem);
  }
}
