import { FleetdeckError } from '../../../src-common/problems.js';
import type { HelperContext, RunResult } from '../context.js';

/**
 * Package backends, chosen from the probe (the core passes `backend`), never from the distro
 * name. Each can say what is installed, dry-run an install (what would change, without changing
 * anything), install and remove, streaming the tool's output. Every command is an argv.
 */
export type BackendName = 'apt' | 'dnf' | 'yum' | 'zypper' | 'pacman' | 'apk' | 'none';

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
  /**
   * Every installed package's name, where removing a package leaves the dependencies it pulled
   * in behind (apt): an install records what it added, and a rollback removes those of them
   * nothing needs any more (orphans). dnf, zypper (--clean-deps), pacman (-Rs) and apk do that
   * themselves when they remove.
   */
  allInstalled?(ctx: HelperContext): Promise<Set<string>>;
  /** Installed packages nothing needs any more (what an autoremove would remove). */
  orphans?(ctx: HelperContext): Promise<Set<string>>;
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
    // Not installed: exit 1, "package X is not installed" on stdout. Several versions (kernel): the first.
    const r = await ctx.run(['rpm', '-q', '--qf', '%{VERSION}-%{RELEASE}\\n', p], { timeoutMs: 15_000 });
    out[p] = r.code === 0 ? (r.stdout.trim().split('\n')[0] ?? null) || null : null;
  }
  return out;
}

const LOCKED = /could not get lock|unable to acquire the dpkg frontend lock|is locked by another|waiting for process with pid|another app is currently holding the yum lock|system management is locked|unable to lock database|failed to lock/i;
const NETWORK = /temporary failure resolving|could not resolve|connection timed out|failed to fetch|cannot download|curl error|timed out|network is unreachable/i;

const transient = (r: RunResult) => LOCKED.test(r.stderr + r.stdout) || NETWORK.test(r.stderr + r.stdout);

/**
 * Removes only what is installed now: a rollback after someone removed the package by hand must
 * not fail on it (pacman -R and zypper remove refuse a package that is not there; apt and dnf
 * shrug). Nothing installed: nothing runs.
 */
async function removeInstalled(backend: PackageBackend, ctx: HelperContext, packages: string[], opts: InstallOptions, argv: (present: string[]) => string[]): Promise<RunResult> {
  const now = await backend.installed(ctx, packages);
  const present = packages.filter((p) => now[p] !== null);
  if (!present.length) {
    opts.onLine?.(`${packages.join(' ')}: not installed, nothing to remove`);
    return { code: 0, stdout: '', stderr: '' };
  }
  return stream(ctx, argv(present), opts);
}

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
  remove: (ctx, packages, opts) => removeInstalled(apt, ctx, packages, opts, (present) => ['apt-get', 'remove', '-y', '-q', ...present]),
  async allInstalled(ctx) {
    const r = await ctx.run(['dpkg-query', '-W', '-f', '${Package}\\t${Status}\\n'], { timeoutMs: 30_000 });
    return new Set(parseDpkgInstalled(r.stdout));
  },
  async orphans(ctx) {
    const r = await ctx.run(['apt-get', '-s', '-q', 'autoremove'], { timeoutMs: 120_000 });
    return new Set(r.code === 0 ? parseAptRemovals(r.stdout) : []);
  },
  transient,
  // apt knows a package only once `apt-get update` has listed it (a fresh image has no lists).
  refreshWhen: (r) => /unable to locate package|has no installation candidate|package .* is not available/i.test(r.stderr + r.stdout),
  refresh: (ctx, opts) => stream(ctx, ['apt-get', 'update', '-q'], { ...opts, env: { ...opts.env, DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: 10 * 60_000 }),
};

/**
 * What `dnf/yum --assumeno install` would add, from its transaction table (the table is the
 * only answer: `-q` hides it, and --assumeno always ends with "Operation aborted", exit 1).
 * Rows under "Installing…", "Upgrading" and "Downgrading" count; a name too long for its column
 * sits alone on its line with the rest of the row on the next one.
 */
export function parseDnfTransaction(stdout: string): { name: string; version: string | null }[] {
  const out: { name: string; version: string | null }[] = [];
  const lines = stdout.split('\n');
  let counting = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^Transaction Summary/.test(line)) break;
    if (/^\S.*:\s*$/.test(line)) {
      counting = /^(Installing|Upgrading|Updating|Downgrading)\b/.test(line);
      continue;
    }
    if (!counting || !/^ \S/.test(line)) continue;
    let fields = line.trim().split(/\s+/);
    if (fields.length === 1 && /^\s{2,}\S/.test(lines[i + 1] ?? '')) fields = [...fields, ...lines[++i]!.trim().split(/\s+/)];
    // name arch version repository size [unit]
    if (fields.length >= 5) out.push({ name: fields[0]!, version: fields[2] ?? null });
  }
  return out;
}

