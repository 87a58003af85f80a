import type { Client } from 'ssh2';
import { FleetdeckError } from '../../../src-common/problems.js';
import { loadAssets, nodeArch, type HelperAssets, type RuntimeAsset } from './assets.js';
import { glibcAtLeast, MIN_GLIBC_FOR_RUNTIME, parseBootstrapOutput, type BootstrapFacts } from './bootstrap-facts.js';
import { HelperClient } from './helper-client.js';
import { channelTransport, execCapture, execChannel } from './remote-exec.js';

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

  let pushedRuntime = false;
  let nodePath = facts.nodePath ?? '';
  if (runtime) {
    nodePath = `${facts.dir}/runtime-${runtime.id}/bin/node`;
    if (!facts.runtimePresent) {
      if (facts.freeBytes !== null && facts.freeBytes < 110 * 1024 * 1024 + SPACE_MARGIN) {
        throw new FleetdeckError('no-space', `${label} has only ${Math.round(facts.freeBytes / 1e6)} MB free in ${facts.dir}; Fleetdeck's portable Node needs about 110 MB. Free some space or install Node.js 18+ on the host.`);
      }
      const t = Date.now();
      log(`    pushing portable Node ${runtime.version} (${runtime.arch}) to ${facts.dir} …`);
      const res = await runBootstrap(client, assets, ['install-runtime', facts.dir, runtime.id, runtime.sha256], { file: runtime.gzPath }, label, 300_000);
      if (!/^installed=/m.test(res.stdout)) throw installProblem('the Node runtime', res.stdout, res.stderr, label);
      pushedRuntime = true;
      log(`    runtime installed (${Date.now() - t} ms)`);
    }
  }

  let pushedHelper = false;
  const helperPath = `${facts.dir}/helper-${assets.helperHash}/helper.cjs`;
  if (!facts.helperPresent) {
    const res = await runBootstrap(client, assets, ['install-helper', facts.dir, assets.helperHash], assets.helper, label);
    if (!/^installed=/m.test(res.stdout)) throw installProblem('the helper', res.stdout, res.stderr, label);
    pushedHelper = true;
  }
  log(`4/5 bootstrap ok (${Date.now() - started} ms; ${facts.arch}, ${facts.libc} ${facts.libcVersion ?? ''}, node ${runtime ? runtime.version + ' (pushed)' : facts.nodeVersion}, helper ${pushedHelper ? 'pushed' : 'reused'})`);

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
    const res = await runBootstrap(client, assets, ['install-helper', facts.dir, assets.helperHash], assets.helper, label);
    if (!/^installed=/m.test(res.stdout)) throw installProblem('the helper', res.stdout, res.stderr, label);
    pushedHelper = true;
    helper = await startHelper(client, [nodePath, helperPath], assets.helperHash, label);
  }
  log(`5/5 helper init ok (${Date.now() - started} ms; pid ${helper.init.pid} as ${helper.init.user})`);
  return { helper, facts, nodePath, helperPath, pushedHelper, pushedRuntime };
}

function installProblem(what: string, stdout: string, stderr: string, label: string): FleetdeckError {
  const error = /^error=(.*)$/m.exec(stdout)?.[1] ?? stderr.trim().split('\n').pop() ?? 'no output';
  if (/No space left/i.test(stderr)) return new FleetdeckError('no-space', `${label} ran out of disk space while installing ${what}.`);
  return new FleetdeckError('protocol-error', `Installing ${what} on ${label} failed: ${error}. Nothing half-installed was left behind.`);
}

async function startHelper(client: Client, argv: string[], expectedHash: string, label: string): Promise<HelperClient> {
  const stream = await execChannel(client, argv);
  return HelperClient.start(channelTransport(stream), { label, expectedHash });
}

const SUDO_PROMPT = '[fleetdeck-sudo-prompt]';

/**
 * Starts a second helper as root through sudo: `sudo -n` where allowed, else `sudo -S` fed the
 * password the user typed (in memory only; never logged, never stored in plain text).
 */
export async function startElevatedHelper(client: Client, deployed: DeployResult, opts: { label: string; password?: string; expectedHash: string }): Promise<HelperClient> {
  const { label } = opts;
  if (deployed.facts.sudo === 'absent') throw new FleetdeckError('sudo-required', `sudo is not installed on ${label}, so Fleetdeck cannot act as root there. Log in as root, or install sudo.`);
  const useNoPasswd = deployed.facts.sudo === 'nopasswd' || !opts.password;
  const argv = useNoPasswd
    ? ['sudo', '-n', '--', deployed.nodePath, deployed.helperPath]
    : ['sudo', '-S', '-p', SUDO_PROMPT, '--', deployed.nodePath, deployed.helperPath];
  const stream = await execChannel(client, argv);
  const transport = channelTransport(stream);
  let prompts = 0;
  let sudoError = '';
  const promptFailure = new Promise<never>((_, reject) => {
    stream.stderr.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      sudoError = (sudoError + text).slice(-2000);
      if (text.includes(SUDO_PROMPT)) {
        prompts++;
        if (prompts === 1 && opts.password !== undefined) stream.write(`${opts.password}\n`);
        else {
          transport.end();
          reject(new FleetdeckError('authentication-failed', `sudo on ${label} did not accept the password. Enter the sudo password of ${deployed.facts.user} again.`, { needs: 'sudo-password' }));
        }
      }
      if (/a password is required|a terminal is required/.test(text)) {
        transport.end();
        reject(new FleetdeckError('sudo-required', `sudo on ${label} needs a password for ${deployed.facts.user}: enter it, or add a NOPASSWD rule for Fleetdeck.`, { needs: 'sudo-password' }));
      }
      if (/is not in the sudoers file|not allowed to execute|may not run sudo/.test(text)) {
        transport.end();
        reject(new FleetdeckError('access-denied', `${deployed.facts.user} may not use sudo on ${label}. Ask an admin to grant it, or connect as an admin user.`));
      }
      if (/must have a tty/.test(text)) {
        transport.end();
        reject(new FleetdeckError('sudo-required', `sudo on ${label} requires a tty ("Defaults requiretty"). Remove that default for ${deployed.facts.user}, or add a NOPASSWD rule.`));
      }
    });
  });
  promptFailure.catch(() => undefined);
  const started = HelperClient.start(transport, { label: `${label} (root)`, expectedHash: opts.expectedHash, initTimeoutMs: 20_000 });
  return Promise.race([started, promptFailure]);
}
