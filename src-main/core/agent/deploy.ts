import type { Client } from 'ssh2';
import { FleetdeckError } from '../../../src-common/problems.js';
import { loadAssets, nodeArch, type HelperAssets, type RuntimeAsset } from './assets.js';
import { glibcAtLeast, MIN_GLIBC_FOR_RUNTIME, parseBootstrapOutput, type BootstrapFacts } from './bootstrap-facts.js';
import { HelperClient } from './helper-client.js';
import { channelTransport, execCapture, execChannel, type ExecResult } from './remote-exec.js';

/**
 * Step 4 and 5 of a connect: run bootstrap.sh, push what is missing (the helper, and a portable
 * Node where the host has none) into a content-hash dir, then start the helper and check it is
 * exactly the build we pushed. Nothing is downloaded by the host, nothing runs from /tmp.
 */
export interface DeployResult {
  helper: HelperClient;
  facts: BootstrapFacts;
  nodePath: string;
  helperPath: string;
  pushedHelper: boolean;
  pushedRuntime: boolean;
}

export interface DeployOptions {
  label: string;
  log?: (line: string) => void;
  assets?: HelperAssets;
  /** Defaults to the pinned runtime even when the host has a usable Node (tests, odd hosts). */
  preferPushedRuntime?: boolean;
}

const BOOTSTRAP_NAME = 'fleetdeck-bootstrap';
const SPACE_MARGIN = 16 * 1024 * 1024;

function bootstrapArgv(assets: HelperAssets, args: string[]): string[] {
  return ['sh', '-c', assets.bootstrap, BOOTSTRAP_NAME, ...args];
}

async function runBootstrap(client: Client, assets: HelperAssets, args: string[], stdin: Buffer | { file: string } | undefined, label: string, timeoutMs = 60_000) {
  const res = await execCapture(client, bootstrapArgv(assets, args), { stdin, timeoutMs, label: `bootstrap ${args[0]} on ${label}` });
  if (res.code === null && !res.stdout) {
    throw new FleetdeckError('disconnected', `${label} closed the connection while Fleetdeck was setting up its helper${res.signal ? ` (signal ${res.signal})` : ''}. Check the host's sshd logs (ForceCommand, or a login shell that exits).`);
  }
  return res;
}

function pickRuntime(assets: HelperAssets, facts: BootstrapFacts, label: string): RuntimeAsset {
  const arch = nodeArch(facts.arch);
  if (facts.libc === 'musl') {
    throw new FleetdeckError('unsupported-os', `${label} uses musl libc (e.g. Alpine) and has no Node.js ≥ 18. Install it on the host (apk add nodejs), then connect again.`);
  }
  if (facts.libc === 'glibc' && !glibcAtLeast(facts.libcVersion, MIN_GLIBC_FOR_RUNTIME)) {
    throw new FleetdeckError('unsupported-os', `${label} has glibc ${facts.libcVersion}, older than the 2.28 that Fleetdeck's portable Node needs, and no Node.js ≥ 18. Install Node.js 18+ from your distribution, then connect again.`);
  }
  const runtime = assets.runtimes.find((r) => r.arch === arch);
  if (!runtime) {
    throw new FleetdeckError('unsupported-os', `${label} (${facts.arch}) has no Node.js ≥ 18, and this Fleetdeck build carries no portable Node for ${facts.arch}. Install Node.js 18+ on the host, or run "node scripts/fetch-runtime.mjs ${arch ?? facts.arch}".`);
  }
  return runtime;
}

function noDirProblem(facts: BootstrapFacts, label: string): FleetdeckError {
  const why = (state: string) =>
    state === 'noexec' ? 'mounted noexec' : state === 'unsafe' ? `a symlink, not owned by ${facts.user}, or writable by other users` : 'not writable';
  const tried = facts.candidates.map((c) => `${c.dir} (${why(c.state)})`).join(', ');
  const fallback = `/var/lib/fleetdeck/u-${facts.uid}`;
  return new FleetdeckError(
    'no-exec-dir',
    `Fleetdeck found no directory on ${label} where ${facts.user} may write and execute its helper: ${tried}. It never uses /tmp or a noexec mount. Ask an admin to run: sudo install -d -o ${facts.user} -m 700 ${fallback}`,
    { candidates: facts.candidates },
  );
}