function dnfLike(name: 'dnf' | 'yum'): PackageBackend {
  // Recommends stay out, as with apt's --no-install-recommends (yum has no weak dependencies).
  const noWeak = name === 'dnf' ? ['--setopt=install_weak_deps=False'] : [];
  const self: PackageBackend = {
    name,
    installed: rpmInstalled,
    async dryRun(ctx, packages, env) {
      const argv = [name, '--assumeno', ...noWeak, 'install', ...packages];
      const r = await (ctx.runStreaming?.(argv, { timeoutMs: 180_000, env }) ?? ctx.run(argv, { timeoutMs: 180_000 }));
      const wouldInstall = parseDnfTransaction(r.stdout);
      const text = `${r.stderr}\n${r.stdout}`;
      const notFound = /^(?:Error: )?(Unable to find a match.*|No match for argument.*|No package .* available.*)$/m.exec(text)?.[1];
      const error = /^Error: (.*)$/m.exec(text)?.[1];
      // exit 1 with the table (or "Operation aborted") is the dry run's normal end; "Nothing to do" exits 0.
      const problem = notFound ?? error ?? (wouldInstall.length || r.code === 0 || /Nothing to do|Operation aborted/i.test(text) ? null : `${name} --assumeno exited ${r.code ?? 'on a timeout'}`);
      return { wouldInstall, problem };
    },
    install: (ctx, packages, opts) => stream(ctx, [name, '-y', ...noWeak, 'install', ...packages], opts),
    remove: (ctx, packages, opts) => removeInstalled(self, ctx, packages, opts, (present) => [name, '-y', 'remove', ...present]),
    transient,
  };
  return self;
}

export const dnf = dnfLike('dnf');
export const yum = dnfLike('yum');

const xmlText = (s: string) => s.replace(/&(apos|quot|lt|gt|amp);/g, (_, e: string) => ({ apos: "'", quot: '"', lt: '<', gt: '>', amp: '&' })[e]!);

