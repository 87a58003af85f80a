/**
 * Reads the user's OpenSSH client config (ssh_config(5)) so hosts can be imported instead of
 * retyped. Semantics follow OpenSSH 9.x (checked against `ssh -G`): the first value obtained for a
 * keyword wins (IdentityFile accumulates), Host patterns match the alias exactly as typed
 * (case-sensitive), and ProxyJump/ProxyCommand compete for one slot. What we can't evaluate
 * (Match blocks, ProxyCommand) is reported, never guessed.
 */
import os from 'node:os';
import path from 'node:path';
import { hostInputSchema } from '../../../src-common/hosts/host.schema.js';
import { matchWildcard } from '../ssh/known-hosts.js';
import { hasWildcard, hostPatternsMatch, type SshConfigHost } from './ssh-config-parse.js';

export * from './ssh-config-parse.js';

/** Values OpenSSH takes from the local machine when expanding %-tokens and `~`. */
export interface SshEnv {
  homeDir: string;
  localUser: string;
  localHostName: string;
  uid: number;
}

export interface ProxyJumpHop {
  user: string | null;
  host: string;
  port: number | null;
}

export interface ResolvedSshHost {
  alias: string;
  /** HostName with %h expanded, lowercased like OpenSSH; the alias when no HostName applies. */
  hostName: string;
  port: number;
  user: string | null;
  /** Expanded paths, in the order OpenSSH tries them. */
  identityFiles: string[];
  /** Empty when unset or `none`. */
  proxyJump: ProxyJumpHop[];
  /** Effective ProxyCommand, null when unset or `none`. */
  proxyCommand: string | null;
  /** First value of every keyword that applies (IdentityFile: all values joined in order). */
  options: Record<string, string[]>;
  problems: string[];
}

export interface ImportJumpHop {
  address: string;
  port: number;
  user: string;
  auth: 'key' | 'agent';
  keyPath?: string;
}

export interface ImportInput {
  name: string;
  address: string;
  port: number;
  /** '' when the config names no User (see problem). */
  user: string;
  auth: 'key' | 'agent';
  keyPath?: string;
  jump: ImportJumpHop[];
}

export interface ImportCandidate {
  alias: string;
  input: ImportInput;
  /** Why this entry cannot be imported as-is, or null. */
  problem: string | null;
}

export function defaultSshEnv(): SshEnv {
  let localUser = process.env.USER ?? '';
  try {
    localUser = os.userInfo().username;
  } catch {
    // no passwd entry (some containers): keep $USER
  }
  return { homeDir: os.homedir(), localUser, localHostName: os.hostname(), uid: process.getuid?.() ?? 0 };
}

/** Asks the OS (user database, hostname) only for what the caller left out: once per import, not per host. */
function completeEnv(env: Partial<SshEnv>): SshEnv {
  const given = env.homeDir !== undefined && env.localUser !== undefined && env.localHostName !== undefined && env.uid !== undefined;
  return given ? (env as SshEnv) : { ...defaultSshEnv(), ...env };
}

/** Effective settings for `alias`, as `ssh -G alias` would compute them from this config. */
export function resolveHost(config: readonly SshConfigHost[], alias: string, env: Partial<SshEnv> = {}): ResolvedSshHost {
  return resolveIndexed(indexBlocks(config), alias, completeEnv(env));
}

/** OpenSSH refuses more (SSH_MAX_IDENTITY_FILES); it also keeps a hostile config from listing thousands per host. */
const MAX_IDENTITY_FILES = 100;

/**
 * A block's own Host patterns, split by kind. A block whose positive patterns are all literal can
 * only apply to those aliases, so resolving an alias visits the blocks that name it (an index)
 * plus the blocks with wildcards, not every block: importing a config of thousands of hosts was
 * hosts × blocks, and a one-line "Host a b c ..." of thousands of aliases aliases².
 */
interface BlockPatterns {
  block: SshConfigHost;
  order: number;
  literals: string[];
  globs: readonly string[];
  negatedLiterals: ReadonlySet<string> | null;
  negatedGlobs: readonly string[];
}

interface BlockIndex {
  blocks: BlockPatterns[];
  withGlobs: BlockPatterns[];
  byLiteral: Map<string, BlockPatterns[]>;
}

