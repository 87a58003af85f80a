/**
 * Parsing half of the OpenSSH client config import (ssh_config(5)); ssh-config.ts re-exports it
 * and does the resolving. Blocks come out in file order with Includes spliced in where they
 * appear, because OpenSSH's "first obtained value wins" depends on that order. Match blocks can't
 * be evaluated without a connection, so they are skipped with a warning. Parsing never throws.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { matchWildcard } from '../ssh/known-hosts.js';

export interface SshConfigOption {
  /** Lowercased keyword, e.g. "identityfile". */
  keyword: string;
  /** Arguments with quotes removed. */
  args: string[];
  path: string;
  line: number;
}

export interface SshConfigHost {
  /** The Host line's patterns (e.g. ["web-*", "!web-old"]); ["*"] for lines before any Host. */
  patterns: string[];
  /** Patterns of the Host blocks around the Include that brought this block in; each must match too. */
  within: string[][];
  options: SshConfigOption[];
  path: string;
  line: number;
}

export interface SshConfigWarning {
  path: string;
  line: number;
  message: string;
}

export interface ParseSshConfigOptions {
  /** Path of `text`, for warnings and Include loop detection. */
  path: string;
  homeDir: string;
  readFile?: (p: string) => string | null;
  readDir?: (p: string) => string[] | null;
  warnings?: SshConfigWarning[];
}

const MAX_INCLUDE_DEPTH = 16; // OpenSSH READCONF_MAX_DEPTH
/** Files that include each other by glob multiply without looping; cap the total work. */
const MAX_INCLUDED_FILES = 256;
const GLOB_CHARS = /[*?]/;

export function hasWildcard(s: string): boolean {
  return GLOB_CHARS.test(s);
}

interface ParseState {
  opts: ParseSshConfigOptions;
  blocks: SshConfigHost[];
  hostLineBlocks: Set<SshConfigHost>;
  includeStack: string[];
  included: number;
  includeLimitWarned: boolean;
}

export function parseSshConfig(text: string, opts: ParseSshConfigOptions): SshConfigHost[] {
  const state: ParseState = { opts, blocks: [], hostLineBlocks: new Set(), includeStack: [path.resolve(opts.path)], included: 0, includeLimitWarned: false };
  parseFile(text, opts.path, { patterns: ['*'], within: [] }, 0, state);
  // Keep every Host line (it names aliases even when empty); drop empty implicit/continuation blocks.
  return state.blocks.filter((b) => b.options.length > 0 || state.hostLineBlocks.has(b));
}

type Scope = Pick<SshConfigHost, 'patterns' | 'within'>;

function parseFile(text: string, file: string, outer: Scope, depth: number, state: ParseState): void {
  const warn = (line: number, message: string): void => void state.opts.warnings?.push({ path: file, line, message });
  const open = (scope: Scope, line: number): SshConfigHost => {
    // Fields named, not {...scope}: scope is sometimes a whole block, and a spread of mixed shapes
    // made this the slowest line of a 100,000-block parse.
    const block: SshConfigHost = { patterns: scope.patterns, within: scope.within, options: [], path: file, line };
    state.blocks.push(block);
    return block;
  };
  // Host lines inside an included file only apply where the Host around the Include matched too.
  const innerWithin = isMatchAll(outer.patterns) ? outer.within : [...outer.within, outer.patterns];
  let current = open(outer, 0);
  let inMatch = false;
  text.split('\n').forEach((raw, i) => {
    const lineNo = i + 1;
    const parsed = splitLine(raw.replace(/\r$/, ''));
    if (parsed === null) return;
    if (typeof parsed === 'string') return warn(lineNo, parsed);
    const { keyword, args } = parsed;
    if (keyword === 'match') {
      inMatch = true;
      return warn(lineNo, 'Match blocks are not supported; the settings under this Match line are ignored');
    }
    if (keyword === 'host') {
      inMatch = false;
      current = open({ patterns: args, within: innerWithin }, lineNo);
      state.hostLineBlocks.add(current);
      return;
    }
    if (inMatch) return;
    if (keyword !== 'include') {
      current.options.push({ keyword, args, path: file, line: lineNo });
      return;
    }
    const targets = state.includeLimitWarned ? [] : args.flatMap((a) => expandInclude(a, state.opts, (m) => warn(lineNo, m)));
    for (const { target, fromGlob } of targets) {
      const resolved = path.resolve(target);
      if (state.includeStack.includes(resolved)) {
        warn(lineNo, `Include loop: ${target} is already being read; skipped`);
      } else if (depth + 1 > MAX_INCLUDE_DEPTH) {
        warn(lineNo, `Include nested more than ${MAX_INCLUDE_DEPTH} deep; ${target} skipped`);
      } else if (state.included >= MAX_INCLUDED_FILES) {
        // Once: a file of thousands of Include lines must not become thousands of warnings.
        if (!state.includeLimitWarned) warn(lineNo, `more than ${MAX_INCLUDED_FILES} files included in all; ${target} and any further includes skipped`);
        state.includeLimitWarned = true;
      } else {
        const content = (state.opts.readFile ?? defaultReadFile)(target);
        // A glob may match directories; a named file that is missing is worth telling about.
        if (content === null) {
          if (!fromGlob) warn(lineNo, `Include: ${target} cannot be read; skipped`);
          continue;
        }
        state.included++;
        state.includeStack.push(resolved);
        parseFile(content, target, current, depth + 1, state);
        state.includeStack.pop();
      }
    }
    // OpenSSH restores the enclosing block after an Include, so later lines belong to it again.
    current = open(current, lineNo);
  });
}