export async function deployHelper(client: Client, opts: DeployOptions): Promise<DeployResult> {
  const assets = opts.assets ?? loadAssets();
  const log = opts.log ?? (() => undefined);
  const label = opts.label;

  let started = Date.now();
  log('4/5 bootstrap …');
  const runtimeHint = assets.runtimes[0]?.id ?? 'none';
  let facts = parseBootstrapOutput((await runBootstrap(client, assets, ['probe', assets.helperHash, runtimeHint], undefined, label)).stdout);

  // The runtime id depends on the host's arch; ask again if the first guess was another arch.
  const useSystemNode = !!facts.nodePath && !opts.preferPushedRuntime;
  const runtime = useSystemNode ? null : pickRuntime(assets, facts, label);
  if (runtime && runtime.id !== runtimeHint) {
    facts = parseBootstrapOutput((await runBootstrap(client, assets, ['probe', assets.helperHash, runtime.id], undefined, label)).stdout);
  }
  if (!facts.dir) throw noDirProblem(facts, label);

  if (facts.nodeUntrusted.length) log(`    not using ${facts.nodeUntrusted.join(', ')}: another user could change it (a file or directory on its path is not owned by root or ${facts.user}, or is group/other-writable)`);

  let pushedRuntime = false;
  let nodePath = facts.nodePath ?? '';
  // Pushed once per host: where the user has no runtime of their own, the one root published for every user.
  const sharedRuntime = runtime && !facts.runtimePresent ? facts.runtimeShared : null;
  if (sharedRuntime) {
    nodePath = sharedRuntime;
    log(`    using the runtime root published on the host (${nodePath})`);
  } else if (runtime) {
    nodePath = runtimeNodePath(facts.dir, runtime);
    if (!facts.runtimePresent) {
      await pushRuntime(client, assets, facts.dir, facts.freeBytes, runtime, label, log);
      pushedRuntime = true;
    }
  }

  let pushedHelper = false;
  const helperPath = `${facts.dir}/helper-${assets.helperHash}/helper.cjs`;
  if (!facts.helperPresent) {
    await pushHelper(client, assets, facts.dir, label);
    pushedHelper = true;
  }
  log(`4/5 bootstrap ok (${Date.now() - started} ms; ${facts.arch}, ${facts.libc} ${facts.libcVersion ?? ''}, node ${runtime ? `${runtime.version} (${pushedRuntime ? 'pushed' : sharedRuntime ? 'shared' : 'reused'})` : facts.nodeVersion}, helper ${pushedHelper ? 'pushed' : 'reused'})`);

  started = Date.now();
  log('5/5 helper init …');
  let helper: HelperClient;
  try {
    helper = await startHelper(client, [nodePath, helperPath], assets.helperHash, label);
  } catch (err) {
    // The file changed between the hash check and the start (another Fleetdeck, a user): push it
    // again and retry once. A stale helper is never spoken to.
    if (!(err instanceof FleetdeckError) || !err.details?.staleHelper) throw err;
    log('    the helper on the host is not the expected build: replacing it');
    await pushHelper(client, assets, facts.dir, label);
    pushedHelper = true;
    helper = await startHelper(client, [nodePath, helperPath], assets.helperHash, label);
  }
  log(`5/5 helper init ok (${Date.now() - started} ms; pid ${helper.init.pid} as ${helper.init.user})`);
  return { helper, facts, nodePath, helperPath, pushedHelper, pushedRuntime };
}

function runtimeNodePath(dir: string, runtime: RuntimeAsset): string {
  return `${dir}/runtime-${runtime.id}/bin/node`;
}