/** Shared by every block without such patterns; replaced, never pushed to. */
const NONE: readonly string[] = [];

function indexBlocks(config: readonly SshConfigHost[]): BlockIndex {
  const index: BlockIndex = { blocks: [], withGlobs: [], byLiteral: new Map() };
  config.forEach((block, order) => {
    const literals: string[] = [];
    // Most blocks are one plain "Host name": the other lists are made only when needed.
    let globs: string[] | null = null;
    let negatedGlobs: string[] | null = null;
    let negatedLiterals: Set<string> | null = null;
    for (const p of block.patterns) {
      const negated = p.startsWith('!');
      const glob = negated ? p.slice(1) : p;
      if (!hasWildcard(glob)) {
        if (negated) (negatedLiterals ??= new Set()).add(glob);
        else literals.push(glob);
      } else if (negated) (negatedGlobs ??= []).push(glob);
      else (globs ??= []).push(glob);
    }
    const b: BlockPatterns = { block, order, literals, globs: globs ?? NONE, negatedLiterals, negatedGlobs: negatedGlobs ?? NONE };
    index.blocks.push(b);
    if (globs) index.withGlobs.push(b);
    for (const literal of literals) {
      const list = index.byLiteral.get(literal);
      if (!list) index.byLiteral.set(literal, [b]);
      // A Host line that names an alias twice lists the block once.
      else if (list[list.length - 1] !== b) list.push(b);
    }
  });
  return index;
}

/** hostBlockApplies, where `named` says the index already found `alias` among the block's literal patterns. */
function applies(b: BlockPatterns, alias: string, named: boolean): boolean {
  if (b.negatedLiterals?.has(alias) || b.negatedGlobs.some((g) => matchWildcard(g, alias))) return false;
  if (!named && !b.globs.some((g) => matchWildcard(g, alias))) return false;
  return b.block.within.every((list) => hostPatternsMatch(list, alias));
}

/** Calls `visit` for each block that applies to `alias`, in file order: those naming it and those with wildcards. */
function forEachApplying(index: BlockIndex, alias: string, visit: (block: SshConfigHost) => void): void {
  const named = index.byLiteral.get(alias) ?? [];
  const globbed = index.withGlobs;
  let i = 0;
  let j = 0;
  while (i < named.length || j < globbed.length) {
    const a = named[i];
    const b = globbed[j];
    if (b === undefined || (a !== undefined && a.order < b.order)) {
      i++;
      if (applies(a!, alias, true)) visit(a!.block);
    } else if (a === undefined || b.order < a.order) {
      j++;
      if (applies(b, alias, false)) visit(b.block);
    } else {
      // A block with literal and wildcard patterns is in both lists.
      i++;
      j++;
      if (applies(a, alias, true)) visit(a.block);
    }
  }
}