/** `zypper -x install --dry-run`: the <to-install> solvables, and the first error message. */
export function parseZypperDryRun(xml: string): DryRun {
  const block = /<to-install>([\s\S]*?)<\/to-install>/.exec(xml)?.[1] ?? '';
  const wouldInstall = [...block.matchAll(/<solvable\b([^>]*)>/g)]
    .map((m) => ({ type: /\btype="([^"]*)"/.exec(m[1]!)?.[1], name: /\bname="([^"]*)"/.exec(m[1]!)?.[1], edition: /\bedition="([^"]*)"/.exec(m[1]!)?.[1] }))
    .filter((s) => s.name && (s.type === undefined || s.type === 'package'))
    .map((s) => ({ name: xmlText(s.name!), version: s.edition ? xmlText(s.edition) : null }));
  const error = /<message type="error">([\s\S]*?)<\/message>/.exec(xml)?.[1];
  return { wouldInstall, problem: error ? xmlText(error).trim() : null };
}

/**
 * zypper's exit codes 100-107 are not failures (zypper(8), EXIT CODES): 100/101 updates are
 * available, 102 reboot needed, 103 zypper itself was updated. 106 (a repository was skipped:
 * its mirror is down) and 107 (a package's %post script failed) end an install that may well
 * have happened: the rpm database decides. 104 (not found) and 105 (stopped by a signal) fail.
 */
const ZYPPER_DONE = new Set([0, 100, 101, 102, 103]);
async function zypperOutcome(ctx: HelperContext, r: RunResult, packages: string[], want: 'present' | 'absent', opts: InstallOptions): Promise<RunResult> {
  if (r.code !== null && ZYPPER_DONE.has(r.code)) {
    if (r.code === 102) opts.onLine?.('zypper: the host needs a reboot for this change to take full effect');
    return { ...r, code: 0 };
  }
  if (r.code === 106 || r.code === 107) {
    const now = await rpmInstalled(ctx, packages);
    if (packages.every((p) => (want === 'present' ? now[p] !== null : now[p] === null))) {
      opts.onLine?.(r.code === 106 ? 'zypper skipped a repository it could not refresh, but the packages are in' : 'zypper: a package script failed, but the packages are installed: check the output above');
      return { ...r, code: 0 };
    }
  }
  return r;
}

export const zypper: PackageBackend = {
  name: 'zypper',
  installed: rpmInstalled,
  async dryRun(ctx, packages, env) {
    // --no-refresh: reading the host downloads nothing; apply's install refreshes as zypper is set to.
    const argv = ['zypper', '--xmlout', '--non-interactive', '--no-refresh', 'install', '--dry-run', '--no-recommends', ...packages];
    const r = await (ctx.runStreaming?.(argv, { timeoutMs: 180_000, env }) ?? ctx.run(argv, { timeoutMs: 180_000 }));
    const parsed = parseZypperDryRun(r.stdout);
    const ok = r.code !== null && (ZYPPER_DONE.has(r.code) || r.code === 106);
    return { wouldInstall: parsed.wouldInstall, problem: parsed.problem ?? (ok ? null : `zypper --dry-run exited ${r.code ?? 'on a timeout'}`) };
  },
  install: async (ctx, packages, opts) => zypperOutcome(ctx, await stream(ctx, ['zypper', '--non-interactive', 'install', '--auto-agree-with-licenses', '--no-recommends', ...packages], opts), packages, 'present', opts),
  remove: (ctx, packages, opts) =>
    removeInstalled(zypper, ctx, packages, opts, (present) => ['zypper', '--non-interactive', 'remove', '--clean-deps', ...present]).then((r) => zypperOutcome(ctx, r, packages, 'absent', opts)),
  transient,
};

export const pacman: PackageBackend = {
  name: 'pacman',
  async installed(ctx, packages) {
    const out: Record<string, string | null> = {};
    for (const p of packages) {
      // "name version"; not installed: exit 1, "error: package 'x' was not found". A name only
      // another package provides answers with that package (it counts: the need is met).
      const r = await ctx.run(['pacman', '-Q', p], { timeoutMs: 15_000 });
      out[p] = r.code === 0 ? (r.stdout.trim().split('\n')[0]?.split(/\s+/)[1] ?? null) : null;
    }
    return out;
  },
  async dryRun(ctx, packages, env) {
    const argv = ['pacman', '-S', '--print', '--print-format', '%n %v', '--needed', '--noconfirm', ...packages];
    const r = await (ctx.runStreaming?.(argv, { timeoutMs: 120_000, env }) ?? ctx.run(argv, { timeoutMs: 120_000 }));
    const wouldInstall = r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 2 && f[0] && !f[0].startsWith('::')).map(([n, v]) => ({ name: n!, version: v ?? null }));
    const problem = r.code === 0 ? null : (r.stderr.match(/error: (.*)/)?.[1] ?? `pacman --print exited ${r.code ?? 'on a timeout'}`);
    return { wouldInstall, problem };
  },
  install: (ctx, packages, opts) => stream(ctx, ['pacman', '-S', '--noconfirm', '--needed', ...packages], opts),
  remove: (ctx, packages, opts) => removeInstalled(pacman, ctx, packages, opts, (present) => ['pacman', '-Rs', '--noconfirm', ...present]),
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
    const wouldInstall = [...r.stdout.matchAll(/\((?:\d+)\/(?:\d+)\) (?:Installing|Upgrading) (\S+) \(([^)]+)\)/g)].map((m) => ({ name: m[1]!, version: (m[2] ?? '').split(' -> ').pop() || null }));
    // "ERROR: unable to select packages:\n  nosuch (no such package):\n    required by: world[nosuch]"
    const err = /ERROR: (.*)((?:\n {2,}.*){0,2})/.exec(r.stderr + r.stdout);
    const problem = r.code === 0 ? null : err ? `${err[1]}${err[2] ? ` ${err[2].trim().replace(/\s*\n\s*/g, '; ')}` : ''}` : `apk --simulate exited ${r.code ?? 'on a timeout'}`;
    return { wouldInstall, problem };
  },
  install: (ctx, packages, opts) => stream(ctx, ['apk', 'add', '--no-progress', ...packages], opts),
  remove: (ctx, packages, opts) => removeInstalled(apk, ctx, packages, opts, (present) => ['apk', 'del', '--no-progress', ...present]),
  transient,
};

/** A host without a package manager Fleetdeck knows: reads say "not installed", changes are refused. */
const noBackend = (): never => {
  throw new FleetdeckError('unsupported-os', 'This host has no package manager Fleetdeck knows (apt, dnf, yum, zypper, pacman or apk): a plan that installs packages cannot run here.');
};
const none: PackageBackend = {
  name: 'none',
  installed: async (_c, packages) => Object.fromEntries(packages.map((p) => [p, null])),
  dryRun: async () => noBackend(),
  install: async () => noBackend(),
  remove: async () => noBackend(),
  transient: () => false,
};

export const BACKENDS: Record<BackendName, PackageBackend> = { apt, dnf, yum, zypper, pacman, apk, none };

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

/** dpkg-query -W -f '${Package}\t${Status}\n' → the names that are installed. */
export function parseDpkgInstalled(out: string): string[] {
  const names: string[] = [];
  for (const line of out.split('\n')) {
    const [name, status] = line.split('\t');
    if (name && status === 'install ok installed') names.push(name);
  }
  return names;
}

/** apt-get -s autoremove (or remove) → the packages it would remove ("Remv NAME [VERSION]"). */
export function parseAptRemovals(out: string): string[] {
  return [...out.matchAll(/^Remv (\S+)/gm)].map((m) => m[1]!.replace(/:[a-z0-9]+$/, ''));
}
