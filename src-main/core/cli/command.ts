import { FleetdeckError } from '../../../src-common/problems.js';
import { parseArgs, type Flags, type FlagSpec } from './args.js';

/**
 * A CLI command, declared by the capability it belongs to (hosts/hosts.cli.ts,
 * reports/report.cli.ts, …) and listed once in cli/commands.ts. From these declarations come the
 * dispatcher, the flags each command accepts (anything else is refused, naming the command's own
 * options), `fleetdeck help` and `fleetdeck CMD --help`, and shell completion.
 */
export interface FlagDef {
  alias?: string;
  /** The value's placeholder ("N", "FILE"); absent for a switch. */
  value?: string;
  help: string;
  /** May be given more than once (`--set a=1 --set b=2`): the values come as an array. */
  repeat?: boolean;
}

export type FlagGroup = { title: string; flags: Record<string, FlagDef> };

export interface CliIo {
  stdout: { write(s: string | Uint8Array, cb?: (err?: Error | null) => void): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown };
}

export interface CommandContext {
  positionals: string[];
  flags: Flags;
  io: CliIo;
}

export interface CliCommand {
  /** Words that select it: ['hosts', 'add']. */
  path: string[];
  /** Positionals after the path, as shown in usage ("USER@HOST|NAME"). */
  args?: string;
  summary: string;
  /** Longer text for `--help`: what it does, examples. */
  details?: string;
  flags: FlagGroup[];
  /** Positionals accepted after the path (default 1). */
  maxArgs?: number;
  /** A shorthand (`fleetdeck hosts` for `hosts list`): not listed in help or completion. */
  hidden?: boolean;
  /** Resolves with the exit code; `serve` never resolves on success. */
  run(ctx: CommandContext): Promise<number>;
}

export function defineCommand(c: CliCommand): CliCommand {
  return c;
}

/** Flags every command takes. */
export const COMMON_FLAGS: FlagGroup = {
  title: 'Common options',
  flags: {
    help: { alias: 'h', help: 'show this help' },
    json: { help: 'machine-readable output' },
    verbose: { alias: 'v', help: 'say more (each connection step)' },
    'data-dir': { value: 'DIR', help: "where Fleetdeck keeps its database (default ~/.local/share/fleetdeck, or $FLEETDECK_DATA_DIR)" },
  },
};

export function commandName(c: CliCommand): string {
  return `fleetdeck ${c.path.join(' ')}`;
}

/** Every command's flags at once: only to find which words of argv are positionals. */
export function unionSpec(commands: readonly CliCommand[]): FlagSpec {
  const spec: FlagSpec = {};
  for (const c of commands) Object.assign(spec, specOf(c));
  return spec;
}

export function specOf(c: CliCommand): FlagSpec {
  const spec: FlagSpec = {};
  for (const g of [COMMON_FLAGS, ...c.flags]) for (const [name, f] of Object.entries(g.flags)) spec[name] = { alias: f.alias, value: !!f.value, repeat: f.repeat };
  return spec;
}

/** The command named by the leading words of argv (the longest match), and the rest. */
export function findCommand(commands: readonly CliCommand[], words: string[]): { command: CliCommand; rest: string[] } | null {
  let best: CliCommand | null = null;
  for (const c of commands) {
    if (c.path.length <= words.length && c.path.every((w, i) => words[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best ? { command: best, rest: words.slice(best.path.length) } : null;
}

/** Parses argv for one command: only its flags; positionals counted. */
export function parseFor(c: CliCommand, argv: string[]): { positionals: string[]; flags: Flags } {
  let parsed;
  try {
    parsed = parseArgs(argv, specOf(c));
  } catch (err) {
    if (err instanceof FleetdeckError && /^Unknown option/.test(err.message)) {
      const own = Object.keys(specOf(c)).map((f) => `--${f}`).join(', ');
      throw new FleetdeckError('invalid-input', `${err.message.replace(/\. Run "fleetdeck help"\.$/, '')} for "${commandName(c)}". Its options: ${own}. See "${commandName(c)} --help".`);
    }
    throw err;
  }
  const max = c.maxArgs ?? 1;
  const rest = parsed.positionals.slice(c.path.length);
  if (rest.length > max) {
    throw new FleetdeckError('invalid-input', `"${commandName(c)}" takes ${max === 0 ? 'no arguments' : `at most ${max} argument${max === 1 ? '' : 's'}`} (got "${rest.slice(max).join(' ').slice(0, 80)}"). Usage: ${usageLine(c)}`);
  }
  return { positionals: rest, flags: parsed.flags };
}

export function usageLine(c: CliCommand): string {
  return `${commandName(c)}${c.args ? ` ${c.args}` : ''} [options]`;
}

function flagLines(g: FlagGroup): string[] {
  return Object.entries(g.flags).map(([name, f]) => {
    const left = `${f.alias ? `-${f.alias}, ` : '    '}--${name}${f.value ? ` ${f.value}` : ''}`;
    return `  ${left.padEnd(28)} ${f.help}`;
  });
}

export function commandHelp(c: CliCommand): string {
  const parts = [`${usageLine(c)}\n\n${c.summary}${c.details ? `\n\n${c.details}` : ''}`];
  for (const g of [...c.flags, COMMON_FLAGS]) if (Object.keys(g.flags).length) parts.push(`${g.title}:\n${flagLines(g).join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}

export function globalHelp(commands: readonly CliCommand[]): string {
  const rows = commands.filter((c) => !c.hidden).map((c) => `  ${`${c.path.join(' ')}${c.args ? ` ${c.args}` : ''}`.padEnd(40)} ${c.summary}`);
  return `fleetdeck — run a fleet of Linux servers over SSH

Usage: fleetdeck COMMAND [options]

Commands:
${rows.join('\n')}

"fleetdeck COMMAND --help" shows a command's options. A host is USER@HOST (ad hoc) or the name of a
host stored with "fleetdeck hosts add"; --local means this machine, without SSH.
Exit codes: 0 ok, 2 invalid input, 3 host key unknown/changed, 4 authentication or sudo,
5 network or not found, 1 anything else.
`;
}