function resolveIndexed(index: BlockIndex, alias: string, e: SshEnv): ResolvedSshHost {
  const first = new Map<string, string[]>();
  const identityRaw: string[] = [];
  const problems: string[] = [];
  let jump: string | undefined;
  let command: string | undefined;
  let identityFilesDropped = false;
  forEachApplying(index, alias, (block) => {
    for (const { keyword, args } of block.options) {
      if (keyword === 'identityfile') {
        if (identityRaw.length < MAX_IDENTITY_FILES) identityRaw.push(args[0]!);
        else identityFilesDropped = true;
      }
      // ProxyCommand (even "none") blocks a later ProxyJump; a ProxyJump other than "none" blocks a later ProxyCommand.
      else if (keyword === 'proxyjump' && jump === undefined && command === undefined) jump = args[0]!;
      else if (keyword === 'proxycommand' && command === undefined && (jump === undefined || jump === 'none')) command = args.join(' ');
      if (!first.has(keyword)) first.set(keyword, args);
    }
  });
  if (identityFilesDropped) problems.push(`more than ${MAX_IDENTITY_FILES} IdentityFile lines apply, which ssh refuses; the rest are ignored`);
  const hostNameArg = first.get('hostname')?.[0] ?? alias;
  const hostName = expandTokens(hostNameArg, { h: alias }, problems, 'HostName').toLowerCase();
  let port = 22;
  const portArg = first.get('port')?.[0];
  if (portArg !== undefined) {
    const n = /^\d{1,5}$/.test(portArg) ? Number(portArg) : NaN;
    if (n >= 1 && n <= 65535) port = n;
    else problems.push(`Port "${portArg}" is not a number between 1 and 65535`);
  }
  const user = first.get('user')?.[0] ?? null;
  const tokens = { d: e.homeDir, u: e.localUser, h: hostName, r: user ?? e.localUser, p: String(port), n: alias, l: e.localHostName, L: e.localHostName.split('.')[0]!, i: String(e.uid) };
  const identityFiles = identityRaw.filter((f) => f.toLowerCase() !== 'none').map((raw) => {
    const tilde = raw === '~' || raw.startsWith('~/') ? path.join(e.homeDir, raw.slice(1)) : raw;
    const expanded = expandTokens(tilde, tokens, problems, 'IdentityFile');
    if (!path.isAbsolute(expanded)) problems.push(`IdentityFile "${raw}" is not an absolute path: give the full path to the key`);
    return expanded;
  });
  const proxyJump = jump === undefined || jump === 'none' ? [] : parseProxyJump(jump, problems);
  const options = Object.fromEntries(first);
  if (identityRaw.length) options.identityfile = identityRaw;
  return { alias, hostName, port, user, identityFiles, proxyJump, proxyCommand: command && command !== 'none' ? command : null, options, problems };
}

/**
 * OpenSSH percent_expand; an unknown token is reported instead of guessed, once per value with
 * each token named once (a problem per occurrence repeated the value per token: quadratic).
 */
function expandTokens(s: string, tokens: Record<string, string>, problems: string[], what: string): string {
  const unknown = new Set<string>();
  const expanded = s.replace(/%(.?)/g, (whole, t: string) => {
    if (t === '%') return '%';
    const v = tokens[t];
    if (v !== undefined) return v;
    unknown.add(whole || '%');
    return whole;
  });
  if (unknown.size > 0) problems.push(`${what} "${s}" uses ${[...unknown].join(', ')}, which Fleetdeck cannot expand`);
  return expanded;
}

/** Jump hosts one candidate may go through, nested or listed: a longer chain is a mistake (or a hostile file), not a route. */
const MAX_JUMP_HOPS = 16;

/**
 * `[user@]host[:port]` or `ssh://[user@]host[:port]`, comma-separated; IPv6 literals in brackets.
 * At most MAX_JUMP_HOPS are read, and bad entries are reported in one problem naming the first
 * few, so a hostile list of a million entries costs neither a million hops nor a million messages.
 */
export function parseProxyJump(value: string, problems: string[]): ProxyJumpHop[] {
  const hops: ProxyJumpHop[] = [];
  const bad: string[] = [];
  const items = value.split(',', MAX_JUMP_HOPS + 1);
  if (items.length > MAX_JUMP_HOPS) {
    items.pop();
    problems.push(`ProxyJump lists more than ${MAX_JUMP_HOPS} hosts; the rest are ignored`);
  }
  for (const item of items) {
    const spec = item.replace(/^ssh:\/\//, '');
    const at = spec.lastIndexOf('@');
    const user = at >= 0 ? spec.slice(0, at) : null;
    const hostPort = spec.slice(at + 1);
    const m = /^(?:\[([^\]]+)\]|([^:[\]/]+))(?::(\d{1,5}))?$/.exec(hostPort);
    const port = m?.[3] === undefined ? null : Number(m[3]);
    if (!m || user === '' || (port !== null && (port < 1 || port > 65535))) {
      bad.push(`"${item}"`);
      continue;
    }
    hops.push({ user, host: (m[1] ?? m[2])!, port });
  }
  if (bad.length === 1) problems.push(`ProxyJump entry ${bad[0]} is not [user@]host[:port]`);
  else if (bad.length > 1) problems.push(`ProxyJump entries ${bad.join(', ')} are not [user@]host[:port]`);
  return hops;
}

/**
 * Hosts offered for import, the first in file order: a list longer than this is not one anyone
 * picks from, and each entry costs a resolution and a validation (a generated 1 MB config of
 * 30,000 hosts took seconds).
 */
