import { FleetdeckError } from '../../../src-common/problems.js';

/** A small, strict argv parser: unknown flags are errors, not silently ignored. */
export interface FlagSpec {
  [name: string]: { alias?: string; value: boolean; repeat?: boolean };
}

/** A repeatable option (`--set a=1 --set b=2`) collects its values in an array. */
export type Flags = Record<string, string | true | string[]>;

export interface ParsedArgs {
  positionals: string[];
  flags: Flags;
}

/** An option that takes a value, trimmed; undefined when absent. Given empty (or as a bare switch): a usage error with an example. */
export function flagValue(flags: Flags, name: string, example: string): string | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new FleetdeckError('invalid-input', `--${name} is given once, e.g. ${example}.`);
  if (v === true || !v.trim()) throw new FleetdeckError('invalid-input', `--${name} needs a value, e.g. ${example}.`);
  return v.trim();
}

export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const positionals: string[] = [];
  const flags: Flags = {};
  const byAlias = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.alias) byAlias.set(s.alias, name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    } else if (arg.startsWith('-') && arg.length === 2) {
      name = byAlias.get(arg.slice(1));
      if (!name) throw new FleetdeckError('invalid-input', `Unknown option ${arg}. Run "fleetdeck help".`);
    } else {
      positionals.push(arg);
      continue;
    }
    const s = spec[name];
    if (!s) throw new FleetdeckError('invalid-input', `Unknown option --${name}. Run "fleetdeck help".`);
    if (s.value) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new FleetdeckError('invalid-input', `Option --${name} needs a value.`);
      if (s.repeat) flags[name] = [...((flags[name] as string[] | undefined) ?? []), v];
      else flags[name] = v;
    } else {
      if (inline !== undefined) throw new FleetdeckError('invalid-input', `Option --${name} is a switch and takes no value (got "--${name}=${inline.slice(0, 40)}").`);
      flags[name] = true;
    }
  }
  return { positionals, flags };
}

/** "user@host" → parts; the address itself is validated by the host schema later. */
export function splitTarget(target: string): { user?: string; address: string } {
  const at = target.lastIndexOf('@');
  return at > 0 ? { user: target.slice(0, at), address: target.slice(at + 1) } : { address: target };
}