/** Keyword and arguments of one line, null for blank/comment, or a warning. */
function splitLine(line: string): { keyword: string; args: string[] } | string | null {
  const m = /^\s*([^\s=]+)\s*(?:=\s*)?(.*)$/.exec(line);
  if (!m || m[1]!.startsWith('#')) return null;
  const keyword = m[1]!.toLowerCase();
  const args = splitArgs(m[2]!);
  if (args === null) return `unterminated quote after ${m[1]}; line ignored`;
  if (args.length === 0) return `${m[1]} has no value; line ignored`;
  return { keyword, args };
}

/**
 * OpenSSH argv_split: whitespace-separated, "..." or '...' quoting, \-escapes, # starts a comment.
 * Literal runs are copied as slices, not a character at a time (a 1 MB argument was a million
 * string concatenations).
 */
export function splitArgs(s: string): string[] | null {
  const args: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i >= s.length || s[i] === '#') break;
    let arg = '';
    let quote = '';
    let run = i;
    for (; i < s.length; i++) {
      const c = s[i]!;
      const next = s[i + 1];
      if (c === '\\' && (next === '"' || next === "'" || next === '\\' || (!quote && next === ' '))) {
        arg += s.slice(run, i) + next;
        run = ++i + 1;
      } else if (!quote && (c === ' ' || c === '\t')) break;
      else if (!quote && (c === '"' || c === "'")) {
        arg += s.slice(run, i);
        quote = c;
        run = i + 1;
      } else if (quote && c === quote) {
        arg += s.slice(run, i);
        quote = '';
        run = i + 1;
      }
    }
    if (quote) return null;
    args.push(arg + s.slice(run, i));
  }
  return args;
}

/** Include argument → files, in lexical order. Relative paths are under ~/.ssh (user config). */
function expandInclude(arg: string, opts: ParseSshConfigOptions, warn: (m: string) => void): { target: string; fromGlob: boolean }[] {
  let p = arg;
  if (p === '~' || p.startsWith('~/')) p = path.join(opts.homeDir, p.slice(1));
  else if (p.startsWith('~')) {
    warn(`Include ${arg}: ~user paths are not supported; skipped`);
    return [];
  }
  if (!path.isAbsolute(p)) p = path.join(opts.homeDir, '.ssh', p);
  if (!GLOB_CHARS.test(p)) return [{ target: p, fromGlob: false }];
  const root = path.parse(p).root;
  let found = [root];
  for (const seg of p.slice(root.length).split(/[\\/]+/).filter(Boolean)) {
    if (!GLOB_CHARS.test(seg)) {
      found = found.map((d) => path.join(d, seg));
      continue;
    }
    // Like glob(3): wildcards never match a leading dot.
    const matches = (name: string): boolean => (!name.startsWith('.') || seg.startsWith('.')) && matchWildcard(seg, name);
    found = found.flatMap((d) => ((opts.readDir ?? defaultReadDir)(d) ?? []).filter(matches).map((n) => path.join(d, n)));
  }
  return found.sort().map((target) => ({ target, fromGlob: true }));
}

function defaultReadFile(p: string): string | null {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return null;
  }
}

function defaultReadDir(p: string): string[] | null {
  try {
    return readdirSync(p);
  } catch {
    return null;
  }
}

function isMatchAll(patterns: string[]): boolean {
  return patterns.length === 1 && patterns[0] === '*';
}

/** OpenSSH Host line semantics: a matching negated pattern vetoes, else one positive match is needed. */
export function hostPatternsMatch(patterns: readonly string[], alias: string): boolean {
  let positive = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    if (!matchWildcard(negated ? p.slice(1) : p, alias)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** Whether a block's settings apply to `alias`: its own Host patterns and those of enclosing Includes. */
export function hostBlockApplies(block: SshConfigHost, alias: string): boolean {
  return [...block.within, block.patterns].every((list) => hostPatternsMatch(list, alias));
}