export const MAX_IMPORT_CANDIDATES = 1000;

/**
 * Every concrete alias (no wildcard, not negated) that its own Host block really applies to, as
 * a host form prefilled from the effective settings. Jump hosts named by alias resolve through
 * the config like `ssh -J` does: only the first hop's own ProxyJump is followed (later hops are
 * reached through the earlier ones), and loops are reported.
 */
export function importCandidates(config: readonly SshConfigHost[], partialEnv: Partial<SshEnv> = {}): ImportCandidate[] {
  const index = indexBlocks(config);
  const env = completeEnv(partialEnv);
  // Each alias is resolved once, whether as a candidate or as a jump host of many.
  const resolved = new Map<string, ResolvedSshHost>();
  const resolve: Resolve = (alias) => {
    let r = resolved.get(alias);
    if (!r) resolved.set(alias, (r = resolveIndexed(index, alias, env)));
    return r;
  };
  const seen = new Set<string>();
  const candidates: ImportCandidate[] = [];
  for (const b of index.blocks) {
    for (const alias of b.literals) {
      if (candidates.length >= MAX_IMPORT_CANDIDATES) return candidates;
      if (seen.has(alias) || !applies(b, alias, true)) continue;
      seen.add(alias);
      candidates.push(candidateFor(resolve, alias));
    }
  }
  return candidates;
}

type Resolve = (alias: string) => ResolvedSshHost;

function candidateFor(resolve: Resolve, alias: string): ImportCandidate {
  const r = resolve(alias);
  const problems = [...r.problems];
  const explained = new Set<string>();
  if (r.proxyCommand !== null) problems.push('ProxyCommand is not supported; use ProxyJump');
  if (r.user === null) {
    problems.push('no User given: set one when importing');
    explained.add('user');
  }
  const jump = jumpChain(resolve, r.proxyJump, problems, new Set([alias]), explained);
  const input: ImportInput = { name: alias, address: r.hostName, port: r.port, user: r.user ?? '', ...authOf(r.identityFiles), jump };
  const parsed = hostInputSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const where = issue.path.join('.');
      if (!explained.has(where)) problems.push(where ? `${where}: ${issue.message}` : issue.message);
    }
  }
  return { alias, input, problem: problems.length ? [...new Set(problems)].join('; ') : null };
}

function authOf(identityFiles: string[]): { auth: 'key' | 'agent'; keyPath?: string } {
  return identityFiles[0] === undefined ? { auth: 'agent' } : { auth: 'key', keyPath: identityFiles[0] };
}

/** Depth first through each first hop's own ProxyJump, at most MAX_JUMP_HOPS in all (a chain of thousands overflowed the stack). */
function jumpChain(
  resolve: Resolve,
  hops: ProxyJumpHop[],
  problems: string[],
  visiting: Set<string>,
  explained: Set<string>,
  out: ImportJumpHop[] = [],
): ImportJumpHop[] {
  for (const [i, hop] of hops.entries()) {
    if (out.length >= MAX_JUMP_HOPS || visiting.size > MAX_JUMP_HOPS) {
      problems.push(`more than ${MAX_JUMP_HOPS} jump hosts; the rest are left out`);
      break;
    }
    if (visiting.has(hop.host)) {
      problems.push(`ProxyJump loops back to ${hop.host}`);
      continue;
    }
    const r = resolve(hop.host);
    problems.push(...r.problems.map((p) => `jump host ${hop.host}: ${p}`));
    if (i === 0) {
      if (r.proxyCommand !== null) problems.push(`jump host ${hop.host}: ProxyCommand is not supported; use ProxyJump`);
      jumpChain(resolve, r.proxyJump, problems, new Set([...visiting, hop.host]), explained, out);
    }
    const user = hop.user ?? r.user;
    if (user === null) {
      problems.push(`no User given for jump host ${hop.host}: set one when importing`);
      explained.add(`jump.${out.length}.user`);
    }
    out.push({ address: r.hostName, port: hop.port ?? r.port, user: user ?? '', ...authOf(r.identityFiles) });
  }
  return out;
}