async function pushRuntime(client: Client, assets: HelperAssets, dir: string, freeBytes: number | null, runtime: RuntimeAsset, label: string, log: (line: string) => void): Promise<void> {
  if (freeBytes !== null && freeBytes < 110 * 1024 * 1024 + SPACE_MARGIN) {
    throw new FleetdeckError('no-space', `${label} has only ${Math.round(freeBytes / 1e6)} MB free in ${dir}; Fleetdeck's portable Node needs about 110 MB. Free some space or install Node.js 18+ on the host.`);
  }
  const t = Date.now();
  log(`    pushing portable Node ${runtime.version} (${runtime.arch}) to ${dir} …`);
  const res = await runBootstrap(client, assets, ['install-runtime', dir, runtime.id, runtime.sha256], { file: runtime.gzPath }, label, 300_000);
  if (!/^installed=/m.test(res.stdout)) throw installProblem('the Node runtime', dir, res.stdout, res.stderr, label);
  log(`    runtime installed (${Date.now() - t} ms)`);
}

async function pushHelper(client: Client, assets: HelperAssets, dir: string, label: string): Promise<void> {
  const res = await runBootstrap(client, assets, ['install-helper', dir, assets.helperHash], assets.helper, label);
  if (!/^installed=/m.test(res.stdout)) throw installProblem('the helper', dir, res.stdout, res.stderr, label);
}

function installProblem(what: string, dir: string, stdout: string, stderr: string, label: string): FleetdeckError {
  const error = /^error=(.*)$/m.exec(stdout)?.[1] ?? stderr.trim().split('\n').pop() ?? 'no output';
  // bootstrap.sh removes its temp dir on a failed write, so only the fix is left to say.
  if (/No space left|Disk quota exceeded/i.test(stderr)) {
    const alternative = what === 'the Node runtime' ? ', or install Node.js 18+ on the host (then no runtime is pushed)' : '';
    return new FleetdeckError('no-space', `${label} ran out of disk space in ${dir} while installing ${what}; nothing half-installed was left behind. Free some space there (check with: df -h ${dir}) and connect again${alternative}.`, { dir });
  }
  return new FleetdeckError('protocol-error', `Installing ${what} on ${label} failed: ${error}. Nothing half-installed was left behind.`);
}

async function startHelper(client: Client, argv: string[], expectedHash: string, label: string): Promise<HelperClient> {
  const stream = await execChannel(client, argv);
  return HelperClient.start(channelTransport(stream), { label, expectedHash });
}

const SUDO_PROMPT = '[fleetdeck-sudo-prompt]';
/** The only PATH root-start.sh (and so the root helper and everything it runs) ever sees. */
export const ROOT_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const ROOT_ERROR = /^fleetdeck-root-error=([a-z-]+)$/m;

export interface ElevateOptions {
  label: string;
  password?: string;
  assets?: HelperAssets;
  log?: (line: string) => void;
}

/**
 * Starts a second helper as root through sudo: `sudo -n` where allowed, else `sudo -S` fed the
 * password the user typed (in memory only; never logged, never stored in plain text).
 *
 * Root never runs a file from the login user's dir: root-start.sh copies the helper (and, when
 * the host's node is not trustworthy, the portable runtime) into a root-owned dir, checks them
 * against the hashes this app expects, and hashes them again before every start. sudo gets no
 * environment (`env -i` with a fixed PATH). When the login user's copy is not the expected build
 * (replaced after connect) or there is no runtime for root yet, the file is pushed again as the
 * login user and the start is tried once more.
 */
