import type { HelperContext, RunResult } from '../context.js';

/**
 * Package backends, chosen from the probe (the core passes `backend`), never from the distro
 * name. Each can say what is installed, dry-run an install (what would change, without changing
 * anything), install and remove, streaming the tool's output. Every command is an argv.
 */
export type BackendName = 'apt' | 'dnf' | 'yum' | 'zypper' | 'pacman' | 'apk';

export interface DryRun {
  /** Packages the install would add or upgrade, with versions where the tool says. */
  wouldInstall: { name: string; version: string | null }[];
  /** Why the dry run could not tell (unknown package, no repository, lock): for the plan. */
  problem: string | null;
}

export interface InstallOptions {
  env: Record<string, string>;
  onLine?: (line: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface PackageBackend {
  name: BackendName;
  /** Installed version of each package, null when it is not installed. */
  installed(ctx: HelperContext, packages: string[]): Promise<Record<string, string | null>>;
  dryRun(ctx: HelperContext, packages: string[], env: Record<string, string>): Promise<DryRun>;
  install(ctx: HelperContext, packages: string[], opts: InstallOptions): Promise<RunResult>;
  remove(ctx: HelperContext, packages: string[], opts: InstallOptions): Promise<RunResult>;
  /** Worth retrying (another package manager holds the lock, the mirror timed out). */
  transient(r: RunResult): boolean;
  /** The package lists are stale (apt: "Unable to locate package"): refresh them, then install again. */
  refreshWhen?(r: RunResult): boolean;
  refresh?(ctx: HelperContext, opts: InstallOptions): Promise<RunResult>;
}

const INSTALL_TIMEOUT_MS = 20 * 60_000;

async function stream(ctx: HelperContext, argv: string[], opts: InstallOptions): Promise<RunResult> {
  if (!ctx.runStreaming) return ctx.run(argv, { timeoutMs: opts.timeoutMs ?? INSTALL_TIMEOUT_MS });
  return ctx.runStreaming(argv, { timeoutMs: opts.timeoutMs ?? INSTALL_TIMEOUT_MS, env: opts.env, onLine: (l) => opts.onLine?.(l), signal: opts.signal });
}

/** rpm-based backends share the query. */
async function rpmInstalled(ctx: HelperContext, packages: string[]): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const p of packages) {
    const r = await ctx.run(['rpm', '-q', '--qf', '%{VERSION}-%{RELEASE}\\n', p], { timeoutMs: 15_000 });
    out[p] = r.code === 0 ? (r.stdout.trim().split('\n')[0] ?? null) || null : null;
  }
  return out;
}

const LOCKED = /could not get lock|unable to acquire the dpkg frontend lock|is locked by another|waiting for process with pid|another app is currently holding the yum lock|system management is locked|unable to lock database|failed to lock/i;
const NETWORK = /temporary failure resolving|could not resolve|connection timed out|failed to fetch|cannot download|curl error|timed out|network is unreachable/i;

const transient = (r: RunResult) => LOCKED.test(r.stderr + r.stdout) || NETWORK.test(r.stderr + r.stdout);

