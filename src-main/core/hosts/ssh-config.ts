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
import { hasWildcard, hostBlockApplies, type SshConfigHost } from './ssh-config-parse.js';

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

/** Effective settings for `alias`, as `ssh -G alias` would compute them from this config. */
export function resolveHost(config: readonly SshConfigHost[], alias: string, env: Partial<SshEnv> = {}): ResolvedSshHost {
  const e: SshEnv = { ...defaultSshEnv(), ...env };
  const first = new Map<string, string[]>();
  const identityRaw: string[] = [];
  let jump: string | undefined;
  let command: string | undefined;
  for (const block of config) {
    if (!hostBlockApplies(block, alias)) continue;
    for (const { keyword, args } of block.options) {
      if (keyword === 'identityfile') identityRaw.push(args[0]!);
      // ProxyCommand (even "none") blocks a later ProxyJump; a ProxyJump other than "none" blocks a later ProxyCommand.
      else if (keyword === 'proxyjump' && jump === undefined && command === undefined) jump = args[0]!;
      else if (keyword === 'proxycommand' && command === undefined && (jump === undefined || jump === 'none')) command = args.join(' ');
      if (!first.has(keyword)) first.set(keyword, args);
    }
  }
  const problems: string[] = [];
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

/** OpenSSH percent_expand; an unknown token is reported instead of guessed. */
function expandTokens(s: string, tokens: Record<string, string>, problems: string[], what: string): string {
  return s.replace(/%(.?)/g, (whole, t: string) => {
    if (t === '%') return '%';
    const v = tokens[t];
    if (v !== undefined) return v;
    problems.push(`${what} "${s}" uses ${whole || '%'}, which Fleetdeck cannot expand`);
    return whole;
  });
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, comma-separated; IPv6 literals in brackets. */
export function parseProxyJump(value: string, problems: string[]): ProxyJumpHop[] {
  const hops: ProxyJumpHop[] = [];
  for (const item of value.split(',')) {
    const spec = item.replace(/^ssh:\/\//, '');
    const at = spec.lastIndexOf('@');
    const user = at >= 0 ? spec.slice(0, at) : null;
    const hostPort = spec.slice(at + 1);
    const m = /^(?:\[([^\]]+)\]|([^:[\]/]+))(?::(\d{1,5}))?$/.exec(hostPort);
    const port = m?.[3] === undefined ? null : Number(m[3]);
    if (!m || user === '' || (port !== null && (port < 1 || port > 65535))) {
      problems.push(`ProxyJump entry "${item}" is not [user@]host[:port]`);
      continue;
    }
    hops.push({ user, host: (m[1] ?? m[2])!, port });
  }
  return hops;
}

/**
 * Every concrete alias (no wildcard, not negated) that its own Host block really applies to, as
 * a host form prefilled from the effective settings. Jump hosts named by alias resolve through
 * the config like `ssh -J` does: only the first hop's own ProxyJump is followed (later hops are
 * reached through the earlier ones), and loops are reported.
 */
export function importCandidates(config: readonly SshConfigHost[], env: Partial<SshEnv> = {}): ImportCandidate[] {
  const seen = new Set<string>();
  const candidates: ImportCandidate[] = [];
  for (const block of config) {
    for (const alias of block.patterns) {
      if (hasWildcard(alias) || alias.startsWith('!') || seen.has(alias) || !hostBlockApplies(block, alias)) continue;
      seen.add(alias);
      candidates.push(candidateFor(config, alias, env));
    }
  }
  return candidates;
}

function candidateFor(config: readonly SshConfigHost[], alias: string, env: Partial<SshEnv>): ImportCandidate {
  const r = resolveHost(config, alias, env);
  const problems = [...r.problems];
  const explained = new Set<string>();
  if (r.proxyCommand !== null) problems.push('ProxyCommand is not supported; use ProxyJump');
  if (r.user === null) {
    problems.push('no User given: set one when importing');
    explained.add('user');
  }
  const jump = jumpChain(config, r.proxyJump, env, problems, new Set([alias]), explained);
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

function jumpChain(
  config: readonly SshConfigHost[],
  hops: ProxyJumpHop[],
  env: Partial<SshEnv>,
  problems: string[],
  visiting: Set<string>,
  explained: Set<string>,
  out: ImportJumpHop[] = [],
): ImportJumpHop[] {
  hops.forEach((hop, i) => {
    if (visiting.has(hop.host)) return void problems.push(`ProxyJump loops back to ${hop.host}`);
    const r = resolveHost(config, hop.host, env);
    problems.push(...r.problems.map((p) => `jump host ${hop.host}: ${p}`));
    if (i === 0) {
      if (r.proxyCommand !== null) problems.push(`jump host ${hop.host}: ProxyCommand is not supported; use ProxyJump`);
      jumpChain(config, r.proxyJump, env, problems, new Set([...visiting, hop.host]), explained, out);
    }
    const user = hop.user ?? r.user;
    if (user === null) {
      problems.push(`no User given for jump host ${hop.host}: set one when importing`);
      explained.add(`jump.${out.length}.user`);
    }
    out.push({ address: r.hostName, port: hop.port ?? r.port, user: user ?? '', ...authOf(r.identityFiles) });
  });
  return out;
}