export async function startElevatedHelper(client: Client, deployed: DeployResult, opts: ElevateOptions): Promise<HelperClient> {
  const { label } = opts;
  const assets = opts.assets ?? loadAssets();
  const log = opts.log ?? (() => undefined);
  const facts = deployed.facts;
  if (facts.sudo === 'absent') throw new FleetdeckError('sudo-required', `sudo is not installed on ${label}, so Fleetdeck cannot act as root there. Log in as root, or install sudo.`);
  if (facts.sudo === 'untrusted' || !facts.sudoPath) throw new FleetdeckError('access-denied', `The sudo that ${facts.user} finds on ${label} could be changed by other users (it is not a root-owned file in root-owned directories), so Fleetdeck will not give it a password or run it. Check the host (ls -l "$(command -v sudo)").`);
  const dir = facts.dir!;
  const runtime = pickRuntimeOrNull(assets, facts);
  for (let attempt = 0; ; attempt++) {
    try {
      return await startRootStage(client, deployed, assets, runtime, opts);
    } catch (err) {
      const code = err instanceof FleetdeckError ? (err.details?.rootStage as string | undefined) : undefined;
      if (attempt > 0 || (code !== 'stale-helper' && code !== 'need-runtime')) throw err;
      if (code === 'stale-helper') {
        log(`    the helper in ${dir} is not the expected build (changed after connect?): pushing it again before root copies it`);
        await pushHelper(client, assets, dir, label);
      } else {
        if (!runtime) {
          throw new FleetdeckError('unsupported-os', `Root on ${label} would have to run a node that other users can change${facts.nodeUntrusted.length ? ` (${facts.nodeUntrusted.join(', ')})` : ''}, and this Fleetdeck build carries no portable Node for ${facts.arch}. Make the host's node root-owned and not group/other-writable, or run "node scripts/fetch-runtime.mjs".`);
        }
        log(`    the host's node is not one root may run: pushing the portable runtime for root to copy`);
        await pushRuntime(client, assets, dir, facts.freeBytes, runtime, label, log);
      }
    }
  }
}

function pickRuntimeOrNull(assets: HelperAssets, facts: BootstrapFacts): RuntimeAsset | null {
  if (facts.libc === 'musl') return null;
  const arch = nodeArch(facts.arch);
  return assets.runtimes.find((r) => r.arch === arch) ?? null;
}

async function startRootStage(client: Client, deployed: DeployResult, assets: HelperAssets, runtime: RuntimeAsset | null, opts: ElevateOptions): Promise<HelperClient> {
  const { label } = opts;
  const facts = deployed.facts;
  // The host's own node is offered only when the user helper runs on it (bootstrap found it
  // trustworthy for the login user); root-start.sh checks it again, as root.
  const usesSystemNode = !!facts.nodePath && deployed.nodePath === facts.nodePath;
  const stage = [
    '/usr/bin/env', '-i', `PATH=${ROOT_PATH}`, 'LC_ALL=C',
    '/bin/sh', '-c', assets.rootStart, 'fleetdeck-root-start',
    facts.dir!, assets.helperHash, runtime?.id ?? 'none', runtime?.sha256 ?? 'none', usesSystemNode ? facts.nodePath! : '', String(facts.uid),
  ];
  const useNoPasswd = facts.sudo === 'nopasswd' || !opts.password;
  const argv = useNoPasswd ? [facts.sudoPath!, '-n', '--', ...stage] : [facts.sudoPath!, '-S', '-p', SUDO_PROMPT, '--', ...stage];
  const stream = await execChannel(client, argv);
  const transport = channelTransport(stream);
  let prompts = 0;
  let sudoError = '';
  const promptFailure = new Promise<never>((_, reject) => {
    stream.stderr.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      sudoError = (sudoError + text).slice(-2000);
      const stageError = ROOT_ERROR.exec(sudoError)?.[1];
      if (stageError) {
        transport.end();
        reject(rootStageProblem(stageError, label));
      }
      if (text.includes(SUDO_PROMPT)) {
        prompts++;
        if (prompts === 1 && opts.password !== undefined) stream.write(`${opts.password}\n`);
        else {
          transport.end();
          reject(new FleetdeckError('authentication-failed', `sudo on ${label} did not accept the password. Enter the sudo password of ${facts.user} again.`, { needs: 'sudo-password' }));
        }
      }
      if (/a password is required|a terminal is required/.test(text)) {
        transport.end();
        reject(new FleetdeckError('sudo-required', `sudo on ${label} needs a password for ${facts.user}: enter it, or add a NOPASSWD rule for Fleetdeck.`, { needs: 'sudo-password' }));
      }
      if (/is not in the sudoers file|not allowed to execute|may not run sudo/.test(text)) {
        transport.end();
        reject(new FleetdeckError('access-denied', `${facts.user} may not use sudo on ${label}. Ask an admin to grant it, or connect as an admin user.`));
      }
      if (/must have a tty/.test(text)) {
        transport.end();
        reject(new FleetdeckError('sudo-required', `sudo on ${label} requires a tty ("Defaults requiretty"). Remove that default for ${facts.user}, or add a NOPASSWD rule.`));
      }
    });
  });
  promptFailure.catch(() => undefined);
  const started = HelperClient.start(transport, { label: `${label} (root)`, expectedHash: assets.helperHash, initTimeoutMs: 20_000 });
  // The stage's own error may arrive with the channel's close rather than before it.
  return Promise.race([started, promptFailure]).catch((err: unknown) => {
    const stageError = ROOT_ERROR.exec(sudoError)?.[1];
    throw stageError ? rootStageProblem(stageError, label) : err;
  });
}