export const apt: PackageBackend = {
  name: 'apt',
  async installed(ctx, packages) {
    const out: Record<string, string | null> = {};
    const r = await ctx.run(['dpkg-query', '-W', '-f', '${Package}\\t${Status}\\t${Version}\\n', ...packages], { timeoutMs: 15_000 });
    for (const p of packages) out[p] = null;
    for (const line of r.stdout.split('\n')) {
      const [name, status, version] = line.split('\t');
      if (name && status === 'install ok installed' && name in out) out[name] = version || null;
    }
    return out;
  },
  async dryRun(ctx, packages, env) {
    const r = await (ctx.runStreaming?.(['apt-get', '-s', '-q', 'install', '--no-install-recommends', ...packages], { timeoutMs: 120_000, env }) ?? ctx.run(['apt-get', '-s', '-q', 'install', '--no-install-recommends', ...packages], { timeoutMs: 120_000 }));
    const wouldInstall = [...r.stdout.matchAll(/^Inst (\S+) (?:\[[^\]]*\] )?\(([^ )]+)/gm)].map((m) => ({ name: m[1]!, version: m[2] ?? null }));
    const problem = r.code === 0 ? null : (r.stderr.match(/^E: (.*)$/m)?.[1] ?? `apt-get -s exited ${r.code}`);
    return { wouldInstall, problem };
  },
  install: (ctx, packages, opts) =>
    stream(ctx, ['apt-get', 'install', '-y', '-q', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', ...packages], { ...opts, env: { ...opts.env, DEBIAN_FRONTEND: 'noninteractive' } }),
  remove: (ctx, packages, opts) => stream(ctx, ['apt-get', 'remove', '-y', '-q', ...packages], { ...opts, env: { ...opts.env, DEBIAN_FRONTEND: 'noninteractive' } }),
  transient,
  // apt knows a package only once `apt-get update` has listed it (a fresh image has no lists).
  refreshWhen: (r) => /unable to locate package|has no installation candidate|package .* is not available/i.test(r.stderr + r.stdout),
  refresh: (ctx, opts) => stream(ctx, ['apt-get', 'update', '-q'], { ...opts, env: { ...opts.env, DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: 10 * 60_000 }),
};

function dnfLike(name: 'dnf' | 'yum'): PackageBackend {
  return {
    name,
    installed: rpmInstalled,
    async dryRun(ctx, packages, env) {
      const argv = [name, '-q', '--assumeno', 'install', ...packages];
      const r = await (ctx.runStreaming?.(argv, { timeoutMs: 180_000, env }) ?? ctx.run(argv, { timeoutMs: 180_000 }));
      // --assumeno always ends with "Operation aborted": the table before it is the answer.
      const wouldInstall = [...r.stdout.matchAll(/^ (\S+)\s+\S+\s+(\S+)\s+\S+\s+\S+/gm)].filter((m) => !/^(Package|Installing|Upgrading)$/.test(m[1]!)).map((m) => ({ name: m[1]!, version: m[2] ?? null }));
      const text = r.stderr + r.stdout;
      const problem = /No match for argument|Unable to find a match|No package .* available/i.test(text) ? (text.match(/(No match for argument.*|Unable to find a match.*|No package .* available.*)/i)?.[1] ?? 'package not found') : /Nothing to do/i.test(text) ? null : wouldInstall.length || r.code === 1 ? null : `${name} --assumeno exited ${r.code}`;
      return { wouldInstall, problem };
    },
    install: (ctx, packages, opts) => stream(ctx, [name, '-y', 'install', ...packages], opts),
    remove: (ctx, packages, opts) => stream(ctx, [name, '-y', 'remove', ...packages], opts),
    transient,
  };
}

export const dnf = dnfLike('dnf');
export const yum = dnfLike('yum');

export const zypper: PackageBackend = {
  name: 'zypper',
  installed: rpmInstalled,
  async dryRun(ctx, packages, env) {
    const argv = ['zypper', '--non-interactive', '--no-refresh', 'install', '--dry-run', '--no-recommends', ...packages];
    const r = await (ctx.runStreaming?.(argv, { timeoutMs: 180_000, env }) ?? ctx.run(argv, { timeoutMs: 180_000 }));
    // "The following 2 NEW packages are going to be installed:\n  pkg-a pkg-b"
    const block = /NEW packages? (?:is|are) going to be installed:\s*\n((?:\s+\S.*\n?)+)/.exec(r.stdout)?.[1] ?? '';
    const wouldInstall = block.split(/\s+/).filter(Boolean).map((n) => ({ name: n, version: null }));
    const problem = r.code === 0 ? null : (r.stdout.match(/^(No provider of .*|Package '.*' not found.*)$/m)?.[1] ?? `zypper --dry-run exited ${r.code}`);
    return { wouldInstall, problem };
  },
  install: (ctx, packages, opts) => stream(ctx, ['zypper', '--non-interactive', 'install', '--no-recommends', ...packages], opts),
  remove: (ctx, packages, opts) => stream(ctx, ['zypper', '--non-interactive', 'remove', ...packages], opts),
  transient,
};

export const pacman: PackageBackend = {
  name: 'pacman',
  async installed(ctx, packages) {
    const out: Record<string, string | null> = {};
    for (const p of packages) {
      const r = await ctx.run(['pacman', '-Q', p], { timeoutMs: 15_000 });
      out[p] = r.code === 0 ? (r.stdout.trim().split(/\s+/)[1] ?? null) : null;
    }
    return out;
  },
  async dryRun(ctx, packages, env) {
    const argv = ['pacman', '-S', '--print', '--print-format', '%n %v', '--needed', ...packages];
    const r = await (ctx.runStreaming?.(argv, { timeoutMs: 120_000, env }) ?? ctx.run(argv, { timeoutMs: 120_000 }));
    const wouldInstall = r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 2 && f[0]).map(([n, v]) => ({ name: n!, version: v ?? null }));
    const problem = r.code === 0 ? null : (r.stderr.match(/error: (.*)/)?.[1] ?? `pacman --print exited ${r.code}`);
    return { wouldInstall, problem };
  },
  install: (ctx, packages, opts) => stream(ctx, ['pacman', '-S', '--noconfirm', '--needed', ...packages], opts),
  remove: (ctx, packages, opts) => stream(ctx, ['pacman', '-R', '--noconfirm', ...packages], opts),
  transient,
};

export const apk: PackageBackend = {
  name: 'apk',
  async installed(ctx, packages) {
    const out: Record<string, string | null> = {};
    for (const p of packages) {
      const r = await ctx.run(['apk', 'info', '-e', '-v', p], { timeoutMs: 15_000 });
      // "nginx-1.24.0-r15" → version after the name
      const line = r.stdout.trim().split('\n')[0] ?? '';
      out[p] = r.code === 0 && line.startsWith(`${p}-`) ? line.slice(p.length + 1) : null;
    }
    return out;
  },
  async dryRun(ctx, packages, env) {
    const argv = ['apk', 'add', '--simulate', '--no-progress', ...packages];
    const r = await (ctx.runStreaming?.(argv, { timeoutMs: 120_000, env }) ?? ctx.run(argv, { timeoutMs: 120_000 }));
    const wouldInstall = [...r.stdout.matchAll(/Installing (\S+) \(([^)]+)\)/g)].map((m) => ({ name: m[1]!, version: m[2] ?? null }));
    const problem = r.code === 0 ? null : (r.stderr.match(/ERROR: (.*)/)?.[1] ?? `apk --simulate exited ${r.code}`);
    return { wouldInstall, problem };
  },
  install: (ctx, packages, opts) => stream(ctx, ['apk', 'add', '--no-progress', ...packages], opts),
  remove: (ctx, packages, opts) => stream(ctx, ['apk', 'del', '--no-progress', ...packages], opts),
  transient,
};

export const BACKENDS: Record<BackendName, PackageBackend> = { apt, dnf, yum, zypper, pacman, apk };

/**
 * The host's proxy settings for package tools: the root helper runs with an empty environment,
 * so what /etc/environment sets (where admins put http_proxy) is passed on explicitly. apt and dnf
 * also read their own proxy settings from their config files.
 */
export function proxyEnv(etcEnvironment: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (etcEnvironment ?? '').split('\n')) {
    const m = /^\s*(?:export\s+)?(https?_proxy|no_proxy|ftp_proxy|HTTPS?_PROXY|NO_PROXY|FTP_PROXY)\s*=\s*"?([^"\n]*)"?\s*$/.exec(line);
    if (m && m[2]!.length < 2048) out[m[1]!] = m[2]!;
  }
  return out;
}