/**
 * A short script run once as root, the way the root helper is started: the trusted sudo by
 * absolute path, no environment (env -i, ROOT_PATH), the script from this app in argv. A sudo
 * password, when needed, goes on stdin (sudo -S reads one line; the script reads nothing).
 */
export async function execAsRoot(client: Client, facts: BootstrapFacts, script: string, name: string, args: string[], opts: { label: string; password?: string; timeoutMs?: number }): Promise<ExecResult> {
  if (facts.sudo === 'absent' || facts.sudo === 'untrusted' || !facts.sudoPath) {
    throw new FleetdeckError('sudo-required', `${opts.label} has no sudo Fleetdeck may use, so this step cannot run as root. Log in as root, or install sudo.`);
  }
  const stage = ['/usr/bin/env', '-i', `PATH=${ROOT_PATH}`, 'LC_ALL=C', '/bin/sh', '-c', script, name, ...args];
  const withPassword = facts.sudo === 'password' && opts.password !== undefined;
  const argv = withPassword ? [facts.sudoPath, '-S', '-p', SUDO_PROMPT, '--', ...stage] : [facts.sudoPath, '-n', '--', ...stage];
  const res = await execCapture(client, argv, { stdin: withPassword ? Buffer.from(`${opts.password}\n`) : undefined, timeoutMs: opts.timeoutMs ?? 60_000, label: `${name} on ${opts.label}` });
  if (/a password is required|a terminal is required/.test(res.stderr)) throw new FleetdeckError('sudo-required', `sudo on ${opts.label} needs a password for ${facts.user}: enter it to include what root owns.`, { needs: 'sudo-password' });
  if (/incorrect password|Sorry, try again/.test(res.stderr) || res.stderr.split(SUDO_PROMPT).length > 2) throw new FleetdeckError('authentication-failed', `sudo on ${opts.label} did not accept the password.`, { needs: 'sudo-password' });
  if (/is not in the sudoers file|not allowed to execute|may not run sudo/.test(res.stderr)) throw new FleetdeckError('access-denied', `${facts.user} may not use sudo on ${opts.label}.`);
  return res;
}

function rootStageProblem(code: string, label: string): FleetdeckError {
  const details = { rootStage: code };
  switch (code) {
    case 'stale-helper':
      return new FleetdeckError('protocol-error', `The helper Fleetdeck put on ${label} is not the expected build, so root refused to run it.`, details);
    case 'need-runtime':
      return new FleetdeckError('unsupported-os', `${label} has no node that root may run (one only root or the login user can change), and no portable runtime for root yet.`, details);
    case 'unsafe-root-dir':
      return new FleetdeckError('access-denied', `/var/lib/fleetdeck/root on ${label} (or a directory above it) is a symlink, not owned by root, or writable by other users, so root will not run Fleetdeck's helper from it. Check it with: sudo ls -ld /var/lib/fleetdeck /var/lib/fleetdeck/root`, details);
    case 'mkdir-failed':
      return new FleetdeckError('access-denied', `Root could not create /var/lib/fleetdeck/root on ${label} (read-only /var?).`, details);
    default:
      return new FleetdeckError('protocol-error', `Starting Fleetdeck's root helper on ${label} failed: ${code}.`, details);
  }
}
